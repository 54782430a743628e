// Haskell kernels (IHaskell): `pkgs.haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])`, as
// nixpkgs' own `ihaskell` wrapper builds its GHC env
// (pkgs/development/tools/haskell/ihaskell/wrapper.nix; that wrapper installs its kernelspec into
// $HOME at run time, so nixlab writes the kernelspec itself). argv is what `ihaskell install` writes (IHaskell/IHaskell
// src/IHaskell/IPython.hs: `[ihaskell, "kernel", "{connection_file}", "--ghclib", <libdir>]`,
// language "haskell"). The libdir is the env's, computed as
// pkgs/development/haskell-modules/with-packages-wrapper.nix computes `libDir`:
// `$out/lib/${ghc.targetPrefix}${ghc.haskellCompilerName}` plus `/lib` for hadrian-built GHCs.
import type { NormalizedHaskellKernel } from '../../definitions/types.js';
import { apply, lambda, list, nix, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `ghcWithPackages (ps: [ ps.ihaskell … ])` and IHaskell's argv with the env's GHC libdir. */
export function emit(k: NormalizedHaskellKernel, envVar: NixExpr): KernelParts {
  const haskellPackages = select(v('pkgs'), 'haskellPackages');
  const ghc = select(haskellPackages, 'ghc');
  const packages = ['ihaskell', ...k.packages].map((p) => select(v('ps'), p));
  const env = apply(select(haskellPackages, 'ghcWithPackages'), lambda('ps', list(packages)));
  const libdir = strParts(envVar, '/lib/', select(ghc, 'targetPrefix'), select(ghc, 'haskellCompilerName'), nix`if ${ghc} ? hadrian then "/lib" else ""`);
  const argv = list([strParts(envVar, '/bin/ihaskell'), str('kernel'), str('{connection_file}'), str('--ghclib'), libdir]);
  return { env, argv };
}
