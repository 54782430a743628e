// An image archive opened for random access, for `nixlab push`: its config bytes and, for each
// layer, its diff_id, its history group and a way to stream its bytes — without reading the
// layers themselves until they are needed (a layer the registry already has is never read).
// Reads docker-archive tars (nixlab build, docker save), OCI layout directories and OCI tars.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';
import { indexTar } from './tar-index.js';

/** Where one entry's bytes are in a tar file. */
interface TarEntry {
  offset: number;
  size: number;
}

/** The regular files of a tar (its headers read by tar-index.ts): name → data position. */
async function tarEntries(path: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  for (const e of await indexTar(path)) if (e.type === '0' || e.type === '7') entries.set(e.name, { offset: e.dataStart, size: e.size });
  return entries;
}

/** A layer as push sees it. */
export interface SourceLayer {
  /** The config's diff_id (sha256 of the uncompressed tar). */
  diffId: string;
  /** The group nixlab recorded in the history comment, or null. */
  group: string | null;
  /** Compression of the stored bytes: uncompressed layers are compressed on the way. */
  compression: 'none' | 'gzip' | 'zstd';
  /** Digest of the stored bytes when they are already compressed (OCI layouts), else null. */
  storedDigest: string | null;
  /** Size of the stored bytes. */
  size: number;
  /** The stored bytes. */
  open(): Readable;
}

/** An image opened for push. */
export interface ImageSource {
  configBytes: Buffer;
  config: Record<string, unknown>;
  layers: SourceLayer[];
}

function bad(path: string, message: string): UserError {
  return new UserError({ where: path, message, hint: 'pass a docker-archive tar (nixlab build -o IMAGE.tar, docker save) or an OCI layout (directory or tar)' });
}

/** A blob store: read a small file whole, or stream a range. */
interface Files {
  has(p: string): boolean;
  read(p: string): Promise<Buffer>;
  size(p: string): number;
  stream(p: string): Readable;
  head(p: string): Promise<Buffer>;
}

function tarFiles(path: string, index: Map<string, TarEntry>): Files {
  const get = (p: string) => {
    const e = index.get(p.replace(/^\.\//, ''));
    if (!e) throw bad(path, `has no entry ${p}`);
    return e;
  };
  const range = (e: TarEntry, n: number) => createReadStream(path, { start: e.offset, end: e.offset + Math.min(n, e.size) - 1 });
  const collect = async (s: Readable) => {
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  };
  return {
    has: (p) => index.has(p.replace(/^\.\//, '')),
    read: async (p) => (get(p).size === 0 ? Buffer.alloc(0) : collect(range(get(p), get(p).size))),
    size: (p) => get(p).size,
    stream: (p) => (get(p).size === 0 ? createReadStream('/dev/null') : range(get(p), get(p).size)),
    head: async (p) => (get(p).size === 0 ? Buffer.alloc(0) : collect(range(get(p), 4))),
  };
}

function dirFiles(dir: string): Files {
  return {
    has: (p) => existsSync(join(dir, p)),
    read: (p) => readFile(join(dir, p)),
    size: (p) => statSync(join(dir, p)).size,
    stream: (p) => createReadStream(join(dir, p)),
    head: async (p) => {
      const fh = await open(join(dir, p), 'r');
      try {
        const b = Buffer.alloc(4);
        const { bytesRead } = await fh.read(b, 0, 4, 0);
        return b.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

function parse(bytes: Buffer, where: string, what: string): any {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw bad(where, `${what} is not valid JSON`);
  }
}

type History = { comment?: string; empty_layer?: boolean };

function groupsOf(config: Record<string, unknown>): (string | null)[] {
  const history = ((config.history as History[] | undefined) ?? []).filter((h) => !h.empty_layer);
  return history.map((h) => /^nixlab group: (\S+)$/.exec(h.comment ?? '')?.[1] ?? null);
}

function compressionOf(head: Buffer): 'none' | 'gzip' | 'zstd' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE?.(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

const blobPath = (digest: string) => `blobs/${digest.replace(':', '/')}`;

/** Opens an image archive (docker-archive tar, OCI tar or OCI directory) for push. */
export async function openImage(path: string): Promise<ImageSource> {
  if (!existsSync(path)) throw new UserError({ where: path, message: 'does not exist', hint: 'pass an image written by nixlab build -o IMAGE.tar (or docker save), or a nixlab config' });
  let files: Files;
  if (statSync(path).isDirectory()) files = dirFiles(path);
  else {
    let index: Map<string, TarEntry>;
    try {
      index = await tarEntries(path);
    } catch (error) {
      throw bad(path, `cannot be read as a tar: ${(error as Error).message}`);
    }
    files = tarFiles(path, index);
  }
  // manifest.json first: Docker 25+ writes both, and manifest.json is what docker load reads.
  if (files.has('manifest.json')) {
    const manifest = parse(await files.read('manifest.json'), path, 'manifest.json') as { Config?: string; Layers?: string[] }[];
    const m = Array.isArray(manifest) ? manifest[0] : undefined;
    if (!m || typeof m.Config !== 'string' || !Array.isArray(m.Layers)) throw bad(path, 'manifest.json has no image');
    const configBytes = await files.read(m.Config);
    const config = parse(configBytes, path, 'the config');
    const diffIds = (config.rootfs?.diff_ids ?? []) as string[];
    if (diffIds.length !== m.Layers.length) throw bad(path, `the config lists ${diffIds.length} diff_ids but manifest.json ${m.Layers.length} layers`);
    const groups = groupsOf(config);
    const layers: SourceLayer[] = [];
    for (const [i, p] of m.Layers.entries()) {
      const compression = compressionOf(await files.head(p));
      layers.push({ diffId: diffIds[i]!, group: groups[i] ?? null, compression, storedDigest: null, size: files.size(p), open: () => files.stream(p) });
    }
    return { configBytes, config, layers };
  }
  if (files.has('index.json')) {
    const index = parse(await files.read('index.json'), path, 'index.json') as { manifests?: { digest: string }[] };
    let desc = index.manifests?.[0];
    if (!desc) throw bad(path, 'index.json lists no manifest');
    let manifest = parse(await files.read(blobPath(desc.digest)), path, 'the manifest');
    if (manifest.manifests?.length) {
      desc = manifest.manifests[0];
      manifest = parse(await files.read(blobPath(desc!.digest)), path, 'the manifest');
    }
    if (!manifest.config) throw bad(path, 'the manifest has no config');
    const configBytes = await files.read(blobPath(manifest.config.digest));
    const config = parse(configBytes, path, 'the config');
    const diffIds = (config.rootfs?.diff_ids ?? []) as string[];
    const descs = (manifest.layers ?? []) as { digest: string; size: number; mediaType?: string }[];
    if (diffIds.length !== descs.length) throw bad(path, `the config lists ${diffIds.length} diff_ids but the manifest ${descs.length} layers`);
    const groups = groupsOf(config);
    const layers = descs.map((d, i): SourceLayer => {
      const mt = d.mediaType ?? '';
      const compression = /gzip$/.test(mt) ? 'gzip' : /zstd$/.test(mt) ? 'zstd' : 'none';
      return { diffId: diffIds[i]!, group: groups[i] ?? null, compression, storedDigest: compression === 'none' ? null : d.digest, size: d.size, open: () => files.stream(blobPath(d.digest)) };
    });
    return { configBytes, config, layers };
  }
  throw bad(path, 'has neither manifest.json (docker-archive) nor index.json (OCI layout)');
}
