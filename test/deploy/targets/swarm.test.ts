// `nixlab hub --target swarm` on a real two-node Docker Swarm (test/helpers/swarm.sh: two
// network namespaces joined by a veth pair, one dockerd in each, swarm init/join, a registry in
// the first namespace). `nixlab hub` runs inside the first namespace, as an operator on a
// manager would: it builds examples/hub's images offline, pushes them to the registry and writes
// the stack, which `docker stack deploy` starts. Then, through the hub's proxy: two users, one
// server on each node (the scheduler is steered by pausing a node, as an operator would); a cell
// in each kernel over the proxied websocket; the hub service restarted, and both users and the
// running server still there; a notebook written on the manager, the server stopped and started
// again on the worker (the manager paused), and the notebook read through the proxy there (the
// shared notebook directory). Everything is removed at the end, also when a step failed:
// engines, mounts, registry, namespaces, veth pair.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { JupyterServer } from '../../../src/engine/kernel-client.js';
import { until } from '../../e2e/lib.js';

/** How long a step may take on a loaded machine (ms): NIXLAB_TEST_SWARM_STEP_MS, default 5 minutes. */
const STEP_MS = Number(process.env.NIXLAB_TEST_SWARM_STEP_MS ?? 300_000);
const TOKEN = randomBytes(24).toString('hex');
/** The overlay network of examples/hub's deployment (hubNames: the image's name and `-hub`). */
const NETWORK = 'nixlab-hub-user-hub';
const SWARM = resolve('test/helpers/swarm.sh');
const dir = mkdtempSync('/tmp/sw.');
const out = join(dir, 'deploy');
const notebooks = join(dir, 'notebooks');
const env: Record<string, string> = {};
const made: { forward?: ReturnType<typeof inA>; server?: Server } = {};
let url = '';
let stack = '';
const timings: Record<string, number> = {};

const docker = async (host: string, args: string[]) => String((await execa('docker', ['-H', host, ...args])).stdout).trim();
const inA = (args: string[], opts: { env?: Record<string, string> } = {}) => execa('nsenter', [`--net=/var/run/netns/${env.NS_A}`, ...args], { ...opts, reject: false });

interface UserModel {
  servers: Record<string, { ready: boolean; pending: string | null }>;
}
async function api<T>(path: string, method = 'GET'): Promise<{ status: number; body: T }> {
  const r = await fetch(`${url}/hub/api${path}`, { method, headers: { Authorization: `token ${TOKEN}` }, signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
}
async function timed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[what] = Date.now() - t0;
  }
}

/** The node (ID) the running task of a user's service is on. */
async function nodeOf(user: string): Promise<string> {
  return until(`${user}'s service has a running task`, STEP_MS, async () => {
    const lines = (await docker(env.A_HOST!, ['service', 'ps', `jupyter-${user}`, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}', '--no-trunc'])).split('\n');
    // `.Node` is the hostname, the same for both nodes here: ask the task for its node ID.
    const ids = (await docker(env.A_HOST!, ['service', 'ps', `jupyter-${user}`, '--filter', 'desired-state=running', '-q', '--no-trunc'])).split('\n').filter(Boolean);
    if (!ids.length || !lines.some((l) => l.includes('Running'))) return undefined;
    return (await docker(env.A_HOST!, ['inspect', '-f', '{{.NodeID}}', ids[0]!])) || undefined;
  }, 500);
}
async function spawnAndWait(user: string): Promise<void> {
  expect([201, 202]).toContain((await api(`/users/${user}/server`, 'POST')).status);
  await until(`${user}'s server is ready`, STEP_MS, async () => ((await api<UserModel>(`/users/${user}`)).body.servers['']?.ready ? true : undefined), 500);
}
/** Runs one cell in a new kernel of the user's server, through the hub's proxy. */
async function runCell(user: string, code: string): Promise<string> {
  const server = new JupyterServer(`${url}/user/${user}`, TOKEN);
  const kernel = await server.startKernel('python3', STEP_MS);
  const ch = await server.channels(kernel, STEP_MS);
  try {
    return (await ch.execute(code)).stdout.trim();
  } finally {
    ch.close();
  }
}
const setAvailability = (node: string, availability: 'active' | 'pause') => docker(env.A_HOST!, ['node', 'update', '--availability', availability, node]);

beforeAll(async () => {
  const started = await execa('bash', [SWARM, 'start', dir], { reject: false });
  if (started.exitCode !== 0) throw new Error(`swarm.sh start failed: ${started.stderr}`);
  for (const line of String(started.stdout).split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
  }
  // examples/hub with the notebook directory every node sees (both nodes share this machine's
  // filesystem, as real nodes share an NFS mount at the same path).
  mkdirSync(notebooks);
  cpSync('examples/hub', join(dir, 'src'), { recursive: true });
  const yaml = readFileSync(join(dir, 'src', 'nixlab.yaml'), 'utf8');
  writeFileSync(join(dir, 'src', 'nixlab.yaml'), yaml.replace('  admin: admin\n', `  admin: admin\n  swarm: { notebooks: ${JSON.stringify(notebooks)} }\n`));
  const hub = await timed('nixlab hub (build, push)', () =>
    inA(['node', resolve('bin/run.js'), 'hub', join(dir, 'src'), '--target', 'swarm', '--registry', env.REGISTRY!, '--tls-verify=false', '--pkgs', 'offline', '--out', out, '--json', '-q'], { env: { DOCKER_HOST: env.A_HOST! } }),
  );
  if (hub.exitCode !== 0) throw new Error(`nixlab hub --target swarm failed (${hub.exitCode}): ${hub.stderr}`);
  stack = (JSON.parse(String(hub.stdout)) as { next: string }).next.match(/stack deploy -c stack\.yaml (\S+)/)![1]!;
  // The admin token, as an operator's automation would add it.
  appendFileSync(join(out, 'hub.env'), `NIXLAB_HUB_API_TOKEN=${TOKEN}\n`);
  await timed('docker stack deploy', () => execa('docker', ['-H', env.A_HOST!, 'stack', 'deploy', '--resolve-image', 'never', '-c', 'stack.yaml', stack], { cwd: out }));
  // The hub's port exists only in the first namespace: a forwarder there, reached through a unix socket.
  const sock = join(dir, 'hub.sock');
  made.forward = inA(['node', resolve('test/helpers/forward.mjs'), sock, '127.0.0.1', '8000']);
  await until('the forwarder listens', 30_000, async () => (existsSync(sock) ? true : undefined), 100);
  made.server = createServer((c) => {
    const u = connect(sock);
    c.pipe(u).pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
  });
  await new Promise<void>((ok) => made.server!.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(made.server.address() as { port: number }).port}`;
  await timed('the hub answers', () => until('the hub answers through its proxy', STEP_MS, async () => ((await fetch(`${url}/hub/api`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined))?.status === 200 ? true : undefined), 1000));
}, 1_800_000);

afterAll(async () => {
  process.stderr.write(`swarm test timings (ms): ${JSON.stringify(timings)}\n`);
  if (env.A_HOST && stack) await execa('docker', ['-H', env.A_HOST, 'stack', 'rm', stack], { reject: false });
  made.server?.close();
  made.forward?.kill('SIGTERM');
  await made.forward?.catch(() => undefined);
  const stopped = await execa('bash', [SWARM, 'stop', dir], { reject: false });
  // Nothing left: no namespace, veth, mount or process of this run.
  // swarm.sh names its namespaces and veth ends after the directory (its last six letters), so
  // they are found even when the start failed before it printed their names.
  const id = basename(dir).replace(/[^a-zA-Z0-9]/g, '').slice(-6);
  const left = [
    ...String((await execa('ip', ['netns', 'list'])).stdout).split('\n').filter((l) => l.startsWith(`nixlab-sw-${id}-`)),
    ...String((await execa('ip', ['-o', 'link', 'show'])).stdout).split('\n').filter((l) => l.includes(`nxsw${id}`)),
    ...readFileSync('/proc/self/mounts', 'utf8').split('\n').filter((l) => l.split(' ')[1]?.startsWith(`${dir}/`)),
    ...String((await execa('ps', ['-eo', 'pid,args'])).stdout).split('\n').filter((l) => l.includes(`${dir}/`) && !l.includes('ps -eo')),
  ];
  rmSync(dir, { recursive: true, force: true });
  if (stopped.exitCode !== 0 || left.length) throw new Error(`swarm.sh stop (${stopped.exitCode}): ${stopped.stderr}; left behind: ${left.join('; ')}`);
}, 300_000);

test('the stack: the hub on the manager, images by digest from the registry, secrets only in hub.env', async () => {
  const nodes = (await docker(env.A_HOST!, ['node', 'ls', '--format', '{{.ID}} {{.ManagerStatus}}'])).split('\n');
  expect(nodes).toHaveLength(2);
  const hubTask = (await docker(env.A_HOST!, ['service', 'ps', `${stack}_jupyterhub`, '--filter', 'desired-state=running', '-q', '--no-trunc'])).split('\n')[0]!;
  const hubNode = await docker(env.A_HOST!, ['inspect', '-f', '{{.NodeID}}', hubTask]);
  expect(nodes.find((n) => n.startsWith(hubNode))).toContain('Leader');
  const image = await docker(env.A_HOST!, ['service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `${stack}_jupyterhub`]);
  expect(image).toMatch(new RegExp(`^${env.REGISTRY!.replace(/\./g, '\\.')}/nixlab-hub-user-hub@sha256:[0-9a-f]{64}$`));
  expect(statSync(join(out, 'hub.env')).mode & 0o777).toBe(0o600);
  expect(readFileSync(join(out, 'stack.yaml'), 'utf8')).not.toContain(TOKEN);
});

test('two users, one server on each node, each runs a cell through the hub\'s proxy', async () => {
  for (const u of ['alice', 'bob']) expect((await api(`/users/${u}`, 'POST')).status).toBe(201);
  // alice's server on the manager (the hub's node), bob's on the worker.
  const worker = await docker(env.B_HOST!, ['info', '--format', '{{.Swarm.NodeID}}']);
  await setAvailability(worker, 'pause');
  try {
    await timed('spawn alice', () => spawnAndWait('alice'));
  } finally {
    await setAvailability(worker, 'active');
  }
  const aliceNode = await nodeOf('alice');
  expect(aliceNode).not.toBe(worker);
  // Steer the scheduler: no new task on alice's node while bob's server starts.
  await setAvailability(aliceNode, 'pause');
  try {
    await timed('spawn bob', () => spawnAndWait('bob'));
  } finally {
    await setAvailability(aliceNode, 'active');
  }
  const bobNode = await nodeOf('bob');
  expect(bobNode).not.toBe(aliceNode);
  expect(await runCell('alice', 'import numpy, os; print(int(numpy.int64(6) * 7), os.getuid(), os.getcwd())')).toBe('42 1000 /home/jovyan/work');
  expect(await runCell('bob', 'print(sum(range(10)))')).toBe('45');
}, 1_800_000);

test('a notebook survives a move between nodes: written on the manager, read through the proxy after the server starts again on the worker', async () => {
  const worker = await docker(env.B_HOST!, ['info', '--format', '{{.Swarm.NodeID}}']);
  const before = await nodeOf('alice');
  expect(before).not.toBe(worker);
  const notebook = { cells: [{ cell_type: 'code', source: 'print("moved")', metadata: {}, outputs: [], execution_count: null }], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  const server = () => new JupyterServer(`${url}/user/alice`, TOKEN);
  await server().json('/api/contents/moved.ipynb', { method: 'PUT', body: { type: 'notebook', content: notebook } });
  // On the shared directory, owned by the image's user (the hub made alice's directory for it).
  expect(statSync(join(notebooks, 'alice', 'moved.ipynb')).uid).toBe(1000);
  expect((await api('/users/alice/server', 'DELETE')).status).toBeLessThan(300);
  await until("alice's server is stopped", STEP_MS, async () => (Object.keys((await api<UserModel>('/users/alice')).body.servers).length === 0 ? true : undefined), 500);
  // Start it again with the manager paused: the scheduler can only place it on the worker.
  await setAvailability(before, 'pause');
  try {
    await timed('spawn alice on the other node', () => spawnAndWait('alice'));
  } finally {
    await setAvailability(before, 'active');
  }
  expect(await nodeOf('alice')).toBe(worker);
  const read = await timed('read the notebook after the move', () => server().json<{ content: typeof notebook }>('/api/contents/moved.ipynb'));
  expect(read.content.cells[0]!.source).toBe('print("moved")');
  expect(await runCell('alice', 'import os; print(sorted(os.listdir(".")))')).toContain("'moved.ipynb'");
}, 1_800_000);

test('a restarted hub service keeps its users and their running servers', async () => {
  await timed('hub restart', async () => {
    await docker(env.A_HOST!, ['service', 'update', '--force', '--detach', `${stack}_jupyterhub`]);
    // The old task goes away first: wait for the API to fail, then to answer again.
    await until('the hub restarts', STEP_MS, async () => ((await fetch(`${url}/hub/api`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined))?.status === 200 ? undefined : true), 250).catch(() => undefined);
    await until('the hub answers again', STEP_MS, async () => ((await fetch(`${url}/hub/api`, { signal: AbortSignal.timeout(10_000) }).catch(() => undefined))?.status === 200 ? true : undefined), 1000);
  });
  const users = (await api<Array<{ name: string }>>('/users')).body.map((u) => u.name);
  expect(users).toEqual(expect.arrayContaining(['alice', 'bob']));
  await until("bob's server is ready again in the hub", STEP_MS, async () => ((await api<UserModel>('/users/bob')).body.servers['']?.ready ? true : undefined), 500);
  // The old hub task leaves the overlay's DNS for `jupyterhub` a little after the new one answers;
  // until then bob's server may still reach for the old address (its token checks fail). Wait
  // for one hub endpoint, then for a cell to run.
  await timed('the overlay settles after the hub restart', async () => {
    await until('one hub endpoint on the overlay', STEP_MS, async () => {
      const services = JSON.parse(await docker(env.A_HOST!, ['network', 'inspect', '-v', '--format', '{{json .Services}}', NETWORK])) as Record<string, { Tasks: unknown[] }>;
      return services[`${stack}_jupyterhub`]?.Tasks.length === 1 ? true : undefined;
    }, 500);
    await until("a cell runs in bob's server after the hub restart", STEP_MS, async () => ((await runCell('bob', 'print("still here")')) === 'still here' ? true : undefined), 2000);
  });
}, 1_800_000);
