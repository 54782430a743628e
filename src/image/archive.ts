// What the archive writers (docker-archive, OCI layout) share: the layers to write, how the
// config is made once their digests are known, and what comes back.
import type { ConfigBlob, ImageReference } from './config.js';
import type { ByteWorker } from './sink.js';
import type { ChunkPool, LayerContents } from './tar.js';

/** One layer to write. Its entries are listed only when it is written (one list in memory). */
export interface LayerSource {
  /** Store paths in the layer (none for the customisation layer). */
  storePaths: string[];
  /** The image history's `created_by` for it. */
  createdBy: string;
  /** Lists the layer's entries (lstat/readdir only; file data is read while writing). */
  entries(signal: AbortSignal): Promise<LayerContents>;
  /** Starts listing in the background, so entries() is ready when the layer's turn comes. */
  prefetch?(signal: AbortSignal): void;
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
}

/** A written layer. Layers are uncompressed, so the blob digest equals the diff_id. */
export interface ArchiveLayer {
  /** `sha256:<hex>` of the layer tar: the diff_id and (uncompressed) the blob digest. */
  digest: string;
  size: number;
  storePaths: string[];
  /** Its path inside the archive (`layers/000.tar`, `blobs/sha256/<hex>`). */
  path: string;
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
  /** Read blocks, released by the sinks as they copy them. */
  pool: ChunkPool;
  worker: ByteWorker;
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
