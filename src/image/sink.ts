// The byte path from the framer to the output: frameLayer() (tar.ts) and OuterTar write headers
// and read file data straight into a small ring of 1 MiB buffers in shared memory; each full
// buffer is handed (not copied) to the byte worker, which hashes the parts that belong to a
// layer. For a file output, each buffer is written with a positioned write by whichever of the
// two threads has time for it: the worker after hashing it, unless the main thread, finding every
// buffer in flight (so the worker's hashing is what holds it up), has claimed that write first
// (whenRoom()). So the main thread reads and frames, the worker hashes, the writes fill whichever
// thread would otherwise wait, and no byte is read back to be hashed. Into a stream, when the
// worker keeps up (among many small files, where the main thread's opens and reads are what limit
// the pack), the main thread leaves a file's room in the buffer and the worker reads the file into
// it before hashing (delegate()).
// A stream (stdout) is written in order from the main thread once the worker has hashed it.
// Memory stays bounded by the ring (SLOTS × SLOT_SIZE).
// (Other splits were measured: the main thread writing every buffer, the worker writing every
// buffer on the thread pool, hashing by reading the file back: bench/README.md, issue 28.)
import { type Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { InternalError, UserError } from '../errors.js';
import { abortReason } from './abort.js';
import type { ByteWorkerReply, ByteWorkerRequest, Fill } from './workers/byte-worker.js';
import { workerUrl } from './workers/index.js';
import { claimCell, slotMemory, WRITE_MAIN, WRITE_OPEN, writeAt } from './workers/pieces.js';

const SLOT_SIZE = 1 << 20;
const SLOTS = 4;
/**
 * ArchiveSink.delegate() hands a file's read to the byte worker while it has at most this many
 * buffers to go through: it then has time to spare, and the main thread, which lists, frames and
 * reads, is the one that limits the pack (among many small files). Further behind (hashing big
 * files), the main thread reads them itself. Only for a stream (or hashing alone): into a file,
 * the worker has the writes to do where it has time, and reads handed to it as well gained
 * nothing (bench/README.md, issue 28).
 */
const DELEGATE_BACKLOG = 1;

/** A store file that changed size between its listing and its read. */
export function changedWhileReading(source: string): UserError {
  return new UserError({ where: source, message: 'changed size while it was being packed', hint: 'store paths are immutable: check nothing writes to /nix/store, then run again' });
}

type Reply = ByteWorkerReply;
/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * A worker thread that hashes byte ranges of output streams and writes file outputs. The
 * thread starts on first use: a writer output that hashes nothing never needs it.
 */
export class ByteWorker {
  private thread: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;
  /** Data messages sent, and (written by the thread) data messages it has read and hashed. */
  private sent = 0;
  private readonly progress = new SharedArrayBuffer(4);
  private readonly done = new Int32Array(this.progress);

  /** Buffers handed over that the thread has not yet read and hashed: how far behind it is, now. */
  get backlog(): number {
    return this.sent - Atomics.load(this.done, 0);
  }

  /** Starts the thread now, so its start overlaps what the caller does first (packImage: the closure query) instead of the first hash. */
  start(): void {
    void this.worker;
  }

  private get worker(): Worker {
    if (this.thread) return this.thread;
    // It allocates next to nothing: a small heap keeps the process's RSS down.
    const worker = (this.thread = new Worker(workerUrl('byte-worker'), { workerData: { progress: this.progress }, resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 32 } }));
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

  private request(msg: DistributiveOmit<ByteWorkerRequest, 'id'>, id = this.nextId++): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...msg, id });
    });
  }

  /**
   * Registers a range before any of its bytes are sent; resolves to its hex SHA-256. A null
   * length leaves it open: `end(length)` closes it, before the data holding its last byte.
   */
  range(stream: number, start: number, length: number | null): { digest: Promise<string>; end(length: number): void } {
    const id = this.nextId++;
    const digest = this.request({ t: 'range', stream, start, length }, id).then((reply) => {
      if (reply.t !== 'digest') throw new InternalError('byte worker: a range was answered with an ack');
      return reply.hex;
    });
    return { digest, end: (n) => void (this.failure || this.worker.postMessage({ t: 'end', id, length: n } satisfies ByteWorkerRequest)) };
  }

  /**
   * Hands over the slot memory `buf`'s bytes `[0, length)` (stream bytes from `start`): `fills`
   * read into it, hashed where it overlaps ranges and, with `fd`, written at file offset
   * `base + start` unless the main thread claims that write first. Resolves once the worker is
   * done with the buffer.
   */
  async data(stream: number, buf: SharedArrayBuffer, start: number, length: number, fd: number | null, base: number, fills: Fill[] | null = null): Promise<void> {
    this.sent++;
    const reply = await this.request({ t: 'data', stream, buf, start, length, fd, base, fills });
    if (reply.t !== 'ack') throw new InternalError('byte worker: data was answered with a digest');
    if (reply.error?.changed) throw changedWhileReading(reply.error.changed);
    if (reply.error) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
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
  /** A file: stream position p goes to file offset base + p (written by the worker or the main thread). */
  | { fd: number; base?: number }
  /** Written in order from the main thread (stdout through a StreamWriter). */
  | { writer: { write(buf: Buffer): Promise<void> } }
  /** Nowhere: only the hashes are wanted. */
  | null;

let streamIds = 0;

/**
 * An output stream of the archive, as a ring of buffers its producers write into directly:
 * room() / buffer / offset / commit() to fill the current buffer in place (file data read into
 * it), put() and zeros() to copy small things (headers, padding). Registered ranges are hashed
 * on the byte worker as the buffers pass. The first failure is kept and passed to `onError`.
 */
export class ArchiveSink {
  /** Bytes accepted so far (the offset of the next byte). */
  position = 0;
  private dispatched = 0;
  private readonly free: Buffer[] = [];
  private current: Buffer | null = null;
  private fill = 0;
  /** File data the worker reads into the current buffer (delegate()). */
  private fills: Fill[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** File output: buffers handed to the worker whose write nobody has claimed yet, oldest first. */
  private readonly unwritten: { buf: Buffer; start: number; length: number }[] = [];
  /** File output: buffers this (the main) thread wrote; the worker wrote the rest. */
  writtenHere = 0;
  private readonly ranges: { start: number; end: number }[] = [];
  private readonly stream = ++streamIds;
  private failure: Error | null = null;
  private readonly waiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();
  /** Writer output: writes are chained so they happen in order. */
  private writeTail: Promise<void> = Promise.resolve();
  /** Rejects with the first failure. */
  private readonly failed: Promise<never>;
  private rejectFailed!: (error: Error) => void;

  constructor(
    private readonly output: SinkOutput,
    /** Hashes ranges and writes file outputs; may be null for a writer output that hashes nothing. */
    private readonly worker: ByteWorker | null,
    private readonly hooks: { onError: (error: Error) => void; onBytes?: (dispatched: number) => void },
    /** Spare ring buffers shared by the sinks of one pack: taken here, given back by finish(). */
    private readonly spares: Buffer[] = [],
  ) {
    for (let i = 0; i < SLOTS; i++) this.free.push(spares.pop() ?? Buffer.from(slotMemory(SLOT_SIZE), 0, SLOT_SIZE));
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
  }

  /** SHA-256 (hex) of bytes [start, start+length); must be called before those bytes are written. */
  hashRange(start: number, length: number): Promise<string> {
    return this.openRange(start, length).digest;
  }

  /**
   * SHA-256 (hex) of the bytes from `start` to an end given later by end(length), which must
   * come while the range's last byte is still buffered (frameLayer's onSize does).
   */
  hashOpenRange(start: number): { digest: Promise<string>; end(length: number): void } {
    return this.openRange(start, null);
  }

  private openRange(start: number, length: number | null): { digest: Promise<string>; end(length: number): void } {
    if (start < this.position) throw new InternalError(`hash range at ${start} registered after byte ${this.position} was written`);
    if (!this.worker) throw new InternalError('a sink without a byte worker cannot hash');
    const range = { start, end: length === null ? Infinity : start + length };
    this.ranges.push(range);
    const handle = this.worker.range(this.stream, start, length);
    // A failure (a write error, a dead pipe) ends the wait: the range may never be complete.
    const digest = Promise.race([handle.digest, this.failed]).finally(() => this.ranges.splice(this.ranges.indexOf(range), 1));
    const end = (n: number) => {
      if (range.end !== Infinity) throw new InternalError('hash range closed twice');
      if (start + n <= this.dispatched) throw new InternalError(`hash range closed at ${start + n}, after byte ${this.dispatched} went out`);
      range.end = start + n;
      handle.end(n);
    };
    return { digest, end };
  }

  /** True when the output is a file, whose bytes patch() may rewrite once finished. */
  get patchable(): boolean {
    return !!this.output && 'fd' in this.output;
  }

  /** Rewrites bytes at stream position `at` of a file output; only after finish(). */
  patch(at: number, bytes: Buffer): void {
    const output = this.output;
    if (!output || !('fd' in output)) throw new InternalError('only a file output can be patched');
    if (this.current || this.inFlight.size) throw new InternalError('a sink is patched only after finish()');
    writeAt(output.fd, bytes, (output.base ?? 0) + at);
  }

  /** Free bytes in the current buffer (taking a free one if needed); 0 when all are in flight or the sink failed. */
  room(): number {
    if (this.failure) return 0;
    if (!this.current) {
      const next = this.free.pop();
      if (!next) return 0;
      this.current = next;
      this.fill = 0;
    }
    return SLOT_SIZE - this.fill;
  }

  /** The current buffer; write at `offset`, at most room() bytes, then commit(). */
  get buffer(): Buffer {
    return this.current!;
  }

  get offset(): number {
    return this.fill;
  }

  /** Accepts n bytes written into `buffer` at `offset`; a full buffer goes out. */
  commit(n: number): void {
    this.fill += n;
    this.position += n;
    // A partial buffer also goes out when it holds the last byte of a hashed range, so that
    // range's digest does not wait for bytes that come later (or never).
    if (this.fill === SLOT_SIZE || this.completesRange()) this.dispatch();
  }

  /**
   * Leaves room for `size` bytes of the file `source` in the current buffer, for the byte worker
   * to read into it before it hashes the buffer; false (nothing done) when the output is a file,
   * the file does not fit in the current buffer, the worker is busy enough already
   * (DELEGATE_BACKLOG), or there is no worker: the caller reads the file itself.
   */
  delegate(source: string, size: number): boolean {
    if (!this.worker || this.patchable || this.worker.backlog > DELEGATE_BACKLOG || size === 0 || size > this.room()) return false;
    this.fills.push({ source, at: this.fill, length: size });
    this.commit(size);
    return true;
  }

  /**
   * Resolves once a buffer is free, or once this thread has written one that was waiting to be
   * written (the caller asks for room again); rejects on failure or abort.
   */
  whenRoom(signal?: AbortSignal): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.current || this.free.length) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    // Every buffer is in flight: the worker's hashing is what holds this thread up, so this
    // thread takes a write the worker has not got to yet, then lets the worker's replies in.
    if (this.writeOne()) return new Promise<void>((resolve) => setImmediate(resolve));
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.reject(abortReason(signal!));
      const waiter = {
        resolve: () => (this.waiters.delete(waiter), signal?.removeEventListener('abort', onAbort), resolve()),
        reject: (e: Error) => (this.waiters.delete(waiter), signal?.removeEventListener('abort', onAbort), reject(e)),
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Copies `src` in; null when done at once, else a promise for the rest (waits for room). */
  put(src: Uint8Array, signal?: AbortSignal): Promise<void> | null {
    const n = this.copy(src, 0);
    return n === src.length ? null : this.copyLater(src, n, signal);
  }

  /** Appends n zero bytes; null when done at once, else a promise for the rest. */
  zeros(n: number, signal?: AbortSignal): Promise<void> | null {
    const done = this.zero(n);
    return done === n ? null : this.zeroLater(n - done, signal);
  }

  private copy(src: Uint8Array, from: number): number {
    let off = from;
    while (off < src.length) {
      const room = this.room();
      if (room === 0) break;
      const n = Math.min(room, src.length - off);
      this.current!.set(off === 0 && n === src.length ? src : src.subarray(off, off + n), this.fill);
      off += n;
      this.commit(n);
    }
    return off;
  }

  private async copyLater(src: Uint8Array, from: number, signal?: AbortSignal): Promise<void> {
    for (let off = from; off < src.length; off = this.copy(src, off)) await this.whenRoom(signal);
  }

  private zero(n: number): number {
    let done = 0;
    while (done < n) {
      const room = this.room();
      if (room === 0) break;
      const k = Math.min(room, n - done);
      this.current!.fill(0, this.fill, this.fill + k);
      done += k;
      this.commit(k);
    }
    return done;
  }

  private async zeroLater(n: number, signal?: AbortSignal): Promise<void> {
    for (let left = n; left > 0; left -= this.zero(left)) await this.whenRoom(signal);
  }

  /** Claims and writes the oldest buffer whose write nobody has claimed; false when none is left. */
  private writeOne(): boolean {
    const output = this.output;
    if (!output || !('fd' in output)) return false;
    while (this.unwritten.length) {
      const next = this.unwritten.shift()!;
      if (Atomics.compareExchange(claimCell(next.buf.buffer as SharedArrayBuffer), 0, WRITE_OPEN, WRITE_MAIN) !== WRITE_OPEN) continue;
      try {
        writeAt(output.fd, next.buf.subarray(0, next.length), (output.base ?? 0) + next.start);
        this.writtenHere++;
      } catch (error) {
        this.fail(error as Error);
      }
      return true;
    }
    return false;
  }

  private completesRange(): boolean {
    const end = this.dispatched + this.fill;
    for (const r of this.ranges) if (r.end > this.dispatched && r.end <= end) return true;
    return false;
  }

  private dispatch(): void {
    const buf = this.current;
    if (!buf || this.fill === 0) return;
    const start = this.dispatched;
    const length = this.fill;
    this.dispatched += length;
    this.current = null;
    this.fill = 0;
    const fills = this.fills.length ? this.fills : null;
    if (fills) this.fills = [];
    const output = this.output;
    const needsHash = this.ranges.some((r) => r.start < start + length && r.end > start);
    const memory = buf.buffer as SharedArrayBuffer;
    let job: Promise<Buffer>;
    if (output && 'fd' in output) {
      // The worker reads its fills, hashes what it must and writes it at its offset, unless this
      // thread claims the write first (writeOne()).
      Atomics.store(claimCell(memory), 0, WRITE_OPEN);
      const pending = { buf, start, length };
      this.unwritten.push(pending);
      job = this.worker!.data(this.stream, memory, start, length, output.fd, output.base ?? 0, fills).then(() => {
        const i = this.unwritten.indexOf(pending);
        if (i >= 0) this.unwritten.splice(i, 1);
        return buf;
      });
    } else {
      const viaWorker = needsHash || fills;
      const hashed = viaWorker ? this.worker!.data(this.stream, memory, start, length, null, 0, fills).then(() => buf) : Promise.resolve(buf);
      if (output) {
        const previous = this.writeTail;
        job = hashed.then(async (b) => {
          await previous;
          await output.writer.write(b.subarray(0, length));
          return b;
        });
        this.writeTail = job.then(
          () => undefined,
          () => undefined,
        );
      } else job = hashed;
    }
    const tracked = job.then(
      (b) => this.release(b),
      (error: Error) => this.fail(error),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    this.hooks.onBytes?.(this.dispatched);
  }

  private release(buf: Buffer): void {
    this.free.push(buf);
    for (const w of [...this.waiters]) w.resolve();
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.rejectFailed(error);
    for (const w of [...this.waiters]) w.reject(error);
    this.hooks.onError(error);
  }

  /** Waits for every buffer in flight (written and hashed, or failed); throws nothing. */
  async settle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Sends what is buffered and waits for every write and hash of it. */
  async finish(): Promise<void> {
    if (this.failure) {
      await this.settle();
      throw this.failure;
    }
    if (this.fill > 0) this.dispatch();
    else if (this.current) this.free.push(this.current);
    this.current = null;
    await this.settle();
    if (this.failure) throw this.failure;
    this.spares.push(...this.free.splice(0));
  }
}
