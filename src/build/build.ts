// `build`: generate the project, nix-build its image root (kept as a GC root), and report the
// store paths the image packer starts from.
import { readlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { generate, type GenerateResult } from '../generate.js';
import { nixBuild, type PkgsChoice } from './nix-build.js';

export interface BuildOptions {
  /** Config file path. */
  config: string;
  pkgs: PkgsChoice;
  /** Where the generated Nix project goes (default: `.nixlab/` beside the config). */
  generatedDir?: string;
  /** GC root for the build result (default: `result` in the current directory). */
  outLink?: string;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
}

/** What the image root links to: the paths the image config points at. */
export interface ImageRoot {
  /** The nixlab-image-root store path (its closure is the whole image). */
  root: string;
  env: string;
  tini: string;
  shell: string;
  cacert: string;
}

export interface BuildResult extends GenerateResult {
  outLink: string;
  image: ImageRoot;
}

/** Generates and builds; the result stays registered as a GC root at `outLink`. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const generatedDir = opts.generatedDir ?? join(dirname(resolve(opts.config)), '.nixlab');
  const gen = await generate(opts.config, generatedDir);
  const outLink = resolve(opts.outLink ?? 'result');
  const root = await nixBuild({
    file: gen.outDir,
    attr: 'imageRoot',
    pkgs: opts.pkgs,
    outLink,
    onLog: opts.onLog,
    signal: opts.signal,
  });
  const link = (name: string) => readlink(join(root, name));
  const image: ImageRoot = { root, env: await link('env'), tini: await link('tini'), shell: await link('shell'), cacert: await link('cacert') };
  return { ...gen, outLink, image };
}
