// Which package set a build uses: the flake.lock pin, the offline set shipped with nixlab, or a
// nixpkgs checkout; the `--pkgs` flag that chooses it, and what nixlab can read of the offline set
// without building.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { UserError } from './errors.js';
import { packageRoot } from './paths.js';

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

/**
 * The offline set's python3 (3.13) packages by nixpkgs attribute name, from its wheel lock
 * (offline/python/wheels.lock.json): what validate can know of it without building.
 */
export function offlinePython3Packages(): Record<string, { version: string }> {
  const lock = JSON.parse(readFileSync(join(offlinePkgsPath(), 'python', 'wheels.lock.json'), 'utf8')) as { pythons: Record<string, { packages: Record<string, { version: string }> }> };
  return lock.pythons['3.13']?.packages ?? {};
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
