// An index of a tar file's entries by seeking from header to header (no entry data is read), and
// a stream of the same tar with some entries left out, copied byte for byte otherwise. Used by
// `nixlab load` to send a docker-archive without the layer files the engine already holds.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';

const BLOCK = 512;

/** One entry of a tar file. */
export interface TarIndexEntry {
  /** Its path (from a PAX `path` record or a GNU long name when present), without a leading `./`. */
  name: string;
  /** The typeflag: `0` file, `5` directory, `2` symlink, … */
  type: string;
  /** Data size in bytes. */
  size: number;
  /** Where the entry starts (its first header: a PAX or GNU long-name header when it has one). */
  start: number;
  /** Where its data starts. */
  dataStart: number;
  /** Where the next entry starts (data padded to 512 bytes). */
  end: number;
}

/** Why a file is not a readable tar. */
export class NotATarError extends Error {}

const padded = (n: number) => Math.ceil(n / BLOCK) * BLOCK;

function octal(buf: Buffer, offset: number, length: number): number {
  const field = buf.subarray(offset, offset + length);
  // base-256 (GNU) for sizes over 8 GiB: the high bit of the first byte is set.
  if (field[0]! & 0x80) {
    let v = 0;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]*$/.test(text)) return NaN;
  return text === '' ? 0 : parseInt(text, 8);
}

function cstring(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  return field.subarray(0, nul === -1 ? field.length : nul).toString('utf8');
}

/** True when the header's checksum (bytes summed, the checksum field as spaces) is right. */
function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === octal(h, 148, 8);
}

/** The `path` record of a PAX extended header (`<len> path=<value>\n` records). */
function paxPath(data: Buffer): string | undefined {
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    if (record.startsWith('path=')) return record.slice('path='.length);
    at += len;
  }
  return undefined;
}

/** Lists a tar file's entries. Throws NotATarError when the first header is not a tar header. */
export async function indexTar(path: string): Promise<TarIndexEntry[]> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const header = Buffer.alloc(BLOCK);
    const entries: TarIndexEntry[] = [];
    let at = 0;
    let start = 0;
    let longName: string | undefined;
    while (at + BLOCK <= fileSize) {
      const { bytesRead } = await fh.read(header, 0, BLOCK, at);
      if (bytesRead < BLOCK) break;
      if (header.every((b) => b === 0)) break; // the end-of-archive blocks
      if (!checksumOk(header)) {
        if (entries.length === 0 && at === 0) throw new NotATarError('the first 512 bytes are not a tar header');
        throw new NotATarError(`the header at byte ${at} is damaged (bad checksum)`);
      }
      const size = octal(header, 124, 12);
      if (!Number.isFinite(size)) throw new NotATarError(`the header at byte ${at} has no valid size`);
      const type = String.fromCharCode(header[156] || 0x30);
      const dataStart = at + BLOCK;
      const end = dataStart + padded(size);
      if (type === 'x' || type === 'L') {
        // A PAX extended header or a GNU long name: the name of the entry that follows.
        const data = Buffer.alloc(size);
        await fh.read(data, 0, size, dataStart);
        longName = type === 'x' ? (paxPath(data) ?? longName) : cstring(data, 0, size);
        at = end;
        continue;
      }
      if (type === 'g') {
        at = end;
        start = at;
        continue;
      }
      const magic = header.subarray(257, 263).toString('latin1');
      const prefix = magic.startsWith('ustar') ? cstring(header, 345, 155) : '';
      const short = cstring(header, 0, 100);
      const name = (longName ?? (prefix ? `${prefix}/${short}` : short)).replace(/^\.\//, '');
      entries.push({ name, type, size, start, dataStart, end });
      longName = undefined;
      at = end;
      start = at;
    }
    if (entries.length === 0) throw new NotATarError('it holds no tar entries');
    return entries;
  } finally {
    await fh.close();
  }
}

/** Reads one entry's data (for small entries: manifest.json, the config). */
export async function readTarEntry(path: string, entry: TarIndexEntry): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const data = Buffer.alloc(entry.size);
    await fh.read(data, 0, entry.size, entry.dataStart);
    return data;
  } finally {
    await fh.close();
  }
}

/**
 * Waits until `stream` drains or closes, and removes both listeners: a listener left behind on
 * every wait piled up (MaxListenersExceededWarning in `nixlab load`).
 */
function drainOrClose(stream: PassThrough): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/**
 * The tar at `path` without the entries `drop` names: each kept entry's bytes (headers, data
 * and padding) copied as they are, then the two end-of-archive blocks.
 */
export function tarWithout(path: string, entries: TarIndexEntry[], drop: ReadonlySet<string>): Readable {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // Neighbouring kept entries are copied as one range.
  const ranges: [number, number][] = [];
  for (const e of entries) {
    if (drop.has(e.name)) continue;
    const last = ranges.at(-1);
    if (last && last[1] === e.start) last[1] = e.end;
    else ranges.push([e.start, e.end]);
  }
  void (async () => {
    try {
      for (const [from, to] of ranges) {
        if (to <= from) continue;
        const source = createReadStream(path, { start: from, end: to - 1, highWaterMark: 1 << 20 });
        for await (const chunk of source) {
          if (!out.write(chunk)) await drainOrClose(out);
          if (out.destroyed) return;
        }
      }
      out.end(Buffer.alloc(2 * BLOCK));
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return out;
}
