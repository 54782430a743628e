// An image archive opened for random access, for `nixlab push`: its config bytes and, for each
// layer, its diff_id, its history group and a way to stream its bytes — without reading the
// layers themselves until they are needed (a layer the registry already has is never read).
// Reads docker-archive tars (nixlab build, docker save), OCI layout directories and OCI tars.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UserError } from '../errors.js';

/** Where one entry's bytes are in a tar file. */
interface TarEntry {
  offset: number;
  size: number;
}

/** Reads the headers of a tar file (ustar, pax and GNU long names): file name → data position. */
export async function indexTar(path: string): Promise<Map<string, TarEntry>> {
  const fh = await open(path, 'r');
  const entries = new Map<string, TarEntry>();
  try {
    const { size: total } = await fh.stat();
    const header = Buffer.alloc(512);
    let pos = 0;
    let longName: string | null = null;
    while (pos + 512 <= total) {
      await fh.read(header, 0, 512, pos);
      if (header.every((b) => b === 0)) break;
      const size = tarSize(header.subarray(124, 136));
      const type = String.fromCharCode(header[156]!);
      const data = pos + 512;
      if (type === 'x' || type === 'L') {
        const body = Buffer.alloc(size);
        await fh.read(body, 0, size, data);
        longName = type === 'L' ? body.toString('utf8').replace(/\0.*$/s, '') : paxPath(body.toString('utf8')) ?? longName;
      } else {
        const name = longName ?? ustarName(header);
        longName = null;
        if (type === '0' || type === '\0' || type === '7') entries.set(name.replace(/^\.\//, ''), { offset: data, size });
      }
      pos = data + Math.ceil(size / 512) * 512;
    }
  } finally {
    await fh.close();
  }
  return entries;
}

function tarSize(field: Buffer): number {
  // Base-256 for sizes past 8 GiB (GNU), else octal.
  if (field[0]! & 0x80) return field.subarray(1).reduce((n, b) => n * 256 + b, 0);
  return parseInt(field.toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
}

function ustarName(h: Buffer): string {
  const cut = (b: Buffer) => b.toString('utf8').replace(/\0.*$/s, '');
  const name = cut(h.subarray(0, 100));
  const prefix = h.subarray(257, 263).toString('latin1').startsWith('ustar') ? cut(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function paxPath(text: string): string | null {
  for (const m of text.matchAll(/^\d+ ([^=]+)=(.*)$/gm)) if (m[1] === 'path') return m[2]!;
  return null;
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
      index = await indexTar(path);
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
