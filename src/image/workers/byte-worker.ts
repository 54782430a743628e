// The byte worker's thread (see ../sink.ts, ByteWorker): reads into each buffer it is handed the
// file data it is asked to (fills, ArchiveSink.delegate()), hashes the parts of the buffer that
// overlap a registered range (an open range gets its end later, before the buffer holding its
// last byte), and, for a file output, writes the buffer there unless the main thread has claimed
// that write first (ArchiveSink.whenRoom()). Buffers are shared memory, never copied; the reply
// says the buffer is done with.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, constants as fsc } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { claimCell, WRITE_OPEN, WRITE_WORKER, writeAt } from './pieces.js';

/** A range of a stream whose SHA-256 is wanted; length null: open until an EndMessage. */
export interface RangeMessage {
  t: 'range';
  id: number;
  stream: number;
  start: number;
  length: number | null;
}

/** Closes an open range: its length, sent before the data holding its last byte. */
export interface EndMessage {
  t: 'end';
  id: number;
  length: number;
}

/** File data the worker reads into a buffer before hashing it: `length` bytes of `source` at `at`. */
export interface Fill {
  source: string;
  at: number;
  length: number;
}

/**
 * Bytes `[start, start + length)` of `stream`, in `buf` (once `fills` are read into it; a ring
 * slot's memory, pieces.ts); written at `base + start` of `fd` unless fd is null or the main
 * thread claimed the write.
 */
export interface DataMessage {
  t: 'data';
  id: number;
  stream: number;
  buf: SharedArrayBuffer;
  start: number;
  length: number;
  fd: number | null;
  base: number;
  fills: Fill[] | null;
}

export type ByteWorkerRequest = RangeMessage | EndMessage | DataMessage;

export type ByteWorkerReply =
  | { t: 'digest'; id: number; hex: string }
  /** `changed`: a file of `fills` that ended before its length (it changed while being packed). */
  | { t: 'ack'; id: number; error: { message: string; code?: string; changed?: string } | null };

const port = parentPort!;
/** Counts the data messages read and hashed, for the main thread to see at once (ByteWorker.backlog). */
const hashed = new Int32Array((workerData as { progress: SharedArrayBuffer }).progress);
const ranges = new Map<number, { stream: number; start: number; end: number; hash: Hash }>();

port.on('message', (m: ByteWorkerRequest) => {
  if (m.t === 'end') {
    const r = ranges.get(m.id);
    if (r) r.end = r.start + m.length;
    return;
  }
  if (m.t === 'range') {
    const r = { stream: m.stream, start: m.start, end: m.length === null ? Infinity : m.start + m.length, hash: createHash('sha256') };
    if (m.length === 0) port.postMessage({ t: 'digest', id: m.id, hex: r.hash.digest('hex') } satisfies ByteWorkerReply);
    else ranges.set(m.id, r);
    return;
  }
  const view = Buffer.from(m.buf, 0, m.length);
  const s = m.start;
  const e = m.start + m.length;
  let error: (NodeJS.ErrnoException & { changed?: string }) | null = null;
  try {
    if (m.fills) readFills(view, m.fills);
    for (const [id, r] of ranges) {
      if (r.stream !== m.stream) continue;
      const a = Math.max(s, r.start);
      const b = Math.min(e, r.end);
      if (a < b) r.hash.update(view.subarray(a - s, b - s));
      if (r.end <= e && a < b) {
        ranges.delete(id);
        port.postMessage({ t: 'digest', id, hex: r.hash.digest('hex') } satisfies ByteWorkerReply);
      }
    }
  } catch (err) {
    error = err as NodeJS.ErrnoException;
  }
  Atomics.add(hashed, 0, 1);
  // Synchronous: this thread has nothing else to do meanwhile, and a write on the thread pool
  // would be a third busy thread on two cores. Where hashing is what limits the pack, the main
  // thread is the one with time to spare, and it takes these writes (ArchiveSink.whenRoom()).
  if (!error && m.fd !== null && Atomics.compareExchange(claimCell(m.buf), 0, WRITE_OPEN, WRITE_WORKER) === WRITE_OPEN) {
    try {
      writeAt(m.fd, view, m.base + s);
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    }
  }
  port.postMessage({ t: 'ack', id: m.id, error: error ? { message: error.message, code: error.code, changed: error.changed } : null } satisfies ByteWorkerReply);
});

/**
 * Reads each fill's file data into its place in the buffer (the main thread framed its header
 * and left the room: see ArchiveSink.delegate()). A file that ends early changed while packed.
 */
function readFills(view: Buffer, fills: Fill[]): void {
  for (const { source, at, length } of fills) {
    const fd = openSync(source, fsc.O_RDONLY | fsc.O_NOFOLLOW);
    try {
      for (let done = 0; done < length; ) {
        const n = readSync(fd, view, at + done, length - done, null);
        if (n === 0) throw Object.assign(new Error(`${source} changed size while it was being packed`), { changed: source });
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}
