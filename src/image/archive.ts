// What the archive writers (docker-archive, OCI layout) share: the layers to write, how the
// config is made once their digests are known, and what comes back.
import type { CachedLayer } from './cache.js';
import type { ConfigBlob, ImageReference } from './config.js';
import type { ByteWorker } from './sink.js';
import type { LayerContents, LayerEntry } from './tar.js';

/** One layer to write. Its entries are listed only when it is written (one list in memory). */
export interface LayerSource {
  /** Store paths in the layer (none for the system layer). */
  storePaths: string[];
  /** The image history's `created_by` for it. */
  createdBy: string;
  /** The image history's `comment` for it (nixlab writes the layer's group there). */
  comment?: string;
  /**
   * The layer's digest and size from the digest cache. A writer trusts the digest (and does not
   * hash the bytes) when the listing has exactly this size (trustedDigest()).
   */
  known?: CachedLayer | null;
  /** Called with the digest and size a writer computed, to remember them. */
  remember?(layer: CachedLayer): void;
  /** Called when `known` turned out to be wrong (the listing's size differs); the layer is hashed. */
  onStale?(): void;
  /** Lists the layer's entries (lstat/readdir only; file data is read while writing). */
  entries(signal: AbortSignal): Promise<LayerContents>;
  /** Starts listing in the background, so entries() is ready when the layer's turn comes. */
  prefetch?(signal: AbortSignal): void;
  /**
   * The same entries, listed while they are written (no listing first), for a writer that
   * does not need the size in advance; only for layers whose tar stays well under the size a
   * ustar header holds (8 GiB): their NAR size is at most STREAMED_NAR_MAX.
   */
  stream?(): Iterable<LayerEntry>;
}

/** Largest NAR size of a layer that is streamed (LayerSource.stream): a quarter of ustar's 8 GiB. */
export const STREAMED_NAR_MAX = 2 ** 31;

/**
 * Whether a writer streams this layer: no cached digest to check against a listing's size
 * (trustedDigest needs the listing), and a stream to take.
 */
export function streamable(layer: LayerSource | undefined): layer is LayerSource & { stream(): Iterable<LayerEntry> } {
  return !!layer && !layer.known && !!layer.stream;
}

/** Everything an archive writer needs. */
export interface ArchiveInput {
  layers: LayerSource[];
  /** Builds the config from the layers' diff_ids (`sha256:…`, in order). */
  config(diffIds: string[]): ConfigBlob;
  /** Name and tag (docker RepoTags, OCI `org.opencontainers.image.ref.name`); none: untagged. */
  reference?: ImageReference;
  /** Called as each layer starts. */
  onLayer?(index: number, count: number): void;
  /**
   * docker-archive only: asked for each layer in order, with its digest when the cache vouches
   * for it (else null); true leaves the layer's file out of the archive (manifest.json and the
   * config still list it), for a loader that already holds it (`nixlab load`).
   */
  omit?(index: number, knownDiffId: string | null): boolean;
}

/**
 * A layer as an image refers to it: the diff_id (of the uncompressed tar, in the config) and the
 * blob (as stored or sent, in the manifest). For an uncompressed blob the two digests are the
 * same; a compressed one (registry push) has its own digest, size and media type.
 */
export interface LayerDescriptor {
  /** `sha256:<hex>` of the uncompressed layer tar. */
  diffId: string;
  blob: { digest: string; size: number; mediaType: string };
}

/** The descriptor of an uncompressed layer tar. */
export function uncompressedLayer(diffId: string, size: number): LayerDescriptor {
  return { diffId, blob: { digest: diffId, size, mediaType: MEDIA.layer } };
}

/** A written layer (nixlab writes layers uncompressed into archives). */
export interface ArchiveLayer extends LayerDescriptor {
  storePaths: string[];
  /** Its path inside the archive (`layers/000.tar`, `blobs/sha256/<hex>`). */
  path: string;
  /** False when the digest came from the cache: the bytes were written but not hashed. */
  hashed: boolean;
  /** OCI directory only: the blob was already in the layout, so it was neither read nor written. */
  reused: boolean;
  /** docker-archive only: left out of the archive (ArchiveInput.omit); its bytes were not read. */
  omitted?: boolean;
}

export interface ArchiveResult {
  config: ConfigBlob;
  layers: ArchiveLayer[];
  /** OCI only: the manifest's digest and size. */
  manifest?: { digest: string; size: number };
}

/** What the writers share while one archive is written. */
export interface WriteContext {
  /** Aborted on the first failure anywhere (or by the caller); every wait races it. */
  signal: AbortSignal;
  /** Hashes what the sinks send and writes file outputs. */
  worker: ByteWorker;
  /** Ring buffers the sinks pass on to each other (ArchiveSink's `spares`). */
  slots: Buffer[];
  /** Reports a failure noticed outside the awaited path (a write error in a sink). */
  onError(error: Error): void;
  /** Bytes written so far (for progress). */
  onBytes?(bytes: number): void;
}

/** Media types of the OCI image spec. */
export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/**
 * The digest a writer may use without hashing: the cached one, if the layer's listing has the
 * cached size (a cheap check that catches an entry for different contents); else null, and the
 * layer is told its entry is stale.
 */
export function trustedDigest(layer: LayerSource, contents: LayerContents): string | null {
  if (!layer.known) return null;
  if (layer.known.size === contents.tarSize) return layer.known.digest;
  layer.known = null;
  layer.onStale?.();
  return null;
}
