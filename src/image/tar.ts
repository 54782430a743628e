// One layer as a tar, written in a single streaming pass: the entry list is scanned first
// (lstat/readdir/readlink only), then headers are framed and file data read straight into the
// output buffers (frameLayer). The exact byte size of the tar is known from the entry list alone.
import { closeSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, constants as fsc } from 'node:fs';
import { InternalError, UserError } from '../errors.js';
import { abortReason } from './abort.js';
import { storeDir } from './closure.js';
import { assertNotWhiteout, byteOrder } from './names.js';
import { ArchiveSink, changedWhileReading } from './sink.js';
import { encodeHeader, headerBytes, pad512, type HeaderFields } from './tar-header.js';

/** One tar entry. Names are relative (`nix/store/…`), without a trailing slash. */
export type LayerEntry =
  | { type: 'directory'; name: string; mode: number; uid?: number; gid?: number }
  | { type: 'symlink'; name: string; target: string; uid?: number; gid?: number }
  /** A file whose bytes are read from `source` (an absolute path) while the tar is written. */
  | { type: 'file'; name: string; mode: number; size: number; source: string; uid?: number; gid?: number }
  /** A small generated file (passwd, group) given as bytes. */
  | { type: 'file'; name: string; mode: number; size: number; content: Buffer; uid?: number; gid?: number };


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

/** Receives each entry of a walk, in tar order (ScannedLayer.add's arguments). */
type EntrySink = (depth: number, base: string, kind: number, mode: number, size: number, target: string | undefined, name: string) => void;

/**
 * The same entries as scanStorePaths(), listed while they are consumed (one walk step per
 * entry taken): a writer that does not need the layer's size before its bytes (its header is
 * patched afterwards, or it has none) frames each entry right after its lstat, so no listing
 * comes first and none is kept.
 */
export function* streamStorePaths(storePaths: string[]): Generator<LayerEntry> {
  const ready: LayerEntry[] = [];
  const scan = new StoreScan(storePaths, (_depth, _base, kind, mode, size, target, name) => {
    if (kind === KIND_DIR) ready.push({ type: 'directory', name, mode });
    else if (kind === KIND_LINK) ready.push({ type: 'symlink', name, target: target! });
    else ready.push({ type: 'file', name, mode, size, source: `/${name}` });
  });
  for (;;) {
    for (let i = 0; i < ready.length; i++) yield ready[i]!;
    ready.length = 0;
    if (!scan.step(64)) break;
  }
  for (const e of ready) yield e;
}

/** A resumable depth-first walk (an explicit stack instead of recursion). */
class StoreScan {
  readonly layer: ScannedLayer;
  private readonly out: EntrySink;
  private readonly stack: { abs: string; name: string; depth: number; children: string[]; next: number }[] = [];
  private readonly roots: string[];
  private nextRoot = 0;
  private readonly rootDepth: number;

  /** Entries go to `out`, or by default into `layer` (a ScannedLayer). */
  constructor(storePaths: string[], out?: EntrySink) {
    this.layer = new ScannedLayer();
    this.out = out ?? ((...args) => this.layer.add(...args));
    const parts = storeDir().replace(/^\/+/, '').split('/');
    parts.forEach((part, i) => this.out(i, part, KIND_DIR, 0o755, 0, undefined, parts.slice(0, i + 1).join('/')));
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
      this.out(depth, base, KIND_DIR, mode, 0, undefined, name);
      this.stack.push({ abs, name, depth, children: readNames(abs), next: 0 });
    } else if (st.isSymbolicLink()) {
      this.out(depth, base, KIND_LINK, 0o777, 0, readTarget(abs), name);
    } else if (st.isFile()) {
      this.out(depth, base, KIND_FILE, mode, st.size, undefined, name);
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
    throw new UserError({ where, message: `has a ${what} that is not valid UTF-8; layer tars carry only UTF-8 names`, hint: 'rename it in the derivation' });
  }
}

/** The header fields of a layer entry: fixed mtime, uid/gid as given (0), symlinks 0777. */
function headerFields(e: LayerEntry): HeaderFields {
  switch (e.type) {
    case 'directory':
      return { name: `${e.name}/`, type: 'directory', mode: e.mode, size: 0, uid: e.uid ?? 0, gid: e.gid ?? 0 };
    case 'symlink':
      return { name: e.name, type: 'symlink', mode: 0o777, size: 0, uid: e.uid ?? 0, gid: e.gid ?? 0, linkname: e.target };
    default:
      return { name: e.name, type: 'file', mode: e.mode, size: e.size, uid: e.uid ?? 0, gid: e.gid ?? 0 };
  }
}

/** Bytes one entry takes in a layer tar: header(s) and padded data. */
export function entryTarSize(e: LayerEntry): number {
  return headerBytes(headerFields(e)) + (e.type === 'file' ? pad512(e.size) : 0);
}

/** Exact size of the tar written for these entries, end-of-archive blocks included. */
export function layerTarSize(entries: Iterable<LayerEntry>): number {
  let total = 1024;
  for (const e of entries) total += entryTarSize(e);
  return total;
}

/** Where layer bytes go: a stream-like target with Node's write()/'drain' backpressure. */
export interface ChunkTarget {
  write(chunk: Buffer): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export { abortReason, waitFor } from './abort.js';


/**
 * Frames the tar of `entries` straight into `sink`'s output buffers: headers are encoded here
 * (tar-header.ts), file data is read (synchronously, from the page cache: a thread-pool round
 * trip per small file would cost more than the read) directly into the buffer that goes out,
 * so each byte is copied once: here, or on the byte worker when the sink hands the read to it
 * (ArchiveSink.delegate(): the worker has time to spare). Waits only when every output buffer is in
 * flight. Returns the bytes written, which always equal layerTarSize(entries). Rejects (and
 * stops reading) when `signal` aborts. `onSize` is told the layer's size before its last 1024
 * bytes are framed (for a stream of entries whose size is not known in advance).
 */
export async function frameLayer(entries: Iterable<LayerEntry>, sink: ArchiveSink, signal?: AbortSignal, onSize?: (bytes: number) => void): Promise<number> {
  const start = sink.position;
  const scratch = Buffer.allocUnsafe(512);
  for (const e of entries) {
    if (signal?.aborted) throw abortReason(signal);
    // Synchronous while an output buffer has room (nearly always): an await per entry costs.
    let wait = sink.put(encodeHeader(headerFields(e), scratch), signal);
    if (wait) await wait;
    if (e.type !== 'file') continue;
    if ('content' in e) {
      if (e.content.length !== e.size) throw new InternalError(`entry ${e.name}: size ${e.size} but ${e.content.length} bytes of content`);
      wait = sink.put(e.content, signal);
      if (wait) await wait;
    } else if (e.size > 0 && !sink.delegate(e.source, e.size)) {
      const fd = openSync(e.source, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      try {
        for (let left = e.size; left > 0; ) {
          const room = sink.room();
          if (room === 0) {
            await sink.whenRoom(signal);
            continue;
          }
          const n = readSync(fd, sink.buffer, sink.offset, Math.min(room, left), null);
          if (n === 0) throw changedWhileReading(e.source);
          sink.commit(n);
          left -= n;
        }
      } finally {
        closeSync(fd);
      }
    }
    wait = sink.zeros(pad512(e.size) - e.size, signal);
    if (wait) await wait;
  }
  // The size is known once the last entry is in: `onSize` hears it before the end-of-archive
  // blocks go in, so a hash range can be closed while its last byte is still buffered here.
  onSize?.(sink.position + 1024 - start);
  await sink.zeros(1024, signal);
  return sink.position - start;
}

/**
 * Writes the tar of `entries` into `target` (copies of the output buffers, with Node's
 * write()/'drain' backpressure), without hashing: for tests and tools that want a layer tar as
 * a stream. Returns the bytes written.
 */
export async function writeLayerTar(entries: Iterable<LayerEntry>, target: ChunkTarget, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const writer = {
    write: (buf: Buffer) => new Promise<void>((resolve) => (target.write(Buffer.from(buf)) ? resolve() : target.once('drain', resolve))),
  };
  let failure: Error | null = null;
  const sink = new ArchiveSink({ writer }, null, { onError: (error) => (failure ??= error) });
  const n = await frameLayer(entries, sink, opts.signal);
  await sink.finish();
  if (failure) throw failure;
  return n;
}
