// `nixlab hub --target kubernetes` for real: examples/hub's single-user image and its hub image
// (KubeSpawner, built by nix-build from the offline set) pushed to a real registry (Debian's
// docker-registry on 127.0.0.1) and named by digest in zero-to-jupyterhub's values.yaml
// (`singleuser.image`, `hub.image`). The hub image is pulled by that exact reference into the
// engine at DOCKER_HOST (a private dockerd) and run as the chart runs it (uid 1000, its
// `jupyterhub` args under the image's tini); its own Python does what the chart's hub config
// does (imports, curl client, hub.extraEnv, hub.extraConfig) and loads the values' KubeSpawner
// settings into its KubeSpawner, whose traitlets must accept every value. The pod it builds for a
// user is checked: the image by the pushed digest, the image user's uid and group, the user's
// volume at the notebook directory, the image's own environment, and the command, which is the
// image's jupyterhub-singleuser. The same check runs in KubeSpawner's venv (the target's verify
// hook). Then the hub image starts as the chart starts it (uid 1000, its args, its mount paths, a
// stand-in for its config: test/deploy/fixtures/chart-hub) and the admin logs in. No cluster and
// no Helm run here (README: "Beyond one host").
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { KUBERNETES_HUB_IMAGE, kubespawnerPod } from '../../../src/deploy/targets/kubernetes.js';
import { nixlab } from '../../helpers/cli.js';
import { Registry } from '../../helpers/registry.js';
import { Browser, HUB_START_MS, freePort, hubAnswers } from '../hub-lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-k8s-'));
const registry = new Registry(join(work, 'registry'));
const out = join(work, 'deploy');

interface Container {
  image: string;
  args: string[];
  env: Array<{ name: string; value: string }>;
  securityContext: { runAsUser: number; runAsGroup: number };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

beforeAll(async () => {
  await registry.start();
  cpSync('examples/hub', join(work, 'src'), { recursive: true });
  const r = await nixlab(['hub', join(work, 'src'), '--target', 'kubernetes', '--registry', registry.host, '--tls-verify=false', '--pkgs', 'offline', '--out', out, '--json', '-q']);
  if (r.exitCode !== 0) throw new Error(`nixlab hub --target kubernetes failed (${r.exitCode}): ${r.stderr}`);
}, 900_000);

/** The hub image as values.yaml names it (`name:tag`, the tag ending in its digest), once pulled. */
let hubReference: string | undefined;
const docker = (args: string[]) => execa('docker', args, { reject: false });

/** The hub container the chart-like start runs, and its network (removed at the end, also when a step failed). */
const hubContainer = `nixlab-k8s-hub-${process.pid}`;

afterAll(async () => {
  await docker(['rm', '-f', '-v', hubContainer]);
  await docker(['network', 'rm', hubContainer]);
  if (hubReference) await docker(['rmi', hubReference]);
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
});

test('values.yaml: the pushed image by digest, its uid/gid, command and environment, a volume per user, the authenticator and admin; the helm line', async () => {
  const text = readFileSync(join(out, 'values.yaml'), 'utf8');
  expect(statSync(join(out, 'values.yaml')).mode & 0o777).toBe(0o600);
  expect(text).toContain('helm upgrade --install nixlab-hub-user-hub jupyterhub/jupyterhub --repo https://hub.jupyter.org/helm-chart');
  const values = parse(text);
  const digest = await registry.tagDigest('nixlab-hub-user', 'latest');
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(values.singleuser.image).toEqual({ name: `${registry.host}/nixlab-hub-user`, tag: `latest@${digest}`, pullPolicy: 'IfNotPresent' });
  // nixlab's hub image, pushed beside it and named by its digest the same way.
  const hubDigest = await registry.tagDigest('nixlab-hub-user-hub', 'latest');
  expect(hubDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(hubDigest).not.toBe(digest);
  expect(values.hub.image).toEqual({ name: `${registry.host}/nixlab-hub-user-hub`, tag: `latest@${hubDigest}`, pullPolicy: 'IfNotPresent' });
  expect(values.singleuser.uid).toBe(1000);
  expect(values.singleuser.fsGid).toBe(100);
  expect(values.singleuser.storage).toMatchObject({ type: 'dynamic', capacity: '10Gi', homeMountPath: '/home/jovyan/work' });
  expect(values.hub.config.Authenticator.admin_users).toEqual(['admin']);
  expect(values.hub.extraConfig['nixlab-authenticator']).toContain('c.JupyterHub.authenticator_class = NixlabNativeAuthenticator');
  // The chart's parts and KubeSpawner's settings say the same.
  const ks = values.hub.config.KubeSpawner;
  expect(ks.image).toBe(`${values.singleuser.image.name}@${digest}`);
  expect(ks.cmd).toEqual(values.singleuser.cmd);
  expect(ks.environment).toEqual(values.singleuser.extraEnv);
  // Same input, same bytes: a rerun into the same directory keeps the admin's generated password.
  const again = await nixlab(['hub', join(work, 'src'), '--target', 'kubernetes', '--registry', registry.host, '--tls-verify=false', '--pkgs', 'offline', '--out', out, '-q']);
  expect(again.exitCode).toBe(0);
  expect(again.stdout).toMatch(/admin admin: its password is NIXLAB_HUB_ADMIN_PASSWORD in .*values\.yaml \(kept from the last run\)/);
  expect(readFileSync(join(out, 'values.yaml'), 'utf8')).toBe(text);
}, 900_000);

interface Pod {
  spec: { containers: Container[]; securityContext: { fsGroup: number }; volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }> };
}

/** The pod KubeSpawner built for alice from values.yaml: image by digest, uid, volume, environment, command. */
function checkPod(pod: Pod, values: ReturnType<typeof parse>): void {
  const spec = pod.spec;
  const c = spec.containers[0]!;
  expect(c.image).toBe(values.hub.config.KubeSpawner.image);
  expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/);
  expect(c.securityContext).toMatchObject({ runAsUser: 1000, runAsGroup: 100 });
  expect(spec.securityContext.fsGroup).toBe(100);
  expect(c.volumeMounts).toEqual([{ name: 'volume-alice', mountPath: '/home/jovyan/work' }]);
  expect(spec.volumes).toEqual([{ name: 'volume-alice', persistentVolumeClaim: { claimName: 'claim-alice' } }]);
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  for (const [k, v] of Object.entries(values.singleuser.extraEnv as Record<string, string>)) expect(env[k]).toBe(v);
  expect(env.JUPYTERHUB_USER).toBe('alice');
  expect(env.JUPYTER_CONFIG_DIR ?? env.JUPYTER_PATH ?? env.PATH).toBeDefined();
  // The command is the image's own Cmd (its Entrypoint, tini, stays): the runtime's start wrapper
  // and the image's jupyterhub-singleuser, programs of the image's closure.
  expect(c.args).toEqual(values.singleuser.cmd);
  expect(c.args.at(-1)).toMatch(/^\/nix\/store\/[^/]+\/bin\/jupyterhub-singleuser$/);
  for (const program of c.args) expect(existsSync(program)).toBe(true);
}

test('the hub image, pulled by the values\' reference, runs the chart\'s way: its Python takes the chart\'s part and every KubeSpawner value, and builds the pod', async () => {
  const values = parse(readFileSync(join(out, 'values.yaml'), 'utf8'));
  const reference = `${values.hub.image.name}:${values.hub.image.tag}`;
  const pulled = await docker(['pull', '-q', reference]);
  expect([pulled.exitCode, pulled.stderr]).toEqual([0, '']);
  hubReference = reference;
  const inspect = await docker(['image', 'inspect', '--format', '{{json .Config}}', reference]);
  expect(inspect.exitCode).toBe(0);
  const config = JSON.parse(inspect.stdout) as { WorkingDir: string; Volumes: Record<string, unknown>; Entrypoint: string[]; Cmd: string[] };
  // The chart mounts the hub's volume at /srv/jupyterhub, and its sqlite URL is relative.
  expect(config.WorkingDir).toBe(KUBERNETES_HUB_IMAGE.dataDir);
  expect(Object.keys(config.Volumes)).toEqual([KUBERNETES_HUB_IMAGE.dataDir]);
  expect(config.Entrypoint[0]).toMatch(/\/tini$/);
  expect(config.Cmd.slice(1)).toEqual(['-f', '/usr/local/etc/jupyterhub/jupyterhub_config.py']);
  // The chart's container: its args (`jupyterhub --config …`) under the image's entrypoint, as uid 1000.
  const version = await docker(['run', '--rm', '--network', 'none', '--user', '1000:1000', reference, 'jupyterhub', '--version']);
  expect([version.exitCode, version.stderr]).toEqual([0, '']);
  expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);

  const { pod, traits, hub } = await kubespawnerPod(out, 'alice', { hubImage: reference });
  expect(hub).toEqual({ spawner: 'kubespawner.spawner.KubeSpawner', authenticator: 'jupyterhub_config.NixlabNativeAuthenticator' });
  expect(Object.keys(traits).sort()).toEqual(Object.keys(values.hub.config.KubeSpawner).sort());
  checkPod(pod as unknown as Pod, values);
}, 300_000);

test('KubeSpawner\'s venv (the target\'s verify hook) builds the same pod', async () => {
  const values = parse(readFileSync(join(out, 'values.yaml'), 'utf8'));
  const { pod, traits } = await kubespawnerPod(out, 'alice');
  expect(Object.keys(traits).sort()).toEqual(Object.keys(values.hub.config.KubeSpawner).sort());
  checkPod(pod as unknown as Pod, values);
});

test('the hub image starts as the chart starts it (uid 1000, its args, its config and values paths, the volume at /srv/jupyterhub) and the admin logs in', async () => {
  expect(hubReference).toBeDefined();
  const values = parse(readFileSync(join(out, 'values.yaml'), 'utf8'));
  // What the chart mounts: its config at /usr/local/etc/jupyterhub/ and the values in secret/
  // (a stand-in config: test/deploy/fixtures/chart-hub), readable by the hub's uid.
  const etc = join(work, 'chart-etc');
  mkdirSync(join(etc, 'secret'), { recursive: true });
  cpSync('test/deploy/fixtures/chart-hub/jupyterhub_config.py', join(etc, 'jupyterhub_config.py'));
  writeFileSync(join(etc, 'secret', 'values.yaml'), readFileSync(join(out, 'values.yaml')));
  for (const f of ['jupyterhub_config.py', 'secret/values.yaml']) chmodSync(join(etc, f), 0o644);
  const port = await freePort();
  const env = Object.entries(values.hub.extraEnv as Record<string, string>).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  // A network of its own, whose DNS knows the container's hostname, as a pod's /etc/hosts does.
  expect((await docker(['network', 'create', hubContainer])).exitCode).toBe(0);
  const run = await docker([
    'run', '--detach', '--name', hubContainer, '--network', hubContainer, '--user', '1000:1000', '--publish', `127.0.0.1:${port}:8000`, ...env,
    // The chart's hub volume, writable by its fsGroup 1000.
    '--tmpfs', `${KUBERNETES_HUB_IMAGE.dataDir}:uid=1000,gid=1000`,
    '--volume', `${join(etc, 'jupyterhub_config.py')}:${KUBERNETES_HUB_IMAGE.configPath}:ro`,
    '--volume', `${join(etc, 'secret')}:/usr/local/etc/jupyterhub/secret:ro`,
    hubReference!, 'jupyterhub', '--config', KUBERNETES_HUB_IMAGE.configPath, '--upgrade-db',
  ]);
  expect([run.exitCode, run.stderr]).toEqual([0, '']);
  const url = `http://127.0.0.1:${port}`;
  try {
    await hubAnswers(url, 'the hub answers through its proxy', HUB_START_MS);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${(await docker(['logs', '--tail', '40', hubContainer])).stderr}`);
  }
  // The hub's state is in the chart's volume (its working directory).
  const state = await docker(['exec', hubContainer, 'ls', KUBERNETES_HUB_IMAGE.dataDir]);
  expect(state.stdout.split('\n')).toContain('jupyterhub.sqlite');
  // NativeAuthenticator (hub.extraConfig) made the admin with the password in hub.extraEnv before the hub answered.
  // (Logging in goes straight to the API: the hub's default next page would spawn a pod.)
  const password = (values.hub.extraEnv as Record<string, string>).NIXLAB_HUB_ADMIN_PASSWORD!;
  const next = `/hub/login?next=${encodeURIComponent('/hub/api/user')}`;
  const intruder = new Browser(url);
  await intruder.go('/hub/login');
  const refused = await intruder.go(next, { username: 'admin', password: `${password}x` });
  expect(refused.url).toContain('/hub/login');
  const admin = new Browser(url);
  await admin.go('/hub/login');
  const user = await admin.go(next, { username: 'admin', password });
  expect([user.status, user.url]).toEqual([200, `${url}/hub/api/user`]);
  expect(JSON.parse(user.text)).toMatchObject({ name: 'admin', admin: true });
  const logs = await docker(['logs', hubContainer]);
  const log = logs.stdout + logs.stderr;
  expect(log).toMatch(/Using Spawner: kubespawner\.spawner\.KubeSpawner/);
  expect(log).toMatch(/Using Authenticator: \S*NixlabNativeAuthenticator/);
}, 600_000);
