// A Jupyter server client with node's built-ins: the REST API over fetch, and a kernel's
// channels over the server's websocket (./websocket.ts), in the JSON message format every
// jupyter-server and Notebook 6/7 speak when no websocket subprotocol is asked for. It knows
// only the API (`/api/...`), never a UI page, so it works whatever the front end is.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { WebSocketClient } from './websocket.js';

/** The parts of a Jupyter message this client reads. */
interface JupyterMessage {
  header: { msg_id: string; msg_type: string };
  parent_header: { msg_id?: string };
  content: Record<string, unknown>;
  channel?: string;
}

/** A kernelspec as `GET /api/kernelspecs` lists it. */
export interface KernelspecInfo {
  name: string;
  spec: { display_name?: string; language?: string; argv?: string[]; metadata?: Record<string, unknown> };
}

/** What running code gave: the text it printed and returned, its errors, the reply status. */
export interface ExecuteResult {
  /** `stream` output on stdout, then the `text/plain` of `execute_result` and `display_data`. */
  stdout: string;
  stderr: string;
  /** `ename: evalue` of each `error` message. */
  errors: string[];
  /** `execute_reply` status: `ok`, `error` or `aborted`. */
  status: string;
}

/** An answer of the server: status and body text. */
export interface ServerAnswer {
  status: number;
  text: string;
}

/**
 * A Jupyter server at `base` (`http://127.0.0.1:PORT`, with its base URL), using `token` (none
 * when empty). `headers` go with every request and the websocket: a browser's cookies and XSRF
 * token, for a server behind JupyterHub reached as a logged-in user.
 */
export class JupyterServer {
  constructor(
    readonly base: string,
    readonly token: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The credentials of a request: the token (if any) and the extra headers. */
  private credentials(): Record<string, string> {
    return { ...this.headers, ...(this.token ? { Authorization: `token ${this.token}` } : {}) };
  }

  /**
   * One request; `auth: false` sends no token. Network errors reject. (node:http rather than
   * fetch: undici's idle-socket handling let a process exit with a request to a port that
   * accepts and then drops connections — what a published port does before the server is up.)
   */
  request(path: string, opts: { method?: string; body?: unknown; auth?: boolean; timeoutMs?: number } = {}): Promise<ServerAnswer> {
    const url = new URL(this.base.replace(/\/$/, '') + path);
    const headers: Record<string, string | number> = opts.auth === false ? {} : this.credentials();
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      // An IPv6 literal comes bracketed in a URL (`[::1]`) and bare to node:http.
      const req = httpRequest({ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port || 80, path: url.pathname + url.search, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      const timer = setTimeout(() => req.destroy(new Error(`${opts.method ?? 'GET'} ${url.pathname}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request whose answer must be 2xx JSON; otherwise throws with the status and body. */
  async json<T>(path: string, opts: { method?: string; body?: unknown; timeoutMs?: number } = {}): Promise<T> {
    const r = await this.request(path, opts);
    if (r.status < 200 || r.status >= 300) throw new Error(`${opts.method ?? 'GET'} ${path} answered ${r.status}${r.text ? `: ${summarise(r.text)}` : ''}`);
    return JSON.parse(r.text) as T;
  }

  /**
   * Polls `GET /api` (which needs no token) until it answers 200; resolves with the time taken.
   * Stops early, rejecting with its reason, when `gone()` returns one (the container exited).
   */
  async waitUntilUp(timeoutMs: number, gone: () => Promise<string | undefined> = async () => undefined): Promise<number> {
    const start = Date.now();
    let last = 'no answer yet';
    while (Date.now() - start < timeoutMs) {
      try {
        const r = await this.request('/api', { auth: false, timeoutMs: 2000 });
        if (r.status === 200) return Date.now() - start;
        last = `GET /api answered ${r.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      const why = await gone();
      if (why) throw new Error(why);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the server did not answer GET /api within ${timeoutMs / 1000} s (last: ${last})`);
  }

  /** `GET /api/kernelspecs`: the kernelspecs by name. */
  async kernelspecs(): Promise<Record<string, KernelspecInfo>> {
    return (await this.json<{ kernelspecs: Record<string, KernelspecInfo> }>('/api/kernelspecs')).kernelspecs;
  }

  /** `POST /api/kernels`: starts a kernel, returns its ID. */
  async startKernel(name: string, timeoutMs = 120_000): Promise<string> {
    return (await this.json<{ id: string }>('/api/kernels', { method: 'POST', body: { name }, timeoutMs })).id;
  }

  /** `DELETE /api/kernels/{id}`: the answer's status (204 when it was shut down). */
  async deleteKernel(id: string): Promise<number> {
    return (await this.request(`/api/kernels/${id}`, { method: 'DELETE' })).status;
  }

  /**
   * Opens the kernel's channels websocket. The server answers the handshake once the kernel is
   * ready, which a loaded machine can take longer than the default 30 s for.
   */
  async channels(kernelId: string, timeoutMs?: number): Promise<KernelChannels> {
    const url = `${this.base.replace(/^http/, 'ws').replace(/\/$/, '')}/api/kernels/${kernelId}/channels?session_id=${randomUUID()}`;
    const ws = await WebSocketClient.connect(url, { headers: this.credentials(), ...(timeoutMs === undefined ? {} : { timeoutMs }) });
    return new KernelChannels(ws);
  }
}

/** A kernel's shell and iopub channels over one websocket. */
export class KernelChannels {
  private readonly session = randomUUID();
  private readonly waiting = new Map<string, (msg: JupyterMessage) => void>();
  private failure: Error | undefined;

  constructor(private readonly ws: WebSocketClient) {
    ws.onText = (text) => {
      let msg: JupyterMessage;
      try {
        msg = JSON.parse(text) as JupyterMessage;
      } catch {
        return; // not a message of this protocol
      }
      const parent = msg.parent_header?.msg_id;
      if (parent) this.waiting.get(parent)?.(msg);
    };
    ws.onClose = (error) => {
      this.failure = error ?? new Error('the kernel websocket closed');
      for (const cb of this.waiting.values()) cb({ header: { msg_id: '', msg_type: '__closed__' }, parent_header: {}, content: {} });
    };
  }

  /**
   * Sends a shell request and collects every message answering it until the reply has come and
   * the kernel is idle again (both are needed: iopub and shell are not ordered). With `resendMs`
   * (for requests that change nothing in the kernel), the request is sent again, under a new id,
   * each time that long has passed with no answer to any copy; an answer to any copy counts.
   */
  private ask(msgType: string, content: Record<string, unknown>, timeoutMs: number, opts: { late?: LateOutput; resendMs?: number } = {}): Promise<JupyterMessage[]> {
    const { late, resendMs } = opts;
    const replyType = msgType.replace(/_request$/, '_reply');
    return new Promise((resolve, reject) => {
      const ids: string[] = [];
      const got: JupyterMessage[] = [];
      let replied = false;
      let idle = false;
      let lateTimer: ReturnType<typeof setTimeout> | undefined;
      let resendTimer: ReturnType<typeof setInterval> | undefined;
      const done = (err?: Error) => {
        clearTimeout(timer);
        clearTimeout(lateTimer);
        clearInterval(resendTimer);
        for (const id of ids) this.waiting.delete(id);
        if (err) reject(err);
        else resolve(got);
      };
      const timer = setTimeout(() => {
        const seen = got.map((m) => m.header.msg_type).join(', ') || 'nothing';
        const asked = ids.length > 1 ? `asked ${ids.length} times; ` : '';
        done(new Error(`no ${replyType} within ${timeoutMs / 1000} s (${asked}got: ${seen})`));
      }, timeoutMs);
      const answer = (msg: JupyterMessage) => {
        if (msg.header.msg_type === '__closed__') return done(this.failure);
        got.push(msg);
        if (msg.header.msg_type === replyType) replied = true;
        if (msg.header.msg_type === 'status' && msg.content.execution_state === 'idle') idle = true;
        if (!replied || !idle) return;
        // Deno's kernel sends execute_reply and idle without waiting for its stdout task (it
        // sleeps 5 ms: denoland/deno#20337), so on a busy machine a stream can come after idle.
        const sofar = late && collectOutput(got);
        if (!sofar || sofar.status !== 'ok' || sofar.stdout.includes(late.stdout)) return done();
        lateTimer ??= setTimeout(() => done(), late.ms);
      };
      const send = () => {
        const msgId = randomUUID();
        ids.push(msgId);
        this.waiting.set(msgId, answer);
        this.ws.sendText(
          JSON.stringify({
            header: { msg_id: msgId, msg_type: msgType, username: 'nixlab', session: this.session, version: '5.3', date: new Date().toISOString() },
            parent_header: {},
            metadata: {},
            content,
            channel: 'shell',
            buffers: [],
          }),
        );
      };
      if (this.failure) return done(this.failure);
      send();
      if (resendMs) resendTimer = setInterval(() => got.length === 0 && send(), resendMs);
    });
  }

  /**
   * `kernel_info_request`: the reply's content (protocol version, language_info, …). Asked again
   * every `resendMs` while nothing at all has answered: a kernel that dies while it starts is
   * restarted by the server (on new ports), and a request sent to it meanwhile is lost; nothing
   * would ever answer it (test/e2e/demo.test.ts: a kernel stopped while it holds the request,
   * then killed, left "got: nothing" for 120 s; asked again, it answered within 7 s). A
   * kernel_info request changes nothing in the kernel.
   */
  async kernelInfo(timeoutMs = 60_000, resendMs = 5_000): Promise<Record<string, unknown>> {
    const msgs = await this.ask('kernel_info_request', {}, timeoutMs, { resendMs });
    return msgs.find((m) => m.header.msg_type === 'kernel_info_reply')!.content;
  }

  /**
   * Runs code; resolves once the kernel has replied and is idle again -- or, with `late`, once
   * stdout holds `late.stdout` or `late.ms` more have passed (for kernels whose output may
   * follow their idle status).
   */
  async execute(code: string, timeoutMs = 60_000, late?: LateOutput): Promise<ExecuteResult> {
    const msgs = await this.ask('execute_request', { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true }, timeoutMs, { late });
    return collectOutput(msgs);
  }

  close(): void {
    this.ws.close();
  }
}

/** How long to wait after idle for output that should come: until stdout holds `stdout`, at most `ms`. */
export interface LateOutput {
  stdout: string;
  ms: number;
}

/** An execute request's answers → stdout, stderr, errors and the reply's status. */
function collectOutput(msgs: JupyterMessage[]): ExecuteResult {
  const out: ExecuteResult = { stdout: '', stderr: '', errors: [], status: '' };
  for (const m of msgs) {
    const c = m.content;
    switch (m.header.msg_type) {
      case 'stream':
        if (c.name === 'stderr') out.stderr += String(c.text ?? '');
        else out.stdout += String(c.text ?? '');
        break;
      case 'execute_result':
      case 'display_data': {
        const text = (c.data as Record<string, unknown> | undefined)?.['text/plain'];
        if (typeof text === 'string') out.stdout += text.endsWith('\n') ? text : `${text}\n`;
        break;
      }
      case 'error':
        out.errors.push(`${String(c.ename)}: ${String(c.evalue)}`);
        break;
      case 'execute_reply':
        out.status = String(c.status);
        break;
    }
  }
  return out;
}

/** A body shortened for a message: JSON `message`/`reason` when there is one. */
function summarise(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; reason?: unknown };
    const parts = [j.reason, j.message].filter((p) => typeof p === 'string' && p);
    if (parts.length) return parts.join(': ').slice(0, 500);
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').slice(0, 500);
}
