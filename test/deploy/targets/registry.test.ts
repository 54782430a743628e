// The deployment-target registry (src/deploy/targets): every target's files from examples/hub are
// the same bytes twice and pass the target's own check (`verify`: docker-compose's parser for
// compose.yaml and stack.yaml, the real KubeSpawner for values.yaml); the schema takes each
// target's settings under `hub.<name>` and refuses bad ones with a fix; `nixlab hub --target`
// refuses what the target cannot deploy before anything is built (exit 2).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/definitions/load.js';
import type { NormalizedConfig } from '../../../src/definitions/types.js';
import { deployTargets, targetOf } from '../../../src/deploy/targets/index.js';
import { nixlab } from '../../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-targets-'));
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const images = { singleUser: `registry.test:5000/nixlab-hub-user@${DIGEST}`, hub: `registry.test:5000/nixlab-hub-user-hub@${DIGEST}` };
const admin = { value: 'an admin password of forty-three characters, here', origin: 'generated' as const };
const singleUserConfig = { Entrypoint: ['/nix/store/x-tini/bin/tini', '--'], Cmd: ['/nix/store/x-env/bin/jupyterhub-singleuser'], Env: ['PATH=/nix/store/x-env/bin', 'JUPYTER_CONFIG_DIR=/etc/jupyter'], User: '1000:100' };

let config: NormalizedConfig;
beforeAll(async () => {
  const loaded = await loadConfig('examples/hub/nixlab.yaml');
  config = { ...loaded.config, hub: { ...loaded.config.hub!, swarm: { notebooks: '/srv/nixlab/users' } } };
});

describe.each(deployTargets.map((t) => [t.name, t] as const))('target %s', (name, target) => {
  const files = () => target.files({ config, source: 'nixlab.yaml', settings: (config.hub as unknown as Record<string, never>)[name], images, singleUserConfig, dockerSocket: '/run/dk/a.sock', previous: () => undefined, admin });

  it('writes the same bytes twice, and its files pass its own check', async () => {
    const [a, b] = [files(), files()];
    expect(a).toEqual(b);
    expect(a.length).toBeGreaterThan(0);
    const dir = join(work, name);
    cpSync('examples/hub', dir, { recursive: true });
    for (const f of a) writeFileSync(join(dir, f.path), f.text, { mode: f.mode });
    expect(await target.verify!(dir)).toEqual([]);
    // A broken file fails the check: it can fail.
    const first = a.find((f) => /\.ya?ml$/.test(f.path))!;
    writeFileSync(join(dir, first.path), first.text.replace(/^(\S+):/m, '$1: [unclosed'));
    expect((await target.verify!(dir).catch((e: Error) => [e.message])).length).toBeGreaterThan(0);
  }, 120_000);

  it('names the files it writes before they are built, and puts the admin\'s password in its secrets file', () => {
    expect(files().map((f) => f.path).sort()).toEqual([...target.fileNames].sort());
    const secrets = target.secretsFile ? files().find((f) => f.path === target.secretsFile) : files().find((f) => f.text.includes('NIXLAB_HUB_ADMIN_PASSWORD'));
    expect(secrets?.mode).toBe(0o600);
    expect(secrets?.text).toMatch(/NIXLAB_HUB_ADMIN_PASSWORD.*an admin password of forty-three characters, here/);
    // A rerun reads it back from what this run wrote, so the admin keeps the password.
    const written = new Map(files().map((f) => [f.path, f.text]));
    expect(target.keptAdminPassword?.((p) => written.get(p))).toBe(admin.value);
  });

  it('has a summary, a next step, and names images as the target gets them', () => {
    expect(target.summary.length).toBeGreaterThan(20);
    expect(target.next('/out', config)).toContain('/out');
    const text = files().map((f) => f.text).join('\n');
    if (target.images === 'push') expect(text).toContain(images.singleUser);
    expect(targetOf(name)).toBe(target);
  });
});

test('swarm: SwarmSpawner with dnsrr, the overlay network, the image by digest, notebooks on the shared path; the hub on a manager with the socket', () => {
  const swarm = targetOf('swarm')!;
  const out = Object.fromEntries(swarm.files({ config, source: 'nixlab.yaml', settings: config.hub!.swarm, images, singleUserConfig, dockerSocket: '/run/dk/a.sock', previous: () => undefined, admin }).map((f) => [f.path, f]));
  const py = out['jupyterhub_config.py']!.text;
  expect(py).toContain('c.JupyterHub.spawner_class = "dockerspawner.SwarmSpawner"');
  expect(py).toContain('c.SwarmSpawner.extra_endpoint_spec = {"mode": "dnsrr"}');
  expect(py).toContain('c.SwarmSpawner.use_internal_ip = True');
  expect(py).toContain(`c.SwarmSpawner.allowed_images = ["${images.singleUser}"]`);
  expect(py).toContain('c.SwarmSpawner.volumes = {"/srv/nixlab/users/{username}": "/home/jovyan/work"}');
  // The hub asks the swarm's DNS afresh on every connection: a server moved to another node has a new address.
  expect(py).toContain('c.JupyterHubHTTPClient.connector_options = {"resolver": _NixlabFreshResolver(), "use_dns_cache": False}');
  // It is Python (the real hub runs it in test/deploy/targets/swarm.test.ts; here only its syntax).
  expect(execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read()); print("ok")'], { input: py }).toString().trim()).toBe('ok');
  // The compose target's authenticator and admin lines, shared.
  expect(py).toContain('c.JupyterHub.authenticator_class = NixlabNativeAuthenticator');
  expect(py).toContain('c.Authenticator.admin_users = {"admin"}');
  const stack = parse(out['stack.yaml']!.text);
  const hub = stack.services.jupyterhub;
  expect(hub.image).toBe(images.hub);
  expect(hub.deploy.placement.constraints).toEqual(['node.role == manager']);
  expect(hub.deploy.endpoint_mode).toBe('dnsrr');
  expect(hub.ports[0].mode).toBe('host');
  expect(hub.volumes[0].source).toBe('${NIXLAB_DOCKER_SOCKET:-/run/dk/a.sock}');
  expect(stack.networks.hub).toEqual({ name: 'nixlab-hub-user-hub', driver: 'overlay', attachable: true });
  expect(out['hub.env']!.mode).toBe(0o600);
});

test('the schema takes hub.swarm and hub.kubernetes and refuses bad values with a fix; --target refuses what it cannot deploy before building (exit 2)', async () => {
  const dir = join(work, 'bad');
  cpSync('examples/hub', dir, { recursive: true });
  const yaml = readFileSync(join(dir, 'nixlab.yaml'), 'utf8');
  writeFileSync(join(dir, 'nixlab.yaml'), yaml.replace('  admin: admin\n', '  admin: admin\n  swarm: { notebooks: relative/dir }\n  kubernetes: { storage: lots }\n'));
  const bad = await nixlab(['validate', dir]);
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr).toMatch(/hub\.swarm\.notebooks|hub\/swarm\/notebooks/);
  expect(bad.stderr).toMatch(/hub\.kubernetes\.storage|hub\/kubernetes\/storage/);

  const plain = join(work, 'plain');
  cpSync('examples/hub', plain, { recursive: true });
  const noNotebooks = await nixlab(['hub', plain, '--target', 'swarm', '--registry', '127.0.0.1:1', '--pkgs', 'offline', '--out', join(work, 'never')]);
  expect(noNotebooks.exitCode).toBe(2);
  expect(noNotebooks.stderr).toContain('hub.swarm.notebooks');
  const noRegistry = await nixlab(['hub', plain, '--target', 'kubernetes', '--pkgs', 'offline', '--out', join(work, 'never')]);
  expect(noRegistry.exitCode).toBe(2);
  expect(noRegistry.stderr).toContain('--registry');
  const unknown = await nixlab(['hub', plain, '--target', 'nomad', '--out', join(work, 'never')]);
  expect(unknown.exitCode).toBe(2);
  expect(() => readFileSync(join(work, 'never', 'stack.yaml'))).toThrow();
}, 120_000);
