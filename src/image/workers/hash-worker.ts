// A hash worker's thread (see ../sink.ts, HashPool): hashes ranges of output files by reading
// them back (pread, from the page cache) once the main thread says they are written.
import { createHash, type Hash } from 'node:crypto';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

export type HashWorkerRequest =
  /** Hash bytes [start, start + length) of `fd`, which belong to output `stream`. */
  | { t: 'range'; id: number; stream: number; fd: number; start: number; length: number }
  /** Every byte of `stream` before file offset `upTo` is written. */
  | { t: 'written'; stream: number; upTo: number }
  /** `stream` is closed; forget it (its fd number may be reused). */
  | { t: 'closed'; stream: number };

export type HashWorkerReply = { t: 'digest'; id: number; hex?: string; error?: { message: string; code?: string } };

const port = parentPort!;
const buf = Buffer.allocUnsafe((workerData as { bufferSize: number }).bufferSize);
const ranges = new Map<number, { stream: number; fd: number; pos: number; end: number; hash: Hash }>();
const written = new Map<number, number>();

function pump(): void {
  for (const [id, r] of ranges) {
    const upTo = Math.min(written.get(r.stream) ?? 0, r.end);
    try {
      while (r.pos < upTo) {
        const n = readSync(r.fd, buf, 0, Math.min(buf.length, upTo - r.pos), r.pos);
        if (n <= 0) throw Object.assign(new Error('the output file is shorter than what was written to it'), { code: 'ESHORT' });
        r.hash.update(buf.subarray(0, n));
        r.pos += n;
      }
    } catch (err) {
      ranges.delete(id);
      const e = err as NodeJS.ErrnoException;
      port.postMessage({ t: 'digest', id, error: { message: e.message, code: e.code } } satisfies HashWorkerReply);
      continue;
    }
    if (r.pos === r.end) {
      ranges.delete(id);
      port.postMessage({ t: 'digest', id, hex: r.hash.digest('hex') } satisfies HashWorkerReply);
    }
  }
}

port.on('message', (m: HashWorkerRequest) => {
  if (m.t === 'range') ranges.set(m.id, { stream: m.stream, fd: m.fd, pos: m.start, end: m.start + m.length, hash: createHash('sha256') });
  else if (m.t === 'written') written.set(m.stream, Math.max(written.get(m.stream) ?? 0, m.upTo));
  else if (m.t === 'closed') return void written.delete(m.stream);
  pump();
});
