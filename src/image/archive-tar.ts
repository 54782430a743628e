// The outer tar of an image archive (docker-archive, or an OCI layout as a tar), framed straight
// into an ArchiveSink. Layer tars are entries of it, streamed as they are produced: a layer's
// size is computed from its entry list first, so its header can be written before its data, and
// its digest is computed on the way through.
import { InternalError } from '../errors.js';
import type { WriteContext } from './archive.js';
import type { ArchiveSink } from './sink.js';
import { encodeHeader, MAX_OCTAL_SIZE, pad512 } from './tar-header.js';
import { frameLayer, type LayerContents, type LayerEntry } from './tar.js';

/** A layer written into an archive. */
export interface LayerWritten {
  /** Bytes of the layer tar. */
  size: number;
  /** Offset of the layer entry's header in the archive (for renaming it afterwards). */
  headerOffset: number;
  /** `sha256:<hex>` of the layer tar (resolves once its last byte passed the sink). */
  digest: Promise<string>;
}

export class OuterTar {
  private readonly scratch = Buffer.allocUnsafe(512);
  /** Headers of streamed layers, to rewrite once their sizes are known. */
  private readonly patches: { at: number; name: string; size: number }[] = [];
  private readonly signal: AbortSignal;
  /** Sink position of the archive's first byte. */
  private readonly base: number;

  constructor(
    private readonly sink: ArchiveSink,
    ctx: WriteContext,
  ) {
    this.signal = ctx.signal;
    this.base = sink.position;
  }

  /** Writes the header of an entry (directories 0755, files 0644, mtime 1, root-owned). */
  private async header(name: string, type: 'file' | 'directory', size: number): Promise<void> {
    if (!/^[\x21-\x7e]{1,99}$/.test(name)) throw new InternalError(`archive entry name ${JSON.stringify(name)} must be short ASCII`);
    const h = encodeHeader({ name: type === 'directory' ? `${name}/` : name, type, size, mode: type === 'directory' ? 0o755 : 0o644, uid: 0, gid: 0 }, this.scratch);
    await this.sink.put(h, this.signal);
  }

  /** Adds a directory entry. */
  async dir(name: string): Promise<void> {
    await this.header(name, 'directory', 0);
  }

  /** Adds a small file from memory. */
  async file(name: string, bytes: Buffer): Promise<void> {
    await this.header(name, 'file', bytes.length);
    await this.sink.put(bytes, this.signal);
    await this.sink.zeros(pad512(bytes.length) - bytes.length, this.signal);
  }

  /**
   * Streams one layer tar of `entries` as the entry `name`, hashing it on the way — unless its
   * digest is already known (from the cache), which is then taken as it is.
   */
  async layer(name: string, entries: LayerContents, knownDigest?: string): Promise<LayerWritten> {
    const size = entries.tarSize;
    const headerOffset = this.sink.position - this.base;
    await this.header(name, 'file', size);
    const digest = knownDigest ? Promise.resolve(knownDigest) : this.sink.hashRange(this.sink.position, size).then((hex) => `sha256:${hex}`);
    digest.catch(() => undefined);
    const written = await frameLayer(entries, this.sink, this.signal);
    if (written !== size) throw new InternalError(`layer ${name}: computed ${size} bytes but framed ${written}`);
    await this.sink.zeros(pad512(size) - size, this.signal);
    return { size, headerOffset, digest };
  }

  /**
   * Streams one layer tar as the entry `name` while its entries are listed (streamStorePaths),
   * hashing it on the way. Its size is not known when its header goes out: the header says 0
   * and is rewritten by patchHeaders(), so the sink must be a file (sink.patchable). The size
   * must fit the header's octal field (MAX_OCTAL_SIZE), or the header would need a pax block.
   */
  async streamLayer(name: string, entries: Iterable<LayerEntry>): Promise<LayerWritten> {
    if (!this.sink.patchable) throw new InternalError('a layer of unknown size is streamed only into a file');
    const at = this.sink.position;
    await this.header(name, 'file', 0);
    const range = this.sink.hashOpenRange(this.sink.position);
    const digest = range.digest.then((hex) => `sha256:${hex}`);
    digest.catch(() => undefined);
    const size = await frameLayer(entries, this.sink, this.signal, (n) => range.end(n));
    if (size > MAX_OCTAL_SIZE) throw new InternalError(`layer ${name} (${size} bytes) was streamed but its size needs a pax header`);
    await this.sink.zeros(pad512(size) - size, this.signal);
    this.patches.push({ at, name, size });
    return { size, headerOffset: at - this.base, digest };
  }

  /** Rewrites the headers of streamed layers with their sizes; after the sink's finish(). */
  patchHeaders(): void {
    for (const { at, name, size } of this.patches.splice(0)) {
      this.sink.patch(at, encodeHeader({ name, type: 'file', size, mode: 0o644, uid: 0, gid: 0 }, this.scratch));
    }
  }

  /** Writes the end-of-archive blocks; returns the archive's size. */
  async finish(): Promise<number> {
    await this.sink.zeros(1024, this.signal);
    return this.sink.position - this.base;
  }
}
