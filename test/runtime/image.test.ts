// The runtime contract of an image, run FROM scratch with the chroot runner: start hooks run
// before the server and a failing one stops it with its exit code and a message; the server
// listens on JUPYTER_PORT; the HEALTHCHECK command in the image config needs no curl and says
// whether the server answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { cleanupImages, runImage, startImage } from '../helpers/run-image.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-runtime-'));
const image = join(work, 'hooks.tar');
let config: { Cmd: string[]; Healthcheck: { Test: string[]; Interval: number; Timeout: number; StartPeriod: number; Retries: number }; Env: string[] };

beforeAll(async () => {
  const r = await nixlab(['build', resolve('test/runtime/fixtures/hooks/nixlab.yaml'), '--pkgs', 'offline', '-q', '-o', image, '--out-link', join(work, 'result'), '--generated-dir', join(work, 'gen')]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  config = JSON.parse((await nixlab(['inspect', image, '--json'])).stdout).config.config;
}, 600_000);
afterAll(() => cleanupImages());

test('the image config: the start command before the server, a HEALTHCHECK with docker-stacks\' timing', () => {
  expect(config.Cmd[0]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-nixlab-start\/bin\/nixlab-start$/);
  expect(config.Cmd[1]).toMatch(/\/bin\/jupyter-server$/);
  expect(config.Healthcheck.Test).toEqual(['CMD', expect.stringMatching(/-busybox-[^/]+\/bin\/sh$/), '/etc/jupyter/nixlab_healthcheck.sh']);
  expect([config.Healthcheck.Interval, config.Healthcheck.Timeout, config.Healthcheck.Retries]).toEqual([3e9, 3e9, 3]);
  expect(config.Env).toContain('JUPYTER_PORT=8888');
});

test('start hooks run in order as the container user, then the command', async () => {
  const r = await runImage({ image, cmd: [config.Cmd[0]!, '/bin/sh', '-c', 'echo "server would start"; cat /tmp/greeted'], user: '4242:4242', timeoutMs: 60_000 });
  expect(r.exitCode).toBe(0);
  // Only the start's own line about /data, which belongs to the image's user (1000:100), if any.
  expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('nixlab: /data (owned by '))).toEqual([]);
  expect(r.stdout).toBe('hook 10 ran as 4242\nhook 20 ran\nserver would start\ngreeted\n');
});

test('a failing hook stops the container with its exit code and its message', async () => {
  const r = await runImage({ image, env: { FAIL_HOOK: '1' }, timeoutMs: 60_000 });
  expect(r.exitCode).toBe(3);
  expect(r.stdout).toBe('hook 10 ran as 1000\n');
  expect(r.stderr).toContain('hook 20 refuses: FAIL_HOOK is set\nnixlab: start hook 02-20-maybe-fail.sh failed with exit code 3\n');
});

test('JUPYTER_PORT moves the server, and the health check follows it: unhealthy before, healthy once it answers', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const check = () => runImage({ image, cmd: config.Healthcheck.Test.slice(1), env: { JUPYTER_PORT: String(port) }, timeoutMs: 30_000 });
  const before = await check();
  expect(before.exitCode).toBe(1);
  expect(before.stderr).toContain("wget: can't connect to remote host");
  const server = await startImage({ image, env: { JUPYTER_PORT: String(port), NIXLAB_IP: '127.0.0.1', JUPYTER_TOKEN: 'secret' } });
  try {
    let ok = false;
    for (let i = 0; i < 120 && !ok; i++) {
      ok = (await fetch(`http://127.0.0.1:${port}/api`).then((r) => r.status === 200).catch(() => false));
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    expect(ok).toBe(true);
    const after = await check();
    expect([after.exitCode, after.stderr]).toEqual([0, '']);
  } finally {
    await server.stop('SIGTERM', 10_000);
  }
}, 120_000);
