// The layer digest cache: hits and misses, entries that must not be trusted (truncated, garbled,
// for other paths, contradicted by the layer), concurrent packs (in one process and in several)
// sharing one cache, and images that stay byte-identical whatever the cache held.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LAYER_FORMAT_VERSION, LayerCache, defaultCacheDir } from '../../src/image/cache.js';
import { canonicalJson } from '../../src/json.js';
import { queryClosure } from '../../src/image/closure.js';
import { inspectImage } from '../../src/image/inspect.js';
import { buildFixture, pack, type FlatPackOptions } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let n = 0;
const fresh = (name: string) => join(tmp, `${n++}-${name}`);

/** Every entry file of a cache, recursively. */
function entries(cache: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(cache);
  return out.sort();
}

describe('defaultCacheDir', () => {
  it('is $NIXLAB_CACHE_DIR, else $XDG_CACHE_HOME/nixlab, else ~/.cache/nixlab', () => {
    expect(defaultCacheDir({ NIXLAB_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/nixlab');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/h' })).toBe('/h/.cache/nixlab');
    expect(defaultCacheDir({ HOME: '/h' })).toBe('/h/.cache/nixlab');
  });
});

describe('LayerCache.key', () => {
  it('depends on every path and its NAR hash, not on their order; no key without NAR hashes', () => {
    const a = { path: '/nix/store/a', references: [], narSize: 1, narHash: 'sha256-A' };
    const b = { path: '/nix/store/b', references: [], narSize: 1, narHash: 'sha256-B' };
    expect(LayerCache.key([a, b])).toBe(LayerCache.key([b, a]));
    expect(LayerCache.key([a, b])).not.toBe(LayerCache.key([a]));
    expect(LayerCache.key([a, { ...b, narHash: 'sha256-C' }])).not.toBe(LayerCache.key([a, b]));
    expect(LayerCache.key([a, { ...b, narHash: undefined }])).toBeNull();
  });
});

describe('packImage with a digest cache', () => {
  let opts: Omit<FlatPackOptions, 'output' | 'cache'> & { storePaths: string[] };
  let storeLayers: number;
  let reference: Buffer;

  beforeAll(async () => {
    const runtime = await buildFixture('runtime');
    const tree = await buildFixture('tree', { optimise: true });
    opts = { storePaths: [runtime, tree], reference: 'cache-test:1', cmd: ['sh'] };
    storeLayers = (await queryClosure([runtime, tree])).length;
    const out = fresh('reference.tar');
    await pack({ ...opts, output: out, cache: false });
    reference = readFileSync(out);
  });

  it('misses, then hits: the second pack hashes only the system layer; same bytes both times', async () => {
    const cache = fresh('cache');
    const [a, b] = [fresh('a.tar'), fresh('b.tar')];
    const first = await pack({ ...opts, output: a, cache });
    expect(first.cache).toEqual({ dir: cache, hits: 0, misses: storeLayers, invalid: 0, writeErrors: 0 });
    expect(first.layers.map((l) => l.hashed)).toEqual(first.layers.map(() => true));
    expect(entries(cache)).toHaveLength(storeLayers);
    const second = await pack({ ...opts, output: b, cache });
    expect(second.cache).toMatchObject({ hits: storeLayers, misses: 0, invalid: 0 });
    expect(second.layers.map((l) => l.hashed)).toEqual([...Array(storeLayers).fill(false), true]);
    expect(sha256(readFileSync(a))).toBe(sha256(reference));
    expect(sha256(readFileSync(b))).toBe(sha256(reference));
    // The unhashed layers still carry the right diff_ids: inspect hashes every layer.
    expect((await inspectImage(b)).layers.every((l) => l.verified)).toBe(true);
  });

  it('never trusts a truncated, garbled, misplaced or contradicted entry: ignores it, hashes, rewrites it', async () => {
    const cache = fresh('cache');
    await pack({ ...opts, output: fresh('x.tar'), cache });
    const files = entries(cache);
    expect(files.length).toBeGreaterThanOrEqual(4);
    const [truncated, garbled, misplaced, contradicted] = files;
    writeFileSync(truncated!, readFileSync(truncated!).subarray(0, 40));
    // Valid JSON, one digit of the digest changed: the checksum no longer matches.
    const g = JSON.parse(readFileSync(garbled!, 'utf8'));
    g.digest = g.digest.replace(/[0-9a-f]$/, (c: string) => (c === '0' ? '1' : '0'));
    writeFileSync(garbled!, JSON.stringify(g));
    // A whole, valid entry, but for other paths (as if copied under the wrong name).
    writeFileSync(misplaced!, readFileSync(files[files.length - 1]!));
    // A whole entry with a correct checksum whose size contradicts the layer: the listing says otherwise.
    const c = JSON.parse(readFileSync(contradicted!, 'utf8'));
    const body = { ...c, size: c.size + 512 };
    delete body.check;
    writeFileSync(contradicted!, canonicalJson({ ...body, check: sha256(Buffer.from(canonicalJson(body))) }));
    const out = fresh('y.tar');
    const r = await pack({ ...opts, output: out, cache });
    expect(r.cache).toMatchObject({ hits: storeLayers - 4, misses: 0, invalid: 4 });
    expect(r.layers.filter((l) => l.hashed)).toHaveLength(5);
    expect(sha256(readFileSync(out))).toBe(sha256(reference));
    // Rewritten: the next pack trusts all of them again.
    const again = await pack({ ...opts, output: fresh('z.tar'), cache });
    expect(again.cache).toMatchObject({ hits: storeLayers, invalid: 0 });
  });

  it('entries carry the format version, the paths, digest and size, and a checksum', async () => {
    const cache = fresh('cache');
    const r = await pack({ ...opts, output: fresh('x.tar'), cache });
    const file = entries(cache)[0]!;
    expect(file).toMatch(new RegExp(`/layers/v${LAYER_FORMAT_VERSION}/[0-9a-f]{2}/[0-9a-f]{64}\\.json$`));
    const entry = JSON.parse(readFileSync(file, 'utf8'));
    expect(Object.keys(entry).sort()).toEqual(['check', 'digest', 'format', 'key', 'paths', 'size']);
    const layer = r.layers.find((l) => l.diffId === entry.digest)!;
    expect([entry.paths, entry.size]).toEqual([layer.storePaths, layer.blob.size]);
  });

  it('a cache that cannot be written does not fail the pack', async () => {
    const file = fresh('not-a-dir');
    writeFileSync(file, 'x');
    const out = fresh('w.tar');
    const r = await pack({ ...opts, output: out, cache: join(file, 'cache') });
    expect(r.cache).toMatchObject({ hits: 0, writeErrors: storeLayers });
    expect(sha256(readFileSync(out))).toBe(sha256(reference));
  });

  it('concurrent packs in one process share a cache safely', async () => {
    const cache = fresh('cache');
    const outs = [0, 1, 2, 3].map(() => fresh('c.tar'));
    const results = await Promise.all(outs.map((output) => pack({ ...opts, output, cache })));
    for (const out of outs) expect(sha256(readFileSync(out))).toBe(sha256(reference));
    expect(new Set(results.map((r) => r.imageId)).size).toBe(1);
    expect(entries(cache).filter((f) => !f.endsWith('.json'))).toEqual([]); // no temp files left
    const after = await pack({ ...opts, output: fresh('d.tar'), cache });
    expect(after.cache).toMatchObject({ hits: storeLayers, invalid: 0 });
  });

  it('concurrent `nixlab pack` processes share a cache safely (NIXLAB_CACHE_DIR)', async () => {
    const cache = fresh('cache');
    const bin = resolve('bin/run.js');
    const outs = [0, 1, 2].map(() => fresh('p.tar'));
    const runs = await Promise.all(
      outs.map((o) => execa('node', [bin, 'pack', ...opts.storePaths!, '-o', o, '--tag', 'cache-test:1', '--cmd', 'sh', '--json'], { env: { NIXLAB_CACHE_DIR: cache }, reject: false })),
    );
    for (const r of runs) expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const ids = runs.map((r) => JSON.parse(String(r.stdout)).imageId);
    expect(new Set(ids).size).toBe(1);
    for (const f of entries(cache)) {
      expect(f).toMatch(/\.json$/);
      expect(statSync(f).size).toBeGreaterThan(100);
    }
    const after = await pack({ ...opts, output: fresh('q.tar'), cache });
    expect(after.cache).toMatchObject({ hits: storeLayers, invalid: 0 });
  });

  it('cache: false neither reads nor writes a cache', async () => {
    const r = await pack({ ...opts, output: fresh('n.tar'), cache: false });
    expect(r.cache).toEqual({ dir: null, hits: 0, misses: 0, invalid: 0, writeErrors: 0 });
    expect(r.layers.every((l) => l.hashed)).toBe(true);
  });

  it.each(['oci.tar', 'oci-dir'])('OCI output (%s) uses cached digests too, and gives the same image', async (name) => {
    const cache = fresh('cache');
    const [a, b] = [fresh(name), fresh(name)];
    const first = await pack({ ...opts, format: 'oci', output: a, cache });
    const second = await pack({ ...opts, format: 'oci', output: b, cache });
    expect(second.layers.filter((l) => l.hashed)).toHaveLength(1);
    expect(second.manifest).toEqual(first.manifest);
    if (name.endsWith('.tar')) expect(sha256(readFileSync(b))).toBe(sha256(readFileSync(a)));
    expect((await inspectImage(b)).layers.every((l) => l.verified)).toBe(true);
  });
});
