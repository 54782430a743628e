// Compressed layer digests by diff_id, for `nixlab push`: a layer whose uncompressed digest was
// compressed before is neither compressed nor read again when the registry already has the
// compressed blob (a HEAD answers that), and the repositories it was pushed to are remembered
// so that another repository of the same registry can mount it instead of receiving it. One
// small JSON file per (compression, diff_id) under <cache>/blobs/v1/, written atomically with a
// checksum, like the layer cache (cache.ts): a damaged entry is ignored and rewritten, and a
// cache that cannot be read or written only costs a compression.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../fsutil.js';
import { canonicalJson } from '../json.js';

export type Compression = 'gzip' | 'zstd';

/** A compressed layer as the cache knows it. */
export interface CompressedBlob {
  /** `sha256:<hex>` of the compressed bytes. */
  digest: string;
  size: number;
  /** `registry/repository` names it was pushed to or found in (at most MAX_SEEN, sorted). */
  seenIn: string[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_SEEN = 16;

interface Body extends CompressedBlob {
  compression: Compression;
  diffId: string;
}

/** The cache rooted at `dir` (nixlab's cache directory). */
export class BlobCache {
  constructor(readonly dir: string) {}

  private file(compression: Compression, diffId: string): string {
    const hex = diffId.replace(/^sha256:/, '');
    return join(this.dir, 'blobs', 'v1', compression, hex.slice(0, 2), `${hex}.json`);
  }

  /** The compressed blob of a diff_id, if a valid entry exists. */
  async get(compression: Compression, diffId: string): Promise<CompressedBlob | null> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.file(compression, diffId), 'utf8'));
    } catch {
      return null;
    }
    if (!raw || typeof raw !== 'object') return null;
    const { check, ...body } = raw as Body & { check?: string };
    const ok =
      body.compression === compression &&
      body.diffId === diffId &&
      typeof body.digest === 'string' &&
      DIGEST.test(body.digest) &&
      Number.isSafeInteger(body.size) &&
      body.size > 0 &&
      Array.isArray(body.seenIn) &&
      body.seenIn.every((s) => typeof s === 'string') &&
      check === checksum(body);
    return ok ? { digest: body.digest, size: body.size, seenIn: body.seenIn } : null;
  }

  /** Records a compressed blob and one more repository it is in. Never throws. */
  async put(compression: Compression, diffId: string, blob: { digest: string; size: number }, repo: string): Promise<void> {
    const old = await this.get(compression, diffId);
    const seen = old && old.digest === blob.digest ? old.seenIn.filter((s) => s !== repo) : [];
    const body: Body = { compression, diffId, digest: blob.digest, size: blob.size, seenIn: [repo, ...seen].slice(0, MAX_SEEN).sort() };
    const file = this.file(compression, diffId);
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, canonicalJson({ ...body, check: checksum(body) }) + '\n');
    } catch {
      // An optimisation only.
    }
  }
}

function checksum(body: Body): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
