// Custom kernels: `pkgs.buildEnv` (pkgs/build-support/buildenv/default.nix: `name`, `paths`) of
// the named nixpkgs attributes and the user's own Nix file, with the user's argv.
import { basename } from 'node:path';
import type { NormalizedCustomKernel } from '../../definitions/types.js';
import { apply, attrs, list, relPath, select, str, strParts, v, type NixExpr, type StrPart } from '../ast.js';
import type { KernelParts } from './types.js';

/** Where a custom kernel's Nix file lands in the generated project. */
export function nixFileAsset(kernel: string, nixFile: string): string {
  return `assets/${kernel}/nix/${basename(nixFile)}`;
}

/**
 * `buildEnv` of the named nixpkgs attributes (and the kernel's Nix file). In argv, `{env}`
 * stands for the environment's store path, and a first element without a `/` is taken from its bin/.
 */
export function emit(k: NormalizedCustomKernel, envVar: NixExpr): KernelParts {
  const paths = k.packages.map((p) => select(v('pkgs'), ...p.split('.')));
  if (k.nixFile) {
    // The user's file, copied with its directory into the project: `{ pkgs }: derivation`.
    paths.push(apply(v('import'), relPath(`./${nixFileAsset(k.name, k.nixFile)}`), attrs({ pkgs: v('pkgs') })));
  }
  const env = apply(select(v('pkgs'), 'buildEnv'), attrs({ name: str(`kernel-${k.name}-env`), paths: list(paths) }));
  const argv = k.argv.map((arg, i) => {
    if (i === 0 && !arg.includes('/') && !arg.includes('{env}')) return strParts(envVar, '/bin/', arg);
    const parts: StrPart[] = [];
    arg.split('{env}').forEach((piece, j) => {
      if (j > 0) parts.push(envVar);
      parts.push(piece);
    });
    return strParts(...parts);
  });
  return { env, argv: list(argv) };
}
