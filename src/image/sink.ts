// The byte path from tar-stream to the output: chunks are copied into a small ring of 1 MiB
// buffers, and each full buffer goes out, then comes back for reuse; memory stays bounded by the
// ring (4 MiB). SHA-256 runs at ~300-400 MB/s on one core without SHA extensions, slower than
// tar framing, so hashing never runs on the main thread:
// - File outputs: the main thread pwrite()s each buffer (on the thread pool) and HashPool
//   workers hash each layer's range by reading it back from the file once it is written (from
//   the page cache, a cheap copy). Consecutive layers are hashed by different workers at the
//   same time, so hashing keeps up with framing on two cores, with no buffer held for it.
// - Streams (stdout) and hash-only passes: each buffer is handed (transferred, not copied) to a
//   ByteWorker that hashes the parts overlapping a layer; a stream is written after that.
// (SharedArrayBuffers would avoid the transfers, but Node's async fs.write() on shared memory
// is ~6x slower.)
import { EventEmitter } from 'node:events';
import { write as fsWrite } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';
import type { ByteWorkerReply, ByteWorkerRequest } from './workers/byte-worker.js';
import type { HashWorkerReply, HashWorkerRequest } from './workers/hash-worker.js';
import { workerUrl } from './workers/index.js';

const SLOT_SIZE = 1 << 20;
const SLOTS = 4;

type Reply = ByteWorkerReply;
/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Bytes a hash worker must have queued before another one is started. */
const SPAWN_BACKLOG = 32 << 20;

/**
 * Workers that hash ranges of output files by reading them back once written: a range is
 * registered before its bytes are written, and written() tells every worker how far a file is
 * complete. Each range goes to the worker with the fewest bytes still to hash, so consecutive
 * layers are hashed in parallel. Workers start when needed: the first with the first range,
 * another only when every running one has a backlog (a rebuild that hashes a few MB of
 * changed layers does not pay for starting two threads).
 */
export class HashPool {
  private readonly lanes: { worker: Worker; pending: number }[] = [];
  private readonly waiting = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void; lane: number; length: number }>();
  private nextId = 1;
  private failure: Error | null = null;

  /** Up to `size` workers (default: two, or one on a single core). */
  constructor(private readonly size = Math.max(1, Math.min(2, availableParallelism()))) {}

  /** Starts one more worker. */
  private start(): void {
    const worker = new Worker(workerUrl('hash-worker'), { workerData: { bufferSize: SLOT_SIZE }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    worker.on('message', (m: HashWorkerReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      this.lanes[w.lane]!.pending -= w.length;
      if (m.error) w.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
      else w.resolve(m.hex!);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new InternalError(`hash worker exited (code ${code})`)));
    this.lanes.push({ worker, pending: 0 });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  /** SHA-256 (hex) of file bytes [start, start+length) of `fd`, once written() has passed them. */
  range(stream: number, fd: number, start: number, length: number): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    let lane = 0;
    for (let i = 1; i < this.lanes.length; i++) if (this.lanes[i]!.pending < this.lanes[lane]!.pending) lane = i;
    if (this.lanes.length < this.size && (!this.lanes.length || this.lanes[lane]!.pending >= SPAWN_BACKLOG)) {
      this.start();
      lane = this.lanes.length - 1;
    }
    const id = this.nextId++;
    this.lanes[lane]!.pending += length;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, lane, length });
      this.lanes[lane]!.worker.postMessage({ t: 'range', id, stream, fd, start, length } satisfies HashWorkerRequest);
    });
  }

  /** Every byte of `stream`'s file before offset `upTo` is written. */
  written(stream: number, upTo: number): void {
    for (const l of this.lanes) if (l.pending > 0) l.worker.postMessage({ t: 'written', stream, upTo } satisfies HashWorkerRequest);
  }

  /** Forgets a stream (its file is closed; the fd number may be reused). */
  closed(stream: number): void {
    for (const l of this.lanes) l.worker.postMessage({ t: 'closed', stream } satisfies HashWorkerRequest);
  }

  async close(): Promise<void> {
    for (const l of this.lanes) l.worker.removeAllListeners('exit');
    this.fail(new InternalError('hash pool closed'));
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }
}

/**
 * A worker thread that hashes byte ranges of output streams (and can write file outputs).
 * The thread starts on first use: a pack that writes only files never needs it.
 */
export class ByteWorker {
  private thread: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;

  private get worker(): Worker {
    if (this.thread) return this.thread;
    // It allocates next to nothing: a small heap keeps the process's RSS down.
    const worker = (this.thread = new Worker(workerUrl('byte-worker'), { resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 } }));
    worker.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m);
    });
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new InternalError(`byte worker exited (code ${code})`)));
    return worker;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }

  private request(msg: DistributiveOmit<ByteWorkerRequest, 'id'>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Registers a range before any of its bytes are sent; resolves to its hex SHA-256. */
  async range(stream: number, start: number, length: number): Promise<string> {
    const reply = await this.request({ t: 'range', stream, start, length });
    if (reply.t !== 'digest') throw new InternalError('byte worker: a range was answered with an ack');
    return reply.hex;
  }

  /**
   * Hands over `buf[0, length)` (stream bytes from `start`): hashed where it overlaps ranges and,
   * with `fd`, written at file offset `base + start`. Resolves to the buffer, given back.
   */
  async data(stream: number, buf: ArrayBuffer, start: number, length: number, fd: number | null, base: number): Promise<ArrayBuffer> {
    const reply = await this.request({ t: 'data', stream, buf, start, length, fd, base }, [buf]);
    if (reply.t !== 'ack') throw new InternalError('byte worker: data was answered with a digest');
    if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.buf;
  }

  async close(): Promise<void> {
    this.thread?.removeAllListeners('exit');
    this.fail(new InternalError('byte worker closed'));
    await this.thread?.terminate();
  }
}

/** Writes to a Node Writable (stdout); an 'error' (EPIPE) fails every pending write. */
export class StreamWriter {
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
        if (!error) return resolve();
        // The stream's own 'error' (EPIPE) says more than ERR_STREAM_DESTROYED, which later
        // writes get; it may be emitted just after this callback.
        setImmediate(() => reject(this.failure ?? error));
      });
    });
  }
}

/** Where an ArchiveSink's bytes go. */
export type SinkOutput =
  /** A file: stream position p goes to file offset base + p (written by the worker). */
  | { fd: number; base?: number }
  /** A stream, written in order from the main thread. */
  | { stream: StreamWriter }
  /** Nowhere: only the hashes are wanted. */
  | null;

interface Slot {
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
  /** Stream writes are chained so they happen in order. */
  private streamTail: Promise<void> = Promise.resolve();
  /** File output hashed by read-back: writes in flight, in order, and the complete prefix. */
  private readonly writes: { end: number; done: boolean }[] = [];
  private complete = 0;
  /** Rejects with the first failure. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: Error) => void;

  constructor(
    private readonly output: SinkOutput,
    private readonly worker: ByteWorker,
    private readonly hooks: {
      onError: (error: Error) => void;
      onBytes?: (dispatched: number) => void;
      /** Called once each written chunk has been copied (a ChunkPool's release). */
      onConsumed?: (chunk: Buffer) => void;
    },
    /** For a file output: hash ranges by reading them back from the file (see HashPool). */
    private readonly hashPool?: HashPool,
    /** Spare ring buffers shared by the sinks of one pack: taken here, given back by finish(). */
    private readonly spares: Buffer[] = [],
  ) {
    super();
    for (let i = 0; i < SLOTS; i++) this.free.push({ buf: spares.pop() ?? Buffer.from(new ArrayBuffer(SLOT_SIZE)) });
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
  }

  /** The file output, when its bytes are written here and hashed by read-back. */
  private get readBack(): { fd: number; base: number } | null {
    const o = this.output;
    return this.hashPool && o && 'fd' in o ? { fd: o.fd, base: o.base ?? 0 } : null;
  }

  /** SHA-256 of bytes [start, start+length); must be called before those bytes are written. */
  hashRange(start: number, length: number): Promise<string> {
    if (start < this.position) throw new InternalError(`hash range at ${start} registered after byte ${this.position} was written`);
    const range = { start, end: start + length };
    this.ranges.push(range);
    const file = this.readBack;
    // Read back, a range completes only once its bytes are written: a write failure ends it.
    const hex = file ? Promise.race([this.hashPool!.range(this.stream, file.fd, file.base + start, length), this.failed]) : this.worker.range(this.stream, start, length);
    return hex.finally(() => this.ranges.splice(this.ranges.indexOf(range), 1));
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
      this.current.buf.set(off === 0 && n === chunk.length ? chunk : chunk.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      // A full slot goes out; so does a partial one holding the last byte of a hashed range,
      // so that range's digest does not wait for bytes that come later (or never).
      if (this.fill === SLOT_SIZE || this.completesRange()) this.dispatch();
    }
    this.hooks.onConsumed?.(chunk);
  }

  private completesRange(): boolean {
    const end = this.dispatched + this.fill;
    for (const r of this.ranges) if (r.end > this.dispatched && r.end <= end) return true;
    return false;
  }

  private dispatch(): void {
    const slot = this.current;
    if (!slot || this.fill === 0) return;
    const start = this.dispatched;
    const length = this.fill;
    this.dispatched += length;
    this.current = null;
    this.fill = 0;
    const output = this.output;
    const needsHash = this.ranges.some((r) => r.start < start + length && r.end > start);
    const file = this.readBack;
    let job: Promise<void>;
    if (file) {
      // Written from here (on the thread pool); the hash workers read it back when complete.
      const write = { end: start + length, done: false };
      this.writes.push(write);
      job = writeFully(file.fd, slot.buf, length, file.base + start).then(() => {
        write.done = true;
        while (this.writes[0]?.done) this.complete = this.writes.shift()!.end;
        if (this.ranges.length) this.hashPool!.written(this.stream, file.base + this.complete);
      });
    } else if (output && 'fd' in output) {
      job = this.worker.data(this.stream, slot.buf.buffer as ArrayBuffer, start, length, output.fd, output.base ?? 0).then((ab) => {
        slot.buf = Buffer.from(ab);
      });
    } else {
      const hashed = needsHash
        ? this.worker.data(this.stream, slot.buf.buffer as ArrayBuffer, start, length, null, 0).then((ab) => {
            slot.buf = Buffer.from(ab);
          })
        : Promise.resolve();
      if (output && 'stream' in output) {
        const previous = this.streamTail;
        job = hashed.then(async () => {
          await previous;
          await output.stream.write(slot.buf.subarray(0, length));
        });
        this.streamTail = job.catch(() => undefined);
      } else job = hashed;
    }
    const tracked = job.then(
      () => this.release(slot),
      (error: Error) => this.fail(error),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    this.hooks.onBytes?.(this.dispatched);
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
    this.rejectFailed(error);
    this.backlog = [];
    this.hooks.onError(error);
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
    // Every byte is written and every range's workers were told so: they need nothing more.
    if (this.readBack) this.hashPool!.closed(this.stream);
    this.spares.push(...this.free.splice(0).map((slot) => slot.buf));
  }
}

/** pwrite()s buf[0, length) at `position`, all of it (on the thread pool). */
function writeFully(fd: number, buf: Buffer, length: number, position: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const step = (off: number) =>
      fsWrite(fd, buf, off, length - off, position + off, (error, n) => {
        if (error) return reject(error);
        if (off + n < length) return step(off + n);
        resolve();
      });
    step(0);
  });
}
