// End to end, offline, under a real Docker engine (DOCKER_HOST; scripts/test.sh starts one):
// the demo config → nixlab build (real nix-build, real pack) → loaded the three ways users load
// it (`docker load`, `nixlab build -o - | docker load`, and the OCI layout through `skopeo copy
// … docker-daemon:`) → `docker run` as the image user, as a uid not in /etc/passwd, read-only
// with a tmpfs /tmp, with bind mounts and a named volume → a real Jupyter server answering real
// HTTP and kernel websockets; `docker stop` and `docker restart`. One smoke test keeps the
// chroot runner (`nixlab run`, for machines without an engine) covered.
import { execa } from 'execa';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { freePort } from '../../src/engine/test-runtimes.js';
import { nixlab } from '../helpers/cli.js';
import { readDockerArchive } from '../helpers/docker.js';
import { buildImage, configCopy, docker, dockerOk, healthOf, hostPort, until } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-e2e-'));
const TAG = `e2e${process.pid}`;
const REF = `nixlab-demo:${TAG}`;
const image = join(work, 'demo.tar');
const ociDir = join(work, 'demo-oci');
let config: string;
let imageId: string;
const TOKEN = 'e2e-' + randomBytes(12).toString('hex');
const LABEL = `nixlab.test=${process.pid}`;
const timings: Record<string, number> = {};
let network: string;

/** The declared kernels, code that uses their packages, and what it must print. */
const KERNELS: Array<[string, string, string]> = [
  ['py-numpy', 'import numpy\nprint(6*7, int(numpy.arange(7).sum()))', '42 21\n'],
  ['py-data', 'import pandas, requests\nprint(int(pandas.Series([6]).mul(7)[0]), requests.__name__)', '42 requests\n'],
  ['sh', 'echo $((6*7)); id -u', '42\n'],
];

beforeAll(async () => {
  config = configCopy('examples/demo/nixlab.yaml', work, { tag: TAG });
  const start = Date.now();
  await buildImage(config, image, work);
  timings.buildMs = Date.now() - start;
  imageId = (await readDockerArchive(image)).configDigest;
  network = `nixlab-e2e-${process.pid}`;
  await dockerOk(['network', 'create', '--label', LABEL, network]);
}, 600_000);

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  const vols = (await docker(['volume', 'ls', '-q', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (vols.length) await docker(['volume', 'rm', ...vols]);
  await docker(['network', 'rm', network]);
  await docker(['rmi', REF, `nixlab-demo-oci:${TAG}`, `nixlab-demo-pipe:${TAG}`]);
  // Figures for the closing note and the README (build and boot times of this run).
  process.stdout.write(`e2e timings: ${JSON.stringify(timings)}\n`);
});

describe('loading the demo image into Docker', () => {
  it('docker load -i: the engine names it by the archive\'s tag and config digest', async () => {
    const start = Date.now();
    const out = await dockerOk(['load', '-i', image]);
    timings.loadMs = Date.now() - start;
    expect(out).toBe(`Loaded image: ${REF}`);
    expect(await dockerOk(['image', 'inspect', '-f', '{{.Id}}', REF])).toBe(imageId);
  }, 300_000);

  it('nixlab build -o - | docker load: the same image, streamed', async () => {
    const pipe = await execa('sh', ['-c', `node "$1" build "$2" --pkgs offline -q -o - --out-link "$3" --generated-dir "$4" | ${'/usr/bin/docker'} load`, 'sh', resolve('bin/run.js'), config, join(work, 'pipe-result'), join(work, 'pipe-gen')], { reject: false });
    expect([pipe.exitCode, pipe.stdout.trim()]).toEqual([0, `Loaded image: ${REF}`]);
    expect(await dockerOk(['image', 'inspect', '-f', '{{.Id}}', REF])).toBe(imageId);
    await dockerOk(['tag', REF, `nixlab-demo-pipe:${TAG}`]);
  }, 600_000);

  it('the OCI layout through skopeo copy oci:DIR:TAG docker-daemon:NAME:TAG (skopeo 1.9 needs --dest-daemon-host: it ignores DOCKER_HOST)', async () => {
    await buildImage(config, ociDir, work, ['--format', 'oci']);
    // skopeo's docker-daemon transport dials its default socket whatever DOCKER_HOST says.
    const plain = await execa('skopeo', ['copy', '--quiet', `oci:${ociDir}:${TAG}`, `docker-daemon:nixlab-demo-oci:${TAG}`], { reject: false });
    expect(plain.exitCode).not.toBe(0);
    await execa('skopeo', ['copy', '--quiet', '--dest-daemon-host', process.env.DOCKER_HOST!, `oci:${ociDir}:${TAG}`, `docker-daemon:nixlab-demo-oci:${TAG}`]);
    const [ociLayers, dockerLayers] = await Promise.all([
      dockerOk(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', `nixlab-demo-oci:${TAG}`]),
      dockerOk(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', REF]),
    ]);
    expect(JSON.parse(ociLayers)).toEqual(JSON.parse(dockerLayers));
    expect(await dockerOk(['image', 'inspect', '-f', '{{json .Config.Healthcheck.Test}}', `nixlab-demo-oci:${TAG}`])).toContain('nixlab_healthcheck.sh');
  }, 600_000);
});

/** A host directory owned by uid:gid, for a bind mount. */
function hostDir(name: string, uid: number, gid: number): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uid, gid);
  return dir;
}

/** `docker run -d` with the test label; resolves once the server answers GET /api. */
async function boot(label: string, args: string[], opts: { port?: number; token?: string | null } = {}) {
  const name = `nixlab-e2e-${process.pid}-${label}`;
  const token = opts.token === undefined ? TOKEN : opts.token;
  const start = Date.now();
  const id = await dockerOk(['run', '-d', '--name', name, '--label', LABEL, ...(token === null ? [] : ['-e', `JUPYTER_TOKEN=${token}`]), ...args, REF]);
  const port = opts.port ?? (await hostPort(id));
  const server = new JupyterServer(`http://127.0.0.1:${port}`, token ?? '');
  await server.waitUntilUp(120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Running}}', id])) === 'true' ? undefined : `the container exited:\n${(await docker(['logs', id])).stderr.slice(-3000)}`));
  timings[`boot ${label} ms`] = Date.now() - start;
  return { id, server, name };
}

/** Runs code in a fresh kernel over its websocket, then shuts the kernel down. */
async function runIn(server: JupyterServer, kernel: string, code: string) {
  const id = await server.startKernel(kernel);
  const channels = await server.channels(id);
  try {
    return await channels.execute(code, 120_000);
  } finally {
    channels.close();
    expect(await server.deleteKernel(id)).toBe(204);
  }
}

/** Saves an empty notebook through the contents API. */
async function saveNotebook(server: JupyterServer, path: string): Promise<number> {
  const nb = { type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } };
  return (await server.request(`/api/contents/${path}`, { method: 'PUT', body: nb })).status;
}

/** `docker stop` (10 s before SIGKILL): how long it took and the exit code. */
async function stop(id: string): Promise<{ ms: number; exitCode: number }> {
  const start = Date.now();
  await dockerOk(['stop', '-t', '10', id]);
  const ms = Date.now() - start;
  return { ms, exitCode: Number(await dockerOk(['inspect', '-f', '{{.State.ExitCode}}', id])) };
}

describe.each([
  ['the image user (1000:100), a bind mount at /data, -p 127.0.0.1::8888', 'default', 1000, 100],
  ['--user 4242:4242 (not in /etc/passwd), a bind mount at /data, --network host with JUPYTER_PORT', 'uid4242', 4242, 4242],
])('docker run of the demo image as %s', (_title, label, uid, gid) => {
  let run: Awaited<ReturnType<typeof boot>>;
  let volume: string;
  let port: number | undefined;

  beforeAll(async () => {
    volume = hostDir(`data-${label}`, uid, gid);
    const args = ['-v', `${volume}:/data`];
    if (label === 'default') args.push('--network', network, '-p', '127.0.0.1::8888');
    else {
      // docker-stacks' variable moves the server; the health check follows it.
      port = await freePort();
      args.push('--user', `${uid}:${gid}`, '--network', 'host', '-e', `JUPYTER_PORT=${port}`, '-e', 'NIXLAB_IP=127.0.0.1');
    }
    run = await boot(label, args, { port });
  }, 300_000);

  it('requires the token: /api/status is 403 without it and 200 with it', async () => {
    expect((await run.server.request('/api/status', { auth: false })).status).toBe(403);
    expect((await new JupyterServer(run.server.base, 'wrong').request('/api/status')).status).toBe(403);
    expect((await run.server.request('/api/status')).status).toBe(200);
  });

  it('serves Notebook 7 (frontend: notebook) at /tree, its settings and workspaces under /data/.jupyter/lab', async () => {
    const page = await run.server.request('/tree');
    expect(page.status).toBe(200);
    const pageConfig = JSON.parse(/<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(page.text)![1]!) as Record<string, string>;
    expect([pageConfig.appName, pageConfig.appVersion]).toEqual(['Jupyter Notebook', expect.stringMatching(/^7\./)]);
    expect([pageConfig.userSettingsDir, pageConfig.workspacesDir]).toEqual(['/data/.jupyter/lab/user-settings', '/data/.jupyter/lab/workspaces']);
  });

  it('lists exactly the declared kernels, not the server env python3', async () => {
    const specs = await run.server.json<{ default: string; kernelspecs: Record<string, unknown> }>('/api/kernelspecs');
    expect(Object.keys(specs.kernelspecs).sort()).toEqual(['py-data', 'py-numpy', 'sh']);
    expect(specs.default).toBe('py-numpy');
  });

  it.each(KERNELS)('starts kernel %s, runs code over its websocket and stops it', async (name, code, expected) => {
    const start = Date.now();
    const r = await runIn(run.server, name, code);
    timings[`kernel ${name} ms (${label})`] = Date.now() - start;
    expect([r.status, r.errors]).toEqual(['ok', []]);
    expect(r.stdout).toBe(name === 'sh' ? `42\n${uid}\n` : expected);
  }, 180_000);

  it('reports a failing cell as an error, not as output', async () => {
    const r = await runIn(run.server, 'py-numpy', 'import polars');
    expect(r.status).toBe('error');
    expect(r.errors.join()).toContain('ModuleNotFoundError');
  }, 180_000);

  it('a kernel that dies holding a kernel_info request: the server restarts it, and the client asks again until it answers', async () => {
    const kernelId = await run.server.startKernel('py-numpy');
    const channels = await run.server.channels(kernelId, 60_000);
    // Signals the kernel's process, found by the connection file its command line names (the
    // pattern's `\.` keeps this shell and grep from matching their own command lines).
    const signal = (sig: string) =>
      dockerOk(['exec', run.id, 'sh', '-c', `for p in /proc/[0-9]*; do grep -q 'kernel-${kernelId}\\.json' $p/cmdline 2>/dev/null && kill -${sig} \${p#/proc/}; done; true`]);
    try {
      await channels.kernelInfo(120_000);
      // Stopped, it takes the request into its socket and never reads it; killed, it loses it.
      // The server then restarts it on new ports, and only a request sent again is answered.
      await signal('STOP');
      const info = channels.kernelInfo(120_000);
      await new Promise((r) => setTimeout(r, 1000));
      await signal('KILL');
      expect(await info).toHaveProperty('status', 'ok');
      const log = await docker(['logs', run.id]);
      expect(log.stdout + log.stderr).toMatch(/KernelRestarter: restarting kernel \(1\/5\)/);
    } finally {
      channels.close();
      await run.server.deleteKernel(kernelId);
    }
  }, 300_000);

  it('saves a notebook into the bind mount, owned by the uid:gid it runs as, and writes nothing under /nix', async () => {
    expect([200, 201]).toContain(await saveNotebook(run.server, 'e2e.ipynb'));
    const file = join(volume, 'e2e.ipynb');
    expect(JSON.parse(readFileSync(file, 'utf8')).nbformat).toBe(4);
    const st = statSync(file);
    expect([st.uid, st.gid]).toEqual([uid, gid]);
    // `docker diff`: what the container changed in its own layer (volumes are not in it).
    const changed = (await dockerOk(['diff', run.id])).split('\n').filter(Boolean);
    expect(changed.filter((l) => / \/nix(\/|$)/.test(l))).toEqual([]);
  });

  it('Docker reports it healthy (the HEALTHCHECK follows JUPYTER_PORT)', async () => {
    const status = await until('a health verdict', 120_000, async () => {
      const s = await healthOf(run.id);
      return s === 'starting' ? undefined : s;
    });
    expect(status).toBe('healthy');
  }, 150_000);

  it('docker stop ends it within 10 s with exit code 0, a running kernel included', async () => {
    const id = await run.server.startKernel('py-data');
    const channels = await run.server.channels(id);
    expect((await channels.execute('print(1)')).stdout).toBe('1\n');
    channels.close();
    const r = await stop(run.id);
    timings[`stop ms (${label})`] = r.ms;
    expect(r.ms).toBeLessThan(10_000);
    expect(r.exitCode).toBe(0);
  }, 60_000);
});

describe('docker run --read-only --tmpfs /tmp with a named volume at /data', () => {
  let run: Awaited<ReturnType<typeof boot>>;
  const volume = `nixlab-e2e-${process.pid}-notebooks`;

  beforeAll(async () => {
    await dockerOk(['volume', 'create', '--label', LABEL, volume]);
    run = await boot('readonly', ['--read-only', '--tmpfs', '/tmp', '-v', `${volume}:/data`, '--network', network, '-p', '127.0.0.1::8888']);
  }, 300_000);

  it('runs kernels with nothing writable but /tmp and the volume', async () => {
    const r = await runIn(run.server, 'py-numpy', 'import numpy, os\nprint(int(numpy.int64(42)), os.access("/", os.W_OK), os.access("/data", os.W_OK))');
    expect([r.status, r.stdout]).toEqual(['ok', '42 False True\n']);
  }, 180_000);

  it('docker restart keeps the notebooks saved in the volume', async () => {
    expect([200, 201]).toContain(await saveNotebook(run.server, 'kept.ipynb'));
    await dockerOk(['restart', '-t', '10', run.id]);
    const port = await hostPort(run.id);
    const after = new JupyterServer(`http://127.0.0.1:${port}`, TOKEN);
    await after.waitUntilUp(120_000);
    const nb = await after.json<{ type: string; content: { nbformat: number } }>('/api/contents/kept.ipynb');
    expect([nb.type, nb.content.nbformat]).toEqual(['notebook', 4]);
    const r = await stop(run.id);
    expect([r.exitCode, r.ms < 10_000]).toEqual([0, true]);
  }, 300_000);
});

describe('the demo image started without JUPYTER_TOKEN', () => {
  it('still requires a token: it generates one and prints it in its log', async () => {
    const run = await boot('notoken', ['--network', network, '-p', '127.0.0.1::8888'], { token: null });
    expect((await run.server.request('/api/status', { auth: false })).status).toBe(403);
    const token = await until('the generated token in docker logs', 30_000, async () => {
      const logs = await docker(['logs', run.id]);
      return /[?&]token=([0-9a-f]{32,})/.exec(logs.stderr + logs.stdout)?.[1];
    });
    expect((await new JupyterServer(run.server.base, token).request('/api/status')).status).toBe(200);
    expect((await stop(run.id)).exitCode).toBe(0);
  }, 180_000);
});

describe('nixlab run (the chroot runner, for machines without an engine)', () => {
  it('runs a command in the image as its user, with a token given at run time only', async () => {
    const r = await nixlab(['run', image, '--', 'sh', '-c', 'id -u; id -g; test -n "$JUPYTER_TOKEN" && echo token-set; pwd']);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['1000', '100', 'token-set', '/data']);
    expect(r.exitCode).toBe(0);
  }, 240_000);

  it("passes the server's exit code through, with its last lines when it dies by itself, and refuses a malformed volume", async () => {
    // (As root the server no longer dies: it runs with --allow-root and says so.) A port that is
    // not a number makes the server's own start fail.
    const r = await nixlab(['run', image, '--port', String(await freePort()), '-e', 'JUPYTER_PORT=notaport']);
    const m = /nixlab run: the server exited with code ([0-9]+); its last lines:\n(?:  .*\n)*  .*notaport/.exec(r.stderr);
    expect(m).not.toBeNull();
    expect(r.exitCode).toBe(Number(m![1]));
    expect(r.exitCode).not.toBe(0);
    const bad = await nixlab(['run', image, '-v', 'nocolon']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--volume');
  }, 300_000);

  it('starts with no warning in its log, and exits within seconds of Ctrl-C', async () => {
    // The deadline is for the exit alone (the unpack before the start may take minutes under
    // load); NIXLAB_TEST_RUN_EXIT_MS moves it, and the time taken is reported in the timings.
    const exitMs = Number(process.env.NIXLAB_TEST_RUN_EXIT_MS ?? 20_000);
    const port = await freePort();
    const data = hostDir('data-run', 1000, 100);
    // Its own process group, as a terminal's foreground job: Ctrl-C reaches every process in it.
    const child = execa('node', [resolve('bin/run.js'), 'run', image, '--port', String(port), '-v', `${data}:/data`], { reject: false, detached: true, all: true });
    let log = '';
    child.all!.on('data', (c: Buffer) => (log += c.toString()));
    try {
      await until('the server in nixlab run to listen', 300_000, async () => (/Jupyter Server [0-9.]+ is running at/.test(log) ? true : undefined), 200);
      const start = Date.now();
      process.kill(-child.pid!, 'SIGINT');
      const r = await child;
      timings.runExitMs = Date.now() - start;
      expect(r.exitCode).toBe(0);
      expect(timings.runExitMs).toBeLessThan(exitMs);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    const server = log.split('\n').filter((l) => /^\[[A-Z] /.test(l));
    expect(server.filter((l) => /^\[[WEC] /.test(l) && !/received signal|Interrupted/.test(l))).toEqual([]);
    expect(log).not.toContain('has moved from NotebookApp to ServerApp');
    expect(log).toContain('nixlab run: stopping');
    expect(log).not.toContain('nixlab run: the server exited');
  }, 420_000);
});
