// Reads an image archive — docker-archive tar, OCI layout directory or OCI tar, as nixlab or
// other tools write them — and reports its config and layers: digest, diff_id (checked against
// the bytes), size and the store paths each layer holds. Streams: one pass over the archive,
// every layer hashed and its tar listing read on the way; only small JSON entries are kept.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { UserError } from '../errors.js';
import { waitFor } from './tar.js';

/** A layer as found in an archive. */
export interface InspectedLayer {
  /** Digest of the blob as stored (`sha256:…`); equals diffId for uncompressed layers. */
  digest: string;
  /** The config's diff_id for this layer. */
  diffId: string;
  /** True when the (uncompressed) bytes hash to diffId and, for OCI, the blob to its digest. */
  verified: boolean;
  /** Stored size in bytes. */
  size: number;
  compression: 'none' | 'gzip';
  /** Path inside the archive. */
  path: string;
  /** Top-level store paths with entries in the layer (`/nix/store/…`), sorted. */
  storePaths: string[];
  /** Number of tar entries. */
  entries: number;
  /** The history entry's `created_by`, if any. */
  createdBy: string | null;
  /**
   * The layer's group as nixlab recorded it in the history `comment` (`nixlab group: …`):
   * `shared`, `kernel:<name>`, `kernels:<a>,<b>`, `image` or `system`; null if none.
   */
  group: string | null;
}

export interface InspectResult {
  format: 'docker' | 'oci';
  /** Where it was read from: a tar file or an OCI directory. */
  layout: 'tar' | 'directory';
  /** Names it is tagged with (`repo:tag` for docker, `ref.name` annotations for OCI). */
  references: string[];
  /** Image ID: the config digest. */
  configDigest: string;
  /** The parsed image config. */
  config: Record<string, unknown>;
  /** OCI: the manifest digest. */
  manifestDigest: string | null;
  layers: InspectedLayer[];
}

/** What one pass learns about a blob. */
interface BlobStats {
  size: number;
  digest: string;
  /** sha256 of the uncompressed tar (same as digest when uncompressed). */
  diffId: string | null;
  compression: 'none' | 'gzip';
  storePaths: string[];
  entries: number;
  /** The bytes, for small blobs that are not tars (JSON). */
  bytes: Buffer | null;
}

const KEEP_LIMIT = 4 << 20;
const STORE_ENTRY = /^(?:\.\/)?nix\/store\/([^/]+)/;

/** Hashes a blob stream and, if it is a tar (or gzipped tar), lists it. */
async function analyseBlob(source: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<BlobStats> {
  const hash = createHash('sha256');
  let size = 0;
  let kept: Buffer[] | null = [];
  let keptBytes = 0;
  let kind: 'unknown' | 'tar' | 'gzip' | 'other' = 'unknown';
  let head = Buffer.alloc(0);
  const paths = new Set<string>();
  let entries = 0;
  let inner: { write(c: Buffer): Promise<void>; end(): Promise<string | null> } | null = null;

  const startInner = (gzip: boolean) => {
    const extract = tar.extract();
    const diff = createHash('sha256');
    let failed = false;
    extract.on('entry', (header, stream, next) => {
      entries++;
      const m = STORE_ENTRY.exec(header.name);
      if (m) paths.add(`/nix/store/${m[1]}`);
      stream.on('end', next);
      stream.resume();
    });
    const done = new Promise<void>((resolve) => {
      extract.on('finish', resolve);
      extract.on('close', resolve);
      extract.on('error', () => {
        failed = true;
        resolve();
      });
    });
    const gunzip = gzip ? createGunzip() : null;
    gunzip?.on('data', (c: Buffer) => {
      diff.update(c);
      if (!failed && !extract.write(c)) gunzip.pause();
    });
    gunzip?.on('error', () => (failed = true));
    extract.on('drain', () => gunzip?.resume());
    const target = (gunzip ?? extract) as NodeJS.WritableStream & { write(c: Buffer): boolean };
    const ended = gunzip ? new Promise<void>((r) => gunzip.on('end', r).on('error', () => r())) : Promise.resolve();
    return {
      async write(c: Buffer) {
        if (!gzip) diff.update(c);
        if (failed) return;
        if (!target.write(c)) await waitFor((resolve) => (target as unknown as NodeJS.EventEmitter).once('drain', resolve), signal);
      },
      async end() {
        if (gunzip) {
          gunzip.end();
          await ended;
        }
        extract.end();
        await done;
        return failed ? null : diff.digest('hex');
      },
    };
  };

  for await (const chunk of source) {
    signal?.throwIfAborted();
    hash.update(chunk);
    size += chunk.length;
    if (kind === 'unknown') {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) kind = 'gzip';
      else if (head.length >= 263) kind = head.subarray(257, 262).toString('latin1') === 'ustar' ? 'tar' : 'other';
      if (kind === 'tar' || kind === 'gzip') {
        inner = startInner(kind === 'gzip');
        await inner.write(head);
      }
    } else if (inner) await inner.write(chunk);
    if (kept) {
      kept.push(chunk);
      keptBytes += chunk.length;
      if (keptBytes > KEEP_LIMIT) kept = null;
    }
  }
  const diffId = inner ? await inner.end() : null;
  const digest = hash.digest('hex');
  return {
    size,
    digest: `sha256:${digest}`,
    diffId: diffId ? `sha256:${diffId}` : null,
    compression: kind === 'gzip' ? 'gzip' : 'none',
    storePaths: [...paths].sort(),
    entries,
    bytes: inner || !kept ? null : Buffer.concat(kept),
  };
}

function bad(path: string, message: string): UserError {
  return new UserError({ where: path, message, hint: 'pass a docker-archive tar (docker save, nixlab pack) or an OCI layout (directory or tar)' });
}

function parseJson(bytes: Buffer | null | undefined, path: string, what: string): unknown {
  if (!bytes) throw bad(path, `${what} is missing`);
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad(path, `${what} is not valid JSON`);
  }
}

/** Reads every entry of a tar archive once, analysing each as a blob. */
async function scanTar(path: string, signal?: AbortSignal): Promise<Map<string, BlobStats>> {
  const blobs = new Map<string, BlobStats>();
  const extract = tar.extract();
  const input = createReadStream(path);
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('finish', resolve);
    extract.on('error', reject);
    input.on('error', reject);
  });
  extract.on('entry', (header, stream, next) => {
    const name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      stream.resume();
      stream.on('end', next);
      return;
    }
    analyseBlob(stream as unknown as AsyncIterable<Buffer>, signal).then(
      (stats) => {
        blobs.set(name, stats);
        next();
      },
      (error: unknown) => next(error as Error),
    );
  });
  input.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    await finished;
  } catch (error) {
    input.destroy();
    if (error instanceof UserError) throw error;
    throw bad(path, `cannot be read as a tar: ${(error as Error).message}`);
  }
  return blobs;
}

interface Layout {
  /** Small JSON file by path. */
  json(path: string, what: string): Promise<unknown>;
  /** Stats of a layer blob by path. */
  blob(path: string): Promise<BlobStats | undefined>;
  has(path: string): Promise<boolean>;
}

function tarLayout(blobs: Map<string, BlobStats>, archive: string): Layout {
  return {
    json: async (p, what) => parseJson(blobs.get(p)?.bytes, `${archive}:${p}`, what),
    blob: async (p) => blobs.get(p.replace(/^\.\//, '')),
    has: async (p) => blobs.has(p),
  };
}

function dirLayout(dir: string, signal?: AbortSignal): Layout {
  return {
    json: async (p, what) => parseJson(await readFile(join(dir, p)).catch(() => null), join(dir, p), what),
    blob: async (p) => (existsSync(join(dir, p)) ? analyseBlob(createReadStream(join(dir, p)) as Readable & AsyncIterable<Buffer>, signal) : undefined),
    has: async (p) => existsSync(join(dir, p)),
  };
}

type HistoryItem = { created_by?: string; comment?: string; empty_layer?: boolean };

/** The group nixlab wrote into a history comment. */
function groupOf(comment: string | undefined): string | null {
  const m = /^nixlab group: (\S+)$/.exec(comment ?? '');
  return m ? m[1]! : null;
}

function layerList(
  config: Record<string, unknown>,
  found: { path: string; stats: BlobStats | undefined; expectedDigest?: string }[],
  where: string,
): InspectedLayer[] {
  const diffIds = ((config.rootfs as { diff_ids?: string[] } | undefined)?.diff_ids ?? []) as string[];
  if (diffIds.length !== found.length) throw bad(where, `the config lists ${diffIds.length} diff_ids but the manifest ${found.length} layers`);
  const history = ((config.history as HistoryItem[] | undefined) ?? []).filter((h) => !h.empty_layer);
  return found.map(({ path, stats, expectedDigest }, i) => {
    if (!stats) throw bad(where, `layer ${path} is missing from the archive`);
    const diffId = diffIds[i]!;
    const verified = stats.diffId === diffId && (expectedDigest === undefined || expectedDigest === stats.digest);
    return {
      digest: stats.digest,
      diffId,
      verified,
      size: stats.size,
      compression: stats.compression,
      path,
      storePaths: stats.storePaths,
      entries: stats.entries,
      createdBy: history[i]?.created_by ?? null,
      group: groupOf(history[i]?.comment),
    };
  });
}

async function readDocker(layout: Layout, where: string, kind: 'tar' | 'directory'): Promise<InspectResult> {
  const manifest = (await layout.json('manifest.json', 'manifest.json')) as { Config?: string; RepoTags?: string[] | null; Layers?: string[] }[];
  if (!Array.isArray(manifest) || manifest.length === 0 || typeof manifest[0]!.Config !== 'string') throw bad(where, 'manifest.json has no image');
  const m = manifest[0]!;
  const configBytes = (await layout.blob(m.Config!))?.bytes;
  const config = parseJson(configBytes, `${where}:${m.Config}`, 'the config') as Record<string, unknown>;
  const found = await Promise.all((m.Layers ?? []).map(async (p) => ({ path: p, stats: await layout.blob(p) })));
  return {
    format: 'docker',
    layout: kind,
    references: m.RepoTags ?? [],
    configDigest: `sha256:${createHash('sha256').update(configBytes!).digest('hex')}`,
    config,
    manifestDigest: null,
    layers: layerList(config, found, where),
  };
}

type Descriptor = { digest: string; size: number; mediaType?: string; annotations?: Record<string, string> };
const blobPath = (digest: string) => `blobs/${digest.replace(':', '/')}`;

async function readOci(layout: Layout, where: string, kind: 'tar' | 'directory'): Promise<InspectResult> {
  const index = (await layout.json('index.json', 'index.json')) as { manifests?: Descriptor[] };
  let desc = index.manifests?.[0];
  if (!desc) throw bad(where, 'index.json lists no manifest');
  let manifest = (await layout.json(blobPath(desc.digest), 'the manifest')) as { config?: Descriptor; layers?: Descriptor[]; manifests?: Descriptor[] };
  if (manifest.manifests?.length) {
    // A nested index (multi-platform): take its first manifest.
    desc = manifest.manifests[0]!;
    manifest = (await layout.json(blobPath(desc.digest), 'the manifest')) as typeof manifest;
  }
  if (!manifest.config) throw bad(where, 'the manifest has no config');
  const configBytes = (await layout.blob(blobPath(manifest.config.digest)))?.bytes;
  const config = parseJson(configBytes, `${where}:${blobPath(manifest.config.digest)}`, 'the config') as Record<string, unknown>;
  const found = [];
  for (const l of manifest.layers ?? []) found.push({ path: blobPath(l.digest), stats: await layout.blob(blobPath(l.digest)), expectedDigest: l.digest });
  const refs = (index.manifests ?? []).map((d) => d.annotations?.['io.containerd.image.name'] ?? d.annotations?.['org.opencontainers.image.ref.name']).filter((r): r is string => !!r);
  return {
    format: 'oci',
    layout: kind,
    references: refs,
    configDigest: manifest.config.digest,
    config,
    manifestDigest: desc.digest,
    layers: layerList(config, found, where),
  };
}

/** Inspects an image archive: docker-archive tar, OCI tar, or OCI directory. */
export async function inspectImage(path: string, opts: { signal?: AbortSignal } = {}): Promise<InspectResult> {
  if (!existsSync(path)) throw new UserError({ where: path, message: 'does not exist', hint: 'pass an image written by nixlab pack (or docker save)' });
  if (statSync(path).isDirectory()) {
    const layout = dirLayout(path, opts.signal);
    if (await layout.has('index.json')) return readOci(layout, path, 'directory');
    if (await layout.has('manifest.json')) return readDocker(layout, path, 'directory');
    throw bad(path, 'is a directory without index.json (OCI) or manifest.json (docker)');
  }
  const blobs = await scanTar(path, opts.signal);
  const layout = tarLayout(blobs, path);
  // Docker 25+ writes both; manifest.json is what `docker load` reads.
  if (blobs.has('manifest.json')) return readDocker(layout, path, 'tar');
  if (blobs.has('index.json')) return readOci(layout, path, 'tar');
  throw bad(path, 'has neither manifest.json (docker-archive) nor index.json (OCI layout)');
}
