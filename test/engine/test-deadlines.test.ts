// Issue 23, low: `nixlab test` under CPU load. A custom kernel's channels did not open within a
// fixed 30 s (the websocket handshake's own default), whatever deadline the run had, and the
// report did not say which deadline ran out. Here a real HTTP server starts "kernels" and then
// never completes the websocket handshake: the kernel deadline applies, and the report names it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { TEST_DEADLINES, testKernel, withDeadline } from '../../src/engine/test-kernel.js';
import Test from '../../src/commands/test.js';

describe('issue 23 low: nixlab test deadlines', () => {
  let server: Server;
  let base: string;
  const upgraded: Socket[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/api/kernels') {
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'k1' }));
      } else res.writeHead(204).end();
    });
    // The handshake never completes: the upgrade request is left unanswered.
    server.on('upgrade', (_req, socket: Socket) => void upgraded.push(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const socket of upgraded) socket.destroy();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it("a kernel's channels get the kernel deadline (not a fixed 30 s), and the report says which deadline was hit", async () => {
    const t0 = Date.now();
    const report = await testKernel(new JupyterServer(base, 't'), { kind: 'bash', name: 'slow' }, { name: 'slow', spec: { language: 'bash' } }, 1500, () => undefined, async () => []);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(report.ok).toBe(false);
    expect(report.detail).toMatch(/^started, but its channels do not open: .*within 1\.5 s.*\[the kernel deadline was hit: --kernel-timeout 1\.5; raise it on a loaded machine\]$/);
  });

  it('the defaults hold on a loaded machine, and the flags say them', () => {
    expect(TEST_DEADLINES.server.defaultSeconds).toBeGreaterThanOrEqual(300);
    expect(TEST_DEADLINES.kernel.defaultSeconds).toBeGreaterThanOrEqual(120);
    for (const which of ['server', 'kernel'] as const) {
      const flag = Test.flags[`${which}-timeout`];
      expect(flag.description).toContain(`[default: ${TEST_DEADLINES[which].defaultSeconds}]`);
    }
    expect(withDeadline('the server did not answer GET /api within 300 s (last: ECONNREFUSED)', 'server', 300_000)).toContain('[the server deadline was hit: --server-timeout 300;');
    expect(withDeadline('exit code 1', 'kernel', 1000)).toBe('exit code 1');
  });
});
