// Layer tars of real store paths: every entry survives a real tar extraction byte for byte,
// names and targets of every length, unicode, order, modes, hard links, whiteouts, > 8 GiB.
import { execa } from 'execa';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createWriteStream, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import tar from 'tar-stream';
import { UserError } from '../../src/errors.js';
import { contentsOf, layerTarSize, scanStorePaths, streamStorePaths, writeLayerTar, type LayerEntry } from '../../src/image/tar.js';
import { buildFixture } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-tar-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Writes a layer tar of `paths` to a file; returns its path. */
async function layerFile(paths: string[], name: string): Promise<string> {
  const file = join(tmp, name);
  const out = createWriteStream(file);
  const contents = scanStorePaths(paths);
  const n = await writeLayerTar(contents, out);
  out.end();
  await finished(out);
  expect(n).toBe(contents.tarSize);
  expect(lstatSync(file).size).toBe(contents.tarSize);
  return file;
}

/** Every header of a tar file, in order (tar-stream's reader). */
async function headers(file: string): Promise<tar.Headers[]> {
  const extract = tar.extract();
  const out: tar.Headers[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      out.push(entry.header);
      entry.resume();
    }
  })();
  extract.end(readFileSync(file));
  await done;
  return out;
}

/** Compares every entry under `root` on disk with `extracted/<root>`: type, mode, bytes, target. */
function compareTree(root: string, extracted: string): number {
  let n = 0;
  const visit = (p: string) => {
    n++;
    const a = lstatSync(p);
    const copy = join(extracted, p);
    const b = lstatSync(copy);
    expect({ path: p, mode: b.mode & 0o170777 }).toEqual({ path: p, mode: a.mode & 0o170777 });
    if (a.isSymbolicLink()) expect(readlinkSync(copy)).toBe(readlinkSync(p));
    else if (a.isFile()) {
      expect(b.size).toBe(a.size);
      expect(createHash('sha256').update(readFileSync(copy)).digest('hex')).toBe(createHash('sha256').update(readFileSync(p)).digest('hex'));
    } else if (a.isDirectory()) {
      const children = readdirSync(p).sort();
      expect(readdirSync(copy).sort()).toEqual(children);
      for (const c of children) visit(join(p, c));
    }
  };
  visit(root);
  return n;
}

describe('store layer tar', () => {
  let tree: string;
  let dep: string;
  let file: string;
  let hs: tar.Headers[];
  beforeAll(async () => {
    tree = await buildFixture('tree', { optimise: true });
    dep = await buildFixture('dep', { optimise: true });
    file = await layerFile([tree, dep], 'tree.tar');
    hs = await headers(file);
  });

  it('extracts with GNU tar to exactly the store contents (bytes, modes, symlink targets, empty dirs)', async () => {
    const out = join(tmp, 'x-tree');
    await execa('mkdir', ['-p', out]);
    await execa('tar', ['-xpf', file, '-C', out, '--numeric-owner']);
    expect(compareTree(tree, out)).toBeGreaterThan(30);
    compareTree(dep, out);
    expect(readdirSync(out)).toEqual(['nix']);
    expect(readdirSync(join(out, 'nix'))).toEqual(['store']);
  });

  it('starts with nix/ and nix/store/ (0755), then each path depth-first in byte order', () => {
    expect(hs.slice(0, 2).map((h) => [h.name, h.type, h.mode])).toEqual([
      ['nix/', 'directory', 0o755],
      ['nix/store/', 'directory', 0o755],
    ]);
    const names = hs.map((h) => h.name);
    const rel = (n: string) => names.indexOf(`${tree.slice(1)}/${n}`);
    expect([rel('order/'), rel('order/B'), rel('order/a/'), rel('order/a/b'), rel('order/a-c')]).toEqual([...[rel('order/')]].concat([1, 2, 3, 4].map((i) => rel('order/') + i)));
    // UTF-8 byte order: U+FFFC (EF BF BC) sorts before U+1F642 (F0 9F 99 82), unlike UTF-16.
    expect(rel('lib/smile-￼.txt')).toBeLessThan(rel('lib/smile-🙂.txt'));
    const [first, second] = [tree, dep].sort();
    expect(names.indexOf(`${first!.slice(1)}/`)).toBeLessThan(names.indexOf(`${second!.slice(1)}/`));
  });

  it('uses fixed metadata: mtime 1, uid/gid 0, no user or group names', () => {
    for (const h of hs) {
      expect([h.name, h.mtime?.getTime(), h.uid, h.gid, h.uname, h.gname]).toEqual([h.name, 1000, 0, 0, '', '']);
    }
  });

  it('keeps names of 99-420 bytes, 255-byte components and unicode exactly', () => {
    const names = hs.map((h) => h.name.replace(/\/$/, ''));
    const lengths = names.map((n) => Buffer.byteLength(n));
    for (const len of [99, 100, 101, 154, 155, 156, 256, 300, 420]) expect(lengths).toContain(len);
    expect(names).toContain(`${tree.slice(1)}/lib/${'n'.repeat(255)}`);
    expect(names).toContain(`${tree.slice(1)}/lib/${'m'.repeat(200)}/${'n'.repeat(255)}`);
    expect(names).toContain(`${tree.slice(1)}/lib/héllo wörld 日本語.txt`);
  });

  it('writes symlinks as symlinks (0777) with exact relative, absolute, dangling and long targets', () => {
    const link = (n: string) => hs.find((h) => h.name === `${tree.slice(1)}/${n}`)!;
    expect(link('lib/rel-link')).toMatchObject({ type: 'symlink', linkname: '../bin/tool', mode: 0o777 });
    expect(link('bin/dep-abs')).toMatchObject({ type: 'symlink', linkname: `${dep}/bin/dep` });
    expect(link('lib/dangling')).toMatchObject({ type: 'symlink', linkname: '/does/not/exist' });
    expect(link('lib/long-target')).toMatchObject({ type: 'symlink', linkname: `${'t'.repeat(300)}/target` });
  });

  it('keeps executables 0555, files 0444, store dirs 0555, empty dirs', () => {
    const h = (n: string) => hs.find((x) => x.name === `${tree.slice(1)}/${n}`)!;
    expect(h('bin/tool')).toMatchObject({ type: 'file', mode: 0o555 });
    expect(h('lib/random.bin')).toMatchObject({ type: 'file', mode: 0o444, size: 3072000 });
    expect(h('empty/')).toMatchObject({ type: 'directory', mode: 0o555 });
    expect(h('empty/nested-empty/')).toMatchObject({ type: 'directory', mode: 0o555 });
    expect(h('lib/empty-file')).toMatchObject({ type: 'file', size: 0 });
  });

  it('writes files hard-linked by store optimisation as regular files with their content', () => {
    expect(lstatSync(join(tree, 'lib/twin-1')).nlink).toBeGreaterThan(1);
    expect(lstatSync(join(tree, 'lib/same-as-dep.txt')).ino).toBe(lstatSync(join(dep, 'share/same.txt')).ino);
    for (const n of [`${tree}/lib/twin-1`, `${tree}/lib/twin-2`, `${tree}/lib/same-as-dep.txt`, `${dep}/share/same.txt`]) {
      expect(hs.find((h) => h.name === n.slice(1))).toMatchObject({ type: 'file', size: lstatSync(n).size });
    }
    expect(hs.some((h) => h.type === 'link')).toBe(false);
  });

  it('is the same bytes every time', async () => {
    const again = await layerFile([dep, tree], 'tree-again.tar');
    expect(readFileSync(again).equals(readFileSync(file))).toBe(true);
  });

  it('lists the same entries, in the same order, when they are listed while written (streamStorePaths)', async () => {
    const listed = [...scanStorePaths([tree, dep])];
    const streamed = [...streamStorePaths([dep, tree])];
    expect(listed.length).toBeGreaterThan(20);
    expect(streamed).toEqual(listed);
    const out = join(tmp, 'tree-streamed.tar');
    const w = createWriteStream(out);
    expect(await writeLayerTar(streamStorePaths([tree, dep]), w)).toBe(layerTarSize(listed));
    w.end();
    await finished(w);
    expect(readFileSync(out).equals(readFileSync(file))).toBe(true);
  });
});

describe('whiteouts', () => {
  it('refuses a store file named .wh.*, naming it', async () => {
    const p = await buildFixture('whiteout');
    expect(() => scanStorePaths([p])).toThrow(UserError);
    expect(() => scanStorePaths([p])).toThrow(`/${p.slice(1)}/etc/.wh.x: has a name starting with \`.wh.\``);
  });
});

describe('layerTarSize', () => {
  // Names and link targets from an alphabet with ASCII, multi-byte and astral characters,
  // many slashes: exercises ustar name/prefix splitting, pax path and linkpath records.
  const char = fc.constantFrom('a', 'b', 'Z', '/', '/', '-', '.', 'é', '日', '🙂', ' ');
  const text = (max: number) => fc.array(char, { minLength: 1, maxLength: max }).map((cs) => cs.join(''));
  const entry: fc.Arbitrary<LayerEntry> = fc.oneof(
    fc.record({ type: fc.constant('directory' as const), name: text(320), mode: fc.constant(0o555) }),
    fc.record({ type: fc.constant('symlink' as const), name: text(320), target: text(320) }),
    fc.record({ name: text(320), size: fc.integer({ min: 0, max: 1100 }) }).map(({ name, size }) => ({ type: 'file' as const, name, mode: 0o444, size, content: Buffer.alloc(size, 7) })),
  );

  it('predicts exactly the bytes the framer writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 8 }), async (entries) => {
        const chunks: Buffer[] = [];
        const target = Object.assign(new EventEmitter(), { write: (c: Buffer) => (chunks.push(Buffer.from(c)), true) });
        const written = await writeLayerTar(contentsOf(entries), target);
        expect(written).toBe(layerTarSize(entries));
        expect(Buffer.concat(chunks).length).toBe(written);
      }),
      { numRuns: 300 },
    );
  });
});

describe('files over 8 GiB', () => {
  it('writes the right size (pax size record and base-256 field) and streams 8 GiB through', async () => {
    const big = await buildFixture('big');
    const contents = scanStorePaths([big]);
    const entries = [...contents];
    const bigIndex = entries.findIndex((e) => e.name.endsWith('/big.img'));
    const headerAt = layerTarSize(entries.slice(0, bigIndex)) - 1024;
    // Tee the stream into GNU tar's lister and keep the big file's headers.
    const lister = execa('tar', ['-tvf', '-', '--numeric-owner'], { stdin: 'pipe' });
    let pos = 0;
    const head: Buffer[] = [];
    const target = Object.assign(new EventEmitter(), {
      write(chunk: Buffer): boolean {
        const end = pos + chunk.length;
        if (end > headerAt && pos < headerAt + 2048) head.push(Buffer.from(chunk.subarray(Math.max(0, headerAt - pos), Math.min(chunk.length, headerAt + 2048 - pos))));
        pos = end;
        return lister.stdin!.write(chunk);
      },
      once(event: 'drain', cb: () => void) {
        lister.stdin!.once(event, cb);
        return this;
      },
    });
    const started = Date.now();
    const written = await writeLayerTar(contents, target);
    lister.stdin!.end();
    const { stdout } = await lister;
    const seconds = (Date.now() - started) / 1000;
    console.log(`streamed ${(written / 2 ** 30).toFixed(2)} GiB through tar -t in ${seconds.toFixed(1)} s`);
    expect(written).toBe(contents.tarSize);
    expect(stdout).toMatch(/ 8589934600 1970-01-01 00:00 nix\/store\/[^/]+-nixlab-fixture-big\/big\.img/);
    expect(stdout).toMatch(/ 6 1970-01-01 00:00 nix\/store\/[^/]+-nixlab-fixture-big\/small/);
    const h = Buffer.concat(head);
    expect(String.fromCharCode(h[156]!)).toBe('x'); // pax header first
    const paxLen = parseInt(h.subarray(124, 135).toString(), 8);
    expect(h.subarray(512, 512 + paxLen).toString()).toContain(' size=8589934600\n');
    const ustar = h.subarray(512 + Math.ceil(paxLen / 512) * 512);
    expect(ustar[124]).toBe(0x80); // base-256 size
    expect(ustar.subarray(125, 136).readUIntBE(5, 6)).toBe(8589934600);
  }, 600_000);
});
