// One layer as a tar stream (tar-stream), written in a single streaming pass: the entry list is
// scanned first (lstat/readdir/readlink only), file data is then read in bounded chunks and
// pushed through tar-stream. The exact byte size of the tar is known from the entry list alone.
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, constants as fsc } from 'node:fs';
import tar from 'tar-stream';
import { InternalError, UserError } from '../errors.js';
import { byteOrder, storeDir } from './closure.js';

/** One tar entry. Names are relative (`nix/store/…`), without a trailing slash. */
export type LayerEntry =
  | { type: 'directory'; name: string; mode: number; uid?: number; gid?: number }
  | { type: 'symlink'; name: string; target: string; uid?: number; gid?: number }
  /** A file whose bytes are read from `source` (an absolute path) while the tar is written. */
  | { type: 'file'; name: string; mode: number; size: number; source: string; uid?: number; gid?: number }
  /** A small generated file (passwd, group) given as bytes. */
  | { type: 'file'; name: string; mode: number; size: number; content: Buffer; uid?: number; gid?: number };

/** Every entry's mtime: the store's own (1), so layers do not depend on when they were built. */
export const ENTRY_MTIME = new Date(1000);
/** Largest size the 11-digit octal ustar field holds; bigger files also get a pax `size` record. */
const MAX_OCTAL_SIZE = 0o77777777777;
/** ustar's uid/gid fields hold 6 octal digits (tar-stream writes 7s, silently, beyond that). */
export const MAX_TAR_ID = 0o777777;
/** Read chunk for file data. Files up to this size are read with one read() into a slab. */
const CHUNK = 1 << 20;
/** Bytes of file data handed to tar-stream but not yet consumed before the producer waits. */
const IN_FLIGHT_LIMIT = 4 << 20;

/** Throws the UserError for a name that a layer would turn into a whiteout. */
export function assertNotWhiteout(name: string): void {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (base.startsWith('.wh.')) {
    throw new UserError({
      where: `/${name}`,
      message: 'has a name starting with `.wh.`, which image layers treat as a whiteout: it would vanish (or delete other files) when the image is unpacked',
      hint: 'rename the file in the derivation that produces it',
    });
  }
}

/**
 * Lists the entries of a store layer: `nix/`, `nix/store/` (0755), then each store path's tree
 * depth-first with children in byte order. Modes come from disk, hard links become regular
 * files, symlinks keep their exact target.
 */
export function scanStorePaths(storePaths: string[]): LayerEntry[] {
  const store = storeDir().replace(/^\/+/, '');
  const entries: LayerEntry[] = [];
  const parts = store.split('/');
  for (let i = 1; i <= parts.length; i++) entries.push({ type: 'directory', name: parts.slice(0, i).join('/'), mode: 0o755 });
  for (const p of [...storePaths].sort(byteOrder)) walk(p, p.slice(1), entries);
  return entries;
}

function walk(abs: string, name: string, out: LayerEntry[]): void {
  assertNotWhiteout(name);
  const st = lstatSync(abs);
  const mode = st.mode & 0o7777;
  if (st.isDirectory()) {
    out.push({ type: 'directory', name, mode });
    for (const child of readNames(abs)) walk(`${abs}/${child}`, `${name}/${child}`, out);
  } else if (st.isSymbolicLink()) {
    out.push({ type: 'symlink', name, target: readTarget(abs) });
  } else if (st.isFile()) {
    out.push({ type: 'file', name, mode, size: st.size, source: abs });
  } else {
    throw new UserError({ where: abs, message: 'is not a regular file, directory or symlink, which a store path cannot contain', hint: 'check that the path really is a Nix store path' });
  }
}

/** Directory children in byte order; names that are not valid UTF-8 are refused. */
function readNames(dir: string): string[] {
  const names = readdirSync(dir);
  // Node decodes invalid UTF-8 to U+FFFD; only then look at the raw bytes.
  if (names.some((n) => n.includes('\uFFFD'))) {
    for (const raw of readdirSync(dir, { encoding: 'buffer' })) assertUtf8(raw, `${dir}/${raw.toString('utf8')}`, 'name');
  }
  return names.sort(byteOrder);
}

function readTarget(link: string): string {
  const target = readlinkSync(link);
  if (target.includes('\uFFFD')) assertUtf8(readlinkSync(link, { encoding: 'buffer' }), link, 'symlink target');
  return target;
}

function assertUtf8(raw: Buffer, where: string, what: string): void {
  if (!Buffer.from(raw.toString('utf8'), 'utf8').equals(raw)) {
    throw new UserError({ where, message: `has a ${what} that is not valid UTF-8; tar-stream can only write UTF-8 names`, hint: 'rename it in the derivation' });
  }
}

/** The tar name of an entry (directories end in `/`). */
function tarName(e: LayerEntry): string {
  return e.type === 'directory' ? `${e.name}/` : e.name;
}

/** Whether tar-stream writes this entry with a pax header (mirrors its headers.encode()). */
function needsPax(name: string, linkname: string | undefined): boolean {
  if (Buffer.byteLength(name) !== name.length) return true;
  let rest = name;
  let prefix = '';
  while (rest.length > 100) {
    const i = rest.indexOf('/');
    if (i === -1) return true;
    prefix += prefix ? `/${rest.slice(0, i)}` : rest.slice(0, i);
    rest = rest.slice(i + 1);
  }
  if (rest.length > 100 || prefix.length > 155) return true;
  return linkname !== undefined && Buffer.byteLength(linkname) > 100;
}

/** Length of one pax record ` key=value\n` with its decimal length prefix (as tar-stream counts it). */
function paxRecordLength(body: string): number {
  const len = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= Math.pow(10, digits)) digits++;
  return len + digits;
}

const pad512 = (n: number) => Math.ceil(n / 512) * 512;

/** The pax records an entry needs beyond path/linkpath (a `size` for files over 8 GiB). */
function paxExtras(e: LayerEntry): Record<string, string> | undefined {
  return e.type === 'file' && e.size > MAX_OCTAL_SIZE ? { size: String(e.size) } : undefined;
}

/** Bytes tar-stream writes for one entry: header(s) and padded data. */
export function entryTarSize(e: LayerEntry): number {
  const name = tarName(e);
  const linkname = e.type === 'symlink' ? e.target : undefined;
  const extras = paxExtras(e);
  let headerBytes = 512;
  if (extras || needsPax(name, linkname)) {
    let pax = paxRecordLength(` path=${name}\n`);
    if (linkname) pax += paxRecordLength(` linkpath=${linkname}\n`);
    for (const [k, v] of Object.entries(extras ?? {})) pax += paxRecordLength(` ${k}=${v}\n`);
    headerBytes = 512 + pad512(pax) + 512;
  }
  return headerBytes + (e.type === 'file' ? pad512(e.size) : 0);
}

/** Exact size of the tar written for these entries, end-of-archive blocks included. */
export function layerTarSize(entries: LayerEntry[]): number {
  let total = 1024;
  for (const e of entries) total += entryTarSize(e);
  return total;
}

/** The tar-stream header for an entry: fixed mtime, uid/gid as given (0), no user/group names. */
function toHeader(e: LayerEntry): tar.Headers & { pax?: Record<string, string> } {
  const base = { name: tarName(e), mtime: ENTRY_MTIME, uid: e.uid ?? 0, gid: e.gid ?? 0, uname: '', gname: '' };
  switch (e.type) {
    case 'directory':
      return { ...base, type: 'directory', mode: e.mode, size: 0 };
    case 'symlink':
      return { ...base, type: 'symlink', mode: 0o777, size: 0, linkname: e.target };
    case 'file': {
      const pax = paxExtras(e);
      return { ...base, type: 'file', mode: e.mode, size: e.size, ...(pax ? { pax } : {}) };
    }
    default:
      throw new InternalError(`unknown entry type ${JSON.stringify(e satisfies never)}`);
  }
}

/** Where layer bytes go: a stream-like target with Node's write()/'drain' backpressure. */
export interface ChunkTarget {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Waits for `arm` to call resolve, or rejects as soon as `signal` aborts; the abort listener is
 * removed afterwards, so long loops do not pile listeners up.
 */
export function waitFor(arm: (resolve: () => void, reject: (e: unknown) => void) => void, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const onAbort = () => reject(abortReason(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (fn: () => void) => () => {
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    arm(done(resolve), (e) => done(() => reject(e))());
  });
}

/** The error an aborted signal carries. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`aborted: ${String(signal.reason)}`);
}

/** Hands out read buffers carved from 1 MiB slabs, so small files do not each allocate. */
class Slabs {
  private slab = Buffer.allocUnsafeSlow(CHUNK);
  private used = 0;
  take(n: number): Buffer {
    if (n > CHUNK) return Buffer.allocUnsafeSlow(n);
    if (this.used + n > CHUNK) {
      this.slab = Buffer.allocUnsafeSlow(CHUNK);
      this.used = 0;
    }
    const b = this.slab.subarray(this.used, this.used + n);
    this.used += n;
    return b;
  }
}

/** Fills `buf` from fd at the current position; throws if the file ends early. */
function readFully(fd: number, buf: Buffer, source: string): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, null);
    if (n === 0) throw changedWhileReading(source);
    off += n;
  }
}

function changedWhileReading(source: string): UserError {
  return new UserError({ where: source, message: 'changed size while it was being packed', hint: 'store paths are immutable: check nothing writes to /nix/store, then run again' });
}

/**
 * Writes the tar of `entries` into `target`, streaming: file data is read in chunks of at most
 * 1 MiB as tar-stream consumes it, with at most a few MiB in flight. Returns the bytes written,
 * which always equal layerTarSize(entries). Rejects (and stops reading) when `signal` aborts.
 */
export async function writeLayerTar(entries: LayerEntry[], target: ChunkTarget, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const { signal } = opts;
  const pack = tar.pack();
  let written = 0;
  const finished = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: Buffer) => {
      written += chunk.length;
      if (!target.write(chunk)) {
        pack.pause();
        target.once('drain', () => pack.resume());
      }
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  finished.catch(() => undefined); // observed below; avoid an unhandled rejection meanwhile

  // Bytes of file data queued in tar-stream whose entries have not been consumed yet.
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const settle = (n: number) => (error?: Error | null) => {
    inFlight -= n;
    if (error) pack.destroy(error);
    if (wake && inFlight <= IN_FLIGHT_LIMIT / 2) {
      const w = wake;
      wake = null;
      w();
    }
  };
  const slabs = new Slabs();
  try {
    for (const e of entries) {
      if (signal?.aborted) throw abortReason(signal);
      const header = toHeader(e) as tar.Headers;
      if (e.type !== 'file') {
        pack.entry(header);
      } else if ('content' in e) {
        if (e.content.length !== e.size) throw new InternalError(`entry ${e.name}: size ${e.size} but ${e.content.length} bytes of content`);
        inFlight += e.size;
        pack.entry(header, e.content, settle(e.size));
      } else {
        const fd = openSync(e.source, fsc.O_RDONLY | fsc.O_NOFOLLOW);
        try {
          if (e.size <= CHUNK) {
            const buf = slabs.take(e.size);
            readFully(fd, buf, e.source);
            inFlight += e.size;
            pack.entry(header, buf, settle(e.size));
          } else {
            // A big file: its own sink, fed chunk by chunk as tar-stream drains it.
            const sink = pack.entry(header, settle(0));
            let left = e.size;
            while (left > 0) {
              const buf = Buffer.allocUnsafeSlow(Math.min(left, CHUNK));
              readFully(fd, buf, e.source);
              left -= buf.length;
              if (!sink.write(buf)) await waitFor((resolve) => sink.once('drain', resolve), signal);
            }
            sink.end();
          }
        } finally {
          closeSync(fd);
        }
      }
      if (inFlight > IN_FLIGHT_LIMIT) await waitFor((resolve) => (wake = resolve), signal);
    }
    pack.finalize();
    await waitFor((resolve, reject) => finished.then(resolve, reject), signal);
  } catch (error) {
    pack.destroy(error as Error);
    throw error;
  }
  return written;
}
