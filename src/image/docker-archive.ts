// The docker-archive format (`docker save`/`docker load`): layer tars, the config named by its
// digest, then manifest.json and repositories at the end, all in one tar written in one pass.
// Layers are stored as `layers/NNN.tar`: loaders find them through manifest.json's `Layers`,
// and a name that does not depend on the digest lets the header go out before the data.
import { canonicalJson } from '../json.js';
import { OuterTar } from './archive-tar.js';
import { streamable, trustedDigest, uncompressedLayer, type ArchiveInput, type ArchiveLayer, type ArchiveResult, type WriteContext } from './archive.js';
import type { ArchiveSink } from './sink.js';

/** Path of layer `index` inside a docker archive. */
export function dockerLayerPath(index: number): string {
  return `layers/${String(index).padStart(3, '0')}.tar`;
}

/** Writes a docker-archive tar into `sink`. */
export async function writeDockerArchive(input: ArchiveInput, sink: ArchiveSink, ctx: WriteContext): Promise<ArchiveResult> {
  const out = new OuterTar(sink, ctx);
  await out.dir('layers');
  const written: { path: string; size: number; digest: Promise<string>; storePaths: string[]; hashed: boolean; omitted: boolean }[] = [];
  // Into a file, a layer with no cached digest is framed as it is listed; its header is
  // rewritten with its size at the end. Into a stream, each header needs its size first.
  const streamed = (j: number) => sink.patchable && streamable(input.layers[j]);
  for (const [i, layer] of input.layers.entries()) {
    input.onLayer?.(i, input.layers.length);
    const path = dockerLayerPath(i);
    if (streamed(i)) {
      if (!streamed(i + 1)) input.layers[i + 1]?.prefetch?.(ctx.signal);
      const w = await out.streamLayer(path, layer.stream!());
      void w.digest.then((digest) => layer.remember?.({ digest, size: w.size }), () => undefined);
      written.push({ path, size: w.size, digest: w.digest, storePaths: layer.storePaths, hashed: true, omitted: false });
      continue;
    }
    const contents = await layer.entries(ctx.signal);
    if (!streamed(i + 1)) input.layers[i + 1]?.prefetch?.(ctx.signal);
    // Every byte is written either way; a cached digest only saves hashing them.
    const known = trustedDigest(layer, contents);
    if (input.omit?.(i, known) && known) {
      // The loader holds it: listed in manifest.json and the config, but no file.
      written.push({ path, size: contents.tarSize, digest: Promise.resolve(known), storePaths: layer.storePaths, hashed: false, omitted: true });
      continue;
    }
    const w = await out.layer(path, contents, known ?? undefined);
    if (!known) void w.digest.then((digest) => layer.remember?.({ digest, size: w.size }), () => undefined);
    written.push({ path, size: w.size, digest: w.digest, storePaths: layer.storePaths, hashed: !known, omitted: false });
  }
  const digests = await Promise.all(written.map((w) => w.digest));
  const config = input.config(digests);
  const configPath = `${config.digest.slice('sha256:'.length)}.json`;
  await out.file(configPath, config.bytes);
  const ref = input.reference;
  const repoTags = ref ? [`${ref.repository}:${ref.tag}`] : [];
  const manifest = [{ Config: configPath, RepoTags: repoTags, Layers: written.map((w) => w.path) }];
  await out.file('manifest.json', Buffer.from(canonicalJson(manifest) + '\n'));
  if (ref) {
    // The pre-manifest format's tag → top layer map; loaders that read manifest.json ignore it.
    const top = digests[digests.length - 1]!.slice('sha256:'.length);
    await out.file('repositories', Buffer.from(canonicalJson({ [ref.repository]: { [ref.tag]: top } }) + '\n'));
  }
  await out.finish();
  await sink.finish();
  out.patchHeaders();
  const layers: ArchiveLayer[] = written.map((w, i) => ({ ...uncompressedLayer(digests[i]!, w.size), storePaths: w.storePaths, path: w.path, hashed: w.hashed, reused: false, omitted: w.omitted }));
  return { config, layers };
}
