// The README's Quick start and all-in-one commands, exactly as README.md has them (read from it,
// never retyped: test/helpers/readme.ts), run by root with `sh -c`, one line at a time, as a
// reader on a fresh machine types them: `nixlab` on PATH, Debian's docker client, and an engine
// with the default bridge network a fresh Docker install has (the CI engine has none, so this
// test starts its own: scripts/dockerd.sh with DOCKERD_BRIDGE), since `-p 8888:8888` without a
// network needs it. Run as root, `--user "$(id -u):$(id -g)"` is 0:0: the server must start
// (with --allow-root, saying so), and a notebook saved through the REST API must land in the
// directory the line made, on the host.
import { execa, type ResultPromise } from 'execa';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { readmeShLines } from '../helpers/readme.js';
import { DOCKER, until } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-readme-'));
const bin = join(work, 'bin');
const timings: Record<string, number> = {};
let engineDir = '';
let dockerHost = '';
/** The environment the lines run in: `nixlab` first on PATH, the test's own engine. */
const env = (): Record<string, string> => ({ PATH: `${bin}:${process.env.PATH}`, DOCKER_HOST: dockerHost });

/** Runs the docker client against the test's engine; never throws. */
const docker = async (args: string[]) => {
  const r = await execa(DOCKER, args, { env: { DOCKER_HOST: dockerHost }, reject: false });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout).trim(), stderr: String(r.stderr) };
};

/** A /24 in 172.29.0.0/16 that no interface or route of the machine uses. */
async function freeSubnet(): Promise<string> {
  const used = (await execa('ip', ['-4', '-o', 'addr'])).stdout + (await execa('ip', ['-4', 'route'])).stdout;
  for (let n = 1 + (process.pid % 200); n < 255; n++) if (!used.includes(`172.29.${n}.`)) return `172.29.${n}.1/24`;
  throw new Error('no free 172.29.N.0/24 for the test engine\'s bridge');
}

/** Resolves when host port `port` can be bound (nothing listens on it). */
const portFree = (port: number) =>
  new Promise<boolean>((done) => {
    const s = createServer();
    s.once('error', () => done(false));
    s.listen(port, '0.0.0.0', () => s.close(() => done(true)));
  });

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('this test runs the README as root (its lines are for a root reader): run it as root');
  if (!(await portFree(8888))) throw new Error('host port 8888 is taken: the README lines publish 8888; free it first');
  mkdirSync(bin);
  writeFileSync(join(bin, 'nixlab'), `#!/bin/sh\nexec node ${JSON.stringify(resolve('bin/run.js'))} "$@"\n`, { mode: 0o755 });
  engineDir = mkdtempSync('/tmp/dk.');
  const started = await execa('bash', ['scripts/dockerd.sh', 'start', engineDir], { env: { ...process.env, DOCKERD_BRIDGE: await freeSubnet() } });
  dockerHost = started.stdout.trim();
}, 120_000);

afterAll(async () => {
  if (dockerHost) {
    const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  }
  if (engineDir) {
    await execa('bash', ['scripts/dockerd.sh', 'stop', engineDir], { reject: false });
    rmSync(engineDir, { recursive: true, force: true });
  }
  process.stdout.write(`readme e2e timings: ${JSON.stringify(timings)}\n`);
}, 120_000);

/** One README line with `sh -c` in `cwd`; throws with its output when it fails. */
async function line(text: string, cwd: string): Promise<string> {
  const start = Date.now();
  const r = await execa('sh', ['-c', text], { cwd, env: env(), reject: false });
  timings[text.slice(0, 40)] = Date.now() - start;
  if (r.exitCode !== 0) throw new Error(`README line failed (exit ${r.exitCode}): ${text}\n${r.stderr}\n${r.stdout}`);
  return String(r.stdout);
}

/** The token a line gives the server (`-e JUPYTER_TOKEN=…`). */
const tokenOf = (text: string): string => /-e JUPYTER_TOKEN=(\S+)/.exec(text)![1]!;

/** Saves a notebook through the contents API at 127.0.0.1:8888; returns the HTTP status. */
async function saveThroughApi(token: string, name: string): Promise<number> {
  const server = new JupyterServer('http://127.0.0.1:8888', token);
  timings[`${name} up ms`] = await server.waitUntilUp(300_000);
  const nb = { type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } };
  return (await server.request(`/api/contents/${name}`, { method: 'PUT', body: nb })).status;
}

/** The file the server wrote: a notebook, owned by root (the uid the README line gave). */
function expectSavedByRoot(file: string): void {
  expect(JSON.parse(readFileSync(file, 'utf8')).nbformat).toBe(4);
  const st = statSync(file);
  expect([st.uid, st.gid]).toEqual([0, 0]);
}

describe('the README, as root, verbatim', () => {
  it('Quick start: validate, build, docker load, and the docker run line serves and saves into ./work', async () => {
    const lines = readmeShLines('## Quick start');
    const cd = lines.indexOf('cd examples/demo');
    expect(cd).toBeGreaterThan(1);
    // A copy of the checkout's demo, so nothing is written into the checkout.
    const demo = join(work, 'quickstart', 'examples', 'demo');
    cpSync(resolve('examples/demo'), demo, { recursive: true });
    const rest = lines.slice(cd + 1);
    const runLine = rest.find((l) => /docker run /.test(l))!;
    expect(runLine).toContain('--user "$(id -u):$(id -g)"');
    expect(runLine).not.toMatch(/ -d /);
    for (const l of rest.slice(0, rest.indexOf(runLine))) await line(l, demo);
    expect(existsSync(join(demo, 'demo.tar'))).toBe(true);

    // The run line stays in the foreground (`--rm`, no -d): started in a process group of its own,
    // stopped as Ctrl-C would, and the container goes with it.
    const child: ResultPromise = execa('sh', ['-c', runLine], { cwd: demo, env: env(), reject: false, detached: true, all: true });
    let log = '';
    child.all!.on('data', (c: Buffer) => (log += c.toString()));
    try {
      expect([200, 201]).toContain(await saveThroughApi(tokenOf(runLine), 'readme.ipynb'));
      expectSavedByRoot(join(demo, 'work', 'readme.ipynb'));
      expect(log).toContain('nixlab: running as root (uid 0): the server runs with --allow-root');
      expect(log).not.toContain('is not writable by uid');
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await child;
    }
    await until('the --rm container to be gone', 60_000, async () => ((await docker(['ps', '-aq'])).stdout === '' ? true : undefined), 500);
  }, 1_800_000);

  it('all-in-one: the build-and-load line, and the docker run -d line serves and saves into ./lab, restart policy unless-stopped', async () => {
    const lines = readmeShLines('`all-in-one` is seed 000');
    expect(lines).toHaveLength(2);
    const dir = join(work, 'all-in-one');
    cpSync(resolve('examples/all-in-one'), join(dir, 'examples', 'all-in-one'), { recursive: true });
    expect(await line(lines[0]!, dir)).toContain('Loaded image: nixlab-all-in-one:latest');
    const id = (await line(lines[1]!, dir)).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect([200, 201]).toContain(await saveThroughApi(tokenOf(lines[1]!), 'readme.ipynb'));
    expectSavedByRoot(join(dir, 'lab', 'readme.ipynb'));
    const logs = await docker(['logs', id]);
    expect(logs.stderr).toContain('nixlab: running as root (uid 0): the server runs with --allow-root');
    expect(logs.stderr).not.toContain('is not writable by uid');
    expect((await docker(['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}} {{.Config.User}}', id])).stdout).toBe('unless-stopped 0:0');
    await docker(['rm', '-f', id]);
  }, 2_400_000);
});
