// Packing into an OCI layout that already exists: unchanged layers are neither read nor written
// (same inode and mtime, almost no bytes read), new blobs are added, index.json keeps the other
// tags, --prune removes only what nothing refers to, concurrent packs queue on the layout's
// lock, and skopeo and umoci read every tag of the result.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/errors.js';
import { inspectImage } from '../../src/image/inspect.js';
import { parseKernelEnvs } from '../../src/image/layers.js';
import { mergeIndex } from '../../src/image/oci.js';
import { buildFixture, pack, type FlatPackOptions } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-oci-update-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let n = 0;
const fresh = (name: string) => join(tmp, `${n++}-${name}`);

/** Blob name → [inode, mtime] of a layout. */
function blobStats(dir: string): Map<string, [number, number]> {
  const blobs = join(dir, 'blobs/sha256');
  return new Map(readdirSync(blobs).map((f) => [f, [statSync(join(blobs, f)).ino, statSync(join(blobs, f)).mtimeMs]]));
}

/** Bytes this process has read with read()-like calls so far (page cache hits included). */
const bytesRead = () => Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

const index = (dir: string) => JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };

describe('packing into an existing OCI layout', () => {
  let v1: Omit<FlatPackOptions, 'output'>;
  let v2: Omit<FlatPackOptions, 'output'>;
  let tree: string;

  beforeAll(async () => {
    const runtime = await buildFixture('runtime');
    tree = await buildFixture('tree', { optimise: true });
    const tiny = await buildFixture('tiny');
    const cache = fresh('cache');
    // v2 = v1 plus one store path: one new layer, the rest unchanged.
    v1 = { storePaths: [runtime, tree], cmd: ['sh'], cache };
    v2 = { storePaths: [runtime, tree, tiny], cmd: ['sh'], cache };
  });

  it('writes only the new blobs; the others keep their inode and mtime and are not read again', async () => {
    const dir = fresh('layout');
    const first = await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:v1' });
    const before = blobStats(dir);
    const read0 = bytesRead();
    const second = await pack({ ...v2, format: 'oci', output: dir, reference: 'lab:v2' });
    const read = bytesRead() - read0;
    const after = blobStats(dir);
    // Every store layer of v1 is reused; only tiny's layer and the system layer are written.
    expect(second.layers.filter((l) => l.reused).map((l) => l.diffId).sort()).toEqual(first.layers.slice(0, -1).map((l) => l.diffId).sort());
    expect(second.layers.filter((l) => !l.reused)).toHaveLength(2);
    for (const [name, stat] of before) expect([name, after.get(name)]).toEqual([name, stat]);
    // New: tiny's layer, and config and manifest (the system layer is the same blob as v1's).
    expect([...after.keys()].filter((k) => !before.has(k))).toHaveLength(3);
    // The tree fixture alone holds a 3 MB random file: reading any reused layer would show.
    expect(read).toBeLessThan(1 << 20);
    expect(second.bytes).toBeLessThan(64 << 10);
    // Both tags are in the index; both images are complete and verified.
    expect(index(dir).manifests.map((m) => m.annotations?.['org.opencontainers.image.ref.name'])).toEqual(['v1', 'v2']);
    for (const tag of ['v1', 'v2']) {
      await execa('umoci', ['unpack', '--image', `${dir}:${tag}`, join(tmp, `bundle-${tag}-${n}`)]);
      const { stdout } = await execa('skopeo', ['inspect', `oci:${dir}:${tag}`]);
      expect(JSON.parse(stdout).Digest).toBe((tag === 'v1' ? first : second).manifest!.digest);
    }
    expect(readFileSync(join(tmp, `bundle-v2-${n}`, 'rootfs', tree.slice(1), 'lib/random.bin')).length).toBe(3000 * 1024);
    expect(existsSync(join(dir, '.nixlab.lock'))).toBe(false);
  });

  it('rebuilding a tag replaces its index entry in place; --prune then removes only unreferenced blobs', async () => {
    const dir = fresh('layout');
    const v1tag = await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:latest' });
    const other = await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:other', cmd: ['sh', '-l'] });
    const blobs = join(dir, 'blobs/sha256');
    const garbage = 'f'.repeat(64);
    writeFileSync(join(blobs, garbage), 'unreferenced');
    writeFileSync(join(blobs, 'README'), 'not a blob: kept');
    writeFileSync(join(blobs, '.layer-3-999999-abcd.tmp'), 'left by an interrupted pack');
    const v2tag = await pack({ ...v2, format: 'oci', output: dir, reference: 'lab:latest', prune: true });
    expect(index(dir).manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'], m.digest])).toEqual([
      ['latest', v2tag.manifest!.digest],
      ['other', other.manifest!.digest],
    ]);
    // v1's manifest and config are gone (nothing refers to them); `other` shares v1's layers.
    const left = readdirSync(blobs).sort();
    expect(left).not.toContain(v1tag.manifest!.digest.slice(7));
    expect(left).not.toContain(v1tag.imageId.slice(7));
    expect(left).not.toContain(garbage);
    expect(left).not.toContain('.layer-3-999999-abcd.tmp');
    expect(left).toContain('README');
    const referenced = new Set([v2tag, other].flatMap((r) => [r.manifest!.digest, r.imageId, ...r.layers.map((l) => l.diffId)]).map((d) => d.slice(7)));
    expect(left.filter((f) => f !== 'README').sort()).toEqual([...referenced].sort());
    expect(v2tag.pruned).toEqual({ blobs: 3, bytes: expect.any(Number) });
    for (const tag of ['latest', 'other']) await execa('umoci', ['unpack', '--image', `${dir}:${tag}`, join(tmp, `bundle-p-${tag}-${n}`)]);
    await execa('skopeo', ['copy', `oci:${dir}:latest`, `oci:${join(tmp, `copy-${n}`)}:latest`]);
  });

  it('an untagged image replaces the untagged entry, leaving tagged ones', async () => {
    const dir = fresh('layout');
    await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:t' });
    await pack({ ...v1, format: 'oci', output: dir });
    const r = await pack({ ...v2, format: 'oci', output: dir });
    expect(index(dir).manifests.map((m) => [m.annotations?.['org.opencontainers.image.ref.name'] ?? null, m.digest.slice(0, 7)])).toEqual([
      ['t', expect.any(String)],
      [null, r.manifest!.digest.slice(0, 7)],
    ]);
  });

  it('without the cache, unchanged blobs are hashed but still not rewritten', async () => {
    const dir = fresh('layout');
    await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:1', cache: false });
    const before = blobStats(dir);
    const r = await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:1', cache: false });
    expect(r.layers.every((l) => l.hashed && !l.reused)).toBe(true);
    expect(blobStats(dir)).toEqual(before);
    expect(readdirSync(join(dir, 'blobs/sha256')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('concurrent packs into one layout take turns on its lock: both tags end up in the index', async () => {
    const dir = fresh('layout');
    await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:base' });
    const [a, b] = await Promise.all([
      pack({ ...v2, format: 'oci', output: dir, reference: 'lab:a', cache: false }),
      pack({ ...v1, format: 'oci', output: dir, reference: 'lab:b', cmd: ['id'], cache: false }),
    ]);
    const digests = Object.fromEntries(index(dir).manifests.map((m) => [m.annotations!['org.opencontainers.image.ref.name'], m.digest]));
    expect(digests).toEqual({ base: expect.any(String), a: a.manifest!.digest, b: b.manifest!.digest });
    expect((await inspectImage(dir)).layers.every((l) => l.verified)).toBe(true);
    for (const tag of ['a', 'b']) await execa('umoci', ['unpack', '--image', `${dir}:${tag}`, join(tmp, `bundle-c-${tag}-${n}`)]);
  });

  it('takes over the lock of a pack that died', async () => {
    const dir = fresh('layout');
    await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:1' });
    const dead = await execa('sh', ['-c', 'echo $$']);
    writeFileSync(join(dir, '.nixlab.lock'), `${dead.stdout.trim()}\n`);
    await pack({ ...v2, format: 'oci', output: dir, reference: 'lab:2' });
    expect(existsSync(join(dir, '.nixlab.lock'))).toBe(false);
  });

  it('a failed pack into a layout leaves it as it was (index and blobs), apart from whole new blobs', async () => {
    const dir = fresh('layout');
    await pack({ ...v1, format: 'oci', output: dir, reference: 'lab:1' });
    const saved = fresh('saved');
    cpSync(dir, saved, { recursive: true });
    const controller = new AbortController();
    const p = pack({ ...v2, format: 'oci', output: dir, reference: 'lab:1', cache: false, signal: controller.signal, onProgress: () => controller.abort(new Error('stop')) });
    await expect(p).rejects.toThrow('stop');
    expect(readFileSync(join(dir, 'index.json'))).toEqual(readFileSync(join(saved, 'index.json')));
    for (const f of readdirSync(join(dir, 'blobs/sha256'))) expect(sha256(readFileSync(join(dir, 'blobs/sha256', f)))).toBe(f);
    expect(existsSync(join(dir, '.nixlab.lock'))).toBe(false);
  });

  it('refuses --prune for other outputs, and a directory that is neither empty nor a layout', async () => {
    await expect(pack({ ...v1, output: fresh('x.tar'), prune: true })).rejects.toThrow(/prune: only applies to an OCI layout directory/);
    const dir = fresh('not-layout');
    mkdirSync(dir);
    writeFileSync(join(dir, 'index.json'), '{}');
    await expect(pack({ ...v1, format: 'oci', output: dir })).rejects.toThrow(/is not an OCI image layout/);
  });

  it('refuses an index.json that is not an image index, naming it', () => {
    expect(() => mergeIndex(Buffer.from('{"schemaVersion":2}'), { digest: 'sha256:x', size: 1 }, '/l/index.json')).toThrow(UserError);
    expect(() => mergeIndex(Buffer.from('nonsense'), { digest: 'sha256:x', size: 1 }, '/l/index.json')).toThrow(/\/l\/index.json: is not an OCI image index/);
  });
});

describe('nixlab pack --group, --prune (the command)', () => {
  it('plans layers per group, records each layer\'s group, reuses the layout and prunes', async () => {
    const runtime = await buildFixture('runtime');
    const tree = await buildFixture('tree', { optimise: true });
    const dir = fresh('cli-layout');
    const env = { NIXLAB_CACHE_DIR: fresh('cli-cache') };
    const bin = resolve('bin/run.js');
    const pack = (tag: string, extra: string[]) =>
      execa('node', [bin, 'pack', runtime, tree, '--group', `tree=${tree}`, '--format', 'oci', '-o', dir, '--tag', `lab:${tag}`, '--json', ...extra], { env, reject: false });
    const first = await pack('a', []);
    expect(first.exitCode).toBe(0);
    const a = JSON.parse(String(first.stdout));
    // tree's closure (tree and dep) is the group's; runtime's paths are shared.
    expect(a.layers.map((l: { group: string }) => l.group)).toEqual(['shared', 'shared', 'shared', 'shared', 'kernel:tree', 'kernel:tree', 'system']);
    const second = await pack('a', ['--cmd', 'id', '--prune']);
    const b = JSON.parse(String(second.stdout));
    expect(b.layers.filter((l: { reused: boolean }) => l.reused)).toHaveLength(6);
    expect(b.pruned).toEqual({ blobs: 2, bytes: expect.any(Number) }); // the first image's config and manifest
    const human = await execa('node', [bin, 'inspect', dir], { reject: false });
    expect(human.stdout).toMatch(/entries {2}kernel:tree\n/);
    expect(human.stdout).toMatch(/entries {2}system\n/);
  });

  it('reports bad --group values all at once, naming each', async () => {
    const error = await parseKernelEnvs(['noequals', '=x', 'a b=/nix/store/x', 'ok=/definitely/missing']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).problems.map((p) => p.where)).toEqual(['--group noequals', '--group =x', '--group a b=/nix/store/x', '--group ok=/definitely/missing']);
    const r = await execa('node', [resolve('bin/run.js'), 'pack', '/nix/store/x', '-o', fresh('x.tar'), '--group', 'bad', '--group', 'k=/nope'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error: --group bad: must be NAME=STORE_PATH');
  });
});
