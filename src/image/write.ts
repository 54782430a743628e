// Writing a planned image to its destination in one streaming pass: each store layer is listed
// from the store while the previous one is written, its bytes are framed into output buffers
// that the byte worker hashes and writes, and the digests the layer cache knows are not computed
// again. A file or new directory is written under a temporary name and renamed at the end; on
// failure or abort nothing is left behind. A path that names a FIFO or a character device
// (/dev/null, /dev/stdout onto a pipe) is written into, never replaced.
import { existsSync, lstatSync, readdirSync, readlinkSync, statSync, constants as fsc } from 'node:fs';
import { open, rename, rm, mkdir, rmdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { NixlabError, UserError } from '../errors.js';
import { sweepStaleTemps, tempSibling } from '../fsutil.js';
import { STREAMED_NAR_MAX, type ArchiveInput, type ArchiveLayer, type ArchiveResult, type LayerDescriptor, type LayerSource, type WriteContext } from './archive.js';
import { LayerCache, defaultCacheDir, type CacheStats } from './cache.js';
import { buildImageConfig } from './config.js';
import type { ClosureNode } from './closure.js';
import { writeDockerArchive } from './docker-archive.js';
import { hashLayers, isOciLayout, lockLayout, patchTarNames, pruneLayout, writeOciDir, writeOciTar, type PruneResult } from './oci.js';
import type { ImagePlan, ResolvedLinks } from './plan.js';
import { ArchiveSink, ByteWorker, StreamWriter } from './sink.js';
import type { Destination, ImageFormat } from './spec.js';
import { abortReason, contentsOf, scanStorePathsInBackground, streamStorePaths, type LayerContents } from './tar.js';

/** Progress of a write, reported about once per MiB written. */
export interface PackProgress {
  /** Bytes written so far (for an OCI directory: blob bytes). */
  bytes: number;
  /** Rough total: the closure's NAR size (tar overhead makes the real total a little larger). */
  estimatedBytes: number;
  /** Index of the layer being written and the number of layers. */
  layer: number;
  layers: number;
}

/** A layer of the written image. */
export interface PackedLayer extends LayerDescriptor {
  /** Store paths in the layer; empty for the system layer. */
  storePaths: string[];
  /** Path inside the archive. */
  path: string;
  /** The layer's group (`shared`, `kernel:<name>`, `kernels:<a>,<b>`, `image`, `system`); null when the planner does not group. */
  group: string | null;
  /** False when the digest came from the cache and the bytes were not hashed. */
  hashed: boolean;
  /** OCI directory only: the blob was already in the layout and was neither read nor written. */
  reused: boolean;
  /** docker-archive only: left out of the archive (WriteOptions.omitLayer). */
  omitted: boolean;
}

export interface PackResult {
  format: ImageFormat;
  /** The written file or directory; null when written to a stream. */
  output: string | null;
  /** `repository:tag`, if tagged. */
  reference: string | null;
  /** Image ID: the config's digest. */
  imageId: string;
  config: { digest: string; size: number };
  /** OCI only: the manifest blob. */
  manifest: { digest: string; size: number } | null;
  layers: PackedLayer[];
  /** Bytes written (tar size; for a directory, the sum of its files). */
  bytes: number;
  /** The closure: number of store paths and their NAR size. */
  closure: { paths: number; narSize: number };
  /** What the system layer links to and the Entrypoint runs (null: none). */
  links: { tini: string | null; shell: string | null; envBinary: string | null; caBundle: string | null };
  /** Use of the layer digest cache. */
  cache: CacheStats;
  /** With `prune`: the unreferenced blobs removed from the OCI layout. */
  pruned: PruneResult | null;
}

/** How a write runs: the digest cache, progress, cancellation. */
export interface WriteOptions {
  /**
   * Directory of the layer digest cache (default: defaultCacheDir(): $NIXLAB_CACHE_DIR,
   * $XDG_CACHE_HOME/nixlab or ~/.cache/nixlab); false: neither read nor write it.
   */
  cache?: string | false;
  onProgress?: (progress: PackProgress) => void;
  /** Aborting stops the write, removes partial output and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** docker-archive only: which layers to leave out (ArchiveInput.omit), for `nixlab load`. */
  omitLayer?: (index: number, knownDiffId: string | null) => boolean;
}

/**
 * The destination for an output as users name it: a stream is a tar; a path is a tar for
 * docker-archive, and for OCI a tar when it ends in `.tar`, else a layout directory.
 */
export function destinationFor(output: string | Writable, format: ImageFormat = 'docker', prune = false): Destination {
  if (format !== 'docker' && format !== 'oci') throw new UserError({ where: 'format', message: `must be docker or oci, got ${JSON.stringify(format)}`, hint: 'use docker or oci' });
  const st = typeof output === 'string' ? statSync(output, { throwIfNoEntry: false }) : undefined;
  // A FIFO or a character device takes a tar (OCI too), written into it.
  const special = !!(st?.isFIFO() || st?.isCharacterDevice());
  const dir = format === 'oci' && typeof output === 'string' && !output.endsWith('.tar') && !special;
  if (prune && !dir) throw new UserError({ where: 'prune', message: 'only applies to an OCI layout directory', hint: 'use --format oci -o DIR, or drop --prune' });
  if (typeof output !== 'string') return { kind: 'stream', stream: output, format };
  if (special) return { kind: 'special', path: output, format };
  if (st?.isBlockDevice() || st?.isSocket()) {
    throw new UserError({ where: output, message: `is a ${st.isSocket() ? 'socket' : 'block device'}; an image is written to a file, a FIFO or a stream`, hint: 'give a file name (-o image.tar), or -o - and a pipe' });
  }
  if (dir) return { kind: 'oci-dir', path: output, prune };
  // A symlink (to a file, or to nothing yet): the file it names is written, and the link stays.
  return { kind: 'file', path: linkTarget(output), format };
}

/** Where a path leads: itself, or, through its symlinks, the path the last one names (a file, or nothing yet). */
function linkTarget(path: string): string {
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (!st?.isSymbolicLink()) return at;
    at = resolve(dirname(at), readlinkSync(at));
  }
  throw new UserError({ where: path, message: 'is a chain of more than 40 symlinks', hint: 'give the path of a file' });
}

/** The archive format a destination gets. */
const formatOf = (dest: Destination): ImageFormat => (dest.kind === 'oci-dir' ? 'oci' : dest.format);

/** Writes a planned image. `closure` gives each store path's NAR hash (for the digest cache). */
export async function writeImage(plan: ImagePlan, closure: ClosureNode[], dest: Destination, opts: WriteOptions, worker: ByteWorker): Promise<PackResult> {
  opts.signal?.throwIfAborted();
  // A streamed OCI tar reads every layer twice (digests first); keep listings for the second pass.
  const twoPass = (dest.kind === 'stream' || dest.kind === 'special') && dest.format === 'oci';
  const nodes = new Map(closure.map((n) => [n.path, n]));
  const storeLayer = (paths: string[], createdBy: string): LayerSource => {
    // One listing per layer, started early by prefetch() so it overlaps the previous layer.
    let listing: Promise<LayerContents> | null = null;
    const list = (signal: AbortSignal) => (listing ??= scanStorePathsInBackground(paths, signal));
    return {
      storePaths: paths,
      createdBy,
      entries: (signal) => {
        const result = list(signal);
        if (!twoPass) listing = null; // written once: let it be collected afterwards
        return result;
      },
      prefetch: (signal) => void list(signal).catch(() => undefined),
      ...(!twoPass && paths.reduce((n, p) => n + (nodes.get(p)?.narSize ?? Infinity), 0) <= STREAMED_NAR_MAX ? { stream: () => streamStorePaths(paths) } : {}),
    };
  };
  // The cache: each store layer's digest, if a valid entry exists; layers hashed now are added.
  const cache = opts.cache === false ? null : new LayerCache(opts.cache ?? defaultCacheDir());
  const puts: Promise<void>[] = [];
  const comment = (group: string | null) => (group ? `nixlab group: ${group}` : undefined);
  const layers: LayerSource[] = await Promise.all(
    plan.layers.map(async (planned) => {
      if (planned.entries) {
        const contents = contentsOf(planned.entries);
        return { storePaths: [], createdBy: planned.createdBy, comment: comment(planned.group), entries: async () => contents };
      }
      const paths = planned.storePaths;
      const source = storeLayer(paths, planned.createdBy);
      source.comment = comment(planned.group);
      const key = cache ? LayerCache.key(paths.map((p) => nodes.get(p)!)) : null;
      if (cache && key) {
        source.known = await cache.get(key, paths);
        source.remember = (layer) => void puts.push(cache.put(key, paths, layer));
        source.onStale = () => cache.reject();
      }
      return source;
    }),
  );
  let currentLayer = 0;
  const input: ArchiveInput = {
    layers,
    reference: plan.reference ?? undefined,
    config: (diffIds) =>
      buildImageConfig(
        plan.config,
        diffIds.map((diffId, i) => ({ diffId, history: { created_by: layers[i]!.createdBy, ...(layers[i]!.comment ? { comment: layers[i]!.comment } : {}) } })),
      ),
    onLayer: (i) => (currentLayer = i),
    omit: opts.omitLayer,
  };
  const estimatedBytes = plan.closure.narSize;
  const onBytes = (bytes: number) => opts.onProgress?.({ bytes, estimatedBytes, layer: currentLayer, layers: layers.length });

  let result: Awaited<ReturnType<typeof writeArchive>>;
  try {
    result = await writeArchive(input, dest, worker, opts.signal, onBytes);
  } finally {
    await Promise.all(puts);
  }
  return {
    format: formatOf(dest),
    output: result.output,
    reference: plan.reference ? `${plan.reference.repository}:${plan.reference.tag}` : null,
    imageId: result.archive.config.digest,
    config: { digest: result.archive.config.digest, size: result.archive.config.bytes.length },
    manifest: result.archive.manifest ?? null,
    layers: result.archive.layers.map((l: ArchiveLayer, i) => ({ diffId: l.diffId, blob: l.blob, storePaths: l.storePaths, path: l.path, group: plan.layers[i]!.group, hashed: l.hashed, reused: l.reused, omitted: !!l.omitted })),
    bytes: result.bytes,
    closure: plan.closure,
    links: linkTargets(plan.links),
    cache: cache?.stats ?? { dir: null, hits: 0, misses: 0, invalid: 0, writeErrors: 0 },
    pruned: result.pruned,
  };
}

/** What the result reports for the links: tini as its program. */
function linkTargets(links: ResolvedLinks): PackResult['links'] {
  return { tini: links.tini ? `${links.tini}/bin/tini` : null, shell: links.shell, envBinary: links.envBinary, caBundle: links.caBundle };
}

/** Turns an output failure (errno) into a UserError naming the output; other errors pass. */
function outputError(error: unknown, where: string): unknown {
  if (error instanceof NixlabError) return error;
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string') return error;
  const hints: Record<string, string> = {
    EPIPE: 'the program reading the image stopped early; nothing more was written',
    ERR_STREAM_DESTROYED: 'the output stream was closed before the image was complete',
    ENOSPC: 'free some space or write the image elsewhere',
    EDQUOT: 'free some space or write the image elsewhere',
    EACCES: 'choose a directory you can write to',
    EPERM: 'choose a directory you can write to',
    EROFS: 'choose a writable directory',
    ENOENT: 'create the directory first',
    ENOTDIR: 'check the output path',
    EISDIR: 'give a file name, not a directory',
  };
  return new UserError({ where, message: `writing the image failed: ${e.code} (${e.message})`, hint: hints[e.code] }, { cause: error });
}

/** Writes the archive to its destination: temp file/dir renamed at the end, or a stream. */
async function writeArchive(
  input: ArchiveInput,
  dest: Destination,
  worker: ByteWorker,
  external: AbortSignal | undefined,
  onBytes: (n: number) => void,
): Promise<{ archive: ArchiveResult; output: string | null; bytes: number; pruned: PruneResult | null }> {
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort(external!.reason);
  external?.addEventListener('abort', onExternalAbort, { once: true });
  if (external?.aborted) controller.abort(external.reason);
  const signal = controller.signal;
  const fail = (error: Error) => {
    if (!signal.aborted) controller.abort(error);
  };
  const ctx: WriteContext = { signal, worker, slots: [], onError: fail, onBytes };
  const sinkHooks = { onError: fail, onBytes };
  let fileSink: ArchiveSink | null = null;
  const where = dest.kind === 'stream' ? 'stdout' : dest.path;
  let cleanup: () => Promise<void> = async () => undefined;
  try {
    const toStream = async (stream: Writable) => {
      const sink = new ArchiveSink({ writer: new StreamWriter(stream) }, worker, sinkHooks);
      const archive =
        formatOf(dest) === 'docker' ? await writeDockerArchive(input, sink, ctx) : await writeOciTar(input, sink, ctx, await hashLayers(input, ctx));
      return { archive, bytes: sink.position };
    };
    if (dest.kind === 'stream') return { ...(await toStream(dest.stream)), output: null, pruned: null };
    if (dest.kind === 'special') {
      // Opened as it is (no O_CREAT, no O_TRUNC): a FIFO's open waits here for its reader.
      const fh = await open(dest.path, fsc.O_WRONLY | fsc.O_NOCTTY);
      if (isatty(fh.fd)) {
        await fh.close();
        throw new UserError({ where: dest.path, message: 'is a terminal: refusing to write an image tar to it', hint: 'give a file name, or pipe -o - into a program (… -o - | docker load)' });
      }
      const stream = fh.createWriteStream(); // it closes the handle once ended or destroyed
      const closed = new Promise((done) => stream.once('close', done));
      try {
        const written = await toStream(stream);
        await new Promise<void>((done, failed) => stream.end((error?: Error | null) => (error ? failed(error) : done())));
        return { ...written, output: dest.path, pruned: null };
      } finally {
        stream.destroy();
        await closed;
      }
    }
    const final = resolve(dest.path);
    // A nixlab killed mid-write (SIGKILL) left its temp file here: removed once its process is gone.
    await sweepStaleTemps(final);
    const tmp = tempSibling(final);
    if (dest.kind === 'oci-dir' && (await isOciLayout(final))) {
      // An existing layout: add what is missing, in place, holding its lock.
      const release = await lockLayout(final, signal);
      try {
        let bytes = 0;
        const archive = await writeOciDir(input, final, { ...ctx, onBytes: (n) => onBytes((bytes = n)) }, { existing: true });
        const pruned = dest.prune ? await pruneLayout(final) : null;
        return { archive, output: final, bytes, pruned };
      } finally {
        await release();
      }
    }
    if (dest.kind === 'oci-dir') {
      checkDirTarget(final);
      cleanup = () => rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { mode: 0o755 });
      let bytes = 0;
      const archive = await writeOciDir(input, tmp, { ...ctx, onBytes: (n) => onBytes((bytes = n)) });
      if (existsSync(final)) await rmdir(final);
      await rename(tmp, final);
      cleanup = async () => undefined;
      const total = archive.layers.reduce((n, l) => n + l.blob.size, 0);
      return { archive, output: final, bytes: Math.max(bytes, total), pruned: dest.prune ? { blobs: 0, bytes: 0 } : null };
    }
    if (existsSync(final) && statSync(final).isDirectory()) {
      throw new UserError({ where: dest.path, message: 'is a directory', hint: 'give a file name such as image.tar' });
    }
    const fh = await open(tmp, 'wx+', 0o644);
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await fh.close();
      }
    };
    cleanup = async () => {
      // The worker may still be writing to the file: let it finish before the fd is closed.
      await fileSink?.settle();
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    };
    const sink = (fileSink = new ArchiveSink({ fd: fh.fd }, worker, sinkHooks));
    let archive: ArchiveResult;
    if (dest.format === 'docker') archive = await writeDockerArchive(input, sink, ctx);
    else {
      const { patches, ...rest } = await writeOciTar(input, sink, ctx);
      patchTarNames(tmp, patches);
      archive = rest;
    }
    await close();
    signal.throwIfAborted();
    await rename(tmp, final);
    cleanup = async () => undefined;
    return { archive, output: final, bytes: sink.position, pruned: null };
  } catch (error) {
    // Stop every producer, then remove what was written.
    const reason = signal.aborted ? abortReason(signal) : error;
    if (!signal.aborted) controller.abort(error);
    await cleanup().catch(() => undefined);
    // A user abort wins over the errors it caused; a write failure wins over the abort it caused.
    if (external?.aborted) throw external.reason;
    throw outputError(reason, where);
  } finally {
    external?.removeEventListener('abort', onExternalAbort);
  }
}

/** A new OCI directory output must not exist, or be an empty directory (layouts are updated instead). */
function checkDirTarget(final: string): void {
  if (!existsSync(final)) return;
  const st = lstatSync(final);
  if (!st.isDirectory() || readdirSync(final).length > 0) {
    throw new UserError({ where: final, message: 'already exists and is not an OCI image layout (no oci-layout and index.json)', hint: 'remove it, or write to a new path (or a .tar file)' });
  }
}
