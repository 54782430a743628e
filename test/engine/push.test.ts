// `nixlab push` against a real registry (Debian's docker-registry on 127.0.0.1, plain HTTP, so
// every push says --tls-verify=false): the demo built offline (v1), then again after adding a
// package to one kernel (v2). A cold push uploads every layer; docker pulls and runs the image
// and skopeo inspects it; a push killed midway leaves no tag and its retry sends only the rest;
// the v2 push uploads only the changed kernel's layers (counted in the registry's access log);
// another repository mounts every layer; a read-only registry rejects the manifest and the tag
// keeps its image; a 401 and an unreachable registry are typed errors; credentials come from
// the docker config and are never printed; zstd layers decompress to their diff_ids.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { nixlab } from '../helpers/cli.js';
import { freePort } from '../helpers/jupyter.js';
import { Registry } from '../helpers/registry.js';
import { buildImage, configCopy, docker, dockerOk } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-push-'));
const cacheDir = join(work, 'cache');
const env = { NIXLAB_CACHE_DIR: cacheDir, DOCKER_CONFIG: join(work, 'no-docker-config') };
const registry = new Registry(join(work, 'registry'));
const v1 = join(work, 'v1.tar');
const v2 = join(work, 'v2.tar');
const LABEL = `nixlab.test.push=${process.pid}`;

interface Pushed {
  manifestDigest: string;
  configDigest: string;
  layers: { diffId: string; digest: string; group: string | null; action: string; compressed: boolean; mediaType: string }[];
  uploadedBlobs: number;
  uploadedBytes: number;
}

/** `nixlab push IMAGE docker://HOST/REPO --json --tls-verify=false` (extra flags after). */
async function push(image: string, host: string, repo: string, extra: string[] = [], extraEnv: Record<string, string> = {}) {
  return nixlab(['push', image, `docker://${host}/${repo}`, '--tls-verify=false', '--json', ...extra], { env: { ...env, ...extraEnv } });
}

async function pushOk(image: string, repo: string, extra: string[] = []): Promise<Pushed> {
  const r = await push(image, registry.host, repo, extra);
  if (r.exitCode !== 0) throw new Error(`nixlab push failed (${r.exitCode}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as Pushed;
}

let first: Pushed;
let config1: string;
const foreign = join(work, 'foreign.tar');

/** A one-layer image nixlab did not build: busybox imported into Docker, then `docker save`d. */
async function saveForeignImage(): Promise<void> {
  const root = join(work, 'foreign-root');
  mkdirSync(join(root, 'bin'), { recursive: true });
  await execa('cp', ['/bin/busybox', join(root, 'bin/busybox')]);
  const tarball = join(work, 'foreign-rootfs.tar');
  await execa('tar', ['-C', root, '-cf', tarball, '.']);
  const name = `nixlab-test-foreign:${process.pid}`;
  await dockerOk(['import', '--change', 'CMD ["/bin/busybox", "echo", "foreign ok"]', tarball, name]);
  await dockerOk(['save', '-o', foreign, name]);
  await dockerOk(['rmi', name]);
}

beforeAll(async () => {
  await registry.start();
  const demo = resolve('examples/demo/nixlab.yaml');
  const c1 = configCopy(demo, join(work, 'c1'), { tag: 'push-v1' });
  const c2 = configCopy(demo, join(work, 'c2'), { tag: 'push-v2' });
  const yaml = readFileSync(c2, 'utf8');
  // configCopy re-renders the YAML: the py-numpy kernel's list is its first `packages:` line.
  const numpy = /packages: \[ ?numpy ?\]\n/;
  expect(yaml).toMatch(numpy);
  writeFileSync(c2, yaml.replace(numpy, 'packages: [numpy, kiwisolver]\n'));
  config1 = c1;
  await buildImage(c1, v1, work);
  await buildImage(c2, v2, work);
  await saveForeignImage();
}, 900_000);

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids]);
  await docker(['rmi', '-f', `${registry.host}/demo:v1`]);
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('nixlab push to a registry on 127.0.0.1', () => {
  it('pushes the demo cold: every layer compressed and uploaded, the manifest last', async () => {
    const before = registry.accessLines().length;
    first = await pushOk(v1, 'demo:v1');
    expect(first.layers.length).toBeGreaterThan(10);
    expect(first.layers.every((l) => l.action === 'uploaded' && l.compressed && l.mediaType.endsWith('tar+gzip'))).toBe(true);
    const lines = registry.accessLines().slice(before);
    const uploads = Registry.uploads(lines, 'demo');
    expect(uploads.length).toBe(first.uploadedBlobs);
    expect(uploads.length).toBe(first.layers.length + 1);
    // The manifest is the last write: after every blob.
    const writes = lines.filter((l) => /"(PUT|POST|PATCH) /.test(l));
    expect(writes.at(-1)).toMatch(/"PUT \/v2\/demo\/manifests\/v1 HTTP\/1\.1" 201 /);
    expect(await registry.tagDigest('demo', 'v1')).toBe(first.manifestDigest);
  }, 300_000);

  it('docker pulls the pushed image and runs it: the server answers and a kernel prints 42', async () => {
    await dockerOk(['pull', '-q', `${registry.host}/demo:v1`]);
    const token = randomBytes(12).toString('hex');
    // The tests' engine has no bridge network (scripts/dockerd.sh): host networking, a port of our own.
    const port = await freePort();
    const id = await dockerOk(['run', '-d', '--label', LABEL, '--network', 'host', '-e', `JUPYTER_TOKEN=${token}`, '-e', `JUPYTER_PORT=${port}`, `${registry.host}/demo:v1`]);
    const server = new JupyterServer(`http://127.0.0.1:${port}`, token);
    await server.waitUntilUp(120_000);
    expect((await server.request('/api/status')).status).toBe(200);
    const kernel = await server.startKernel('py-numpy', 120_000);
    const channels = await server.channels(kernel);
    try {
      const r = await channels.execute('import numpy; print(6 * 7)', 120_000);
      expect(r.stdout).toContain('42');
    } finally {
      channels.close();
      await server.deleteKernel(kernel);
      await docker(['rm', '-f', id]);
    }
  }, 300_000);

  it('skopeo inspects it: the same digest, layers and labels', async () => {
    const r = await execa('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/demo:v1`]);
    const info = JSON.parse(r.stdout) as { Digest: string; Layers: string[]; Labels: Record<string, string> };
    expect(info.Digest).toBe(first.manifestDigest);
    expect(info.Layers).toEqual(first.layers.map((l) => l.digest));
    expect(JSON.parse(info.Labels['dev.nixlab.kernels']!).map((k: { name: string }) => k.name)).toEqual(['py-numpy', 'py-data', 'sh']);
  }, 60_000);

  it('after a one-kernel change uploads only that kernel’s layers (and the small image layer)', async () => {
    const before = registry.accessLines().length;
    const second = await pushOk(v2, 'demo:v2');
    const old = new Set(first.layers.map((l) => l.diffId));
    const changed = second.layers.filter((l) => !old.has(l.diffId));
    expect(changed.length).toBeGreaterThan(0);
    expect([...new Set(changed.map((l) => l.group))].sort()).toEqual(['image', 'kernel:py-numpy']);
    expect(second.layers.filter((l) => l.action === 'uploaded').map((l) => l.diffId)).toEqual(changed.map((l) => l.diffId));
    expect(second.layers.filter((l) => l.compressed).map((l) => l.diffId)).toEqual(changed.map((l) => l.diffId));
    expect(second.layers.filter((l) => l.action === 'present').length).toBe(second.layers.length - changed.length);
    // The registry's own account: the changed layers and the new config, nothing else.
    const uploads = Registry.uploads(registry.accessLines().slice(before), 'demo');
    expect(uploads.sort()).toEqual([...changed.map((l) => l.digest), second.configDigest].sort());
    expect(await registry.tagDigest('demo', 'v1')).toBe(first.manifestDigest);
  }, 300_000);

  it('mounts every layer into another repository of the same registry instead of uploading it', async () => {
    const before = registry.accessLines().length;
    const r = await pushOk(v1, 'team/copy:v1');
    expect(r.layers.every((l) => l.action === 'mounted')).toBe(true);
    expect(r.manifestDigest).toBe(first.manifestDigest);
    const lines = registry.accessLines().slice(before);
    expect(Registry.uploads(lines, 'team/copy')).toHaveLength(1); // the config only
    expect(lines.filter((l) => /"POST \/v2\/team\/copy\/blobs\/uploads\/\?mount=[^"]*" 201 /.test(l))).toHaveLength(r.layers.length);
  }, 120_000);

  it('pushes a config, built first: the same manifest as the archive built from it, every layer mounted', async () => {
    const r = await pushOk(config1, 'from-config/demo:v1', ['--pkgs', 'offline']);
    expect(r.manifestDigest).toBe(first.manifestDigest);
    expect(r.layers.every((l) => l.action === 'mounted')).toBe(true);
  }, 300_000);

  it('a push killed midway moves no tag; the retry completes and sends only what is missing', async () => {
    const repo = 'retry/demo';
    // --no-cache: every layer is compressed again and nothing can be mounted, so the push takes long enough to kill.
    const proc = execa('node', [resolve('bin/run.js'), 'push', v1, `docker://${registry.host}/${repo}:t`, '--tls-verify=false', '--no-cache'], { env, reject: false });
    let seen = '';
    await new Promise<void>((done) => {
      proc.stderr!.on('data', (c: Buffer) => {
        seen += c.toString();
        if ((seen.match(/ uploaded/g) ?? []).length >= 6) done();
      });
      void proc.then(() => done());
    });
    proc.kill('SIGKILL');
    const killed = await proc;
    expect(killed.signal).toBe('SIGKILL');
    // A body sent whole just before the kill is still logged by the registry a moment later.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await registry.tagDigest(repo, 't')).toBeNull();
    const sent = Registry.uploads(registry.accessLines(), repo).length;
    expect(sent).toBeGreaterThanOrEqual(6);
    expect(sent).toBeLessThan(first.layers.length);
    const before = registry.accessLines().length;
    const retry = await pushOk(v1, `${repo}:t`, ['--no-cache']);
    expect(retry.manifestDigest).toBe(first.manifestDigest);
    expect(retry.layers.filter((l) => l.action === 'present').length).toBeGreaterThanOrEqual(sent);
    expect(Registry.uploads(registry.accessLines().slice(before), repo).length).toBe(retry.uploadedBlobs);
    expect(retry.uploadedBlobs).toBe(first.layers.length + 1 - sent);
    expect(await registry.tagDigest(repo, 't')).toBe(first.manifestDigest);
  }, 300_000);

  it('a manifest the registry rejects is an error naming the registry and the step; the tag keeps its image', async () => {
    const ro = new Registry(join(work, 'readonly'), { storage: registry.storage, readonly: true });
    await ro.start();
    try {
      const r = await push(v1, ro.host, 'demo:v2');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`registry ${ro.host}: upload manifest failed (HTTP 405)`);
      expect(r.stderr).toMatch(/the tag still points at the image it had before/);
      expect(await ro.tagDigest('demo', 'v2')).not.toBe(first.manifestDigest);
      expect(await ro.tagDigest('demo', 'v2')).toBe(await registry.tagDigest('demo', 'v2'));
    } finally {
      await ro.stop();
    }
  }, 120_000);

  it('zstd: layers are compressed with zstd and decompress to their diff_ids', async () => {
    const r = await pushOk(v1, 'zstd/demo:v1', ['--compression', 'zstd']);
    expect(r.layers.every((l) => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd' && l.action === 'uploaded')).toBe(true);
    const raw = JSON.parse((await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/zstd/demo:v1`])).stdout);
    expect(raw.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual(r.layers.map(() => 'application/vnd.oci.image.layer.v1.tar+zstd'));
    const small = [...r.layers].sort((a, b) => a.diffId.localeCompare(b.diffId)).slice(0, 3);
    for (const l of small) {
      const blob = Buffer.from(await (await fetch(`http://${registry.host}/v2/zstd/demo/blobs/${l.digest}`)).arrayBuffer());
      const plain = (await execa('zstd', ['-d', '-c'], { input: blob, encoding: 'buffer' })).stdout as unknown as Uint8Array;
      expect(`sha256:${createHash('sha256').update(plain).digest('hex')}`).toBe(l.diffId);
    }
  }, 300_000);
});

describe('nixlab push of an image nixlab did not build', () => {
  it('pushes a docker save of an imported busybox, which skopeo inspects and docker runs', async () => {
    const r = await pushOk(foreign, 'foreign:v1');
    expect(r.layers).toHaveLength(1);
    expect(r.layers[0]!.group).toBeNull();
    const info = JSON.parse((await execa('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/foreign:v1`])).stdout) as { Digest: string };
    expect(info.Digest).toBe(r.manifestDigest);
    const out = await dockerOk(['run', '--rm', '--label', LABEL, `${registry.host}/foreign:v1`]);
    expect(out).toBe('foreign ok');
    await docker(['rmi', '-f', `${registry.host}/foreign:v1`]);
  }, 120_000);
});

describe('nixlab push: bad input and credentials', () => {
  it('an unreachable registry is an error naming it and the step, before anything is built', async () => {
    const port = await freePort();
    const r = await push(resolve('examples/demo/nixlab.yaml'), `127.0.0.1:${port}`, 'demo:v1', ['--pkgs', 'offline']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`registry 127.0.0.1:${port}: connect failed: cannot reach it: ECONNREFUSED`);
    expect(r.stderr).not.toMatch(/building/);
  });

  it('TLS by default: a plain-HTTP registry fails the TLS handshake and says to use --tls-verify=false', async () => {
    const r = await nixlab(['push', v1, `docker://${registry.host}/demo:tls`], { env });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`registry ${registry.host}: connect failed: TLS failed`);
    expect(r.stderr).toContain('--tls-verify=false');
  });

  it('a bad destination is exit 2', async () => {
    const r = await nixlab(['push', v1, 'registry/demo:v1'], { env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a docker:// registry reference');
  });

  describe('a registry with htpasswd auth', () => {
    // bcrypt of PASSWORD, made once with python3 -c "import crypt; print(crypt.crypt('nixlab-test-pw',
    // crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))": the registry accepts only bcrypt.
    const PASSWORD = 'nixlab-test-pw';
    const auth = new Registry(join(work, 'auth'), { htpasswd: 'tester:$2b$04$do5q8XlUxWJd.Ob6hcIOH.rRGEWJrYHHOQSub.fxdU0ukQnVKNe0.\n' });
    beforeAll(() => auth.start(), 60_000);
    afterAll(() => auth.stop());

    it('without credentials: a 401 is exit 2 naming the registry and the step, and says how to log in', async () => {
      const r = await push(v1, auth.host, 'demo:v1');
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`registry ${auth.host} (check blob): asks for credentials (HTTP 401) and none are configured`);
      expect(r.stderr).toContain(`docker login ${auth.host}`);
    });

    it('wrong credentials from the environment are refused and never printed', async () => {
      const r = await push(v1, auth.host, 'demo:v1', [], { NIXLAB_REGISTRY_USERNAME: 'tester', NIXLAB_REGISTRY_PASSWORD: 'wrong-secret-value' });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('refused the credentials from $NIXLAB_REGISTRY_USERNAME/$NIXLAB_REGISTRY_PASSWORD (HTTP 401)');
      expect(r.stderr + r.stdout).not.toContain('wrong-secret-value');
    });

    it('with credentials from the docker config it pushes, and never prints them', async () => {
      const dockerConfig = join(work, 'docker-config');
      mkdirSync(dockerConfig, { recursive: true });
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [auth.host]: { auth: Buffer.from(`tester:${PASSWORD}`).toString('base64') } } }));
      const r = await nixlab(['push', foreign, `docker://${auth.host}/foreign:v1`, '--tls-verify=false'], { env: { ...env, DOCKER_CONFIG: dockerConfig } });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^pushed ${auth.host}/foreign:v1 \\(sha256:[0-9a-f]{64}\\)\n`));
      expect(await fetch(`http://${auth.host}/v2/foreign/manifests/v1`, { method: 'HEAD' }).then((x) => x.status)).toBe(401);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(r.stdout + r.stderr).not.toContain(Buffer.from(`tester:${PASSWORD}`).toString('base64'));
    }, 120_000);
  });
});
