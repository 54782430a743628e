// The byte path from tar-stream to the output: chunks are copied into a small ring of 1 MiB
// shared buffers; each full buffer is written (file or stream) and, where it overlaps a layer,
// hashed by a worker thread at the same time. SHA-256 runs at ~400 MB/s on one core, so hashing
// on the main thread would halve throughput; with the worker, reading/tar framing and hashing
// use both cores, and memory stays bounded by the ring (8 MiB).
import { EventEmitter } from 'node:events';
import { write as fsWrite } from 'node:fs';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';

const SLOT_SIZE = 1 << 20;
const SLOTS = 8;

// Plain CommonJS run with `eval: true`, so it works the same from dist/ and under ts-jest.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ranges = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'range') {
    const r = { stream: m.stream, start: m.start, end: m.start + m.length, hash: createHash('sha256') };
    if (m.length === 0) parentPort.postMessage({ t: 'digest', id: m.id, hex: r.hash.digest('hex') });
    else ranges.set(m.id, r);
  } else if (m.t === 'data') {
    const view = Buffer.from(m.sab, 0, m.length);
    const s = m.start, e = m.start + m.length;
    for (const [id, r] of ranges) {
      if (r.stream !== m.stream) continue;
      const a = Math.max(s, r.start), b = Math.min(e, r.end);
      if (a < b) r.hash.update(view.subarray(a - s, b - s));
      if (r.end <= e && a < b) {
        ranges.delete(id);
        parentPort.postMessage({ t: 'digest', id, hex: r.hash.digest('hex') });
      }
    }
    parentPort.postMessage({ t: 'ack', id: m.id });
  }
});
`;

/** A worker thread computing SHA-256 of byte ranges of one or more output streams. */
export class HashWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.on('message', (m: { t: string; id: number; hex?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m.hex ?? '');
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new InternalError(`hash worker exited (code ${code})`)));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  private request<T extends string>(msg: Record<string, unknown>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: string) => void, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /** Registers a range before any of its bytes are sent; resolves to its hex SHA-256. */
  range(stream: number, start: number, length: number): Promise<string> {
    return this.request({ t: 'range', stream, start, length });
  }

  /** Hashes the part of `sab[0, length)` (stream bytes from `start`) that overlaps ranges. */
  data(stream: number, sab: SharedArrayBuffer, start: number, length: number): Promise<void> {
    return this.request({ t: 'data', stream, sab, start, length }).then(() => undefined);
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    this.fail(new InternalError('hash worker closed'));
    await this.worker.terminate();
  }
}

/** Positional or sequential byte output. */
export interface ByteWriter {
  /** Writes `buf` at stream offset `position`; calls arrive in order. */
  write(buf: Buffer, position: number): Promise<void>;
}

/** Writes to a file descriptor with pwrite(), so several writes can be in flight. */
export class FdWriter implements ByteWriter {
  constructor(
    private readonly fd: number,
    /** File offset of stream position 0. */
    private readonly base = 0,
  ) {}
  write(buf: Buffer, position: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const step = (off: number) =>
        fsWrite(this.fd, buf, off, buf.length - off, this.base + position + off, (error, n) => {
          if (error) return reject(error);
          if (off + n < buf.length) return step(off + n);
          resolve();
        });
      step(0);
    });
  }
}

/** Writes to a Node Writable (stdout); an 'error' (EPIPE) fails every pending write. */
export class StreamWriter implements ByteWriter {
  private failure: Error | null = null;
  private readonly pending = new Set<(e: Error) => void>();
  constructor(private readonly stream: Writable) {
    // Stays attached after failure: a dead pipe may report more errors, which must not crash.
    stream.on('error', (error: Error) => {
      this.failure ??= error;
      for (const reject of this.pending) reject(error);
      this.pending.clear();
    });
  }
  write(buf: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.add(reject);
      this.stream.write(buf, (error) => {
        this.pending.delete(reject);
        if (error) reject(error);
        else resolve();
      });
    });
  }
}

interface Slot {
  sab: SharedArrayBuffer;
  buf: Buffer;
}

let streamIds = 0;

/**
 * An output stream of the archive. Accepts chunks with Node's write()/'drain' protocol (so
 * tar-stream and writeLayerTar can push into it), counts positions, and hashes registered
 * ranges on the worker. The first failure is kept and passed to `onError`.
 */
export class ArchiveSink extends EventEmitter {
  /** Bytes accepted so far (the offset of the next byte). */
  position = 0;
  private dispatched = 0;
  private readonly free: Slot[] = [];
  private current: Slot | null = null;
  private fill = 0;
  private backlog: Buffer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ranges: { start: number; end: number }[] = [];
  private readonly stream = ++streamIds;
  private failure: Error | null = null;

  constructor(
    private readonly writer: ByteWriter | null,
    private readonly hasher: HashWorker,
    private readonly opts: { onError: (error: Error) => void; onBytes?: (dispatched: number) => void },
  ) {
    super();
    for (let i = 0; i < SLOTS; i++) {
      const sab = new SharedArrayBuffer(SLOT_SIZE);
      this.free.push({ sab, buf: Buffer.from(sab) });
    }
  }

  /** SHA-256 of bytes [start, start+length); must be called before those bytes are written. */
  hashRange(start: number, length: number): Promise<string> {
    if (start < this.position) throw new InternalError(`hash range at ${start} registered after byte ${this.position} was written`);
    const range = { start, end: start + length };
    this.ranges.push(range);
    return this.hasher.range(this.stream, start, length).finally(() => this.ranges.splice(this.ranges.indexOf(range), 1));
  }

  /** Queues `chunk`; false means wait for 'drain' before writing more. */
  write(chunk: Buffer): boolean {
    if (this.failure) return false;
    this.position += chunk.length;
    if (this.backlog.length) {
      this.backlog.push(chunk);
      return false;
    }
    this.copyIn(chunk);
    return this.backlog.length === 0;
  }

  private copyIn(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (!this.current) {
        const slot = this.free.pop();
        if (!slot) {
          this.backlog.push(off ? chunk.subarray(off) : chunk);
          return;
        }
        this.current = slot;
        this.fill = 0;
      }
      const n = Math.min(SLOT_SIZE - this.fill, chunk.length - off);
      chunk.copy(this.current.buf, this.fill, off, off + n);
      this.fill += n;
      off += n;
      // A full slot goes out; so does a partial one holding the last byte of a hashed range,
      // so that range's digest does not wait for bytes that come later (or never).
      if (this.fill === SLOT_SIZE || this.completesRange()) this.dispatch();
    }
  }

  private completesRange(): boolean {
    const end = this.dispatched + this.fill;
    return this.ranges.some((r) => r.end > this.dispatched && r.end <= end);
  }

  private dispatch(): void {
    const slot = this.current;
    if (!slot || this.fill === 0) return;
    const start = this.dispatched;
    const length = this.fill;
    this.dispatched += length;
    this.current = null;
    this.fill = 0;
    const jobs: Promise<void>[] = [];
    if (this.writer) jobs.push(this.writer.write(slot.buf.subarray(0, length), start));
    if (this.ranges.some((r) => r.start < start + length && r.end > start)) jobs.push(this.hasher.data(this.stream, slot.sab, start, length));
    const job = Promise.all(jobs).then(
      () => this.release(slot),
      (error: Error) => this.fail(error),
    );
    this.inFlight.add(job);
    void job.finally(() => this.inFlight.delete(job));
    this.opts.onBytes?.(this.dispatched);
  }

  private release(slot: Slot): void {
    this.free.push(slot);
    if (this.failure || !this.backlog.length) return;
    const backlog = this.backlog;
    this.backlog = [];
    for (let i = 0; i < backlog.length; i++) {
      this.copyIn(backlog[i]!);
      if (this.backlog.length) {
        this.backlog.push(...backlog.slice(i + 1));
        return;
      }
    }
    this.emit('drain');
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.backlog = [];
    this.opts.onError(error);
  }

  /** Writes what is buffered and waits for every write and hash of it. */
  async finish(): Promise<void> {
    while (this.backlog.length || this.current) {
      if (this.failure) throw this.failure;
      if (this.current && this.backlog.length === 0) {
        this.dispatch();
        break;
      }
      if (this.inFlight.size === 0) throw new InternalError('archive sink stalled with a backlog and nothing in flight');
      await Promise.race(this.inFlight);
    }
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
    if (this.failure) throw this.failure;
  }
}
