// The OCI image layout (oci-layout, index.json, blobs/sha256/<hex>), as a directory or as a tar
// of one. Blob names are digests, which a one-pass tar does not know when it writes a layer's
// header: into a file, the header gets a placeholder name that is rewritten in place at the end
// (patchTarNames); into a pipe, the layers' digests are computed in a hashing pass first. Layers
// whose digest the cache knows get their final names at once and are not hashed. A directory
// may already hold a layout: then only missing blobs are written, index.json gains (or updates)
// this image's entry, and unreferenced blobs can be pruned.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError, UserError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { OuterTar } from './archive-tar.js';
import { MEDIA, streamable, trustedDigest, uncompressedLayer, type ArchiveInput, type ArchiveLayer, type ArchiveResult, type LayerDescriptor, type WriteContext } from './archive.js';
import { canonicalJson } from '../json.js';
import { jsonBlob, type ConfigBlob, type ImageReference } from './config.js';
import { ArchiveSink } from './sink.js';
import { frameLayer, waitFor, type LayerContents } from './tar.js';

export const OCI_LAYOUT = Buffer.from(canonicalJson({ imageLayoutVersion: '1.0.0' }) + '\n');
const PLACEHOLDER = '0'.repeat(64);

/** A tar header to rename once the blob's digest is known. */
export interface NamePatch {
  /** Offset of the 512-byte header in the archive. */
  offset: number;
  name: string;
}

/** A content descriptor (index.json entries, manifest config and layers). */
export interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** The annotation OCI tools select an image of a layout by (`umoci --image dir:<ref>`). */
const REF_NAME = 'org.opencontainers.image.ref.name';

function manifestAndIndex(config: ConfigBlob, layers: LayerDescriptor[], ref: ImageReference | undefined) {
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: config.digest, size: config.bytes.length },
    layers: layers.map((l) => ({ mediaType: l.blob.mediaType, digest: l.blob.digest, size: l.blob.size })),
  });
  const annotations = ref ? { [REF_NAME]: ref.tag, 'io.containerd.image.name': `${ref.repository}:${ref.tag}` } : undefined;
  const entry: Descriptor = { mediaType: MEDIA.manifest, digest: manifest.digest, size: manifest.bytes.length, ...(annotations ? { annotations } : {}) };
  return { manifest, entry, index: mergeIndex(null, entry, 'index.json') };
}

/**
 * index.json with `entry` in it: an existing index keeps its other manifests; the one with the
 * same ref name (tag) — or, for an untagged image, the untagged one — is replaced in place.
 */
export function mergeIndex(existing: Buffer | null, entry: Descriptor, where: string): Buffer {
  let index: Record<string, unknown> & { manifests: Descriptor[] } = { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
  if (existing) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(existing.toString('utf8'));
    } catch {
      parsed = null;
    }
    const manifests = (parsed as { manifests?: unknown } | null)?.manifests;
    if (!parsed || typeof parsed !== 'object' || !Array.isArray(manifests) || !manifests.every((m) => m && typeof m === 'object' && typeof m.digest === 'string')) {
      throw new UserError({ where, message: 'is not an OCI image index (no manifests list)', hint: 'write the image to a new directory, or remove the broken layout' });
    }
    index = parsed as typeof index;
  }
  const ref = entry.annotations?.[REF_NAME] ?? null;
  const same = (d: Descriptor) => (d.annotations?.[REF_NAME] ?? null) === ref;
  const at = index.manifests.findIndex(same);
  const manifests = index.manifests.filter((d) => !same(d));
  manifests.splice(at < 0 ? manifests.length : at, 0, entry);
  return Buffer.from(canonicalJson({ ...index, manifests }) + '\n');
}

const blobPath = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;

/**
 * Writes an OCI layout tar into `sink`. Layers whose digest is known — from hashLayers()
 * (`knownDigests`) or the cache — get their final names and are not hashed; the others carry
 * placeholders that the returned patches rename.
 */
export async function writeOciTar(
  input: ArchiveInput,
  sink: ArchiveSink,
  ctx: WriteContext,
  knownDigests?: string[],
): Promise<ArchiveResult & { patches: NamePatch[] }> {
  const out = new OuterTar(sink, ctx);
  await out.file('oci-layout', OCI_LAYOUT);
  await out.dir('blobs');
  await out.dir('blobs/sha256');
  const written: { size: number; digest: Promise<string>; headerOffset: number; storePaths: string[]; named: boolean; hashed: boolean }[] = [];
  for (const [i, layer] of input.layers.entries()) {
    input.onLayer?.(i, input.layers.length);
    const contents = await layer.entries(ctx.signal);
    input.layers[i + 1]?.prefetch?.(ctx.signal);
    const cached = knownDigests ? null : trustedDigest(layer, contents);
    const known = knownDigests?.[i] ?? cached;
    const w = await out.layer(known ? blobPath(known) : `blobs/sha256/${PLACEHOLDER}`, contents, known ?? undefined);
    if (!known) void w.digest.then((digest) => layer.remember?.({ digest, size: w.size }), () => undefined);
    written.push({ ...w, storePaths: layer.storePaths, named: !!known, hashed: knownDigests ? layer.known?.digest !== known : !cached });
  }
  const digests = await Promise.all(written.map((w) => w.digest));
  const config = input.config(digests);
  await out.file(blobPath(config.digest), config.bytes);
  const layers: ArchiveLayer[] = written.map((w, i) => ({ ...uncompressedLayer(digests[i]!, w.size), storePaths: w.storePaths, path: blobPath(digests[i]!), hashed: w.hashed, reused: false }));
  const { manifest, index } = manifestAndIndex(config, layers, input.reference);
  await out.file(blobPath(manifest.digest), manifest.bytes);
  await out.file('index.json', index);
  await out.finish();
  await sink.finish();
  const patches = written.flatMap((w, i) => (w.named ? [] : [{ offset: w.headerOffset, name: blobPath(digests[i]!) }]));
  return { config, layers, manifest: { digest: manifest.digest, size: manifest.bytes.length }, patches };
}

/**
 * Renames tar entries in place: writes each new name into its 512-byte ustar header and
 * recomputes the header checksum. Names must fit the 100-byte name field.
 */
export function patchTarNames(file: string, patches: NamePatch[]): void {
  if (!patches.length) return;
  const fd = openSync(file, 'r+');
  try {
    const block = Buffer.alloc(512);
    for (const { offset, name } of patches) {
      if (readSync(fd, block, 0, 512, offset) !== 512) throw new InternalError(`no tar header at offset ${offset} of ${file}`);
      const old = block.toString('latin1', 0, 100).replace(/\0+$/, '');
      if (old !== `blobs/sha256/${PLACEHOLDER}`) throw new InternalError(`tar header at ${offset} of ${file} is ${JSON.stringify(old)}, not the placeholder`);
      if (Buffer.byteLength(name) > 100) throw new InternalError(`${name} does not fit a ustar name field`);
      block.fill(0, 0, 100);
      block.write(name, 0, 'ascii');
      // The checksum counts its own 8 bytes as spaces.
      let sum = 8 * 32;
      for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += block[i]!;
      block.write(sum.toString(8).padStart(6, '0') + ' ', 148, 'ascii');
      if (writeSync(fd, block, 0, 512, offset) !== 512) throw new InternalError(`short write patching ${file}`);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Computes the layers' digests without writing anything (the first pass for a streamed OCI
 * tar, whose blob names must be known before their headers go out). Cached digests are used
 * as they are; only the other layers are read and hashed.
 */
export async function hashLayers(input: ArchiveInput, ctx: WriteContext): Promise<string[]> {
  const digests: string[] = [];
  for (const [i, layer] of input.layers.entries()) {
    const entries = await layer.entries(ctx.signal);
    input.layers[i + 1]?.prefetch?.(ctx.signal);
    const known = trustedDigest(layer, entries);
    if (known) {
      digests.push(known);
      continue;
    }
    const sink = new ArchiveSink(null, ctx.worker, { onError: ctx.onError }, ctx.slots);
    const digest = sink.hashRange(0, entries.tarSize);
    digest.catch(() => undefined);
    await frameLayer(entries, sink, ctx.signal);
    await sink.finish();
    digests.push(`sha256:${await digest}`);
    layer.remember?.({ digest: digests[i]!, size: entries.tarSize });
  }
  return digests;
}

/** Size of a file, or null if there is none. */
async function fileSize(path: string): Promise<number | null> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** Writes a small blob unless the layout has it already (blobs are named by their digest). */
async function writeBlob(dir: string, digest: string, bytes: Buffer): Promise<void> {
  const path = join(dir, blobPath(digest));
  if ((await fileSize(path)) === bytes.length) return;
  await writeFileAtomic(path, bytes);
}

/**
 * Writes an OCI layout into `dir`: an empty directory, or (`existing`) a layout already there.
 * Into an existing layout, a layer whose cached digest names a blob of the right size is
 * neither read nor written; a layer whose blob turns out to exist after hashing is not
 * replaced. Blobs are written under temporary names and renamed, index.json is replaced
 * atomically at the end (keeping the layout's other images), so a reader never sees a partial
 * blob or an index naming a missing one. Hold lockLayout() around it for an existing layout.
 */
export async function writeOciDir(input: ArchiveInput, dir: string, ctx: WriteContext, opts: { existing?: boolean } = {}): Promise<ArchiveResult> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const reusable = await Promise.all(
    input.layers.map(async (l) => !!(opts.existing && l.known && (await fileSize(join(dir, blobPath(l.known.digest)))) === l.known.size)),
  );
  const layers: ArchiveLayer[] = [];
  let before = 0;
  // A layer's blob is finished (file closed, renamed) in the background, so the next layer is
  // framed meanwhile.
  const finishing: Promise<void>[] = [];
  const temporary = new Set<string>();
  try {
    for (const [i, layer] of input.layers.entries()) {
      input.onLayer?.(i, input.layers.length);
      if (reusable[i]) {
        const { digest, size } = layer.known!;
        layers[i] = { ...uncompressedLayer(digest, size), storePaths: layer.storePaths, path: blobPath(digest), hashed: false, reused: true };
        continue;
      }
      // A layer with no cached digest is framed as it is listed (a blob has no header that
      // needs its size); one with a cached digest is listed first, to check the digest's size.
      const streamed = streamable(layer);
      const entries = streamed ? layer.stream() : await layer.entries(ctx.signal);
      const next = input.layers.findIndex((_, j) => j > i && !reusable[j]);
      if (next > 0 && !streamable(input.layers[next])) input.layers[next]!.prefetch?.(ctx.signal);
      const known = streamed ? null : trustedDigest(layer, entries as LayerContents);
      const tmp = join(blobs, `.layer-${i}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
      temporary.add(tmp);
      const fh = await open(tmp, 'wx+', 0o644);
      let hex: Promise<string> | null = null;
      let sink: ArchiveSink | null = null;
      let size: number;
      try {
        const base = before;
        sink = new ArchiveSink({ fd: fh.fd }, ctx.worker, { onError: ctx.onError, onBytes: (n) => ctx.onBytes?.(base + n) }, ctx.slots);
        let onSize: ((n: number) => void) | undefined;
        if (!known) {
          const range = sink.hashOpenRange(0);
          hex = range.digest;
          hex.catch(() => undefined);
          onSize = (n) => range.end(n);
        }
        size = await frameLayer(entries, sink, ctx.signal, onSize);
        await sink.finish();
        const listed = streamed ? size : (entries as LayerContents).tarSize;
        if (size !== listed) throw new InternalError(`layer ${i}: computed ${listed} bytes but wrote ${size}`);
      } catch (error) {
        // The worker may still be writing to the file: let it finish before the fd is closed.
        await sink?.settle();
        await fh.close();
        throw error;
      }
      before += size;
      const done = (async () => {
        let digest: string;
        try {
          // Hashed as it was written: the digest is in (or the sink failed).
          digest = known ?? `sha256:${await hex!}`;
        } finally {
          await fh.close();
        }
        if (!known) layer.remember?.({ digest, size });
        const final = join(dir, blobPath(digest));
        // Already there (the cache did not know it): keep the existing file untouched.
        if (opts.existing && (await fileSize(final)) === size) await rm(tmp, { force: true });
        else await rename(tmp, final);
        temporary.delete(tmp);
        layers[i] = { ...uncompressedLayer(digest, size), storePaths: layer.storePaths, path: blobPath(digest), hashed: !known, reused: false };
      })();
      done.catch(() => undefined);
      finishing.push(done);
    }
    await Promise.all(finishing);
  } catch (error) {
    await Promise.allSettled(finishing);
    for (const tmp of temporary) await rm(tmp, { force: true }).catch(() => undefined);
    throw error;
  }
  const config = input.config(layers.map((l) => l.diffId));
  await writeBlob(dir, config.digest, config.bytes);
  const { manifest, entry } = manifestAndIndex(config, layers, input.reference);
  await writeBlob(dir, manifest.digest, manifest.bytes);
  if ((await fileSize(join(dir, 'oci-layout'))) === null) await writeFile(join(dir, 'oci-layout'), OCI_LAYOUT, { mode: 0o644 });
  const indexPath = join(dir, 'index.json');
  const existing = opts.existing ? await readFile(indexPath).catch(() => null) : null;
  await writeFileAtomic(indexPath, mergeIndex(existing, entry, indexPath));
  return { config, layers, manifest: { digest: manifest.digest, size: manifest.bytes.length } };
}

/** True when `dir` holds an OCI image layout (an oci-layout file and an index.json). */
export async function isOciLayout(dir: string): Promise<boolean> {
  return (await fileSize(join(dir, 'oci-layout'))) !== null && (await fileSize(join(dir, 'index.json'))) !== null;
}

const LOCK = '.nixlab.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the layout's lock (`<dir>/.nixlab.lock`, holding the pid), waiting while another pack
 * holds it. A lock whose process is gone is taken over. Resolves to the release function.
 * Packs into one layout thus run one after the other, and a prune never races a writer.
 */
export async function lockLayout(dir: string, signal: AbortSignal, timeoutMs = 30 * 60_000): Promise<() => Promise<void>> {
  const file = join(dir, LOCK);
  const start = Date.now();
  for (;;) {
    signal.throwIfAborted();
    try {
      const fh = await open(file, 'wx', 0o644);
      try {
        await fh.writeFile(`${process.pid}\n`);
      } finally {
        await fh.close();
      }
      return () => rm(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    // An empty file is a lock being written: wait. (Two waiters breaking one dead lock at the
    // same moment could both proceed; that needs a crash and two packs within milliseconds.)
    if (Number.isInteger(holder) && holder > 0 && !alive(holder)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() - start > timeoutMs) {
      throw new UserError({ where: dir, message: `another nixlab (pid ${holder || '?'}) has been writing this OCI layout for ${Math.round(timeoutMs / 60_000)} minutes`, hint: `wait for it, or remove ${file} if no nixlab is running` });
    }
    await waitFor((resolve) => setTimeout(resolve, 100), signal);
  }
}

/** What pruneLayout() removed. */
export interface PruneResult {
  blobs: number;
  bytes: number;
}

/**
 * Removes the blobs of `dir/blobs/sha256` that nothing in index.json refers to (through
 * manifests and nested indexes), and temporary files of interrupted packs. Reads every
 * manifest first and removes nothing if one is missing or unreadable. Hold lockLayout().
 */
export async function pruneLayout(dir: string): Promise<PruneResult> {
  const keep = new Set<string>();
  const where = (p: string) => join(dir, p);
  const readJson = async (path: string, what: string): Promise<Record<string, unknown>> => {
    let value: unknown;
    try {
      value = JSON.parse(await readFile(where(path), 'utf8'));
    } catch (error) {
      throw new UserError({ where: where(path), message: `cannot read ${what} (${(error as Error).message}); nothing was pruned`, hint: 'repair or remove the layout' });
    }
    if (!value || typeof value !== 'object') throw new UserError({ where: where(path), message: `${what} is not a JSON object; nothing was pruned`, hint: 'repair or remove the layout' });
    return value as Record<string, unknown>;
  };
  const follow = async (desc: unknown): Promise<void> => {
    const d = desc as Descriptor | null;
    if (!d || typeof d.digest !== 'string' || keep.has(d.digest)) return;
    keep.add(d.digest);
    const type = d.mediaType ?? '';
    if (!/manifest|index/.test(type)) return;
    const doc = await readJson(`blobs/${d.digest.replace(':', '/')}`, `${type} ${d.digest}`);
    const children = [doc.config, ...((doc.layers as unknown[] | undefined) ?? []), ...((doc.manifests as unknown[] | undefined) ?? [])];
    for (const c of children) await follow(c);
  };
  const index = await readJson('index.json', 'index.json');
  for (const d of (index.manifests as unknown[] | undefined) ?? []) await follow(d);
  const result: PruneResult = { blobs: 0, bytes: 0 };
  const blobs = where('blobs/sha256');
  for (const name of await readdir(blobs)) {
    const stale = /^\.layer-\d+-\d+-[0-9a-f]+\.tmp$/.test(name);
    if (!stale && (!/^[0-9a-f]{64}$/.test(name) || keep.has(`sha256:${name}`))) continue;
    const size = await fileSize(join(blobs, name));
    await rm(join(blobs, name), { force: true });
    if (stale) continue;
    result.blobs++;
    result.bytes += size ?? 0;
  }
  return result;
}
