// One layer as a tar stream (tar-stream), written in a single streaming pass: the entry list is
// scanned first (lstat/readdir/readlink only), file data is then read in bounded chunks and
// pushed through tar-stream. The exact byte size of the tar is known from the entry list alone.
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, constants as fsc } from 'node:fs';
import { isNativeError } from 'node:util/types';
import type tar from 'tar-stream';
import { InternalError, UserError } from '../errors.js';
import { storeDir } from './closure.js';
import { assertNotWhiteout, byteOrder } from './names.js';

/** One tar entry. Names are relative (`nix/store/…`), without a trailing slash. */
export type LayerEntry =
  | { type: 'directory'; name: string; mode: number; uid?: number; gid?: number }
  | { type: 'symlink'; name: string; target: string; uid?: number; gid?: number }
  /** A file whose bytes are read from `source` (an absolute path) while the tar is written. */
  | { type: 'file'; name: string; mode: number; size: number; source: string; uid?: number; gid?: number }
  /** A small generated file (passwd, group) given as bytes. */
  | { type: 'file'; name: string; mode: number; size: number; content: Buffer; uid?: number; gid?: number };

/** Entries queued in tar-stream at most before the producer waits. */
const MAX_QUEUED = 64;
/** Every entry's mtime: the store's own (1), so layers do not depend on when they were built. */
export const ENTRY_MTIME = new Date(1000);
/** Largest size the 11-digit octal ustar field holds; bigger files also get a pax `size` record. */
const MAX_OCTAL_SIZE = 0o77777777777;

/** A layer's entries, in order, with the exact size of their tar. */
export interface LayerContents extends Iterable<LayerEntry> {
  /** Bytes of the tar (headers, padded data, end-of-archive blocks). */
  readonly tarSize: number;
  readonly count: number;
}

/** Wraps an in-memory entry list (the system layer). */
export function contentsOf(entries: LayerEntry[]): LayerContents {
  return { tarSize: layerTarSize(entries), count: entries.length, [Symbol.iterator]: () => entries[Symbol.iterator]() };
}

const KIND_DIR = 0;
const KIND_FILE = 1;
const KIND_LINK = 2;

/** A growable typed array: doubles its backing store as entries are added. */
function grown<T extends Uint8Array | Uint16Array | Uint32Array | Float64Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/**
 * A scanned store layer, kept compact and off the JavaScript heap: per entry, its name
 * component and symlink target as UTF-8 in one byte buffer, and depth, kind, mode and size in
 * typed arrays (full paths are rebuilt while iterating). Tens of thousands of entries cost a
 * few MB, and since a listing lives until its layer is written, keeping it out of small heap
 * objects keeps V8 from growing its young generation (which would cost tens of MB of RSS).
 */
class ScannedLayer implements LayerContents {
  private bytes = Buffer.allocUnsafeSlow(64 << 10);
  private used = 0;
  private nameEnd = new Uint32Array(1024);
  private targetEnd = new Uint32Array(1024);
  private depths = new Uint16Array(1024);
  private kinds = new Uint8Array(1024);
  private modes = new Uint16Array(1024);
  private sizes = new Float64Array(1024);
  private n = 0;
  tarSize = 1024;

  get count(): number {
    return this.n;
  }

  private put(text: string): number {
    const need = this.used + Buffer.byteLength(text);
    if (need > this.bytes.length) {
      const b = Buffer.allocUnsafeSlow(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(b, 0, 0, this.used);
      this.bytes = b;
    }
    this.used += this.bytes.write(text, this.used);
    return this.used;
  }

  add(depth: number, name: string, kind: number, mode: number, size: number, target: string | undefined, fullName: string): void {
    const i = this.n++;
    if (i === this.depths.length) {
      const n = i * 2;
      this.nameEnd = grown(this.nameEnd, n, (k) => new Uint32Array(k));
      this.targetEnd = grown(this.targetEnd, n, (k) => new Uint32Array(k));
      this.depths = grown(this.depths, n, (k) => new Uint16Array(k));
      this.kinds = grown(this.kinds, n, (k) => new Uint8Array(k));
      this.modes = grown(this.modes, n, (k) => new Uint16Array(k));
      this.sizes = grown(this.sizes, n, (k) => new Float64Array(k));
    }
    this.nameEnd[i] = this.put(name);
    this.targetEnd[i] = target === undefined ? this.used : this.put(target);
    this.depths[i] = depth;
    this.kinds[i] = kind;
    this.modes[i] = mode;
    this.sizes[i] = size;
    this.tarSize += entryTarSize(this.entryAt(i, fullName));
  }

  private entryAt(i: number, name: string): LayerEntry {
    switch (this.kinds[i]) {
      case KIND_DIR:
        return { type: 'directory', name, mode: this.modes[i]! };
      case KIND_LINK:
        return { type: 'symlink', name, target: this.bytes.toString('utf8', this.nameEnd[i]!, this.targetEnd[i]!) };
      default:
        return { type: 'file', name, mode: this.modes[i]!, size: this.sizes[i]!, source: `/${name}` };
    }
  }

  *[Symbol.iterator](): Iterator<LayerEntry> {
    const prefix: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const d = this.depths[i]!;
      const base = this.bytes.toString('utf8', i === 0 ? 0 : this.targetEnd[i - 1]!, this.nameEnd[i]!);
      const name = d === 0 ? base : `${prefix[d - 1]}/${base}`;
      prefix[d] = name;
      yield this.entryAt(i, name);
    }
  }
}

/**
 * Lists the entries of a store layer: `nix/`, `nix/store/` (0755), then each store path's tree
 * depth-first with children in byte order. Modes come from disk, hard links become regular
 * files, symlinks keep their exact target. Only metadata is read (lstat, readdir, readlink).
 */
export function scanStorePaths(storePaths: string[]): LayerContents {
  const scan = new StoreScan(storePaths);
  while (scan.step(Infinity));
  return scan.layer;
}

/**
 * The same listing, done in slices between other work (setImmediate), so the next layer is
 * scanned while the current one is written and hashed instead of in between.
 */
export async function scanStorePathsInBackground(storePaths: string[], signal?: AbortSignal): Promise<LayerContents> {
  const scan = new StoreScan(storePaths);
  for (;;) {
    if (signal?.aborted) throw abortReason(signal);
    if (!scan.step(256)) return scan.layer;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A resumable depth-first walk (an explicit stack instead of recursion). */
class StoreScan {
  readonly layer = new ScannedLayer();
  private readonly stack: { abs: string; name: string; depth: number; children: string[]; next: number }[] = [];
  private readonly roots: string[];
  private nextRoot = 0;
  private readonly rootDepth: number;

  constructor(storePaths: string[]) {
    const parts = storeDir().replace(/^\/+/, '').split('/');
    parts.forEach((part, i) => this.layer.add(i, part, KIND_DIR, 0o755, 0, undefined, parts.slice(0, i + 1).join('/')));
    this.rootDepth = parts.length;
    this.roots = [...storePaths].sort(byteOrder);
  }

  /** Visits up to `budget` entries; false when the walk is complete. */
  step(budget: number): boolean {
    for (let n = 0; n < budget; n++) {
      const top = this.stack[this.stack.length - 1];
      if (top) {
        if (top.next === top.children.length) {
          this.stack.pop();
          continue;
        }
        const child = top.children[top.next++]!;
        this.visit(`${top.abs}/${child}`, top.depth + 1, child, `${top.name}/${child}`);
      } else if (this.nextRoot < this.roots.length) {
        const p = this.roots[this.nextRoot++]!;
        this.visit(p, this.rootDepth, p.slice(p.lastIndexOf('/') + 1), p.slice(1));
      } else return false;
    }
    return true;
  }

  private visit(abs: string, depth: number, base: string, name: string): void {
    assertNotWhiteout(name);
    const st = lstatSync(abs);
    const mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      this.layer.add(depth, base, KIND_DIR, mode, 0, undefined, name);
      this.stack.push({ abs, name, depth, children: readNames(abs), next: 0 });
    } else if (st.isSymbolicLink()) {
      this.layer.add(depth, base, KIND_LINK, 0o777, 0, readTarget(abs), name);
    } else if (st.isFile()) {
      this.layer.add(depth, base, KIND_FILE, mode, st.size, undefined, name);
    } else {
      throw new UserError({ where: abs, message: 'is not a regular file, directory or symlink, which a store path cannot contain', hint: 'check that the path really is a Nix store path' });
    }
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
export function layerTarSize(entries: Iterable<LayerEntry>): number {
  let total = 1024;
  for (const e of entries) total += entryTarSize(e);
  return total;
}

/** The tar-stream header for an entry: fixed mtime, uid/gid as given (0), no user/group names. */
function toHeader(e: LayerEntry): tar.Headers {
  const h: tar.Headers & { pax?: Record<string, string> } = {
    name: e.type === 'directory' ? `${e.name}/` : e.name,
    type: e.type,
    mode: e.type === 'symlink' ? 0o777 : e.mode,
    size: e.type === 'file' ? e.size : 0,
    mtime: ENTRY_MTIME,
    uid: e.uid ?? 0,
    gid: e.gid ?? 0,
    uname: '',
    gname: '',
  };
  if (e.type === 'symlink') h.linkname = e.target;
  else if (e.type === 'file' && e.size > MAX_OCTAL_SIZE) h.pax = { size: String(e.size) };
  return h;
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
  // isNativeError, not instanceof: errors from Node internals may come from another realm (jest).
  return isNativeError(signal.reason) || signal.reason instanceof Error ? (signal.reason as Error) : new Error(`aborted: ${String(signal.reason)}`);
}

/**
 * Fixed blocks that file data is read into, reused once the bytes have been copied out
 * downstream (the ArchiveSink calls release() for every chunk it copies). Small files are
 * carved from a shared block; big files take whole blocks. Reuse keeps memory flat: fresh
 * buffers per chunk would leave tens of MB of garbage between garbage collections.
 */
export class ChunkPool {
  private readonly free: ArrayBuffer[] = [];
  private readonly refs = new Map<ArrayBuffer, number>();
  private current: ArrayBuffer | null = null;
  private used = 0;
  private created = 0;
  private waiter: (() => void) | null = null;

  constructor(
    /** Bytes per block; also the read size for big files. */
    readonly blockSize = 256 << 10,
    /** Blocks at most (the read-ahead limit is blockSize × blocks). */
    private readonly blocks = 8,
  ) {}

  /** A buffer of n ≤ blockSize bytes, or null when every block is still in use. */
  tryTake(n: number): Buffer | null {
    if (!this.current || this.used + n > this.blockSize) {
      if (this.current && this.refs.get(this.current) === 0) this.free.push(this.current);
      this.current = null;
      const next = this.free.pop() ?? (this.created < this.blocks ? (this.created++, new ArrayBuffer(this.blockSize)) : null);
      if (!next) return null;
      this.current = next;
      this.used = 0;
      this.refs.set(next, 0);
    }
    const b = Buffer.from(this.current, this.used, n);
    this.used += n;
    this.refs.set(this.current, this.refs.get(this.current)! + 1);
    return b;
  }

  /** A buffer of n ≤ blockSize bytes, waiting (abortably) for a block to come back if needed. */
  async take(n: number, signal?: AbortSignal): Promise<Buffer> {
    for (;;) {
      const b = this.tryTake(n);
      if (b) return b;
      await waitFor((resolve) => (this.waiter = resolve), signal);
    }
  }

  /** Marks a chunk's bytes as copied; its block is reused when all its chunks are. */
  release(chunk: Uint8Array): void {
    const ab = chunk.buffer as ArrayBuffer;
    const r = this.refs.get(ab);
    if (r === undefined) return; // not ours (tar headers, padding)
    this.refs.set(ab, r - 1);
    if (r === 1 && ab !== this.current) {
      this.free.push(ab);
      const w = this.waiter;
      this.waiter = null;
      w?.();
    }
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
 * Writes the tar of `entries` into `target`, streaming: file data is read (synchronously, from
 * the page cache: a thread-pool round trip per small file would cost more than the read) in
 * blocks as tar-stream consumes it. With a `pool` whose release() the final consumer calls,
 * at most the pool's blocks are in flight; without one, each read gets a fresh buffer and
 * tar-stream's per-entry backpressure bounds memory. Returns the bytes written, which always
 * equal layerTarSize(entries). Rejects (and stops reading) when `signal` aborts.
 */
export async function writeLayerTar(entries: Iterable<LayerEntry>, target: ChunkTarget, opts: { signal?: AbortSignal; pool?: ChunkPool } = {}): Promise<number> {
  const { signal } = opts;
  const pool = opts.pool;
  const blockSize = pool?.blockSize ?? 256 << 10;
  // Synchronous when a block is free (the common case): an await per file costs measurably.
  const take = pool ? (n: number) => pool.tryTake(n) ?? pool.take(n, signal) : (n: number) => Buffer.allocUnsafeSlow(n);
  // Imported on first use: commands that only plan (validate, generate) never load tar-stream.
  const pack = (await import('tar-stream')).default.pack();
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

  // Entries handed to tar-stream and not yet written out. Bounding their number (not only
  // their bytes) bounds memory without a pool and keeps V8's young generation small: queued
  // entries are what survives its scavenges.
  let queued = 0;
  let wake: (() => void) | null = null;
  const settled = () => {
    queued--;
    if (wake && queued <= MAX_QUEUED / 2) {
      const w = wake;
      wake = null;
      w();
    }
  };

  try {
    for (const e of entries) {
      if (signal?.aborted) throw abortReason(signal);
      if (queued >= MAX_QUEUED) await waitFor((resolve) => (wake = resolve), signal);
      queued++;
      const header = toHeader(e);
      if (e.type !== 'file') {
        pack.entry(header, settled);
      } else if ('content' in e) {
        if (e.content.length !== e.size) throw new InternalError(`entry ${e.name}: size ${e.size} but ${e.content.length} bytes of content`);
        pack.entry(header, e.content, settled);
      } else if (e.size === 0) {
        pack.entry(header, Buffer.alloc(0), settled);
      } else if (e.size <= blockSize) {
        let buf = take(e.size);
        if (!(buf instanceof Buffer)) buf = await buf;
        const fd = openSync(e.source, fsc.O_RDONLY | fsc.O_NOFOLLOW);
        try {
          readFully(fd, buf, e.source);
        } finally {
          closeSync(fd);
        }
        pack.entry(header, buf, settled);
      } else {
        // A big file: its own sink, fed block by block as tar-stream drains it. Its errors also
        // reach `finished` through the pack; the listener keeps them from being "unhandled".
        const sink = pack.entry(header, settled).on('error', () => undefined);
        const fd = openSync(e.source, fsc.O_RDONLY | fsc.O_NOFOLLOW);
        try {
          let left = e.size;
          while (left > 0) {
            let buf = take(Math.min(left, blockSize));
            if (!(buf instanceof Buffer)) buf = await buf;
            readFully(fd, buf, e.source);
            left -= buf.length;
            if (!sink.write(buf)) await waitFor((resolve) => sink.once('drain', resolve), signal);
          }
        } finally {
          closeSync(fd);
        }
        sink.end();
      }
    }
    pack.finalize();
    await waitFor((resolve, reject) => finished.then(resolve, reject), signal);
  } catch (error) {
    // Destroyed without an error: tar-stream would re-emit one on every pending entry sink,
    // where nobody listens. The error travels by the throw.
    pack.destroy();
    throw error;
  }
  return written;
}
