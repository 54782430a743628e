// A small WebSocket client (RFC 6455) on node's http and net modules, enough to speak to a
// Jupyter server's kernel channels: the opening handshake (with the accept key checked), masked
// text frames out, text frames in (fragmented or not, any length), ping → pong, and the closing
// handshake. No extensions (no permessage-deflate is offered, so none is used) and no
// subprotocol unless asked. Library code may not depend on the `ws` devDependency: this is it.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The GUID RFC 6455 §1.3 appends to the key before hashing it into Sec-WebSocket-Accept. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

/** The handshake failed, or the connection broke: what happened, with the server's answer. */
export class WebSocketError extends Error {
  constructor(
    message: string,
    /** The HTTP status the server answered the upgrade with, when it did not switch protocols. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'WebSocketError';
  }
}

export interface WebSocketOptions {
  headers?: Record<string, string>;
  /** Give up the handshake after this long (default 30 s). */
  timeoutMs?: number;
}

/** One open connection. Messages arrive through `onText`; binary messages through `onBinary`. */
export class WebSocketClient {
  /**
   * Called with each complete text message. Messages that arrive before it is set (a server
   * may send at once after the handshake) are kept and handed to it when it is.
   */
  set onText(fn: (text: string) => void) {
    this.textHandler = fn;
    for (const t of this.early.splice(0)) fn(t);
  }
  /** Called with each complete binary message (Jupyter sends messages with buffers this way). */
  onBinary: (data: Buffer) => void = () => undefined;

  private textHandler: ((text: string) => void) | undefined;
  private early: string[] = [];
  /** Called once when the connection is gone: `error` is set unless it closed cleanly. */
  onClose: (error?: Error) => void = () => undefined;

  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => this.finish(err));
    socket.on('close', () => this.finish(this.closed ? undefined : new WebSocketError('the connection closed without a closing handshake')));
  }

  /** Opens `url` (`ws://host:port/path?query`); resolves once the server has switched protocols. */
  static connect(url: string, opts: WebSocketOptions = {}): Promise<WebSocketClient> {
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new WebSocketError(`${url}: only ws:// URLs are supported`);
    const key = randomBytes(16).toString('base64');
    const expected = createHash('sha1').update(key + ACCEPT_GUID).digest('base64');
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: u.hostname,
        port: u.port || 80,
        path: u.pathname + u.search,
        headers: {
          ...opts.headers,
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': key,
          'Sec-WebSocket-Version': '13',
        },
        agent: false,
      });
      const timer = setTimeout(() => req.destroy(new WebSocketError(`${url}: no handshake within ${(opts.timeoutMs ?? 30_000) / 1000} s`)), opts.timeoutMs ?? 30_000);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof WebSocketError ? err : new WebSocketError(`${url}: ${err.message}`));
      });
      req.on('response', (res: IncomingMessage) => {
        // Not switching protocols: the server's refusal (403 without a token, 404 for no kernel).
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const body = Buffer.concat(chunks).toString('utf8').trim().slice(0, 300);
          reject(new WebSocketError(`${u.pathname}: the server answered ${res.statusCode} instead of switching to a websocket${body ? `: ${body}` : ''}`, res.statusCode));
        });
      });
      req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        clearTimeout(timer);
        if (res.headers['sec-websocket-accept'] !== expected) {
          socket.destroy();
          reject(new WebSocketError(`${u.pathname}: the server's Sec-WebSocket-Accept does not match the key`));
          return;
        }
        const ws = new WebSocketClient(socket);
        if (head.length) ws.receive(head);
        resolve(ws);
      });
      req.end();
    });
  }

  /** Sends one text message. */
  sendText(text: string): void {
    this.sendFrame(OP_TEXT, Buffer.from(text, 'utf8'));
  }

  /** Starts the closing handshake; the socket ends once the server answers (or after 2 s). */
  close(code = 1000): void {
    if (this.closed) return;
    this.closed = true;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    try {
      this.sendFrame(OP_CLOSE, payload);
    } catch {
      // the socket is already gone
    }
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private finish(error?: Error): void {
    const cb = this.onClose;
    this.onClose = () => undefined;
    cb(error);
  }

  /** Client frames are always masked (RFC 6455 §5.3), with a fresh key each. */
  private sendFrame(opcode: number, payload: Buffer): void {
    const len = payload.length;
    const header = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (len < 126) header[1] = 0x80 | len;
    else if (len < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(len, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(len), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.alloc(len);
    for (let i = 0; i < len; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(Buffer.concat([header, mask, masked]));
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) return;
      this.handle(frame.fin, frame.opcode, frame.payload);
    }
  }

  /** Takes one whole frame off the buffer, or null if it has not all arrived yet. */
  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | null {
    const b = this.buffer;
    if (b.length < 2) return null;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new WebSocketError('a frame longer than 2^53 bytes');
      len = Number(big);
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + len) return null;
    let payload = b.subarray(offset, offset + len);
    if (masked) {
      // Servers must not mask (§5.1), but unmasking costs nothing.
      const mask = b.subarray(maskOffset, maskOffset + 4);
      payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]!));
    }
    this.buffer = b.subarray(offset + len);
    return { fin, opcode, payload };
  }

  private handle(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case OP_PING:
        if (!this.closed) this.sendFrame(OP_PONG, payload);
        return;
      case OP_PONG:
        return;
      case OP_CLOSE:
        if (!this.closed) {
          // The server closes first: answer with the same code, then the socket ends.
          this.closed = true;
          try {
            this.sendFrame(OP_CLOSE, payload.subarray(0, 2));
          } catch {
            // gone already
          }
        }
        this.socket.end();
        return;
      case OP_TEXT:
      case OP_BINARY:
        this.fragments = [payload];
        this.fragmentOpcode = opcode;
        break;
      case OP_CONTINUATION:
        this.fragments.push(payload);
        break;
      default:
        this.socket.destroy(new WebSocketError(`the server sent a frame with the unknown opcode ${opcode}`));
        return;
    }
    if (!fin) return;
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    if (this.fragmentOpcode === OP_TEXT) {
      const text = data.toString('utf8');
      if (this.textHandler) this.textHandler(text);
      else this.early.push(text);
    }
    else this.onBinary(data);
  }
}
