// A small Jupyter client for end-to-end tests: real HTTP (fetch) and the real kernel websocket
// protocol (ws), against a server started from a nixlab image.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import WebSocket from 'ws';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export class JupyterClient {
  constructor(
    readonly base: string,
    readonly token: string,
  ) {}

  /** fetch with the token header (or without, when `auth` is false). */
  async request(path: string, init: RequestInit = {}, auth = true): Promise<Response> {
    const headers = new Headers(init.headers);
    if (auth) headers.set('Authorization', `token ${this.token}`);
    return fetch(this.base + path, { ...init, headers });
  }

  async json<T = unknown>(path: string, init: RequestInit = {}): Promise<T> {
    const r = await this.request(path, init);
    if (!r.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  }

  /** Polls /api/status until the server answers (any HTTP status), or throws after `ms`. */
  async waitUntilUp(ms: number, isAlive: () => boolean = () => true): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < ms) {
      if (!isAlive()) throw new Error('the server exited before it answered');
      try {
        await this.request('/api/status', {}, false);
        return Date.now() - start;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`the server did not answer within ${ms} ms`);
  }

  async startKernel(name: string): Promise<string> {
    const k = await this.json<{ id: string }>('/api/kernels', { method: 'POST', body: JSON.stringify({ name }), headers: { 'Content-Type': 'application/json' } });
    return k.id;
  }

  async deleteKernel(id: string): Promise<number> {
    return (await this.request(`/api/kernels/${id}`, { method: 'DELETE' })).status;
  }

  /**
   * Executes code in a kernel over its websocket channel; resolves with the text of its stream
   * output, its errors, and the reply status once the kernel is idle again.
   */
  async execute(kernelId: string, code: string, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; errors: string[]; status: string }> {
    const url = `${this.base.replace(/^http/, 'ws')}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}`;
    const ws = new WebSocket(url, { headers: { Authorization: `token ${this.token}` } });
    const msgId = randomUUID();
    const out = { stdout: '', stderr: '', errors: [] as string[], status: '' };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no reply to ${JSON.stringify(code)} within ${timeoutMs} ms (so far: ${JSON.stringify(out)})`));
      }, timeoutMs);
      let idle = false;
      const finish = () => {
        if (idle && out.status) {
          clearTimeout(timer);
          ws.close();
          resolve(out);
        }
      };
      ws.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on('open', () => {
        ws.send(
          JSON.stringify({
            header: { msg_id: msgId, msg_type: 'execute_request', username: 'test', session: randomUUID(), version: '5.3', date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
            channel: 'shell',
            buffers: [],
          }),
        );
      });
      ws.on('message', (data) => {
        const msg = JSON.parse(data.toString());
        if (msg.parent_header?.msg_id !== msgId) return;
        const type = msg.header.msg_type;
        if (type === 'stream') out[msg.content.name === 'stderr' ? 'stderr' : 'stdout'] += msg.content.text;
        else if (type === 'error') out.errors.push(`${msg.content.ename}: ${msg.content.evalue}`);
        else if (type === 'execute_reply') out.status = msg.content.status;
        else if (type === 'status' && msg.content.execution_state === 'idle') idle = true;
        finish();
      });
    });
  }
}
