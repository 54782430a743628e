// End to end, offline: the demo config → nixlab build (real nix-build, real pack) → the image
// run the way `docker run` would (test/helpers/run-image.ts) → a real Jupyter server answering
// real HTTP and kernel websockets. Needs root (chroot, namespaces), as the README says.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { freePort, JupyterClient } from '../helpers/jupyter.js';
import { startImage, type ImageHandle } from '../helpers/run-image.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-e2e-'));
const image = join(work, 'demo.tar');
const TOKEN = 'e2e-' + Math.random().toString(36).slice(2);
const timings: Record<string, number> = {};

/** The declared kernels, code that uses their packages, and what it must print. */
const KERNELS: Array<[string, string, string]> = [
  ['py-numpy', 'import numpy\nprint(6*7, int(numpy.arange(7).sum()))', '42 21'],
  ['py-data', 'import pandas, requests\nprint(int(pandas.Series([6]).mul(7)[0]), requests.__name__)', '42 requests'],
  ['sh', 'echo $((6*7)); id -u', '42\n'],
];

beforeAll(async () => {
  const start = Date.now();
  const r = await nixlab([
    'build', resolve('examples/demo/nixlab.yaml'), '--pkgs', 'offline', '-q', '--json',
    '-o', image, '--out-link', join(work, 'result'), '--generated-dir', join(work, 'gen'),
  ]);
  timings.buildMs = Date.now() - start;
  if (r.exitCode !== 0) throw new Error(`nixlab build failed (${r.exitCode}):\n${r.stderr}`);
}, 600_000);

afterAll(() => {
  // Figures for the closing note and the README (build and boot times of this run).
  process.stdout.write(`e2e timings: ${JSON.stringify(timings)}\n`);
});

/** Starts the demo image as `user` with a fresh volume owned by that user at /data. */
async function boot(user: string | undefined, env: Record<string, string> = { JUPYTER_TOKEN: TOKEN }) {
  const [uid, gid] = (user ?? '1000:100').split(':').map(Number) as [number, number];
  const volume = join(work, `data-${uid}`);
  mkdirSync(volume, { recursive: true });
  chownSync(volume, uid, gid);
  const port = await freePort();
  const start = Date.now();
  const handle = await startImage({
    image,
    user,
    // The image listens on 0.0.0.0:8888; the harness shares the host's network, so pick a
    // free loopback port instead (what `docker run -p 127.0.0.1:PORT:8888` gives).
    env: { ...env, NIXLAB_IP: '127.0.0.1', JUPYTER_PORT: String(port) },
    volumes: [`${volume}:/data`],
  });
  let exited = false;
  void handle.wait().then(() => (exited = true));
  const client = new JupyterClient(`http://127.0.0.1:${port}`, env.JUPYTER_TOKEN ?? '');
  await client.waitUntilUp(60_000, () => !exited);
  return { handle, client, volume, uid, gid, bootMs: Date.now() - start };
}

/** Processes on the host whose root directory is the container's: none may outlive it. */
function processesIn(handle: ImageHandle): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/root`) === handle.rootfs) pids.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

describe.each([
  ['the image user (1000:100)', undefined],
  ['an arbitrary uid:gid not in /etc/passwd (4242:4242)', '4242:4242'],
])('the demo image run as %s', (_label, user) => {
  let run: Awaited<ReturnType<typeof boot>>;

  beforeAll(async () => {
    run = await boot(user);
    timings[`bootMs(${user ?? 'default'})`] = run.bootMs;
  }, 120_000);

  afterAll(async () => {
    if (run) await run.handle.stop('SIGKILL', 0);
  });

  it('requires the token: /api/status is 403 without it and 200 with it', async () => {
    expect((await run.client.request('/api/status', {}, false)).status).toBe(403);
    expect((await run.client.request('/api/status', { headers: { Authorization: 'token wrong' } }, false)).status).toBe(403);
    expect((await run.client.request('/api/status')).status).toBe(200);
  });

  it('lists exactly the declared kernels, not the server env python3', async () => {
    const specs = await run.client.json<{ default: string; kernelspecs: Record<string, unknown> }>('/api/kernelspecs');
    expect(Object.keys(specs.kernelspecs).sort()).toEqual(['py-data', 'py-numpy', 'sh']);
    expect(specs.default).toBe('py-numpy');
  });

  it.each(KERNELS)('starts kernel %s, runs code over its websocket and stops it', async (name, code, expected) => {
    const start = Date.now();
    const id = await run.client.startKernel(name);
    const r = await run.client.execute(id, code);
    timings[`kernel ${name} start+execute ms (${user ?? 'default'})`] = Date.now() - start;
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('ok');
    if (name === 'sh') expect(r.stdout).toBe(`42\n${run.uid}\n`);
    else expect(r.stdout.trim()).toBe(expected);
    expect(await run.client.deleteKernel(id)).toBe(204);
  });

  it('reports a failing cell as an error, not as output', async () => {
    const id = await run.client.startKernel('py-numpy');
    const r = await run.client.execute(id, 'import polars');
    expect(r.status).toBe('error');
    expect(r.errors.join()).toContain('ModuleNotFoundError');
    await run.client.deleteKernel(id);
  });

  it('saves a notebook into the volume, owned by the uid:gid it runs as, and nothing into the store', async () => {
    const nb = { type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } };
    const r = await run.client.request('/api/contents/e2e.ipynb', { method: 'PUT', body: JSON.stringify(nb), headers: { 'Content-Type': 'application/json' } });
    expect([200, 201]).toContain(r.status);
    const file = join(run.volume, 'e2e.ipynb');
    expect(JSON.parse(readFileSync(file, 'utf8')).nbformat).toBe(4);
    const st = statSync(file);
    expect([st.uid, st.gid]).toEqual([run.uid, run.gid]);
    // The run's writable overlay layer: whatever the container wrote outside its volumes.
    const upper = join(dirname(run.handle.rootfs), 'upper');
    expect(existsSync(join(upper, 'nix'))).toBe(false);
  });

  it('stops on SIGTERM within 10 s with exit code 0, kernels included, leaving no process', async () => {
    const id = await run.client.startKernel('py-data');
    expect((await run.client.execute(id, 'print(1)')).stdout).toBe('1\n');
    expect(processesIn(run.handle).length).toBeGreaterThanOrEqual(3); // tini, server, kernel
    const start = Date.now();
    const result = await run.handle.stop('SIGTERM', 10_000);
    timings[`stopMs(${user ?? 'default'})`] = Date.now() - start;
    expect(Date.now() - start).toBeLessThan(10_000);
    expect(result.exitCode).toBe(0);
    expect(processesIn(run.handle)).toEqual([]);
  });
});

describe('nixlab run', () => {
  it('runs a command in the image as its user, with a token given at run time only', async () => {
    const r = await nixlab(['run', image, '--', 'sh', '-c', 'id -u; id -g; test -n "$JUPYTER_TOKEN" && echo token-set; pwd']);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['1000', '100', 'token-set', '/data']);
    expect(r.exitCode).toBe(0);
  }, 240_000);

  it('passes the exit code through and refuses a malformed volume', async () => {
    expect((await nixlab(['run', image, '--', 'sh', '-c', 'exit 5'])).exitCode).toBe(5);
    const bad = await nixlab(['run', image, '-v', 'nocolon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--volume');
  }, 240_000);
});

describe('the demo image started without JUPYTER_TOKEN', () => {
  it('still requires a token: it generates one and prints it in its log', async () => {
    const run = await boot(undefined, {});
    try {
      expect((await run.client.request('/api/status', {}, false)).status).toBe(403);
      let token: string | undefined;
      for (let i = 0; i < 50 && !token; i++) {
        token = /[?&]token=([0-9a-f]{32,})/.exec(run.handle.stderr + run.handle.stdout)?.[1];
        if (!token) await new Promise((r) => setTimeout(r, 100));
      }
      expect(token).toBeDefined();
      const withToken = new JupyterClient(run.client.base, token!);
      expect((await withToken.request('/api/status')).status).toBe(200);
    } finally {
      await run.handle.stop('SIGTERM', 10_000);
    }
  }, 120_000);
});
