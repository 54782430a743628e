// The runtime contract docker-stacks users expect (their docs/using/common.md), checked under a
// real Docker engine with an image built offline: start hooks run before the server as the
// container's user, and a failing one stops the container with its exit code and message
// (`docker wait`, `docker logs`); JUPYTER_PORT moves the server and the HEALTHCHECK follows it;
// the engine reports the container healthy within the start period; and no token is baked in
// (config, labels, and every file under /etc, the Jupyter config included).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { freePort } from '../../src/engine/test-runtimes.js';
import { HEALTHCHECK_TIMING } from '../../src/runtime/image.js';
import { buildImage, configCopy, docker, dockerOk, until } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-e2e-runtime-'));
const TAG = `rt${process.pid}`;
const REF = `nixlab-hooks:${TAG}`;
const LABEL = `nixlab.test=${process.pid}`;
let config: { Cmd: string[]; Env: string[]; Labels: Record<string, string>; Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number } };
const timings: Record<string, number> = {};

beforeAll(async () => {
  const tar = join(work, 'hooks.tar');
  await buildImage(configCopy('test/runtime/fixtures/hooks/nixlab.yaml', work, { tag: TAG }), tar, work);
  expect(await dockerOk(['load', '-i', tar])).toBe(`Loaded image: ${REF}`);
  config = JSON.parse(await dockerOk(['image', 'inspect', '-f', '{{json .Config}}', REF]));
}, 600_000);

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['rmi', REF]);
  process.stdout.write(`runtime e2e timings: ${JSON.stringify(timings)}\n`);
});

const run = (args: string[]) => docker(['run', '--label', LABEL, ...args]);

test("the image config has the HEALTHCHECK with nixlab's timing, run by the server env's Python (no curl)", () => {
  const s = 1e9;
  expect(config.Healthcheck).toEqual({
    Test: ['CMD', expect.stringMatching(/^\/nix\/store\/[a-z0-9]{32}-nixlab-env\/bin\/python3$/), '-S', '/etc/jupyter/nixlab_healthcheck.py'],
    Interval: HEALTHCHECK_TIMING.intervalSeconds * s,
    Timeout: HEALTHCHECK_TIMING.timeoutSeconds * s,
    StartPeriod: HEALTHCHECK_TIMING.startPeriodSeconds * s,
    Retries: HEALTHCHECK_TIMING.retries,
  });
});

test('start hooks run in order as the container user (--user 4242:4242), then the command', async () => {
  const r = await run(['--rm', '--user', '4242:4242', REF, config.Cmd[0]!, '/bin/sh', '-c', 'echo "server would start"; cat /tmp/greeted']);
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
  expect(r.stdout).toBe('hook 10 ran as 4242\nhook 20 ran\nserver would start\ngreeted');
});

test('a failing hook stops the container: docker wait gives its exit code, docker logs its message', async () => {
  const id = (await run(['-d', '-e', 'FAIL_HOOK=1', REF])).stdout.trim();
  expect(await dockerOk(['wait', id])).toBe('3');
  const logs = await docker(['logs', id]);
  expect(logs.stdout).toBe('hook 10 ran as 1000');
  expect(logs.stderr).toBe('hook 20 refuses: FAIL_HOOK is set\nnixlab: start hook 02-20-maybe-fail.sh failed with exit code 3');
});

test('JUPYTER_PORT moves the server; the engine reports it healthy within the start period', async () => {
  const port = await freePort();
  const id = (await run(['-d', '--network', 'host', '-e', `JUPYTER_PORT=${port}`, '-e', 'NIXLAB_IP=127.0.0.1', '-e', 'JUPYTER_TOKEN=secret', REF])).stdout.trim();
  const server = new JupyterServer(`http://127.0.0.1:${port}`, 'secret');
  timings.serverUpMs = await server.waitUntilUp(120_000);
  expect((await server.request('/api/status')).status).toBe(200);
  const health = await until('healthy', (HEALTHCHECK_TIMING.startPeriodSeconds + 10) * 1000, async () => {
    const state = JSON.parse(await dockerOk(['inspect', '-f', '{{json .State}}', id])) as { StartedAt: string; Health: { Status: string; Log: { End: string; ExitCode: number }[] } };
    return state.Health.Status === 'healthy' ? state : undefined;
  });
  const firstOk = health.Health.Log.find((e) => e.ExitCode === 0)!;
  timings.healthyAfterMs = Date.parse(firstOk.End) - Date.parse(health.StartedAt);
  expect(timings.healthyAfterMs).toBeLessThan(HEALTHCHECK_TIMING.startPeriodSeconds * 1000);
  // The probe itself, as the engine runs it: exit 0 now; and on a port nobody listens on, 1.
  expect((await docker(['exec', id, ...config.Healthcheck.Test.slice(1)])).exitCode).toBe(0);
  const wrong = await docker(['exec', '-e', `JUPYTER_PORT=${await freePort()}`, id, ...config.Healthcheck.Test.slice(1)]);
  expect(wrong.exitCode).toBe(1);
  expect(wrong.stderr).toMatch(/^nixlab healthcheck: GET \/api on port \d+: .*refused/);
  await dockerOk(['stop', id]);
  expect(await dockerOk(['inspect', '-f', '{{.State.ExitCode}}', id])).toBe('0');
}, 180_000);

test('no token is baked in: not in Env or labels, and no file under /etc sets one', async () => {
  expect(config.Env.filter((e) => /TOKEN/i.test(e))).toEqual([]);
  expect(Object.entries(config.Labels).filter(([k, v]) => /token/i.test(k) || /token/i.test(v))).toEqual([]);
  // Every file under /etc (following /etc/jupyter into the store), read in the container.
  const script = [
    'import os, re',
    String.raw`pat = re.compile(r"(\btoken\s*=\s*['\"][^'\"]+|\"token\"\s*:\s*\"[^\"]+\"|JUPYTER_TOKEN=)")`,
    'n = 0',
    'for root, dirs, files in os.walk("/etc", followlinks=True):',
    '    for f in files:',
    '        p = os.path.join(root, f)',
    '        try: text = open(p, errors="replace").read()',
    '        except OSError: continue',
    '        n += 1',
    '        for m in pat.finditer(text): print("FOUND", p, m.group(0))',
    'print("files", n)',
  ].join('\n');
  const r = await run(['--rm', '--entrypoint', config.Healthcheck.Test[1]!, REF, '-c', script]);
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toMatch(/^files \d+$/);
  expect(Number(r.stdout.split(' ')[1])).toBeGreaterThan(5);
});
