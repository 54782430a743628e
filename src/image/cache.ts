// The layer digest cache: a store layer's tar is a pure function of its store paths' contents
// (their NAR hashes) and of this packer's tar format, so its digest and size can be remembered
// and reused instead of hashed again. One small JSON file per layer under
// <cache>/layers/v<format>/<2 hex>/<key>.json, written atomically (temp file + rename), each
// with a checksum: a truncated, garbled or foreign entry is never trusted, only ignored and
// rewritten. Failing to read or write the cache never fails a pack; it only costs a hash.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fsutil.js';
import { dirname, join } from 'node:path';
import { canonicalJson } from '../json.js';
import { storeDir, type ClosureNode } from './closure.js';
import { byteOrder } from './names.js';

/**
 * Version of the store layer tar format. Bump it whenever a store layer's bytes change for the
 * same store paths (entry order, modes, headers, mtime): old cache entries then stop matching.
 */
export const LAYER_FORMAT_VERSION = 1;

export { CACHE_DIR_ENV, defaultCacheDir } from '../paths.js';

/** A store layer as the cache knows it. */
export interface CachedLayer {
  /** `sha256:<hex>` of the layer tar. */
  digest: string;
  /** Bytes of the layer tar. */
  size: number;
}

/** What happened in the cache during one pack. */
export interface CacheStats {
  /** The cache directory, or null when caching was off. */
  dir: string | null;
  /** Layers whose digest came from the cache. */
  hits: number;
  /** Layers looked up and not found (then hashed and stored). */
  misses: number;
  /** Entries found but not trusted (truncated, garbled, for other paths, or contradicted by the layer's size); rewritten. */
  invalid: number;
  /** Entries that could not be written (the cache is an optimisation: the pack went on). */
  writeErrors: number;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The checksummed body of an entry. */
interface EntryBody {
  format: number;
  key: string;
  paths: string[];
  digest: string;
  size: number;
}

/** A digest cache rooted at `dir` (created on first write). */
export class LayerCache {
  readonly stats: CacheStats;

  constructor(readonly dir: string) {
    this.stats = { dir, hits: 0, misses: 0, invalid: 0, writeErrors: 0 };
  }

  /**
   * The cache key of a layer: a hash of the format version, the store directory and every path
   * with its NAR hash. Null when a path's NAR hash is unknown (nothing is cached then).
   */
  static key(nodes: ClosureNode[]): string | null {
    if (nodes.some((n) => !n.narHash)) return null;
    const h = createHash('sha256').update(`nixlab store layer v${LAYER_FORMAT_VERSION}\n${storeDir()}\n`);
    for (const n of [...nodes].sort((a, b) => byteOrder(a.path, b.path))) h.update(`${n.path} ${n.narHash}\n`);
    return h.digest('hex');
  }

  private file(key: string): string {
    return join(this.dir, 'layers', `v${LAYER_FORMAT_VERSION}`, key.slice(0, 2), `${key}.json`);
  }

  /** The cached digest of a layer, if there is a valid entry for exactly these paths. */
  async get(key: string, paths: string[]): Promise<CachedLayer | null> {
    let text: string;
    try {
      text = await readFile(this.file(key), 'utf8');
    } catch {
      this.stats.misses++;
      return null;
    }
    const body = parseEntry(text);
    if (!body || body.key !== key || body.paths.length !== paths.length || body.paths.some((p, i) => p !== paths[i])) {
      this.stats.invalid++;
      return null;
    }
    this.stats.hits++;
    return { digest: body.digest, size: body.size };
  }

  /** Records that a cached entry was contradicted by the layer itself (its size); it will be rewritten. */
  reject(): void {
    this.stats.hits--;
    this.stats.invalid++;
  }

  /** Stores a layer's digest: temp file + rename, so readers see the old entry or the new one, whole. */
  async put(key: string, paths: string[], layer: CachedLayer): Promise<void> {
    const body: EntryBody = { format: LAYER_FORMAT_VERSION, key, paths, digest: layer.digest, size: layer.size };
    const text = canonicalJson({ ...body, check: checksum(body) }) + '\n';
    const file = this.file(key);
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, text);
    } catch {
      this.stats.writeErrors++;
    }
  }
}

function checksum(body: EntryBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** Parses and verifies an entry; null for anything not exactly as put() writes it. */
function parseEntry(text: string): EntryBody | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const { check, ...rest } = raw as Record<string, unknown>;
  const body = rest as unknown as EntryBody;
  const valid =
    Object.keys(rest).length === 5 &&
    body.format === LAYER_FORMAT_VERSION &&
    typeof body.key === 'string' &&
    Array.isArray(body.paths) &&
    body.paths.every((p) => typeof p === 'string') &&
    typeof body.digest === 'string' &&
    DIGEST.test(body.digest) &&
    Number.isSafeInteger(body.size) &&
    body.size >= 1024 &&
    body.size % 512 === 0;
  return valid && check === checksum(body) ? body : null;
}
