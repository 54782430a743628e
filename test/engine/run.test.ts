// `nixlab run`'s library side (src/engine/run.ts), on an image packed from a real closure with
// tini and busybox, run by the real chroot runner: the run-time environment and token, events
// in order, the outcome of a server that dies by itself, and interrupts (one stops, two kill).
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryClosure } from '../../src/image/closure.js';
import { buildFixture, pack } from '../image/fixtures.js';
import { runEnvironment, runImageHere, type RunEvent } from '../../src/engine/run.js';
import { UserError } from '../../src/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-run-lib-test-'));
/** An image whose "server" prints what it was given, then dies by itself with code 3. */
let dying: string;

beforeAll(async () => {
  const runtime = await buildFixture('runtime');
  const busybox = (await queryClosure([runtime])).find((n) => n.path.endsWith('-nixlab-fixture-busybox'))!.path;
  dying = join(tmp, 'dying.tar');
  await pack({
    storePaths: [runtime],
    output: dying,
    reference: 'run-lib-test:1',
    cmd: ['sh', '-c', 'echo "ip=$NIXLAB_IP port=$JUPYTER_PORT token=$JUPYTER_TOKEN"; echo the-last-words >&2; exit 3'],
    env: [`PATH=${busybox}/bin`, 'HOME=/home/jovyan'],
  });
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs with events recorded: output joined per stream, every other event as it came. */
async function recorded(opts: Parameters<typeof runImageHere>[0], onEvent?: (e: RunEvent) => void) {
  const events: RunEvent[] = [];
  const out = { stdout: '', stderr: '' };
  const outcome = await runImageHere(opts, (e) => {
    if (e.kind === 'output') out[e.stream] += e.chunk.toString();
    else events.push(e);
    onEvent?.(e);
  });
  return { outcome, events, out };
}

describe('runEnvironment', () => {
  it('loopback, the port and a new 48-hex-digit token, then -e values (a given token is kept)', () => {
    const a = runEnvironment(9999);
    expect(a.env).toEqual({ NIXLAB_IP: '127.0.0.1', JUPYTER_PORT: '9999', JUPYTER_TOKEN: a.token });
    expect(a.token).toMatch(/^[0-9a-f]{48}$/);
    expect(runEnvironment(1, []).token).not.toBe(a.token);
    expect(runEnvironment(1, ['JUPYTER_TOKEN=secret', 'A=b=c', 'JUPYTER_PORT=2'])).toEqual({ env: { NIXLAB_IP: '127.0.0.1', JUPYTER_PORT: '2', JUPYTER_TOKEN: 'secret', A: 'b=c' }, token: 'secret' });
  });

  it.each(['NOVALUE', '=x'])('refuses -e %s: a typed error naming --env, with a fix', (kv) => {
    expect(() => runEnvironment(1, [kv])).toThrow(UserError);
    expect(() => runEnvironment(1, [kv])).toThrow(/^--env: .* is not KEY=value\. Fix: /);
  });
});

describe('runImageHere', () => {
  it('a server that dies by itself: serving (url, token), its output, then its code and last lines', async () => {
    const { outcome, events, out } = await recorded({ image: dying, port: 18123, env: ['JUPYTER_TOKEN=tok'] });
    expect(events).toEqual([{ kind: 'serving', url: 'http://127.0.0.1:18123/?token=tok', token: 'tok' }]);
    expect(out).toEqual({ stdout: 'ip=127.0.0.1 port=18123 token=tok\n', stderr: 'the-last-words\n' });
    expect(outcome).toEqual({ exitCode: 3, stopped: false, containerExitCode: 3, signal: null, lastLines: expect.arrayContaining(['the-last-words']) });
  }, 300_000);

  it('a command instead of the server: no serving event, its exit code passed through', async () => {
    const { outcome, events, out } = await recorded({ image: dying, port: 1, cmd: ['sh', '-c', 'echo cmd-ran; exit 5'] });
    expect(events).toEqual([]);
    expect(out.stdout).toBe('cmd-ran\n');
    expect([outcome.exitCode, outcome.stopped]).toEqual([5, false]);
  }, 300_000);

  it('one interrupt stops it as docker stop does: a stopping event, exit code 0, no listener left', async () => {
    const interrupts = new EventEmitter();
    let ready = false;
    const running = recorded({ image: dying, port: 1, cmd: ['sh', '-c', 'echo ready; exec sleep 1000'], interrupts }, (e) => {
      if (e.kind === 'output' && e.chunk.toString().includes('ready')) ready = true;
    });
    for (let i = 0; i < 3000 && !ready; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ready).toBe(true);
    interrupts.emit('SIGINT');
    const { outcome, events } = await running;
    expect(events).toEqual([{ kind: 'stopping' }]);
    // tini passes SIGTERM on to sleep and exits with 128 + 15.
    expect(outcome).toMatchObject({ exitCode: 0, stopped: true, containerExitCode: 143 });
    expect([interrupts.listenerCount('SIGINT'), interrupts.listenerCount('SIGTERM')]).toEqual([0, 0]);
  }, 300_000);

  it('a second interrupt kills at once a container that ignores SIGTERM (grace period of 10 minutes)', async () => {
    const interrupts = new EventEmitter();
    let ready = false;
    const cmd = ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'];
    const running = recorded({ image: dying, port: 1, cmd, interrupts, graceMs: 600_000 }, (e) => {
      if (e.kind === 'output' && e.chunk.toString().includes('ready')) ready = true;
    });
    for (let i = 0; i < 3000 && !ready; i++) await new Promise((r) => setTimeout(r, 20));
    expect(ready).toBe(true);
    interrupts.emit('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    const killedAt = Date.now();
    interrupts.emit('SIGINT');
    const { outcome, events } = await running;
    expect(events).toEqual([{ kind: 'stopping' }]);
    // Killed, so not a stop: the command reports how it ended and exits non-zero.
    expect(outcome.stopped).toBe(false);
    expect(outcome.exitCode).not.toBe(0);
    // Long before the grace period would have ended it (the bound only tells "at once" from "after 10 minutes").
    expect(Date.now() - killedAt).toBeLessThan(120_000);
  }, 300_000);
});
