// `nixlab push`: an image archive (or a config, built first) to a registry over the OCI
// distribution API. Each layer's compressed digest is looked up by diff_id in the blob cache;
// a HEAD asks whether the registry has it; a blob it lacks is mounted from another repository
// of the same registry the cache saw it in, else compressed (gzip, or zstd) and uploaded. The
// config follows, and the manifest goes last: a push that fails or is interrupted never moves
// the tag, and a retry uploads only what is still missing.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { MissingToolError, UserError } from '../errors.js';
import { BlobCache, type Compression } from '../image/blob-cache.js';
import { openImage, type SourceLayer } from '../image/source.js';
import { archiveFor } from '../pipeline/input.js';
import { defaultCacheDir } from '../paths.js';
import type { PkgsChoice } from '../pkgs.js';
import { RegistryClient, RegistryError, credentialsFor, parseRegistryRef, registryMessage, type PushStep, type RegistryRef } from './registry.js';
import type { RunHooks } from '../exec.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const LAYER_TYPES: Record<'none' | Compression, string> = {
  none: 'application/vnd.oci.image.layer.v1.tar',
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
};

export interface PushOptions extends RunHooks {
  /** An image archive, or a config file or directory (built first). */
  input: string;
  /** `docker://REGISTRY/REPO:TAG` */
  destination: string;
  compression?: Compression;
  tlsVerify?: boolean;
  /** Blob cache directory (default nixlab's cache dir), or false. */
  cache?: string | false;
  /** Package set when building a config. */
  pkgs?: PkgsChoice;
  /** Blobs uploaded at once (default 2). */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
}

/** What happened to one layer. */
export interface PushedLayer {
  diffId: string;
  digest: string;
  size: number;
  /** The manifest's media type of the layer (its compression). */
  mediaType: string;
  group: string | null;
  /** present: the registry had it; mounted: from another repository; uploaded: sent now. */
  action: 'present' | 'mounted' | 'uploaded';
  /** True when it was compressed during this push (false: the cache knew its digest). */
  compressed: boolean;
}

export interface PushResult {
  reference: string;
  registry: string;
  repository: string;
  tag: string;
  manifestDigest: string;
  /** The config blob's digest (the image ID). */
  configDigest: string;
  layers: PushedLayer[];
  /** Blobs (layers and config) uploaded, and their bytes. */
  uploadedBlobs: number;
  uploadedBytes: number;
  ms: number;
}

/** Pushes an image to a registry; the tag moves only when every blob is there. */
export async function push(opts: PushOptions): Promise<PushResult> {
  const t0 = Date.now();
  const ref = parseRegistryRef(opts.destination);
  const compression = opts.compression ?? 'gzip';
  const step = opts.onStep ?? (() => undefined);
  const env = opts.env ?? process.env;
  const client = new RegistryClient(ref.registry, { tlsVerify: opts.tlsVerify, credentials: credentialsFor(ref.registry, env), signal: opts.signal });
  // The registry first: an unreachable one should not cost a build.
  step(`connecting to ${ref.registry}`);
  await client.connect();
  const scratch = mkdtempSync(join(tmpdir(), 'nixlab-push-'));
  try {
    const { archive } = await archiveFor(opts.input, scratch, { ...opts, onStep: step });
    const image = await openImage(archive);
    const cache = opts.cache === false ? null : new BlobCache(opts.cache ?? defaultCacheDir(env));
    const pusher = new Pusher(client, ref, compression, cache, scratch, opts.signal);
    const layers: PushedLayer[] = new Array(image.layers.length);
    let next = 0;
    const worker = async () => {
      while (next < image.layers.length) {
        const i = next++;
        const l = image.layers[i]!;
        layers[i] = await pusher.layer(l);
        step(`layer ${i + 1}/${image.layers.length} ${layers[i]!.action}${l.group ? ` (${l.group})` : ''}`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
    const configDigest = sha256(image.configBytes);
    await pusher.blob('upload config', configDigest, image.configBytes.length, () => bufferStream(image.configBytes));
    const manifest = manifestOf(layers, configDigest, image.configBytes.length);
    step(`uploading the manifest as ${ref.repository}:${ref.tag}`);
    const manifestDigest = await pusher.manifest(manifest);
    return {
      reference: `${ref.registry}/${ref.repository}:${ref.tag}`,
      ...ref,
      manifestDigest,
      configDigest,
      layers,
      uploadedBlobs: pusher.uploadedBlobs,
      uploadedBytes: pusher.uploadedBytes,
      ms: Date.now() - t0,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The archive to push: the input itself, or a config built into a docker-archive in `scratch`. */
function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

function bufferStream(b: Buffer): Readable {
  const s = new PassThrough();
  s.end(b);
  return s;
}

/** The OCI manifest: the config and each layer as pushed; the image's labels are in its config. */
function manifestOf(layers: PushedLayer[], configDigest: string, configSize: number): Buffer {
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configDigest, size: configSize },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  });
  return Buffer.from(text);
}

class Pusher {
  uploadedBlobs = 0;
  uploadedBytes = 0;
  private readonly scope: string;
  private readonly self: string;

  constructor(
    private readonly client: RegistryClient,
    private readonly ref: RegistryRef,
    private readonly compression: Compression,
    private readonly cache: BlobCache | null,
    private readonly scratch: string,
    private readonly signal?: AbortSignal,
  ) {
    this.scope = `repository:${ref.repository}:pull,push`;
    this.self = `${ref.registry}/${ref.repository}`;
  }

  /** One layer: present, mounted, or compressed (unless the cache knows it) and uploaded. */
  async layer(l: SourceLayer): Promise<PushedLayer> {
    if (l.compression !== 'none') {
      // Stored compressed already (an OCI layout from another tool): pushed as it is.
      const digest = l.storedDigest ?? (await hashStream(l.open()));
      const action = await this.blob('upload blob', digest, l.size, () => l.open());
      return { diffId: l.diffId, digest, size: l.size, mediaType: LAYER_TYPES[l.compression], group: l.group, action, compressed: false };
    }
    const cached = await this.cache?.get(this.compression, l.diffId);
    if (cached) {
      if (await this.has(cached.digest)) {
        await this.cache!.put(this.compression, l.diffId, cached, this.self);
        return { diffId: l.diffId, digest: cached.digest, size: cached.size, mediaType: LAYER_TYPES[this.compression], group: l.group, action: 'present', compressed: false };
      }
      if (await this.mount(cached.digest, cached.seenIn)) {
        await this.cache!.put(this.compression, l.diffId, cached, this.self);
        return { diffId: l.diffId, digest: cached.digest, size: cached.size, mediaType: LAYER_TYPES[this.compression], group: l.group, action: 'mounted', compressed: false };
      }
    }
    const file = join(this.scratch, `${l.diffId.replace(':', '-')}.${this.compression}`);
    const { digest, size } = await this.compress(l, file);
    try {
      const action = await this.blob('upload blob', digest, size, () => createReadStream(file));
      await this.cache?.put(this.compression, l.diffId, { digest, size }, this.self);
      return { diffId: l.diffId, digest, size, mediaType: LAYER_TYPES[this.compression], group: l.group, action, compressed: true };
    } finally {
      rmSync(file, { force: true });
    }
  }

  /** Compresses a layer into `file`, checking its diff_id on the way; returns the compressed digest. */
  private async compress(l: SourceLayer, file: string): Promise<{ digest: string; size: number }> {
    const diff = createHash('sha256');
    const out = createHash('sha256');
    let size = 0;
    const tapIn = new Transform({ transform: (c: Buffer, _e, cb) => (diff.update(c), cb(null, c)) });
    const tapOut = new Transform({ transform: (c: Buffer, _e, cb) => (out.update(c), (size += c.length), cb(null, c)) });
    if (this.compression === 'gzip') {
      await pipeline(l.open(), tapIn, createGzip({ level: 6 }), tapOut, createWriteStream(file), { signal: this.signal });
    } else {
      const zstd = execa('zstd', ['-3', '-q', '-c', '--no-progress'], { stdin: 'pipe', stdout: 'pipe', buffer: false, cancelSignal: this.signal });
      const writing = pipeline(l.open(), tapIn, zstd.stdin!);
      const reading = pipeline(zstd.stdout!, tapOut, createWriteStream(file));
      try {
        await Promise.all([writing, reading, zstd]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingToolError('zstd', '--compression zstd');
        throw error;
      }
    }
    const got = `sha256:${diff.digest('hex')}`;
    if (got !== l.diffId) throw new UserError({ where: `layer ${l.diffId}`, message: `its bytes hash to ${got}, not to the diff_id the config names`, hint: 'the archive is damaged: build or save it again' });
    return { digest: `sha256:${out.digest('hex')}`, size };
  }

  private async has(digest: string): Promise<boolean> {
    const r = await this.client.request('check blob', 'HEAD', `/v2/${this.ref.repository}/blobs/${digest}`, { scope: this.scope });
    if (r.status === 200) return true;
    if (r.status === 404) return false;
    throw new RegistryError(this.ref.registry, 'check blob', r.status, registryMessage(r));
  }

  /** Cross-repository mount from a repository of the same registry the cache saw the blob in. */
  private async mount(digest: string, seenIn: string[]): Promise<boolean> {
    const prefix = `${this.ref.registry}/`;
    for (const repo of seenIn) {
      if (!repo.startsWith(prefix) || repo === this.self) continue;
      const from = repo.slice(prefix.length);
      const r = await this.client.request('mount blob', 'POST', `/v2/${this.ref.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
        scope: `${this.scope} repository:${from}:pull`,
      });
      if (r.status === 201) return true;
      if (r.status === 202) {
        // The registry opened an upload instead: cancel it and try the next source.
        const loc = r.headers.location;
        if (loc) await this.client.request('mount blob', 'DELETE', String(loc), { scope: this.scope }).catch(() => undefined);
        continue;
      }
      if (r.status >= 400 && r.status !== 404) throw new RegistryError(this.ref.registry, 'mount blob', r.status, registryMessage(r));
    }
    return false;
  }

  /** A blob: HEAD, then a monolithic upload (POST, then PUT with the digest) when missing. */
  async blob(step: PushStep, digest: string, size: number, open: () => Readable): Promise<'present' | 'uploaded'> {
    if (await this.has(digest)) return 'present';
    const start = await this.client.request(step, 'POST', `/v2/${this.ref.repository}/blobs/uploads/`, { scope: this.scope });
    if (start.status !== 202 || !start.headers.location) throw new RegistryError(this.ref.registry, step, start.status, `cannot start an upload: ${registryMessage(start)}`);
    const url = this.client.url(String(start.headers.location));
    url.searchParams.set('digest', digest);
    const put = await this.client.request(step, 'PUT', url.pathname + url.search, {
      scope: this.scope,
      body: { stream: open, length: size },
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (put.status !== 201) throw new RegistryError(this.ref.registry, step, put.status, `${digest}: ${registryMessage(put)}`);
    this.uploadedBlobs++;
    this.uploadedBytes += size;
    return 'uploaded';
  }

  /** The manifest, last: only now does the tag point at the new image. */
  async manifest(bytes: Buffer): Promise<string> {
    const r = await this.client.request('upload manifest', 'PUT', `/v2/${this.ref.repository}/manifests/${this.ref.tag}`, {
      scope: this.scope,
      body: bytes,
      headers: { 'content-type': OCI_MANIFEST },
    });
    if (r.status !== 201) {
      throw new RegistryError(this.ref.registry, 'upload manifest', r.status, `${this.ref.repository}:${this.ref.tag} was rejected: ${registryMessage(r)}`, {
        suggestions: ['the tag still points at the image it had before; fix the registry (its log says why) and push again: blobs already sent are not sent twice'],
      });
    }
    return String(r.headers['docker-content-digest'] ?? sha256(bytes));
  }
}

async function hashStream(s: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of s) h.update(c as Buffer);
  return `sha256:${h.digest('hex')}`;
}
