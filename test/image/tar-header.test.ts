// The direct framer (tar-header.ts, frameLayer, OuterTar) against the tar-stream writer nixlab
// used before (tar-reference.ts): the same bytes for random entries, for the layer tars of real
// store paths, and for whole archives (docker-archive and OCI tar, to a file and to a stream).
import fc from 'fast-check';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import tar from 'tar-stream';
import { queryClosure } from '../../src/image/closure.js';
import { contentsOf, layerTarSize, scanStorePaths, writeLayerTar, type LayerEntry } from '../../src/image/tar.js';
import { buildFixture, pack } from './fixtures.js';
import { referenceLayerTar, referenceOuterHeader } from './tar-reference.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-frame-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The layer tar the direct framer writes, collected in memory. */
async function framed(entries: LayerEntry[] | Iterable<LayerEntry>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const target = Object.assign(new EventEmitter(), { write: (c: Buffer) => (chunks.push(Buffer.from(c)), true) });
  const n = await writeLayerTar(entries, target);
  const out = Buffer.concat(chunks);
  expect(out.length).toBe(n);
  return out;
}

/** Every entry of a tar: its header and bytes. */
async function entriesOf(bytes: Buffer): Promise<{ header: tar.Headers; data: Buffer }[]> {
  const extract = tar.extract();
  const out: { header: tar.Headers; data: Buffer }[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      out.push({ header: entry.header, data: Buffer.concat(chunks) });
    }
  })();
  extract.end(bytes);
  await done;
  return out;
}

/** An outer archive framed again by tar-stream as the old writer did (names, sizes and data from `bytes`). */
async function reframedOuter(bytes: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  const ended = new Promise((resolve) => pack.on('end', resolve));
  for (const { header, data } of await entriesOf(bytes)) {
    const type = header.type === 'directory' ? 'directory' : 'file';
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (type === 'directory') pack.entry(referenceOuterHeader(header.name.replace(/\/$/, ''), type, 0), cb);
      else pack.entry(referenceOuterHeader(header.name, type, data.length), data, cb);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

describe('header framing', () => {
  // Names and link targets from an alphabet with ASCII, multi-byte and astral characters and
  // many slashes (ustar name/prefix splits, pax path and linkpath records), modes including 0.
  const char = fc.constantFrom('a', 'b', 'Z', '/', '/', '-', '.', 'é', '日', '🙂', ' ');
  const text = (max: number) => fc.array(char, { minLength: 1, maxLength: max }).map((cs) => cs.join(''));
  const mode = fc.constantFrom(0, 0o444, 0o555, 0o755, 0o4755, 0o1777);
  const id = fc.constantFrom(undefined, 0, 1000, 65534);
  const entry: fc.Arbitrary<LayerEntry> = fc.oneof(
    fc.record({ type: fc.constant('directory' as const), name: text(320), mode, uid: id, gid: id }),
    fc.record({ type: fc.constant('symlink' as const), name: text(320), target: text(320) }),
    fc.record({ name: text(320), mode, size: fc.integer({ min: 0, max: 3000 }), uid: id, gid: id }).map(({ size, ...rest }) => ({ type: 'file' as const, ...rest, size, content: Buffer.alloc(size, size % 251) })),
  );

  it('writes exactly the bytes tar-stream wrote, and layerTarSize predicts them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
        const ours = await framed(entries);
        expect(ours.length).toBe(layerTarSize(entries));
        expect(ours.equals(await referenceLayerTar(entries))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('layer tars of real store paths', () => {
  it('are byte-identical to the tar-stream writer (edge-case tree, the runtime closure)', async () => {
    const tree = await buildFixture('tree', { optimise: true });
    const dep = await buildFixture('dep', { optimise: true });
    const runtime = await buildFixture('runtime');
    const closure = (await queryClosure([runtime])).map((n) => n.path);
    for (const paths of [[tree, dep], closure]) {
      const contents = scanStorePaths(paths);
      const ours = await framed(contents);
      const theirs = await referenceLayerTar(scanStorePaths(paths));
      expect(ours.length).toBe(contents.tarSize);
      // Compared in full; the first differing offset makes a failure readable.
      const at = ours.findIndex((b, i) => b !== theirs[i]);
      expect({ paths, length: ours.length, firstDifference: at }).toEqual({ paths, length: theirs.length, firstDifference: -1 });
    }
  });
});

describe('whole archives', () => {
  let storePaths: string[];
  beforeAll(async () => {
    storePaths = [await buildFixture('runtime'), await buildFixture('tree', { optimise: true })];
  });

  /** Packs to a file and to a stream; both must be the same bytes. */
  async function packBoth(format: 'docker' | 'oci', name: string): Promise<Buffer> {
    const file = join(tmp, name);
    const common = { storePaths, reference: 'frame/test:1', cmd: ['sh'], created: '1970-01-01T00:00:01Z', cache: false as const, format };
    const r = await pack({ ...common, output: file });
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c))); // the sink reuses its buffers
    const s = await pack({ ...common, output: stream });
    const bytes = readFileSync(file);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    expect(s.imageId).toBe(r.imageId);
    return bytes;
  }

  it.each([
    ['docker-archive', 'docker' as const, /^layers\/\d{3}\.tar$/],
    ['OCI tar', 'oci' as const, /^blobs\/sha256\/[0-9a-f]{64}$/],
  ])('%s: the outer tar and every store layer in it are what tar-stream wrote', async (_label, format, layerName) => {
    const bytes = await packBoth(format, `${format}.tar`);
    expect(bytes.equals(await reframedOuter(bytes))).toBe(true);
    let storeLayers = 0;
    for (const { header, data } of await entriesOf(bytes)) {
      // Layer tars only (an OCI layout's config and manifest blobs are JSON).
      if (!layerName.test(header.name) || data.toString('latin1', 257, 262) !== 'ustar') continue;
      const layer = await entriesOf(data);
      const paths = [...new Set(layer.map((e) => e.header.name.split('/').slice(0, 3).join('/')).filter((n) => /^nix\/store\/[^/]+$/.test(n)))].map((n) => `/${n}`);
      if (!paths.length) continue; // the system layer, or a config blob
      storeLayers++;
      expect(data.equals(await referenceLayerTar(scanStorePaths(paths)))).toBe(true);
    }
    expect(storeLayers).toBeGreaterThan(3);
  });

  it('an empty content list still frames as tar-stream did (end blocks only)', async () => {
    expect((await framed(contentsOf([]))).equals(await referenceLayerTar([]))).toBe(true);
  });
});
