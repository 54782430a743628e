// `nixlab load` and `nixlab build --load`: an image into the Docker engine at DOCKER_HOST,
// sending only the layers it does not hold. The engine is asked which layer chains it has
// (every image's `RootFS.Layers`), and the docker-archive streamed to `POST /images/load` keeps
// manifest.json and the config, which list every layer, but leaves out the files of the leading
// layers the engine already holds. moby's loader (image/tarexport/load.go) looks each layer up
// by its chain ID (the diff_ids up to and including it) and opens the layer's file only when it
// has no such chain, so a layer can be left out only while every layer before it is held too: a
// layer after a changed one sits on a new chain and is sent. An engine that refuses the shorter
// archive (another engine, the containerd image store) gets the full archive, and the result
// says so. Returns a report; never prints.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import type { PkgsChoice } from '../pkgs.js';
import { UserError } from '../errors.js';
import { indexTar, NotATarError, readTarEntry, tarWithout, type TarIndexEntry } from '../image/tar-index.js';
import { KERNELS_LABEL } from '../runtime/image.js';
import { DockerEngine, EngineStreamError } from './docker-api.js';
import type { ImageConfig } from './docker-types.js';
import { resolveInput } from '../pipeline/input.js';
import { startsJupyter } from './test.js';
import type { RunHooks } from '../exec.js';

export interface LoadOptions extends RunHooks {
  /** A docker-archive, or a config file or directory (built first); default: the config here. */
  input?: string;
  /** DOCKER_HOST (default: the environment's). */
  dockerHost?: string;
  /** Package set when building a config. */
  pkgs?: PkgsChoice;
  /** Where a config's generated Nix project goes (default: `.nixlab/` beside the config). */
  generatedDir?: string;
  /** GC root of a config's build (default: `result` in the current directory). */
  outLink?: string;
  /** Layer digest cache directory, or false for none. */
  cache?: string | false;
  /** Send every layer (as `docker load` does). */
  full?: boolean;
}

export interface LoadReport {
  input: { path: string; kind: 'image' | 'config' };
  engine: string;
  /** `name:tag` the engine tagged, else null. */
  reference: string | null;
  /** The image ID (`sha256:` of its config). */
  imageId: string;
  layers: { total: number; sent: number; held: number };
  /** Bytes of layer data in the image and in what was sent. */
  bytes: { total: number; sent: number };
  /** Why the full archive was sent after a shorter one was refused, or null. */
  fallback: string | null;
  /** Milliseconds: the build (config input), the load (including a fallback), all. */
  timings: { build: number | null; load: number; total: number };
}

/** moby's chain IDs of a list of diff_ids: the first is its diff_id, each next one sha256("<parent> <diff_id>"). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(chainStep(out.at(-1), d));
  return out;
}

/** The chain ID of a layer on top of the chain `parent` (none: the bottom layer). */
function chainStep(parent: string | undefined, diffId: string): string {
  return parent === undefined ? diffId : `sha256:${createHash('sha256').update(`${parent} ${diffId}`).digest('hex')}`;
}

/** Every layer chain the engine holds: the chain IDs of each prefix of each image's layers. */
export async function heldChains(engine: DockerEngine): Promise<Set<string>> {
  const held = new Set<string>();
  const images = await engine.listImages();
  const seen = new Set<string>();
  for (const img of images) {
    if (seen.has(img.Id)) continue;
    seen.add(img.Id);
    // An image removed meanwhile is just not counted.
    const info = await engine.inspectImage(img.Id).catch(() => undefined);
    for (const c of chainIds(info?.RootFS?.Layers ?? [])) held.add(c);
  }
  return held;
}

/**
 * A layer-by-layer decision, in order: true while the chain up to this layer is held. Once a
 * layer is sent (or its digest is unknown), every later one is sent.
 */
export function omitter(held: ReadonlySet<string>): (index: number, diffId: string | null) => boolean {
  let chain: string | undefined;
  let omitting = true;
  return (_index, diffId) => {
    if (!omitting || diffId === null) return (omitting = false);
    chain = chainStep(chain, diffId);
    return (omitting = held.has(chain));
  };
}

/** The docker-archive's manifest entry, config and layer files, read from its index. */
interface ArchiveFacts {
  entries: TarIndexEntry[];
  config: { config?: ImageConfig; rootfs?: { diff_ids?: string[] } };
  /** manifest.json's Config: the config file's name (`<hex>.json`). */
  configName: string;
  layerPaths: string[];
  diffIds: string[];
  repoTags: string[];
}

const NOT_IMAGE_HINT = 'pass an image written by `nixlab build -o IMAGE.tar` (or `docker save`), or a nixlab config';

/** Reads a docker-archive's manifest.json and config; bad input is a UserError. */
async function readArchive(path: string): Promise<ArchiveFacts> {
  if (statSync(path).isDirectory()) {
    throw new UserError({ where: path, message: 'is an OCI image layout; the Docker engine loads docker-archives', hint: 'build a docker-archive (`nixlab build -o IMAGE.tar`, the default format), or load the config itself: `nixlab load CONFIG`' });
  }
  let entries: TarIndexEntry[];
  try {
    entries = await indexTar(path);
  } catch (err) {
    if (err instanceof NotATarError) throw new UserError({ where: path, message: `is not an image archive (not a tar file: ${err.message}) nor a config`, hint: NOT_IMAGE_HINT });
    throw err;
  }
  const byName = new Map(entries.map((e) => [e.name, e]));
  const manifestEntry = byName.get('manifest.json');
  if (!manifestEntry) {
    const oci = byName.has('index.json');
    throw new UserError({
      where: path,
      message: oci ? 'is an OCI image layout tar; the Docker engine loads docker-archives' : 'is a tar file but not an image: it has no manifest.json (docker-archive)',
      hint: oci ? 'build a docker-archive (`nixlab build -o IMAGE.tar`, the default format)' : NOT_IMAGE_HINT,
    });
  }
  const bad = (what: string) => new UserError({ where: `${path}: manifest.json`, message: what, hint: NOT_IMAGE_HINT });
  let manifest: { Config?: unknown; Layers?: unknown; RepoTags?: unknown }[];
  try {
    manifest = JSON.parse((await readTarEntry(path, manifestEntry)).toString('utf8'));
  } catch {
    throw bad('is not JSON');
  }
  if (!Array.isArray(manifest) || manifest.length !== 1) throw bad(`must describe exactly one image (it has ${Array.isArray(manifest) ? manifest.length : 'none'})`);
  const m = manifest[0]!;
  if (typeof m.Config !== 'string' || !Array.isArray(m.Layers) || !m.Layers.every((l) => typeof l === 'string')) throw bad('has no Config file name and Layers list');
  const configEntry = byName.get(m.Config.replace(/^\.\//, ''));
  if (!configEntry) throw bad(`names the config ${m.Config}, which the archive does not hold`);
  let config: ArchiveFacts['config'];
  try {
    config = JSON.parse((await readTarEntry(path, configEntry)).toString('utf8'));
  } catch {
    throw new UserError({ where: `${path}: ${m.Config}`, message: 'the image config is not JSON', hint: NOT_IMAGE_HINT });
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layerPaths = (m.Layers as string[]).map((l) => l.replace(/^\.\//, ''));
  if (diffIds.length !== layerPaths.length) throw bad(`lists ${layerPaths.length} layers but the config has ${diffIds.length} diff_ids`);
  return { entries, config, configName: configEntry.name, layerPaths, diffIds, repoTags: Array.isArray(m.RepoTags) ? (m.RepoTags as string[]) : [] };
}

/** Refuses an image that does not run Jupyter (no nixlab label, no Jupyter command). */
function checkJupyter(path: string, config: ArchiveFacts['config']): void {
  const c = config.config ?? {};
  if (c.Labels?.[KERNELS_LABEL] !== undefined) return;
  if (startsJupyter({ Entrypoint: c.Entrypoint, Cmd: c.Cmd })) return;
  const cmd = JSON.stringify([...(c.Entrypoint ?? []), ...(c.Cmd ?? [])]);
  throw new UserError({ where: path, message: `is an image without Jupyter: it has no ${KERNELS_LABEL} label and its command ${cmd} does not start a Jupyter server`, hint: 'pass an image built by nixlab, or one whose Cmd starts jupyter (jupyter-lab, jupyter-notebook, jupyter-server)' });
}

/** Loads an image (building a config first), sending only the layers the engine lacks. */
export async function loadIntoEngine(opts: LoadOptions = {}): Promise<LoadReport> {
  const t0 = Date.now();
  const step = opts.onStep ?? (() => undefined);
  const engine = new DockerEngine({ host: opts.dockerHost });
  // The engine first: a missing engine should not cost a build.
  await engine.ping();
  await engine.apiVersion();
  const input = await resolveInput(opts.input);
  return input.kind === 'config' ? loadConfig(engine, { path: input.path, kind: 'config' }, opts, t0, step) : loadArchive(engine, { path: input.path, kind: 'image' }, opts, t0, step);
}

/** Sends a tar to the engine; the `Loaded image` line it answers names the image. */
async function send(engine: DockerEngine, tar: Readable, signal?: AbortSignal): Promise<string | null> {
  const r = await engine.loadImage(tar, { signal });
  return r.loaded[0] ?? null;
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** A docker-archive file: its index tells what to leave out; kept entries are copied as they are. */
async function loadArchive(engine: DockerEngine, input: { path: string; kind: 'image' }, opts: LoadOptions, t0: number, step: (l: string) => void): Promise<LoadReport> {
  const facts = await readArchive(input.path);
  checkJupyter(input.path, facts.config);
  const held = opts.full ? new Set<string>() : await heldChains(engine);
  const omit = omitter(held);
  const drop = new Set<string>();
  const byName = new Map(facts.entries.map((e) => [e.name, e]));
  let total = 0;
  let sent = 0;
  facts.layerPaths.forEach((p, i) => {
    const size = byName.get(p)?.size ?? 0;
    total += size;
    if (omit(i, facts.diffIds[i]!) && byName.get(p)?.type === '0') drop.add(p);
    else sent += size;
  });
  const tLoad = Date.now();
  let fallback: string | null = null;
  let ref: string | null;
  step(`loading ${input.path} into the engine at ${engine.host}: ${facts.layerPaths.length - drop.size} of ${facts.layerPaths.length} layers (${mib(sent)} of ${mib(total)})`);
  try {
    ref = await send(engine, drop.size ? tarWithout(input.path, facts.entries, drop) : createReadStream(input.path), opts.signal);
  } catch (err) {
    if (!(err instanceof EngineStreamError) || drop.size === 0) throw refusal(input.path, err);
    fallback = err.engineMessage;
    step(`the engine refused the archive without the ${drop.size} layers it holds (${fallback}); sending the full archive`);
    drop.clear();
    sent = total;
    try {
      ref = await send(engine, createReadStream(input.path), opts.signal);
    } catch (err2) {
      throw refusal(input.path, err2);
    }
  }
  const imageId = await idOf(engine, ref, facts.repoTags, facts.configName);
  return {
    input,
    engine: engine.host,
    reference: referenceOf(ref, facts.repoTags),
    imageId,
    layers: { total: facts.layerPaths.length, sent: facts.layerPaths.length - drop.size, held: drop.size },
    bytes: { total, sent },
    fallback,
    timings: { build: null, load: Date.now() - tLoad, total: Date.now() - t0 },
  };
}

/** A config: built, then packed straight into the engine with the held layers left out. */
async function loadConfig(engine: DockerEngine, input: { path: string; kind: 'config' }, opts: LoadOptions, t0: number, step: (l: string) => void): Promise<LoadReport> {
  const [{ build }, { packImage }, { imageSpecFor }] = await Promise.all([import('../pipeline/build.js'), import('../image/pack.js'), import('../runtime/image.js')]);
  step(`building ${input.path}`);
  const built = await build({ config: input.path, pkgs: opts.pkgs ?? { kind: 'pinned' }, generatedDir: opts.generatedDir, outLink: opts.outLink, onLog: opts.onLog, onWarning: opts.onWarning, signal: opts.signal });
  const buildMs = Date.now() - t0;
  const { spec, layering } = imageSpecFor(built.config, built.manifest);
  const held = opts.full ? new Set<string>() : await heldChains(engine);
  const tLoad = Date.now();
  const packInto = async (omitLayer: ((i: number, d: string | null) => boolean) | undefined) => {
    // The packer reuses a chunk's memory once the stream's write callback fires, which a
    // PassThrough does as soon as it has queued the chunk: each chunk is copied on its way.
    const tar = new Transform({ highWaterMark: 1 << 20, transform: (chunk: Buffer, _enc, done) => done(null, Buffer.from(chunk)) });
    const loading = send(engine, tar, opts.signal);
    const packing = packImage({ storePaths: [built.root], image: spec, layering, destination: { output: tar, format: 'docker' }, cache: opts.cache, omitLayer, signal: opts.signal }).then((r) => {
      tar.end();
      return r;
    });
    const [l, p] = await Promise.allSettled([loading, packing]);
    // The engine's answer explains a broken pipe better than the pipe does.
    if (l.status === 'rejected') throw l.reason;
    if (p.status === 'rejected') throw p.reason;
    return { ref: l.value, packed: p.value };
  };
  let fallback: string | null = null;
  step(`loading into the engine at ${engine.host}`);
  let result: Awaited<ReturnType<typeof packInto>>;
  try {
    result = await packInto(opts.full ? undefined : omitter(held));
  } catch (err) {
    if (!(err instanceof EngineStreamError) || opts.full) throw err;
    fallback = err.engineMessage;
    step(`the engine refused the archive without the layers it holds (${fallback}); sending the full archive`);
    result = await packInto(undefined);
  }
  const layers = result.packed.layers;
  const omitted = layers.filter((l) => l.omitted);
  const total = layers.reduce((n, l) => n + l.blob.size, 0);
  return {
    input,
    engine: engine.host,
    reference: result.packed.reference,
    imageId: result.packed.imageId,
    layers: { total: layers.length, sent: layers.length - omitted.length, held: omitted.length },
    bytes: { total, sent: total - omitted.reduce((n, l) => n + l.blob.size, 0) },
    fallback,
    timings: { build: buildMs, load: Date.now() - tLoad, total: Date.now() - t0 },
  };
}

/** The engine refusing an archive file is bad input (exit 2); other failures pass. */
function refusal(path: string, err: unknown): unknown {
  if (err instanceof EngineStreamError) return new UserError({ where: path, message: `the Docker engine refused to load it: ${err.engineMessage}`, hint: 'pass a docker-archive (nixlab build -o IMAGE.tar, or docker save)' }, { cause: err });
  return err;
}

const referenceOf = (loaded: string | null, repoTags: string[]) => (loaded && !loaded.startsWith('sha256:') ? loaded : (repoTags[0] ?? null));

/** The loaded image's ID: the engine's, else the config file's name (`<hex>.json`). */
async function idOf(engine: DockerEngine, loaded: string | null, repoTags: string[], configName: string): Promise<string> {
  const ref = loaded ?? repoTags[0];
  if (ref) {
    const info = await engine.inspectImage(ref).catch(() => undefined);
    if (info) return info.Id;
  }
  return `sha256:${configName.replace(/\.json$/, '').replace(/^.*\//, '')}`;
}

/** The report as lines for a terminal. */
export function formatLoadReport(r: LoadReport): string {
  const lines = [
    `loaded ${r.reference ?? r.imageId} (${r.imageId.slice(0, 19)}) into ${r.engine}`,
    `  sent ${r.layers.sent} of ${r.layers.total} layers (${mib(r.bytes.sent)} of ${mib(r.bytes.total)}); the engine held ${r.layers.held}`,
  ];
  if (r.fallback !== null) lines.push(`  the engine refused the archive without the layers it holds, so the full archive was sent: ${r.fallback}`);
  const t = [r.timings.build === null ? null : `build ${(r.timings.build / 1000).toFixed(1)} s`, `load ${(r.timings.load / 1000).toFixed(1)} s`, `total ${(r.timings.total / 1000).toFixed(1)} s`].filter(Boolean);
  lines.push(`  ${t.join(', ')}`);
  return lines.join('\n') + '\n';
}
