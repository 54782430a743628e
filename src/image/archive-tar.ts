// The outer tar of an image archive (docker-archive, or an OCI layout as a tar), written with
// tar-stream into an ArchiveSink. Layer tars are entries of it, streamed as they are produced:
// a layer's size is computed from its entry list first, so its header can be written before
// its data, and its digest is computed on the way through.
import tar from 'tar-stream';
import { InternalError } from '../errors.js';
import type { WriteContext } from './archive.js';
import type { ArchiveSink } from './sink.js';
import { ENTRY_MTIME, entryTarSize, waitFor, writeLayerTar, type LayerContents } from './tar.js';

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
  /** Archive bytes produced so far, counted from the entries (not from the sink). */
  private offset = 0;
  private readonly pack = tar.pack();
  private readonly ended: Promise<void>;

  private readonly signal: AbortSignal;

  constructor(
    private readonly sink: ArchiveSink,
    private readonly ctx: WriteContext,
  ) {
    const signal = (this.signal = ctx.signal);
    const pack = this.pack;
    this.ended = waitFor((resolve, reject) => {
      pack.on('data', (chunk: Buffer) => {
        if (!sink.write(chunk)) {
          pack.pause();
          sink.once('drain', () => pack.resume());
        }
      });
      pack.on('end', resolve);
      pack.on('error', reject);
    }, signal);
    this.ended.catch(() => undefined);
    // Destroyed without an error (see writeLayerTar); waiters reject through the signal.
    signal.addEventListener('abort', () => pack.destroy(), { once: true });
  }

  private header(name: string, type: 'file' | 'directory', size: number): tar.Headers {
    if (!/^[\x21-\x7e]{1,99}$/.test(name)) throw new InternalError(`archive entry name ${JSON.stringify(name)} must be short ASCII`);
    return { name: type === 'directory' ? `${name}/` : name, type, size, mode: type === 'directory' ? 0o755 : 0o644, mtime: ENTRY_MTIME, uid: 0, gid: 0, uname: '', gname: '' };
  }

  private advance(name: string, type: 'file' | 'directory', size: number): number {
    const at = this.offset;
    this.offset += entryTarSize(type === 'file' ? { type, name, mode: 0o644, size, content: Buffer.alloc(0) } : { type, name, mode: 0o755 });
    return at;
  }

  /** Adds a directory entry. */
  async dir(name: string): Promise<void> {
    this.advance(name, 'directory', 0);
    await waitFor((resolve, reject) => this.pack.entry(this.header(name, 'directory', 0), (e) => (e ? reject(e) : resolve())), this.signal);
  }

  /** Adds a small file from memory. */
  async file(name: string, bytes: Buffer): Promise<void> {
    this.advance(name, 'file', bytes.length);
    await waitFor((resolve, reject) => this.pack.entry(this.header(name, 'file', bytes.length), bytes, (e) => (e ? reject(e) : resolve())), this.signal);
  }

  /**
   * Streams one layer tar of `entries` as the entry `name`, hashing it on the way — unless its
   * digest is already known (from the cache), which is then taken as it is.
   */
  async layer(name: string, entries: LayerContents, knownDigest?: string): Promise<LayerWritten> {
    const size = entries.tarSize;
    const headerOffset = this.advance(name, 'file', size);
    const digest = knownDigest ? Promise.resolve(knownDigest) : this.sink.hashRange(headerOffset + 512, size).then((hex) => `sha256:${hex}`);
    digest.catch(() => undefined);
    let entrySink!: ReturnType<typeof this.pack.entry>;
    // tar-stream calls back once the entry's bytes are all in the archive (or it failed).
    const done = waitFor((resolve, reject) => {
      entrySink = this.pack.entry(this.header(name, 'file', size), (e) => (e ? reject(e) : resolve()));
    }, this.signal);
    done.catch(() => undefined);
    const written = await writeLayerTar(entries, entrySink, { signal: this.signal, pool: this.ctx.pool });
    if (written !== size) throw new InternalError(`layer ${name}: computed ${size} bytes but tar-stream wrote ${written}`);
    entrySink.end();
    await done;
    return { size, headerOffset, digest };
  }

  /** Writes the end-of-archive blocks and waits until every byte reached the sink. */
  async finish(): Promise<number> {
    this.pack.finalize();
    await this.ended;
    return this.offset + 1024;
  }
}
