// nix-build through execTool: building an attribute of a generated project with
// the package set the user chose, keeping the result as a GC root.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { execTool } from './exec.js';

/** Which package set to build against: the flake.lock pin, the offline set, or a checkout. */
export type PkgsChoice = { kind: 'pinned' } | { kind: 'offline' } | { kind: 'path'; path: string };

/** Parses the `--pkgs` flag: undefined → pinned, `offline`, or a path to a nixpkgs checkout. */
export function parsePkgs(flag: string | undefined, cwd = process.cwd()): PkgsChoice {
  if (flag === undefined || flag === 'pinned') return { kind: 'pinned' };
  if (flag === 'offline') return { kind: 'offline' };
  const path = isAbsolute(flag) ? flag : resolve(cwd, flag);
  if (!existsSync(join(path, 'default.nix')) || !statSync(path).isDirectory()) {
    throw new UserError({
      where: '--pkgs',
      message: `${flag} is not a nixpkgs checkout (no default.nix in it)`,
      hint: 'pass `offline`, omit --pkgs for the pinned nixpkgs, or give the path of a nixpkgs checkout',
    });
  }
  if (/[\0]/.test(path)) throw new UserError({ where: '--pkgs', message: 'path contains NUL' });
  return { kind: 'path', path };
}

/** The offline package set shipped for tests and offline demos. */
export function offlinePkgsPath(): string {
  return join(packageRoot(), 'offline');
}

/** nix-build arguments that select the package set (passed as a string, never spliced). */
export function pkgsArgs(pkgs: PkgsChoice): string[] {
  switch (pkgs.kind) {
    case 'pinned':
      return [];
    case 'offline':
      return ['--argstr', 'nixpkgsPath', offlinePkgsPath()];
    case 'path':
      return ['--argstr', 'nixpkgsPath', pkgs.path];
  }
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
}

/** Runs nix-build and returns the built store path. */
export async function nixBuild(opts: NixBuildOptions): Promise<string> {
  const args = [opts.file, '-A', opts.attr, ...pkgsArgs(opts.pkgs)];
  args.push(...(opts.outLink ? ['--out-link', opts.outLink] : ['--no-out-link']));
  const out = await execTool('nix-build', args, { what: `building ${opts.attr}`, onLog: opts.onLog, signal: opts.signal });
  const paths = out.split('\n').filter((l) => l.startsWith('/nix/store/'));
  return paths[paths.length - 1] ?? out;
}
