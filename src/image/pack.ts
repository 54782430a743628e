// packImage(): store paths → closure → layer plan → one streaming pass → docker-archive or OCI
// image. The one entry point of the image library; `nixlab pack` and `nixlab build` call it.
// Layer digests are remembered in a cache (cache.ts), so a rebuild hashes only changed layers,
// and an OCI directory that already holds a layout gets only the blobs it lacks.
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { open, rename, rm, mkdir, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { NixlabError, UserError, type Problem } from '../errors.js';
import type { NormalizedImage } from '../definitions/types.js';
import type { ArchiveInput, ArchiveResult, LayerSource, WriteContext } from './archive.js';
import { LayerCache, defaultCacheDir, type CacheStats } from './cache.js';
import { queryClosure, resolveStorePaths, storeDir, type ClosureNode } from './closure.js';
import {
  buildImageConfig,
  checkImageConfig,
  checkReference,
  createdTimestamp,
  goArch,
  parseReference,
  type ImageConfigOptions,
  type ImageReference,
} from './config.js';
import { DEFAULT_USER, checkUser, customisationEntries, homeOf, type CustomisationOptions, type ImageUserSpec } from './custom-layer.js';
import { writeDockerArchive } from './docker-archive.js';
import { DEFAULT_MAX_LAYERS, findRoots, kernelPlanner, planLayers, validateMaxLayers, type KernelEnv, type LayerPlanner } from './layers.js';
import { hashLayers, isOciLayout, lockLayout, patchTarNames, pruneLayout, writeOciDir, writeOciTar, type PruneResult } from './oci.js';
import { ArchiveSink, ByteWorker, HashPool, StreamWriter } from './sink.js';
import { ChunkPool, abortReason, contentsOf, scanStorePathsInBackground, type LayerContents } from './tar.js';

export type ImageFormat = 'docker' | 'oci';

/** Progress of a pack, reported about once per MiB written. */
export interface PackProgress {
  /** Bytes written so far (for an OCI directory: blob bytes). */
  bytes: number;
  /** Rough total: the closure's NAR size (tar overhead makes the real total a little larger). */
  estimatedBytes: number;
  /** Index of the layer being written and the number of layers. */
  layer: number;
  layers: number;
}

/** Options of packImage(). Only `output` and one of `storePaths`/`closure` are required. */
export interface PackImageOptions {
  /** Store paths (or symlinks to them, like `./result`) whose closure becomes the image. */
  storePaths?: string[];
  /** The closure, if already queried (queryClosure()); skips the `nix path-info` call. */
  closure?: ClosureNode[];
  /** Paths the image exists for (layer popularity roots). Default: storePaths, else the closure's unreferenced paths. */
  roots?: string[];
  /** `docker` (docker-archive tar, the default) or `oci` (OCI layout). */
  format?: ImageFormat;
  /**
   * Where the image goes: a path (docker: always a tar; oci: a tar if it ends in `.tar`, else a
   * directory), or a Writable such as process.stdout (a tar). A file or new directory is written
   * under a temporary name and renamed at the end; on failure nothing is left. An OCI directory
   * that already holds a layout is updated in place: only missing blobs are written, then
   * index.json (which keeps the layout's other tags) is replaced atomically.
   */
  output: string | Writable;
  /** `name[:tag]` (tag `latest` if omitted), lowercase repository; omit for an untagged image. */
  reference?: string | ImageReference;
  /** `Entrypoint`. Default: `[<tini>/bin/tini, "-g", "--"]` when tini is found, else none. */
  entrypoint?: string[];
  /** The tini package store path (default: the closure path that has `bin/tini`). */
  tini?: string;
  /** `Cmd`. */
  cmd?: string[];
  /** `Env`: `KEY=value` strings or a record (insertion order); keys unique. Never secrets. */
  env?: string[] | Record<string, string>;
  /** Add PATH, HOME, LANG and SSL_CERT_FILE (when certs exist) where `env` lacks them. Default false. */
  defaultEnv?: boolean;
  /** The image user (default jovyan 1000:100); `User` is written numerically as `uid:gid`. */
  user?: Partial<ImageUserSpec>;
  /** `WorkingDir` (default: the user's home). */
  workingDir?: string;
  /** `ExposedPorts` (8888 or "8888/tcp"). */
  exposedPorts?: (number | string)[];
  /** `Volumes`; each directory is created in the image, owned by the user. */
  volumes?: string[];
  /** `Labels`; `org.opencontainers.image.created` (and `.title` with a reference) are added unless given. */
  labels?: Record<string, string>;
  /** `created`, RFC 3339. Default: SOURCE_DATE_EPOCH if set, else 1970-01-01T00:00:01Z. */
  created?: string;
  /** GOARCH (default: this machine's). */
  architecture?: string;
  /** Target of `/bin/sh`; default: the closure's first `bin/sh`; false: no link. */
  shell?: string | false;
  /** Target of `/usr/bin/env`; default: the closure's first `bin/env`; false: no link. */
  envBinary?: string | false;
  /** CA bundle for `/etc/ssl/certs/ca-certificates.crt`; default: the closure's `etc/ssl/certs/ca-bundle.crt`; false: none. */
  caBundle?: string | false;
  /** Jupyter config dir store path, linked as `/etc/jupyter`. */
  jupyterConfigDir?: string;
  /** Trees copied into the image owned by the user (e.g. lessons into the home); see custom-layer.ts. */
  copies?: { source: string; target: string }[];
  /** Layer budget including the customisation layer (2–125, default 100). */
  maxLayers?: number;
  /** How store paths are grouped into layers (default: kernelPlanner(kernels) with `kernels`, else one per path by popularity). */
  planner?: LayerPlanner;
  /**
   * The kernels' environments: plan layers per kernel (kernelPlanner), so that changing one
   * kernel leaves the other layers as they were. Ignored when `planner` is given.
   */
  kernels?: KernelEnv[];
  /**
   * Directory of the layer digest cache (default: defaultCacheDir(): $NIXLAB_CACHE_DIR,
   * $XDG_CACHE_HOME/nixlab or ~/.cache/nixlab); false: neither read nor write it.
   */
  cache?: string | false;
  /** OCI directory output only: afterwards, remove the blobs no image of the layout refers to. */
  prune?: boolean;
  onProgress?: (progress: PackProgress) => void;
  /** Aborting stops the pack, removes partial output and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A layer of the packed image. */
export interface PackedLayer {
  /** `sha256:…` of the (uncompressed) layer tar: diff_id and blob digest. */
  digest: string;
  size: number;
  /** Store paths in the layer; empty for the customisation layer. */
  storePaths: string[];
  /** Path inside the archive. */
  path: string;
  /** The layer's group (`shared`, `kernel:<name>`, `kernels:<a>,<b>`, `image`, `customisation`); null when the planner does not group. */
  group: string | null;
  /** False when the digest came from the cache and the bytes were not hashed. */
  hashed: boolean;
  /** OCI directory only: the blob was already in the layout and was neither read nor written. */
  reused: boolean;
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
  /** What went into the customisation layer's symlinks (null: none). */
  links: { tini: string | null; shell: string | null; envBinary: string | null; caBundle: string | null };
  /** Use of the layer digest cache. */
  cache: CacheStats;
  /** With `prune`: the unreferenced blobs removed from the OCI layout. */
  pruned: PruneResult | null;
}

/** Fills the options from a config's image settings (the rest — paths, cmd, env — come from the build). */
export function packOptionsFromSettings(image: NormalizedImage): Pick<PackImageOptions, 'reference' | 'user' | 'exposedPorts' | 'volumes' | 'workingDir' | 'maxLayers' | 'env'> {
  return {
    reference: { repository: image.name, tag: image.tag },
    user: { ...image.user },
    exposedPorts: [image.port],
    volumes: image.volumes,
    workingDir: image.workdir,
    maxLayers: image.maxLayers,
    env: image.env,
  };
}

/** The first closure path (byte order) that has `rel` (e.g. `bin/sh`), as `<path>/<rel>`. */
export function findInClosure(closure: ClosureNode[], rel: string): string | null {
  for (const node of closure) {
    const candidate = `${node.path}/${rel}`;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The store path a path inside the store belongs to (`/nix/store/x-y/bin/sh` → `/nix/store/x-y`). */
function storePathOf(p: string): string | null {
  const dir = storeDir();
  if (!p.startsWith(`${dir}/`)) return null;
  const name = p.slice(dir.length + 1).split('/')[0]!;
  return `${dir}/${name}`;
}

/** Packs the closure of some store paths into an image. See PackImageOptions. */
export async function packImage(opts: PackImageOptions): Promise<PackResult> {
  const format = opts.format ?? 'docker';
  const problems: Problem[] = [];
  if (format !== 'docker' && format !== 'oci') problems.push({ where: 'format', message: `must be docker or oci, got ${JSON.stringify(format)}` });
  if (!opts.storePaths?.length && !opts.closure?.length) problems.push({ where: 'storePaths', message: 'no store paths given', hint: 'pass at least one store path (e.g. ./result)' });
  const maxLayers = opts.maxLayers ?? DEFAULT_MAX_LAYERS;
  validateMaxLayers(maxLayers);
  let reference: ImageReference | undefined;
  if (typeof opts.reference === 'string') reference = parseReference(opts.reference);
  else if (opts.reference) {
    problems.push(...checkReference(opts.reference.repository, opts.reference.tag));
    reference = opts.reference;
  }
  const user: ImageUserSpec = { ...DEFAULT_USER, ...opts.user };
  problems.push(...checkUser(user));
  if (opts.prune && (format !== 'oci' || typeof opts.output !== 'string' || opts.output.endsWith('.tar'))) {
    problems.push({ where: 'prune', message: 'only applies to an OCI layout directory', hint: 'use --format oci -o DIR, or drop --prune' });
  }
  if (problems.length) throw new UserError(problems);
  opts.signal?.throwIfAborted();

  const storePaths = opts.storePaths?.length ? await resolveStorePaths(opts.storePaths) : [];
  const closure = opts.closure ?? (await queryClosure(storePaths, { signal: opts.signal }));
  const roots = opts.roots ?? (storePaths.length ? storePaths : findRoots(closure));
  const plan = planLayers(closure, roots, maxLayers, opts.planner ?? (opts.kernels ? kernelPlanner(opts.kernels) : undefined));
  const inClosure = new Set(closure.map((n) => n.path));

  // Paths the image points at; each must be inside the closure.
  const pick = (given: string | false | undefined, rel: string) => (given === false ? null : (given ?? findInClosure(closure, rel)));
  const foundTini = opts.tini === undefined ? findInClosure(closure, 'bin/tini') : null;
  const tiniPackage = opts.tini ?? (foundTini ? storePathOf(foundTini) : null);
  const links = {
    tini: tiniPackage ? `${tiniPackage}/bin/tini` : null,
    shell: pick(opts.shell, 'bin/sh'),
    envBinary: pick(opts.envBinary, 'bin/env'),
    caBundle: pick(opts.caBundle, 'etc/ssl/certs/ca-bundle.crt'),
  };
  const entrypoint = opts.entrypoint ?? (links.tini ? [links.tini, '-g', '--'] : undefined);
  const linkProblems: Problem[] = [];
  const mustBeInClosure = (p: string | null | undefined, where: string) => {
    if (!p || !p.startsWith(`${storeDir()}/`)) return;
    const sp = storePathOf(p);
    if (!sp || !inClosure.has(sp)) linkProblems.push({ where, message: `${p} is not in the image's closure`, hint: `add ${sp ?? p} to the store paths` });
  };
  mustBeInClosure(links.tini, 'tini');
  mustBeInClosure(links.shell, 'shell');
  mustBeInClosure(links.envBinary, 'envBinary');
  mustBeInClosure(links.caBundle, 'caBundle');
  mustBeInClosure(opts.jupyterConfigDir, 'jupyterConfigDir');
  mustBeInClosure(entrypoint?.[0], 'entrypoint[0]');
  if (linkProblems.length) throw new UserError(linkProblems);

  const home = homeOf(user);
  const env = Array.isArray(opts.env) ? [...opts.env] : Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  if (opts.defaultEnv) {
    const has = (k: string) => env.some((kv) => kv.startsWith(`${k}=`));
    const bins = roots.filter((r) => existsSync(`${r}/bin`)).map((r) => `${r}/bin`);
    if (!has('PATH')) env.push(`PATH=${[...bins, '/usr/bin', '/bin'].join(':')}`);
    if (!has('HOME')) env.push(`HOME=${home}`);
    if (!has('LANG')) env.push('LANG=C.UTF-8');
    if (!has('SSL_CERT_FILE') && links.caBundle) env.push('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
  }
  const created = opts.created ?? createdTimestamp();
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': created,
    ...(reference ? { 'org.opencontainers.image.title': reference.repository } : {}),
    ...opts.labels,
  };
  const configOptions: ImageConfigOptions = {
    entrypoint,
    cmd: opts.cmd,
    env,
    user: { uid: user.uid, gid: user.gid },
    workingDir: opts.workingDir ?? home,
    exposedPorts: opts.exposedPorts,
    volumes: opts.volumes,
    labels,
    created,
    architecture: opts.architecture ?? goArch(),
  };
  const configProblems = checkImageConfig(configOptions);
  if (configProblems.length) throw new UserError(configProblems);
  const custom: CustomisationOptions = {
    user,
    shell: links.shell ?? undefined,
    envBinary: links.envBinary ?? undefined,
    caBundle: links.caBundle ?? undefined,
    jupyterConfigDir: opts.jupyterConfigDir,
    volumes: opts.volumes,
    workingDir: configOptions.workingDir,
    copies: opts.copies,
  };
  const customEntries = contentsOf(customisationEntries(custom)); // validates before any output exists

  // A streamed OCI tar reads every layer twice (digests first); keep listings for the second pass.
  const twoPass = format === 'oci' && typeof opts.output !== 'string';
  const storeLayer = (paths: string[]): LayerSource => {
    // One listing per layer, started early by prefetch() so it overlaps the previous layer.
    let listing: Promise<LayerContents> | null = null;
    const list = (signal: AbortSignal) => (listing ??= scanStorePathsInBackground(paths, signal));
    return {
      storePaths: paths,
      createdBy: `nix store paths: ${paths.join(' ')}`,
      entries: (signal) => {
        const result = list(signal);
        if (!twoPass) listing = null; // written once: let it be collected afterwards
        return result;
      },
      prefetch: (signal) => void list(signal).catch(() => undefined),
    };
  };
  // The cache: each store layer's digest, if a valid entry exists; layers hashed now are added.
  const cache = opts.cache === false ? null : new LayerCache(opts.cache ?? defaultCacheDir());
  const nodes = new Map(closure.map((n) => [n.path, n]));
  const puts: Promise<void>[] = [];
  const grouped = plan.groups.some((g) => g !== null);
  const comment = (group: string | null) => (group ? `nixlab group: ${group}` : undefined);
  const layers: LayerSource[] = await Promise.all(
    plan.storeLayers.map(async (paths, i) => {
      const source = storeLayer(paths);
      source.comment = comment(plan.groups[i]!);
      const key = cache ? LayerCache.key(paths.map((p) => nodes.get(p)!)) : null;
      if (cache && key) {
        source.known = await cache.get(key, paths);
        source.remember = (layer) => void puts.push(cache.put(key, paths, layer));
        source.onStale = () => cache.reject();
      }
      return source;
    }),
  );
  layers.push({ storePaths: [], createdBy: 'nixlab customisation', comment: comment(grouped ? CUSTOMISATION_GROUP : null), entries: async () => customEntries });
  const estimatedBytes = closure.reduce((n, c) => n + c.narSize, 0);
  let currentLayer = 0;
  const input: ArchiveInput = {
    layers,
    reference,
    config: (diffIds) =>
      buildImageConfig(
        configOptions,
        diffIds.map((diffId, i) => ({ diffId, history: { created_by: layers[i]!.createdBy, ...(layers[i]!.comment ? { comment: layers[i]!.comment } : {}) } })),
      ),
    onLayer: (i) => (currentLayer = i),
  };
  const onBytes = (bytes: number) => opts.onProgress?.({ bytes, estimatedBytes, layer: currentLayer, layers: layers.length });

  let result: Awaited<ReturnType<typeof writeArchive>>;
  try {
    result = await writeArchive(input, format, opts.output, opts.signal, onBytes, !!opts.prune);
  } finally {
    await Promise.all(puts);
  }
  const groups = [...plan.groups, grouped ? CUSTOMISATION_GROUP : null];
  return {
    format,
    output: result.output,
    reference: reference ? `${reference.repository}:${reference.tag}` : null,
    imageId: result.archive.config.digest,
    config: { digest: result.archive.config.digest, size: result.archive.config.bytes.length },
    manifest: result.archive.manifest ?? null,
    layers: result.archive.layers.map((l, i) => ({ digest: l.digest, size: l.size, storePaths: l.storePaths, path: l.path, group: groups[i]!, hashed: l.hashed, reused: l.reused })),
    bytes: result.bytes,
    closure: { paths: closure.length, narSize: estimatedBytes },
    links,
    cache: cache?.stats ?? { dir: null, hits: 0, misses: 0, invalid: 0, writeErrors: 0 },
    pruned: result.pruned,
  };
}

/** The group of the customisation layer in a grouped image. */
export const CUSTOMISATION_GROUP = 'customisation';

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
  format: ImageFormat,
  output: string | Writable,
  external: AbortSignal | undefined,
  onBytes: (n: number) => void,
  prune = false,
): Promise<{ archive: ArchiveResult; output: string | null; bytes: number; pruned: PruneResult | null }> {
  const controller = new AbortController();
  const onExternalAbort = () => controller.abort(external!.reason);
  external?.addEventListener('abort', onExternalAbort, { once: true });
  if (external?.aborted) controller.abort(external.reason);
  const signal = controller.signal;
  const fail = (error: Error) => {
    if (!signal.aborted) controller.abort(error);
  };
  const worker = new ByteWorker();
  const hashPool = new HashPool();
  const pool = new ChunkPool();
  const ctx: WriteContext = { signal, pool, worker, hashPool, slots: [], onError: fail, onBytes };
  const sinkHooks = { onError: fail, onBytes, onConsumed: (c: Buffer) => pool.release(c) };
  const where = typeof output === 'string' ? output : 'stdout';
  let cleanup: () => Promise<void> = async () => undefined;
  try {
    if (typeof output !== 'string') {
      const writer = new StreamWriter(output);
      const sink = new ArchiveSink({ stream: writer }, worker, sinkHooks);
      const archive =
        format === 'docker' ? await writeDockerArchive(input, sink, ctx) : await writeOciTar(input, sink, ctx, await hashLayers(input, ctx));
      return { archive, output: null, bytes: sink.position, pruned: null };
    }
    const final = resolve(output);
    const tmp = join(dirname(final), `.${basename(final)}.nixlab-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    if (format === 'oci' && !final.endsWith('.tar') && (await isOciLayout(final))) {
      // An existing layout: add what is missing, in place, holding its lock.
      const release = await lockLayout(final, signal);
      try {
        let bytes = 0;
        const archive = await writeOciDir(input, final, { ...ctx, onBytes: (n) => onBytes((bytes = n)) }, { existing: true });
        const pruned = prune ? await pruneLayout(final) : null;
        return { archive, output: final, bytes, pruned };
      } finally {
        await release();
      }
    }
    if (format === 'oci' && !final.endsWith('.tar')) {
      checkDirTarget(final);
      cleanup = () => rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { mode: 0o755 });
      let bytes = 0;
      const archive = await writeOciDir(input, tmp, { ...ctx, onBytes: (n) => onBytes((bytes = n)) });
      if (existsSync(final)) await rmdir(final);
      await rename(tmp, final);
      cleanup = async () => undefined;
      const total = archive.layers.reduce((n, l) => n + l.size, 0);
      return { archive, output: final, bytes: Math.max(bytes, total), pruned: prune ? { blobs: 0, bytes: 0 } : null };
    }
    if (existsSync(final) && statSync(final).isDirectory()) {
      throw new UserError({ where: output, message: 'is a directory', hint: 'give a file name such as image.tar' });
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
      await close().catch(() => undefined);
      await rm(tmp, { force: true });
    };
    const sink = new ArchiveSink({ fd: fh.fd }, worker, sinkHooks, hashPool);
    let archive: ArchiveResult;
    if (format === 'docker') archive = await writeDockerArchive(input, sink, ctx);
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
    await Promise.all([worker.close(), hashPool.close()]);
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
