// `build`: generate the project, nix-build its image root (kept as a GC root), and — when an
// output is named — pack the closure into an image, as the runtime target describes it.
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { packImage, type Output, type PackProgress, type PackResult } from '../image/pack.js';
import { destinationFor } from '../image/write.js';
import { ROOT_MANIFEST, parseRootManifest, type RootManifest } from '../runtime/image-root.js';
import { imageSpecFor } from '../runtime/image.js';
import { checkBuiltHub } from '../runtime/hub.js';
import { InternalError } from '../errors.js';
import { generateFor, type GenerateResult } from './generate.js';
import { nixBuild } from './nix-build.js';
import type { RunHooks } from '../exec.js';
import { type PkgsChoice } from '../pkgs.js';

export interface BuildOptions {
  /** Config file path. */
  config: string;
  pkgs: PkgsChoice;
  /** Where the generated Nix project goes (default: `.nixlab/` beside the config). */
  generatedDir?: string;
  /** GC root for the build result (default: `result` in the current directory). */
  outLink?: string;
  /** Pack the image here; omit to only build. */
  destination?: Output;
  /** Layer digest cache directory, or false for none. */
  cache?: string | false;
  onLog?: (line: string) => void;
  onProgress?: (p: PackProgress) => void;
  /** The config's warnings, as it is loaded (RunHooks). */
  onWarning?: RunHooks['onWarning'];
  signal?: AbortSignal;
}

export interface BuildResult extends GenerateResult {
  outLink: string;
  /** The nixlab-image-root store path (its closure is the whole image). */
  root: string;
  /** What the image root links to (its nixlab-root.json). */
  manifest: RootManifest;
  /** The packed image, when a destination was given. */
  packed?: PackResult;
  /** A single-user image's: the major.minor of the jupyterhub it was built with. */
  hubVersion?: string;
}

/** Generates and builds (and packs when `destination` is set); the build stays a GC root at `outLink`. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  // An output that cannot take an image (a socket, a block device, --prune on a tar) is refused before the build.
  if (opts.destination) destinationFor(opts.destination.output, opts.destination.format, !!opts.destination.prune);
  const generatedDir = opts.generatedDir ?? join(dirname(resolve(opts.config)), '.nixlab');
  const gen = await generateFor(opts.config, generatedDir, opts.pkgs, opts);
  const outLink = resolve(opts.outLink ?? 'result');
  const root = await nixBuild({ file: gen.outDir, attr: 'imageRoot', pkgs: opts.pkgs, outLink, onLog: opts.onLog, signal: opts.signal, origin: { configFile: gen.file, config: gen.config } });
  let manifest: RootManifest;
  try {
    manifest = parseRootManifest(await readFile(join(root, ROOT_MANIFEST), 'utf8'), root);
  } catch (error) {
    throw new InternalError(`the image root ${root} has no valid ${ROOT_MANIFEST}: ${(error as Error).message}`, { cause: error });
  }
  // A single-user image's jupyterhub must have the hub's major.minor (before anything is packed).
  const hubVersion = checkBuiltHub(gen.file, gen.config, manifest.links.env!);
  const result: BuildResult = { ...gen, outLink, root, manifest, ...(hubVersion ? { hubVersion } : {}) };
  if (opts.destination !== undefined) {
    // A single-user image is labelled with its hub's major.minor: the declared one, else the one it was built with.
    const labelled = gen.config.hub && hubVersion ? { ...gen.config, hub: { ...gen.config.hub, version: gen.config.hub.version ?? hubVersion } } : gen.config;
    const { spec, layering } = imageSpecFor(labelled, manifest);
    result.packed = await packImage({ storePaths: [root], image: spec, layering, destination: opts.destination, cache: opts.cache, onProgress: opts.onProgress, signal: opts.signal });
  }
  return result;
}
