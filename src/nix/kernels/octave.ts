// Octave kernels: nixpkgs' own launcher, `pkgs.octave-kernel.launcher`
// (pkgs/applications/editors/jupyter-kernels/octave/default.nix: a `rec { launcher; definition; … }`
// whose launcher is `makeWrapper $python/bin/python $out/bin/octave-kernel --add-flags
// "-m octave_kernel" --suffix PATH : $octave/bin`, so octave_kernel finds `octave-cli`; its
// definition's argv is `${launcher}/bin/octave-kernel -f {connection_file}`, language "octave").
// With packages, the set is called with another `octave` (callPackage results are overridable):
// `octave.withPackages` (pkgs/development/interpreters/octave/with-packages.nix) over
// `octavePackages`.
import type { NormalizedOctaveKernel } from '../../definitions/types.js';
import { apply, attrs, lambda, list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `octave-kernel.launcher` (overridden with `octave.withPackages` when packages are listed) and its argv. */
export function emit(k: NormalizedOctaveKernel, envVar: NixExpr): KernelParts {
  const octaveKernel =
    k.packages.length === 0
      ? select(v('pkgs'), 'octave-kernel')
      : apply(
          select(v('pkgs'), 'octave-kernel', 'override'),
          attrs({ octave: apply(select(v('pkgs'), 'octave', 'withPackages'), lambda('ps', list(k.packages.map((p) => select(v('ps'), p))))) }),
        );
  return {
    env: select(octaveKernel, 'launcher'),
    argv: list([strParts(envVar, '/bin/octave-kernel'), str('-f'), str('{connection_file}')]),
  };
}
