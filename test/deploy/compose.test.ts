// `nixlab compose` with Debian's docker-compose (v1) against the real engine: the local-lab
// example (seed 002) built and loaded, its project generated, `up -d` as a non-root host user
// with an SSH agent; a kernel runs; a notebook saved through the API appears in ./notebooks
// owned by that uid; the agent socket is inside at SSH_AUTH_SOCK; `down` leaves the notebooks.
// Without SSH_AUTH_SOCK (or JUPYTER_TOKEN) `up` stops with a message naming it.
import { execa } from 'execa';
import { chownSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { freePort } from '../../src/engine/test-runtimes.js';
import { nixlab } from '../helpers/cli.js';
import { configCopy, docker, until } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-compose-'));
const TAG = `cp${process.pid}`;
const REF = `nixlab-local-lab:${TAG}`;
const HOST_UID = 4242;
const project = join(work, 'lab');
const token = 'compose-test-token';
let env: Record<string, string>;
let agentPid = 0;

const compose = (args: string[], extra: Record<string, string | undefined> = env) =>
  execa('docker-compose', ['-p', TAG, ...args], { cwd: project, env: extra, extendEnv: false, reject: false });

beforeAll(async () => {
  const config = configCopy('examples/local-lab/nixlab.yaml', work, { tag: TAG });
  // The host network would take the machine's port 8888: the bridge network on a free port here.
  const port = await freePort();
  const doc = parseDocument(readFileSync(config, 'utf8'));
  doc.setIn(['compose', 'network'], 'bridge');
  doc.setIn(['compose', 'hostPort'], port);
  writeFileSync(config, doc.toString());
  const b = await nixlab(['build', config, '--pkgs', 'offline', '-q', '--load', '--out-link', join(work, 'result'), '--generated-dir', join(work, 'gen')]);
  if (b.exitCode !== 0) throw new Error(b.stderr);
  const c = await nixlab(['compose', config, '--out', project]);
  expect(c.exitCode).toBe(0);
  // The host user owns its notebooks directory and its agent socket, as on a workstation.
  chownSync(join(project, 'notebooks'), HOST_UID, HOST_UID);
  const agentSock = join(work, 'agent.sock');
  const started = await execa('ssh-agent', ['-s', '-a', agentSock]);
  agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(String(started.stdout))![1]);
  await until('the agent socket', 10_000, async () => (existsSync(agentSock) ? true : undefined));
  chownSync(agentSock, HOST_UID, HOST_UID);
  env = { PATH: process.env.PATH!, DOCKER_HOST: process.env.DOCKER_HOST!, UID: String(HOST_UID), GID: String(HOST_UID), JUPYTER_TOKEN: token, SSH_AUTH_SOCK: agentSock, PORT: String(port) };
}, 600_000);

afterAll(async () => {
  await compose(['down', '-v']);
  await docker(['rmi', REF]);
  if (agentPid) process.kill(agentPid);
});

test('up without SSH_AUTH_SOCK or JUPYTER_TOKEN stops with a message naming it', async () => {
  const { SSH_AUTH_SOCK: _s, ...noAgent } = env;
  let r = await compose(['up', '-d'], noAgent);
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).toContain('SSH_AUTH_SOCK is not set: start an SSH agent first');
  const { JUPYTER_TOKEN: _t, ...noToken } = env;
  r = await compose(['up', '-d'], noToken);
  expect(r.exitCode).not.toBe(0);
  expect(r.stderr).toContain('set JUPYTER_TOKEN to a secret');
});

test('up -d as the host user: a kernel runs, a saved notebook is the host uid\'s, the agent is inside, down keeps the notebooks', async () => {
  const up = await compose(['up', '-d']);
  expect([up.exitCode, up.stderr]).toEqual([0, expect.any(String)]);
  const server = new JupyterServer(`http://127.0.0.1:${env.PORT}`, token);
  await until('the server', 120_000, async () => ((await fetch(`http://127.0.0.1:${env.PORT}/api/status?token=${token}`, { signal: AbortSignal.timeout(3000) })).ok ? true : undefined), 500);
  const id = await server.startKernel('python3', 120_000);
  const ch = await server.channels(id);
  await ch.kernelInfo(60_000);
  const r = await ch.execute('import numpy; print(int(numpy.int64(6) * 7))', 60_000);
  ch.close();
  expect(r.stdout).toContain('42');

  const put = await fetch(`http://127.0.0.1:${env.PORT}/api/contents/saved.ipynb?token=${token}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'notebook', format: 'json', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } }),
  });
  expect(put.status).toBe(201);
  const file = join(project, 'notebooks', 'saved.ipynb');
  expect([statSync(file).uid, statSync(file).gid]).toEqual([HOST_UID, HOST_UID]);

  const agent = await compose(['exec', '-T', 'lab', '/bin/sh', '-c', 'echo "$SSH_AUTH_SOCK"; test -S "$SSH_AUTH_SOCK" && echo socket; id -u']);
  expect(agent.stdout.trim().split('\n')).toEqual(['/run/nixlab/ssh-agent.sock', 'socket', String(HOST_UID)]);

  const health = await until('healthy', 60_000, async () => {
    const ps = await compose(['ps', '-q', 'lab']);
    const s = (await docker(['inspect', '-f', '{{.State.Health.Status}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.RestartPolicy.Name}}', ps.stdout.trim()])).stdout.trim();
    return s.startsWith('healthy') ? s : undefined;
  }, 1000);
  expect(health).toBe('healthy true unless-stopped');

  const down = await compose(['down']);
  expect(down.exitCode).toBe(0);
  expect(existsSync(file)).toBe(true);
}, 300_000);
