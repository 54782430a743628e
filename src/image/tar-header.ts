// Tar headers framed directly: the ustar block (and the pax header before it when a name, a link
// target or a size does not fit ustar), byte for byte as tar-stream 3 writes them, which is what
// every nixlab image was built with. Writing them here instead of through tar-stream's pack
// saves a stream object and a few promises per entry, the largest JavaScript cost of a pack.

/** What a header says about an entry. */
export interface HeaderFields {
  /** The tar name (directories end in `/`). */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  /** Data bytes (0 for directories and symlinks). */
  size: number;
  uid: number;
  gid: number;
  /** Symlink target. */
  linkname?: string;
}

/** Every entry's mtime: the store's own (1 s after the epoch), so layers do not depend on when they were built. */
export const ENTRY_MTIME_SECONDS = 1;
/** Largest size the 11-digit octal ustar field holds; bigger files also get a pax `size` record. */
export const MAX_OCTAL_SIZE = 0o77777777777;

const BLOCK = 512;
const ZEROS = '0000000000000000000';
const TYPEFLAG = { file: 0, directory: 5, symlink: 2, 'pax-header': 72 } as const;

/** Rounds up to whole 512-byte blocks. */
export const pad512 = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;

/**
 * The ustar name and prefix fields for a name, or null when it needs a pax `path` record:
 * non-ASCII, or no split at a `/` into a name ≤ 100 and a prefix ≤ 155 bytes (the first `/`s
 * go to the prefix, as tar-stream splits).
 */
function splitName(full: string): [name: string, prefix: string] | null {
  if (Buffer.byteLength(full) !== full.length) return null;
  let name = full;
  let prefix = '';
  while (name.length > 100) {
    const i = name.indexOf('/');
    if (i === -1) return null;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (name.length > 100 || prefix.length > 155) return null;
  return [name, prefix];
}

/** One pax record ` key=value\n` with its decimal length prefix. */
function paxRecord(body: string): string {
  const len = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return `${len + digits}${body}`;
}

/** The pax records an entry needs, or null when a plain ustar header holds it. */
function paxRecords(h: HeaderFields): string | null {
  const big = h.type === 'file' && h.size > MAX_OCTAL_SIZE;
  if (!big && splitName(h.name) && !(h.linkname && Buffer.byteLength(h.linkname) > 100)) return null;
  let records = paxRecord(` path=${h.name}\n`);
  if (h.linkname) records += paxRecord(` linkpath=${h.linkname}\n`);
  if (big) records += paxRecord(` size=${h.size}\n`);
  return records;
}

/** Bytes of an entry's header blocks (ustar, or pax header + records + ustar). */
export function headerBytes(h: HeaderFields): number {
  const pax = paxRecords(h);
  return pax === null ? BLOCK : BLOCK + pad512(Buffer.byteLength(pax)) + BLOCK;
}

/** Octal field text: n digits and a space; all 7s when the value does not fit. */
function octal(value: number, n: number): string {
  const s = value.toString(8);
  return s.length > n ? `${'7'.repeat(n)} ` : `${ZEROS.slice(0, n - s.length)}${s} `;
}

/** Writes one ustar block at buf[off, off+512). */
function ustar(buf: Buffer, off: number, name: string, prefix: string, type: keyof typeof TYPEFLAG, mode: number, uid: number, gid: number, size: number, linkname: string | undefined): void {
  buf.fill(0, off, off + BLOCK);
  buf.write(name, off, 'utf8');
  buf.write(octal(mode & 0o7777, 6), off + 100, 'latin1');
  buf.write(octal(uid, 6), off + 108, 'latin1');
  buf.write(octal(gid, 6), off + 116, 'latin1');
  if (size.toString(8).length > 11) {
    // Base-256: a 0x80 marker, then the size big-endian in the field's other 11 bytes.
    buf[off + 124] = 0x80;
    let n = size;
    for (let i = 11; i > 0; i--) {
      buf[off + 124 + i] = n & 0xff;
      n = Math.floor(n / 0x100);
    }
  } else buf.write(octal(size, 11), off + 124, 'latin1');
  buf.write(octal(ENTRY_MTIME_SECONDS, 11), off + 136, 'latin1');
  buf[off + 156] = 0x30 + TYPEFLAG[type];
  if (linkname) buf.write(linkname, off + 157, 'utf8');
  buf.write('ustar\u000000', off + 257, 'latin1');
  buf.write(octal(0, 6), off + 329, 'latin1'); // devmajor
  buf.write(octal(0, 6), off + 337, 'latin1'); // devminor
  if (prefix) buf.write(prefix, off + 345, 'latin1');
  // The checksum counts its own 8 bytes as spaces.
  let sum = 8 * 32;
  for (let i = off; i < off + 148; i++) sum += buf[i]!;
  for (let i = off + 156; i < off + BLOCK; i++) sum += buf[i]!;
  buf.write(octal(sum, 6), off + 148, 'latin1');
}

/**
 * The header blocks of an entry. A plain ustar header is written into `scratch` (512 bytes,
 * reused by the caller) and a view of it returned; a pax header gets a buffer of its own. Mode 0
 * stands for the default (0755 for directories, 0644 otherwise), as in tar-stream.
 */
export function encodeHeader(h: HeaderFields, scratch: Buffer): Buffer {
  const mode = h.mode || (h.type === 'directory' ? 0o755 : 0o644);
  const size = h.type === 'symlink' ? 0 : h.size;
  const pax = paxRecords(h);
  if (pax === null) {
    const [name, prefix] = splitName(h.name)!;
    ustar(scratch, 0, name, prefix, h.type, mode, h.uid, h.gid, size, h.linkname);
    return scratch.subarray(0, BLOCK);
  }
  // A pax header block named PaxHeader, its records padded to a block, then the entry's own
  // ustar block, also named PaxHeader (readers take the name from the `path` record).
  const records = Buffer.from(pax, 'utf8');
  const out = Buffer.alloc(BLOCK + pad512(records.length) + BLOCK);
  const link = h.linkname ? 'PaxHeader' : undefined;
  ustar(out, 0, 'PaxHeader', '', 'pax-header', mode, h.uid, h.gid, records.length, link);
  records.copy(out, BLOCK);
  ustar(out, out.length - BLOCK, 'PaxHeader', '', h.type, mode, h.uid, h.gid, size, link);
  return out;
}
