// ArchiveSink's hash ranges on the byte worker: a range of known length, and an open range whose
// end is given while its last byte is still buffered (a layer framed as it is listed).
import { createHash, randomBytes } from 'node:crypto';
import { InternalError } from '../../src/errors.js';
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
