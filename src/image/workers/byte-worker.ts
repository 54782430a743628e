// The byte worker's thread (see ../sink.ts, ByteWorker): reads into each buffer it is handed the
// file data it is asked to (fills, ArchiveSink.delegate()), hashes the parts of the buffer that
// overlap a registered range (an open range gets its end later, before the buffer holding its
// last byte), and writes the buffer to a file when told to (pwrite on the thread pool, so the next
// buffer is hashed meanwhile; one write at a time, in the order received). Buffers are
// transferred, not copied, and handed back in the reply.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, write, constants as fsc } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

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
 * Bytes `[start, start + length)` of `stream`, in `buf` (once `fills` are read into it); written
 * at `base + start` of `fd` unless fd is null.
 */
export interface DataMessage {
  t: 'data';
  id: number;
  stream: number;
  buf: ArrayBuffer;
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
  | { t: 'ack'; id: number; buf: ArrayBuffer; error: { message: string; code?: string; changed?: string } | null };

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
  const ack = (err: (NodeJS.ErrnoException & { changed?: string }) | null) =>
    port.postMessage({ t: 'ack', id: m.id, buf: m.buf, error: err ? { message: err.message, code: err.code, changed: err.changed } : null } satisfies ByteWorkerReply, [m.buf]);
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
    Atomics.add(hashed, 0, 1);
    return ack(err as NodeJS.ErrnoException);
  }
  Atomics.add(hashed, 0, 1);
  if (m.fd === null) return ack(null);
  const fd = m.fd;
  const step = (off: number) =>
    write(fd, view, off, pieceLength(m.base + s + off, m.length - off), m.base + s + off, (err, n) => {
      if (err) return done(err);
      if (off + n < m.length) return step(off + n);
      done(null);
    });
  const done = (err: NodeJS.ErrnoException | null) => {
    ack(err);
    writing = false;
    queued.shift()?.();
  };
  const start = () => {
    writing = true;
    step(0);
  };
  if (writing) queued.push(start);
  else start();
});

// One write in flight at a time: concurrent positioned writes to one file serialise on its inode
// lock anyway, and the threads waiting for it spin (measured: rwsem_spin_on_owner was 7.7% of an
// OCI directory pack's samples in perf, gone with one write at a time).
let writing = false;
const queued: (() => void)[] = [];

const MIB = 1 << 20;

/**
 * How much of a write at file offset `pos` goes in one call: a write that would cover a whole
 * 1 MiB-aligned span is split at its middle. Given such a span in one call, the kernel fills it
 * with one 1 MiB page-cache folio, and on a VM whose balloon hands free memory back to the host
 * (Firecracker's free page reporting) that memory costs host faults to fill: measured, a 750 MiB
 * file written in aligned 1 MiB calls took 0.5-1.7 s of system time, in 512 KiB calls 0.15 s;
 * an OCI directory pack (every blob file written from offset 0, so every buffer aligned) 0.57x
 * the CPU. One more call per MiB where it applies, none elsewhere.
 */
function pieceLength(pos: number, length: number): number {
  return pos % MIB === 0 && length >= MIB ? MIB / 2 : length;
}

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
