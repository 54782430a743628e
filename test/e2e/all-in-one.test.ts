// Seed 000, the all-in-one lab, as its users run it: examples/all-in-one built with `nixlab build
// --pkgs offline`, `docker load`ed, and started with `docker run -d --user UID:GID -e JUPYTER_TOKEN
// -v HOSTDIR:/data --restart unless-stopped` under the real engine, as a host uid that is in no
// /etc/passwd. Every kernel the image declares (its dev.nixlab.kernels label) runs its kind's
// snippet over the websocket as that uid; a notebook saved through the API lands in the host
// directory owned by uid and gid; and when the server's process ends, the restart policy brings
// the same container back, serving the same notebooks with the same token.
import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { kindOf } from '../../src/kernels/index.js';
import { KERNELS_LABEL, parseKernelsLabel } from '../../src/runtime/image.js';
import { buildImage, configCopy, docker, dockerOk, hostPort, until } from './lib.js';

const EXAMPLE = 'examples/all-in-one/nixlab.yaml';
const work = mkdtempSync(join(tmpdir(), 'nixlab-all-in-one-'));
const TAG = `aio${process.pid}`;
const REF = `nixlab-all-in-one:${TAG}`;
const LABEL = `nixlab.test=${process.pid}`;
const NETWORK = `nixlab-aio-${process.pid}`;
// A host user as on a workstation: not the image's user (1000), not in the image's /etc/passwd.
const HOST_UID = 4242;
const HOST_GID = 4343;
const TOKEN = 'aio-' + Math.random().toString(36).slice(2);
const data = join(work, 'lab');
const timings: Record<string, number> = {};
let container = '';
let server: JupyterServer;

/** The server answers with the token; fails early when the container is gone. */
const serving = (ms: number) =>
  server.waitUntilUp(ms, async () => ((await dockerOk(['inspect', '-f', '{{.State.Status}}', container])) === 'exited' ? 'the container exited' : undefined));

beforeAll(async () => {
  const start = Date.now();
  const tar = join(work, 'all-in-one.tar');
  await buildImage(configCopy(EXAMPLE, work, { tag: TAG }), tar, work);
  timings['build ms'] = Date.now() - start;
  expect(await dockerOk(['load', '-i', tar])).toBe(`Loaded image: ${REF}`);
  timings['load ms'] = Date.now() - start - timings['build ms']!;
  await dockerOk(['network', 'create', '--label', LABEL, NETWORK]);
  mkdirSync(data);
  chownSync(data, HOST_UID, HOST_GID);
  container = await dockerOk([
    'run', '-d', '--label', LABEL, '--network', NETWORK, '-p', '127.0.0.1::8888',
    '--user', `${HOST_UID}:${HOST_GID}`, '-e', `JUPYTER_TOKEN=${TOKEN}`, '-v', `${data}:/data`, '--restart', 'unless-stopped', REF,
  ]);
  server = new JupyterServer(`http://127.0.0.1:${await hostPort(container)}`, TOKEN);
  timings['server up ms'] = await serving(180_000);
}, 900_000);

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['network', 'rm', NETWORK]);
  await docker(['rmi', REF]);
  process.stdout.write(`all-in-one e2e timings: ${JSON.stringify(timings)}\n`);
});

/** The kernels the image declares, from its label. */
async function declared() {
  const label = await dockerOk(['image', 'inspect', '-f', `{{index .Config.Labels "${KERNELS_LABEL}"}}`, REF]);
  return parseKernelsLabel(label) ?? [];
}

/** Runs `code` in a fresh kernel over its websocket (waiting for `expect`), then shuts the kernel down. */
async function runIn(kernel: string, code: string, expected: string) {
  const start = Date.now();
  const id = await server.startKernel(kernel, 120_000);
  let channels: Awaited<ReturnType<typeof server.channels>> | undefined;
  try {
    // The handshake waits for the kernel's first answer: generous, for loaded CI machines.
    channels = await server.channels(id, 120_000);
    await channels.kernelInfo(120_000);
    return await channels.execute(code, 90_000, { stdout: expected, ms: 5000 });
  } finally {
    // Shut the kernel down even when its channels never opened: a left-over kernel would load
    // the container for the tests after this one.
    channels?.close();
    timings[`${kernel} ms`] = Date.now() - start;
    expect(await server.deleteKernel(id)).toBe(204);
  }
}

test('the image declares the example\'s kernels, and the server lists exactly those', async () => {
  const config = parse(readFileSync(EXAMPLE, 'utf8')) as { kernels: { kind: string; name: string }[] };
  const kernels = await declared();
  expect(kernels).toEqual(config.kernels.map(({ kind, name }) => ({ kind, name })));
  expect(kernels.map((k) => k.kind).sort()).toEqual(['bash', 'java', 'javascript', 'python', 'typescript']);
  const specs = await server.kernelspecs();
  expect(Object.keys(specs).sort()).toEqual(kernels.map((k) => k.name).sort());
});

test('every declared kernel runs its kind\'s snippet over the websocket', async () => {
  const results: Record<string, string> = {};
  for (const k of await declared()) {
    const snippet = kindOf(k.kind)!.snippet!;
    const r = await runIn(k.name, snippet.code, snippet.expect);
    results[k.name] = r.status === 'ok' && r.errors.length === 0 && r.stdout.includes(snippet.expect) ? 'ok' : `${r.status} ${JSON.stringify(r.stdout)} ${r.errors.join('; ')}`;
  }
  expect(results).toEqual({ python3: 'ok', javascript: 'ok', typescript: 'ok', bash: 'ok', java: 'ok' });
}, 600_000);

test.each([
  ['python3', 'import os, numpy; print(os.getuid(), os.getgid(), int(numpy.arange(7).sum()))', `${HOST_UID} ${HOST_GID} 21\n`],
  ['bash', 'echo "$(id -u):$(id -g) $PWD"', `${HOST_UID}:${HOST_GID} /data\n`],
  ['typescript', 'const f = (n: number): string => `${Deno.uid()} ${n * 7}`;\nconsole.log(f(6))', `${HOST_UID} 42\n`],
  // JShell as a uid in no /etc/passwd (the owner of /proc/self; JAAS' UnixSystem answers 0 for
  // a uid getpwuid does not know), writing a temp file where java.io.tmpdir points
  [
    'java',
    'var t = java.nio.file.Files.createTempFile("jshell", ".txt");\nSystem.out.println(java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid") + " " + java.nio.file.Files.getAttribute(t, "unix:uid") + " " + System.getProperty("user.dir"));',
    `${HOST_UID} ${HOST_UID} /data\n`,
  ],
])('kernel %s runs as the host uid and gid, in /data', async (kernel, code, expected) => {
  const r = await runIn(kernel, code, expected);
  expect([r.status, r.errors, r.stdout]).toEqual(['ok', [], expected]);
}, 300_000);

test('a notebook saved through the API lands in the host directory, owned by the host uid and gid', async () => {
  const put = await server.request('/api/contents/from-the-lab.ipynb', {
    method: 'PUT',
    body: { type: 'notebook', format: 'json', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } },
  });
  expect(put.status).toBe(201);
  const st = statSync(join(data, 'from-the-lab.ipynb'));
  expect([st.uid, st.gid]).toEqual([HOST_UID, HOST_GID]);
  expect(JSON.parse(readFileSync(join(data, 'from-the-lab.ipynb'), 'utf8')).nbformat).toBe(4);
});

test('--restart unless-stopped: the server\'s end brings the container back, with the notebooks and the token', async () => {
  const before = await dockerOk(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.RestartCount}} {{.Config.User}}', container]);
  expect(before).toBe(`unless-stopped 0 ${HOST_UID}:${HOST_GID}`);
  // PID 1 runs as the host uid too, so the kernel may signal it: the container exits 0 and the
  // engine starts it again (a `docker stop` would not: "unless-stopped").
  const id = await server.startKernel('python3', 120_000);
  const channels = await server.channels(id, 120_000);
  await channels.kernelInfo(120_000);
  await channels.execute('import os, signal; os.kill(1, signal.SIGTERM)', 30_000).catch(() => undefined);
  channels.close();
  await until('the restart', 60_000, async () => ((await dockerOk(['inspect', '-f', '{{.RestartCount}}', container])) === '1' ? true : undefined), 500);
  server = new JupyterServer(`http://127.0.0.1:${await hostPort(container)}`, TOKEN);
  timings['back up ms'] = await serving(180_000);
  const listing = await server.json<{ content: { name: string }[] }>('/api/contents');
  expect(listing.content.map((c) => c.name)).toContain('from-the-lab.ipynb');
  expect(await dockerOk(['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', container])).toBe('true 0');
}, 300_000);
