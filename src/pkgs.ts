// Which package set a build uses: the flake.lock pin, the offline set shipped with nixlab, or a
// nixpkgs checkout; the `--pkgs` flag that chooses it, and what nixlab can read of the offline set
// without building.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { NormalizedConfig } from './definitions/types.js';
import { UserError, type Problem } from './errors.js';
import { formatJsonPath } from './kernels/checks.js';
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

/** The offline set's wheel lock: one package set per interpreter it offers. */
function offlineLock(): { pythons: Record<string, { packages: Record<string, { version: string }> }> } {
  return JSON.parse(readFileSync(join(offlinePkgsPath(), 'python', 'wheels.lock.json'), 'utf8')) as ReturnType<typeof offlineLock>;
}

/**
 * The offline set's python3 (3.13) packages by nixpkgs attribute name, from its wheel lock
 * (offline/python/wheels.lock.json): what validate can know of it without building.
 */
export function offlinePython3Packages(): Record<string, { version: string }> {
  return offlineLock().pythons['3.13']?.packages ?? {};
}

/** The Python versions the offline set offers (`3.11`, `3.13`): those its wheel lock has a package set for. */
export function offlinePythonVersions(): string[] {
  return Object.keys(offlineLock().pythons).sort();
}

/**
 * What nixlab knows the offline set lacks without building: each Python kernel's version it has
 * no interpreter for (3.12: no source it is built from has one; see docs/offline.md), at the
 * kernel's `version`. Nothing for the other package sets.
 */
export function offlineKernelProblems(file: string, config: NormalizedConfig, pkgs: PkgsChoice): Problem[] {
  if (pkgs.kind !== 'offline') return [];
  const offered = offlinePythonVersions();
  return config.kernels.flatMap((k, i) => {
    if (k.kind !== 'python' || k.version === null || offered.includes(k.version)) return [];
    return [{
      where: `${file}:${formatJsonPath(['kernels', i, 'version'])}`,
      message: `the offline package set has no Python ${k.version} (it offers ${offered.join(' and ')}; docs/offline.md says why)`,
      hint: `set version to ${offered.map((x) => JSON.stringify(x)).join(' or ')} (or leave it out for its python3), or build against the pinned nixpkgs (leave out --pkgs) or a nixpkgs checkout (--pkgs PATH)`,
    }];
  });
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
