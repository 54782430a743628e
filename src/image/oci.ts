// The OCI image layout (oci-layout, index.json, blobs/sha256/<hex>), as a directory or as a tar
// of one. Blob names are digests, which a one-pass tar does not know when it writes a layer's
// header: into a file, the header gets a placeholder name that is rewritten in place at the end
// (patchTarNames); into a pipe, the layers' digests are computed in a hashing pass first.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import { OuterTar } from './archive-tar.js';
import { MEDIA, type ArchiveInput, type ArchiveLayer, type ArchiveResult, type WriteContext } from './archive.js';
import { jsonBlob, canonicalJson, type ConfigBlob, type ImageReference } from './config.js';
import { ArchiveSink } from './sink.js';
import { writeLayerTar } from './tar.js';

export const OCI_LAYOUT = Buffer.from(canonicalJson({ imageLayoutVersion: '1.0.0' }) + '\n');
const PLACEHOLDER = '0'.repeat(64);

/** A tar header to rename once the blob's digest is known. */
export interface NamePatch {
  /** Offset of the 512-byte header in the archive. */
  offset: number;
  name: string;
}

function manifestAndIndex(config: ConfigBlob, layers: { digest: string; size: number }[], ref: ImageReference | undefined) {
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType: MEDIA.manifest,
    config: { mediaType: MEDIA.config, digest: config.digest, size: config.bytes.length },
    layers: layers.map((l) => ({ mediaType: MEDIA.layer, digest: l.digest, size: l.size })),
  });
  const annotations = ref ? { 'org.opencontainers.image.ref.name': ref.tag, 'io.containerd.image.name': `${ref.repository}:${ref.tag}` } : undefined;
  const index = Buffer.from(
    canonicalJson({
      schemaVersion: 2,
      mediaType: MEDIA.index,
      manifests: [{ mediaType: MEDIA.manifest, digest: manifest.digest, size: manifest.bytes.length, ...(annotations ? { annotations } : {}) }],
    }) + '\n',
  );
  return { manifest, index };
}

const blobPath = (digest: string) => `blobs/sha256/${digest.slice('sha256:'.length)}`;

/**
 * Writes an OCI layout tar into `sink`. With `knownDigests` (from hashLayers()) blobs get their
 * final names; without, layer headers carry placeholders and the returned patches rename them.
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
  const written: { size: number; digest: Promise<string>; headerOffset: number; storePaths: string[] }[] = [];
  for (const [i, layer] of input.layers.entries()) {
    input.onLayer?.(i, input.layers.length);
    const name = knownDigests ? blobPath(knownDigests[i]!) : `blobs/sha256/${PLACEHOLDER}`;
    const contents = await layer.entries(ctx.signal);
    input.layers[i + 1]?.prefetch?.(ctx.signal);
    const w = await out.layer(name, contents);
    written.push({ ...w, storePaths: layer.storePaths });
  }
  const digests = await Promise.all(written.map((w) => w.digest));
  if (knownDigests && digests.some((d, i) => d !== knownDigests[i])) {
    throw new InternalError('a layer hashed differently in the second pass: did the store change while packing?');
  }
  const config = input.config(digests);
  await out.file(blobPath(config.digest), config.bytes);
  const layers: ArchiveLayer[] = written.map((w, i) => ({ digest: digests[i]!, size: w.size, storePaths: w.storePaths, path: blobPath(digests[i]!) }));
  const { manifest, index } = manifestAndIndex(config, layers, input.reference);
  await out.file(blobPath(manifest.digest), manifest.bytes);
  await out.file('index.json', index);
  await out.finish();
  await sink.finish();
  const patches = knownDigests ? [] : written.map((w, i) => ({ offset: w.headerOffset, name: blobPath(digests[i]!) }));
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
 * tar, whose blob names must be known before their headers go out).
 */
export async function hashLayers(input: ArchiveInput, ctx: WriteContext): Promise<string[]> {
  const digests: string[] = [];
  for (const [i, layer] of input.layers.entries()) {
    const entries = await layer.entries(ctx.signal);
    input.layers[i + 1]?.prefetch?.(ctx.signal);
    const sink = new ArchiveSink(null, ctx.worker, { onError: ctx.onError, onConsumed: (c) => ctx.pool.release(c) });
    const digest = sink.hashRange(0, entries.tarSize);
    digest.catch(() => undefined);
    await writeLayerTar(entries, sink, { signal: ctx.signal, pool: ctx.pool });
    await sink.finish();
    digests.push(`sha256:${await digest}`);
  }
  return digests;
}

/** Writes an OCI layout directory into `dir` (which must exist and be empty). */
export async function writeOciDir(
  input: ArchiveInput,
  dir: string,
  ctx: WriteContext,
): Promise<ArchiveResult> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const layers: ArchiveLayer[] = [];
  let before = 0;
  for (const [i, layer] of input.layers.entries()) {
    input.onLayer?.(i, input.layers.length);
    const entries = await layer.entries(ctx.signal);
    input.layers[i + 1]?.prefetch?.(ctx.signal);
    const size = entries.tarSize;
    const tmp = join(blobs, `.layer-${i}.tmp`);
    const fh = await open(tmp, 'wx', 0o644);
    let digest: string;
    try {
      const base = before;
      const sink = new ArchiveSink({ fd: fh.fd }, ctx.worker, { onError: ctx.onError, onBytes: (n) => ctx.onBytes?.(base + n), onConsumed: (c) => ctx.pool.release(c) });
      const hex = sink.hashRange(0, size);
      hex.catch(() => undefined);
      const written = await writeLayerTar(entries, sink, { signal: ctx.signal, pool: ctx.pool });
      await sink.finish();
      if (written !== size) throw new InternalError(`layer ${i}: computed ${size} bytes but wrote ${written}`);
      digest = `sha256:${await hex}`;
    } finally {
      await fh.close();
    }
    before += size;
    await rename(tmp, join(dir, blobPath(digest)));
    layers.push({ digest, size, storePaths: layer.storePaths, path: blobPath(digest) });
  }
  const config = input.config(layers.map((l) => l.digest));
  await writeFile(join(dir, blobPath(config.digest)), config.bytes, { mode: 0o644 });
  const { manifest, index } = manifestAndIndex(config, layers, input.reference);
  await writeFile(join(dir, blobPath(manifest.digest)), manifest.bytes, { mode: 0o644 });
  await writeFile(join(dir, 'oci-layout'), OCI_LAYOUT, { mode: 0o644 });
  await writeFile(join(dir, 'index.json'), index, { mode: 0o644 });
  return { config, layers, manifest: { digest: manifest.digest, size: manifest.bytes.length } };
}
