// What an `IMAGE | CONFIG` argument names, decided in one place for every command that takes one
// (test, load, push, sbom), and the image archive it stands for: an image as it is, or a config
// built into one first.
import { existsSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import type { NormalizedConfig } from '../definitions/types.js';
import { UserError } from '../errors.js';
import type { RunHooks } from '../exec.js';
import type { PkgsChoice } from '../pkgs.js';

export interface Input {
  /** Absolute: the image (a file or an OCI layout directory) or the config file. */
  path: string;
  kind: 'image' | 'config';
}

/**
 * Image or config: nothing → the config of the current directory; a directory holding
 * `index.json` (OCI layout) or `manifest.json` (an unpacked docker-archive) → an image; any other
 * directory → the config in it; a file with a config extension, in any case (`LAB.YAML`) → a
 * config; any other file → an image archive.
 */
export async function resolveInput(arg: string | undefined): Promise<Input> {
  const { CONFIG_EXTENSIONS, resolveConfigArg } = await import('../definitions/load.js');
  if (arg === undefined) return { path: resolve(resolveConfigArg(undefined)), kind: 'config' };
  if (!existsSync(arg)) throw new UserError({ where: arg, message: 'does not exist', hint: 'pass an image archive (nixlab build -o IMAGE.tar, docker save) or a nixlab config' });
  if (statSync(arg).isDirectory()) {
    if (existsSync(join(arg, 'index.json')) || existsSync(join(arg, 'manifest.json'))) return { path: resolve(arg), kind: 'image' };
    return { path: resolve(resolveConfigArg(arg)), kind: 'config' };
  }
  const ext = extname(arg).toLowerCase();
  return { path: resolve(arg), kind: (CONFIG_EXTENSIONS as readonly string[]).includes(ext) ? 'config' : 'image' };
}

export interface ArchiveOptions extends RunHooks {
  pkgs?: PkgsChoice;
  /** Where a config's Nix project goes (default: in `scratch`). */
  generatedDir?: string;
}

export interface Archive {
  input: Input;
  /** The image archive: the input itself, or `scratch/image.tar` built from the config. */
  archive: string;
  /** The config, when the input was one. */
  config: NormalizedConfig | null;
  /** The generated Nix project of a config. */
  project: string | null;
  /** How long building the config took (ms), null for an image. */
  buildMs: number | null;
}

/** The image archive an input stands for; a config is built (and packed as a docker-archive) into `scratch`. */
export async function archiveFor(arg: string | Input | undefined, scratch: string, opts: ArchiveOptions): Promise<Archive> {
  const input = typeof arg === 'object' ? arg : await resolveInput(arg);
  if (input.kind === 'image') return { input, archive: input.path, config: null, project: null, buildMs: null };
  const archive = join(scratch, 'image.tar');
  const project = opts.generatedDir ?? join(scratch, 'generated');
  opts.onStep?.(`building ${input.path}`);
  const { build } = await import('./build.js');
  const t0 = Date.now();
  const r = await build({ config: input.path, pkgs: opts.pkgs ?? { kind: 'pinned' }, generatedDir: project, outLink: join(scratch, 'result'), destination: { output: archive, format: 'docker' }, onLog: opts.onLog, onWarning: opts.onWarning, signal: opts.signal });
  return { input, archive, config: r.config, project, buildMs: Date.now() - t0 };
}
