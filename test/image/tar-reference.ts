// The layer writer nixlab used up to December 2026, kept as the reference the direct framer
// (src/image/tar.ts, tar-header.ts) must match byte for byte: every entry goes through
// tar-stream's pack with the same header fields (fixed mtime, uid/gid 0, no user or group
// names, symlinks 0777, a pax `size` record over 8 GiB). Tests only.
import { readFileSync } from 'node:fs';
import tar from 'tar-stream';
import type { LayerEntry } from '../../src/image/tar.js';

const MAX_OCTAL_SIZE = 0o77777777777;

/** The tar-stream header the old writer gave an entry. */
export function referenceHeader(e: LayerEntry): tar.Headers {
  const h: tar.Headers & { pax?: Record<string, string> } = {
    name: e.type === 'directory' ? `${e.name}/` : e.name,
    type: e.type,
    mode: e.type === 'symlink' ? 0o777 : e.mode,
    size: e.type === 'file' ? e.size : 0,
    mtime: new Date(1000),
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    uname: '',
    gname: '',
  };
  if (e.type === 'symlink') h.linkname = e.target;
  else if (e.type === 'file' && e.size > MAX_OCTAL_SIZE) h.pax = { size: String(e.size) };
  return h;
}

/** The whole layer tar of `entries` as tar-stream writes it (file data read into memory: small layers only). */
export async function referenceLayerTar(entries: Iterable<LayerEntry>): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const header = referenceHeader(e);
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.type !== 'file') pack.entry(header, done);
      else pack.entry(header, 'content' in e ? e.content : readFileSync(e.source), done);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** An outer archive entry (docker-archive, OCI tar) as the old writer framed it. */
export function referenceOuterHeader(name: string, type: 'file' | 'directory', size: number): tar.Headers {
  return { name: type === 'directory' ? `${name}/` : name, type, size, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(1000), uid: 0, gid: 0, uname: '', gname: '' };
}
