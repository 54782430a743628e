// nix-build through execTool: building an attribute of a generated project with
// the package set the user chose, keeping the result as a GC root. When it fails, Nix's output
// is explained in the config's terms (./nix-errors.ts).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NormalizedConfig } from '../definitions/types.js';
import { InternalError, ToolError } from '../errors.js';
import { SOURCE_MAP_FILE, type SourceMap } from '../nix/emit.js';
import { execTool } from '../exec.js';
import { pkgsArgs, type PkgsChoice } from '../pkgs.js';
import { explainNixFailure } from './nix-errors.js';
import { checkNixVersion, pinFetchFailure } from './nix-version.js';

/** The config a generated project came from: lets nixBuild explain Nix's errors in its terms. */
export interface ProjectOrigin {
  /** The config file as the user named it. */
  configFile: string;
  config: NormalizedConfig;
}

export interface NixBuildOptions {
  /** The .nix file or directory to build. */
  file: string;
  /** Attribute to build (`imageRoot`, `env`, …). */
  attr: string;
  pkgs: PkgsChoice;
  /** GC root symlink for the result; without it the result is not protected from GC. */
  outLink?: string;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  /** `file` is a generated project (a directory with its source map) made from this config. */
  origin?: ProjectOrigin;
}

/** Reads a generated project's source map. */
export async function readSourceMap(dir: string): Promise<SourceMap> {
  try {
    return JSON.parse(await readFile(join(dir, SOURCE_MAP_FILE), 'utf8')) as SourceMap;
  } catch (error) {
    throw new InternalError(`the generated project ${dir} has no readable ${SOURCE_MAP_FILE}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Runs nix-build and returns the built store path. With `origin`, a failure is explained: an
 * evaluation error traced to the config is a UserError at its config path, a failed build names
 * the kernel. The log streams to `onLog` until Nix's first `error:` line; what follows is the
 * error's (shown translated, and raw with --verbose).
 */
export async function nixBuild(opts: NixBuildOptions): Promise<string> {
  const args = [opts.file, '-A', opts.attr, ...pkgsArgs(opts.pkgs), '--show-trace'];
  args.push(...(opts.outLink ? ['--out-link', opts.outLink] : ['--no-out-link']));
  const what = `building ${opts.attr}`;
  await checkNixVersion(opts.pkgs, opts.signal);
  const log: string[] = [];
  let erring = false;
  const onLog = (line: string): void => {
    log.push(line);
    erring ||= opts.origin !== undefined && line.startsWith('error:');
    if (!erring) opts.onLog?.(line);
  };
  try {
    const out = await execTool('nix-build', args, { what, onLog, signal: opts.signal });
    const paths = out.split('\n').filter((l) => l.startsWith('/nix/store/'));
    return paths[paths.length - 1] ?? out;
  } catch (error) {
    if (!(error instanceof ToolError) || opts.signal?.aborted) throw error;
    const unfetched = pinFetchFailure(log.join('\n'), opts.pkgs);
    if (unfetched) throw unfetched;
    if (!opts.origin) throw error;
    // Without its source map (a project written by another nixlab) the error stays Nix's own.
    const map = await readSourceMap(opts.file).catch(() => undefined);
    if (!map) throw error;
    const project = { ...opts.origin, dir: opts.file, map, pkgsArgs: pkgsArgs(opts.pkgs), signal: opts.signal };
    throw await explainNixFailure(project, { log: log.join('\n'), error }, what);
  }
}
