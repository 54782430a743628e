// ArchiveSink's hash ranges on the byte worker: a range of known length, and an open range whose
// end is given while its last byte is still buffered (a layer framed as it is listed); and file
// data the worker reads into its place (delegate()).
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InternalError, UserError } from '../../src/errors.js';
import { ArchiveSink, ByteWorker } from '../../src/image/sink.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('ArchiveSink hash ranges', () => {
  let worker: ByteWorker;
  beforeEach(() => (worker = new ByteWorker()));
  afterEach(() => worker.close());

  it('hashes a closed and an open range over several buffers, each to the bytes it covers', async () => {
    const errors: Error[] = [];
    const sink = new ArchiveSink(null, worker, { onError: (e) => errors.push(e) });
    const head = randomBytes(1000);
    const body = randomBytes(3.5 * 2 ** 20 + 17); // spans four 1 MiB buffers, ends mid-buffer
    const tail = randomBytes(700);
    expect(sink.put(head)).toBeNull();
    const closed = sink.hashRange(sink.position, body.length + 24);
    const open = sink.hashOpenRange(sink.position);
    await sink.put(body);
    // Its end, told while the last 24 bytes are still to come; the bytes after it are not its.
    open.end(body.length + 24);
    await sink.zeros(24);
    await sink.put(tail);
    await sink.finish();
    const expected = sha256(Buffer.concat([body, Buffer.alloc(24)]));
    expect(await open.digest).toBe(expected);
    expect(await closed).toBe(expected);
    expect(errors).toEqual([]);
  });

  it('refuses to close an open range after its last byte went out to the worker', async () => {
    const sink = new ArchiveSink(null, worker, { onError: () => undefined });
    const open = sink.hashOpenRange(0);
    open.digest.catch(() => undefined);
    await sink.put(randomBytes(2 ** 20 + 1)); // the first 1 MiB buffer is dispatched
    expect(() => open.end(1000)).toThrow(InternalError);
    open.end(2 ** 20 + 1);
    await sink.finish();
    expect(await open.digest).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('ArchiveSink with a byte worker and a scratch directory', () => {
  let worker: ByteWorker;
  let dir: string;
  beforeEach(() => {
    worker = new ByteWorker();
    dir = mkdtempSync(join(tmpdir(), 'nixlab-sink-'));
  });
  afterEach(async () => {
    await worker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('ArchiveSink.delegate: file data read on the byte worker', () => {
    /** Files of these sizes, with random bytes. */
    function files(sizes: number[]): { path: string; data: Buffer }[] {
      return sizes.map((size, i) => {
        const data = randomBytes(size);
        const path = join(dir, `f${i}`);
        writeFileSync(path, data);
        return { path, data };
      });
    }

    it('puts each file at its place (to a writer; into a file it reads them itself), hashed with the rest', async () => {
      const fs = files([1, 511, 512, 4096, 70_000, 300_000, 700_000, 5]);
      const header = randomBytes(512);
      const expected = Buffer.concat(fs.flatMap((f) => [header, f.data]));
      for (const kind of ['writer', 'file'] as const) {
        const chunks: Buffer[] = [];
        const out = join(dir, 'out');
        const fd = openSync(out, 'w+');
        const output = kind === 'writer' ? { writer: { write: async (b: Buffer) => void chunks.push(Buffer.from(b)) } } : { fd };
        const sink = new ArchiveSink(output, worker, { onError: () => undefined });
        const digest = sink.hashRange(0, expected.length);
        let delegated = 0;
        for (const f of fs) {
          await sink.put(header);
          if (sink.delegate(f.path, f.data.length)) delegated++;
          else await sink.put(f.data); // did not fit in the current buffer (or the worker is behind)
        }
        await sink.finish();
        closeSync(fd);
        // Into a file, the worker has the writes to do where it has time: the reads stay here.
        if (kind === 'writer') expect(delegated).toBeGreaterThanOrEqual(4);
        else expect(delegated).toBe(0);
        expect((kind === 'writer' ? Buffer.concat(chunks) : readFileSync(out)).equals(expected)).toBe(true);
        expect(await digest).toBe(sha256(expected));
      }
    });

    it('a file that is shorter than its listing fails the sink with a UserError naming it', async () => {
      const [f] = files([10_000]);
      const errors: Error[] = [];
      const sink = new ArchiveSink({ writer: { write: async () => undefined } }, worker, { onError: (e) => errors.push(e) });
      expect(sink.delegate(f!.path, 20_000)).toBe(true);
      const failure = (await sink.finish().catch((e: unknown) => e)) as UserError;
      expect(failure).toBeInstanceOf(UserError);
      expect(failure.message).toBe(`${f!.path}: changed size while it was being packed. Fix: store paths are immutable: check nothing writes to /nix/store, then run again`);
      expect(errors).toEqual([failure]);
    });

    it('a file that is gone fails the sink with its errno', async () => {
      const sink = new ArchiveSink({ writer: { write: async () => undefined } }, worker, { onError: () => undefined });
      expect(sink.delegate(join(dir, 'missing'), 100)).toBe(true);
      await expect(sink.finish()).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('is refused without a worker, for an empty file, and for a file larger than the current buffer has room for', async () => {
      const [f] = files([100]);
      expect(new ArchiveSink({ writer: { write: async () => undefined } }, null, { onError: () => undefined }).delegate(f!.path, 100)).toBe(false);
      const sink = new ArchiveSink({ writer: { write: async () => undefined } }, worker, { onError: () => undefined });
      expect(sink.delegate(f!.path, 0)).toBe(false);
      expect(sink.put(randomBytes(2 ** 20 - 50))).toBeNull();
      expect(sink.delegate(f!.path, 100)).toBe(false);
      expect(sink.position).toBe(2 ** 20 - 50);
      await sink.finish();
    });

    it('counts what the worker has still to read and hash (backlog), and delegates nothing more while it is behind', async () => {
      // A FIFO holds the worker in its read until this test writes to it.
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const [f] = files([100]);
      const sink = new ArchiveSink({ writer: { write: async () => undefined } }, worker, { onError: () => undefined });
      expect(worker.backlog).toBe(0);
      expect(sink.delegate(fifo, 10)).toBe(true);
      expect(sink.put(randomBytes(2 ** 20 - 10))).toBeNull(); // the buffer is full: it goes to the worker
      expect(worker.backlog).toBe(1);
      expect(sink.delegate(f!.path, 100)).toBe(true); // one behind: still delegated
      expect(sink.put(randomBytes(2 ** 20 - 100))).toBeNull();
      expect(worker.backlog).toBe(2);
      expect(sink.delegate(f!.path, 100)).toBe(false); // two behind: read here
      const w = openSync(fifo, 'w');
      writeSync(w, Buffer.alloc(10, 1));
      closeSync(w);
      await sink.finish();
      expect(worker.backlog).toBe(0);
    });
  });

  describe('ArchiveSink into a file: each buffer written once, by whichever thread has time for it', () => {

    /** Holds the byte worker in a read of a FIFO (a stream sink's delegated file); the returned function lets it go on. */
    function holdWorker(): { release: () => void; sink: ArchiveSink } {
      const fifo = join(dir, 'fifo');
      execFileSync('mkfifo', [fifo]);
      const sink = new ArchiveSink({ writer: { write: async () => undefined } }, worker, { onError: () => undefined });
      expect(sink.delegate(fifo, 10)).toBe(true);
      expect(sink.put(randomBytes(2 ** 20 - 10))).toBeNull(); // full: it goes to the worker, which blocks in the read
      return {
        sink,
        release: () => {
          const w = openSync(fifo, 'w');
          writeSync(w, Buffer.alloc(10, 1));
          closeSync(w);
        },
      };
    }

    const ticks = async (until: () => boolean, most = 10_000) => {
      for (let i = 0; i < most && !until(); i++) await new Promise((r) => setImmediate(r));
    };

    it('the worker writes every buffer while this thread never waits for room', async () => {
      const out = join(dir, 'out');
      const fd = openSync(out, 'w+');
      const sink = new ArchiveSink({ fd, base: 100 }, worker, { onError: () => undefined });
      const data = randomBytes(6 * 2 ** 20 + 5);
      const digest = sink.hashRange(0, data.length);
      for (let off = 0; off < data.length; off += 2 ** 20) {
        expect(sink.put(data.subarray(off, off + 2 ** 20))).toBeNull();
        await sink.settle(); // every buffer back before the next is filled: room is never short
      }
      await sink.finish();
      closeSync(fd);
      expect(sink.writtenHere).toBe(0);
      expect(readFileSync(out).subarray(100).equals(data)).toBe(true);
      expect(await digest).toBe(sha256(data));
    });

    it('with the worker held up, this thread writes the buffers waiting for it; each is written once, and hashed', async () => {
      const held = holdWorker();
      const out = join(dir, 'out');
      const fd = openSync(out, 'w+');
      const sink = new ArchiveSink({ fd }, worker, { onError: () => undefined });
      const data = randomBytes(9 * 2 ** 20 + 3);
      const digest = sink.hashRange(0, data.length);
      const put = sink.put(data)!; // the ring's four buffers fill, then it waits for room
      expect(put).not.toBeNull();
      await ticks(() => sink.writtenHere === 4);
      // Every buffer in flight, none hashed (the worker is still in its read): all four were written here.
      expect(sink.writtenHere).toBe(4);
      expect(worker.backlog).toBe(5);
      expect(readFileSync(out).equals(data.subarray(0, 4 * 2 ** 20))).toBe(true);
      held.release();
      await put;
      await sink.finish();
      await held.sink.finish();
      closeSync(fd);
      expect(readFileSync(out).equals(data)).toBe(true);
      expect(await digest).toBe(sha256(data));
    });

    it('a write of its own that fails fails the sink with its errno', async () => {
      const held = holdWorker();
      const out = join(dir, 'out');
      writeFileSync(out, '');
      const fd = openSync(out, 'r'); // a write to it fails: EBADF
      const errors: Error[] = [];
      const sink = new ArchiveSink({ fd }, worker, { onError: (e) => errors.push(e) });
      const put = sink.put(randomBytes(5 * 2 ** 20))!;
      await expect(put).rejects.toMatchObject({ code: 'EBADF' });
      expect(sink.writtenHere).toBe(0);
      held.release();
      await expect(sink.finish()).rejects.toMatchObject({ code: 'EBADF' });
      expect(errors).toHaveLength(1);
      await held.sink.finish();
      closeSync(fd);
    });
  });
});
