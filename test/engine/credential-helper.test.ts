// `nixlab push` with credentials from a real docker credential helper: Debian's
// docker-credential-pass (golang-docker-credential-helpers) over `pass` and a gpg key made for
// the test in its own GNUPGHOME, against Debian's docker-registry with htpasswd auth on
// 127.0.0.1. credsStore and credHelpers both reach the helper; the secret is never printed; a
// missing helper, a helper that fails (no secret key) and a registry the helper does not know
// give the errors they should.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { Registry } from '../helpers/registry.js';
import { dockerOk } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-credhelper-'));
const gnupg = join(work, 'gnupg');
const store = join(work, 'password-store');
const helperEnv = { GNUPGHOME: gnupg, PASSWORD_STORE_DIR: store };
// bcrypt of PASSWORD (the same pair as push.test.ts): the registry accepts only bcrypt.
const PASSWORD = 'nixlab-test-pw';
const auth = new Registry(join(work, 'auth'), { htpasswd: 'tester:$2b$04$do5q8XlUxWJd.Ob6hcIOH.rRGEWJrYHHOQSub.fxdU0ukQnVKNe0.\n' });
const image = join(work, 'foreign.tar');

/** A docker config directory holding `config`. */
function dockerConfig(name: string, config: unknown): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function push(config: string, repo: string, env: Record<string, string> = helperEnv) {
  return nixlab(['push', image, `docker://${auth.host}/${repo}`, '--tls-verify=false'], { env: { ...env, DOCKER_CONFIG: config, NIXLAB_CACHE_DIR: join(work, 'cache') } });
}

beforeAll(async () => {
  await auth.start();
  mkdirSync(gnupg, { mode: 0o700 });
  await execa('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'nixlab-test@nixlab.invalid', 'default', 'default', 'never'], { env: helperEnv });
  await execa('pass', ['init', 'nixlab-test@nixlab.invalid'], { env: helperEnv });
  await execa('docker-credential-pass', ['store'], { env: helperEnv, input: JSON.stringify({ ServerURL: auth.host, Username: 'tester', Secret: PASSWORD }) });
  const root = join(work, 'root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  await execa('cp', ['/bin/busybox', join(root, 'bin/busybox')]);
  await execa('tar', ['-C', root, '-cf', join(work, 'rootfs.tar'), '.']);
  const name = `nixlab-test-credhelper:${process.pid}`;
  await dockerOk(['import', join(work, 'rootfs.tar'), name]);
  await dockerOk(['save', '-o', image, name]);
  await dockerOk(['rmi', name]);
}, 300_000);

afterAll(async () => {
  await auth.stop();
  await execa('gpgconf', ['--kill', 'gpg-agent'], { env: helperEnv, reject: false });
  rmSync(work, { recursive: true, force: true });
});

describe('push credentials from a docker credential helper (docker-credential-pass)', () => {
  it('credsStore: pushes with the helper\'s credentials and never prints them', async () => {
    const r = await push(dockerConfig('store', { credsStore: 'pass' }), 'cred:store');
    expect(r.stderr).not.toContain('failed');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^pushed ${auth.host}/cred:store \\(sha256:[0-9a-f]{64}\\)\n`));
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    // The registry really needs them: anonymous reads are refused, authenticated ones see the tag.
    expect(await fetch(`http://${auth.host}/v2/cred/manifests/store`, { method: 'HEAD' }).then((x) => x.status)).toBe(401);
    const basic = `Basic ${Buffer.from(`tester:${PASSWORD}`).toString('base64')}`;
    const head = await fetch(`http://${auth.host}/v2/cred/manifests/store`, { method: 'HEAD', headers: { authorization: basic, accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    expect(head.status).toBe(200);
  }, 180_000);

  it('credHelpers: the helper named for this registry wins over auths', async () => {
    const config = dockerConfig('helpers', { credHelpers: { [auth.host]: 'pass' }, auths: { [auth.host]: { auth: Buffer.from('tester:wrong').toString('base64') } } });
    const r = await push(config, 'cred:helpers');
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 180_000);

  it('a missing helper binary is a typed error naming the helper and the registry', async () => {
    const r = await push(dockerConfig('missing', { credHelpers: { [auth.host]: 'nixlab-missing' } }), 'cred:missing');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`credential helper docker-credential-nixlab-missing for registry ${auth.host}`);
    expect(r.stderr).toContain('docker-credential-nixlab-missing is not on PATH');
  }, 60_000);

  it('a helper that fails (no secret key to decrypt with) names the helper, the registry and its complaint', async () => {
    const empty = join(work, 'empty-gnupg');
    mkdirSync(empty, { mode: 0o700 });
    const r = await push(dockerConfig('failing', { credsStore: 'pass' }), 'cred:failing', { GNUPGHOME: empty, PASSWORD_STORE_DIR: store });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`credential helper docker-credential-pass for registry ${auth.host}`);
    expect(r.stderr).toMatch(/docker-credential-pass get failed \(exit 1\): .*(secret key|gpg)/);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  }, 60_000);

  it('a registry the helper has nothing for falls back to auths, then to none', async () => {
    const other = join(work, 'other-store');
    await execa('pass', ['init', '--path=', 'nixlab-test@nixlab.invalid'], { env: { ...helperEnv, PASSWORD_STORE_DIR: other } });
    const env = { GNUPGHOME: gnupg, PASSWORD_STORE_DIR: other };
    const none = await push(dockerConfig('none', { credsStore: 'pass' }), 'cred:none', env);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('asks for credentials (HTTP 401) and none are configured');
    const withAuths = await push(dockerConfig('fallback', { credsStore: 'pass', auths: { [auth.host]: { auth: Buffer.from(`tester:${PASSWORD}`).toString('base64') } } }), 'cred:fallback', env);
    expect(withAuths.exitCode).toBe(0);
  }, 180_000);
});
