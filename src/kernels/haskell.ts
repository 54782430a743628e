// Haskell kernels (IHaskell): `pkgs.haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])`, as
// nixpkgs' own `ihaskell` wrapper builds its GHC env
// (pkgs/development/tools/haskell/ihaskell/wrapper.nix; that wrapper installs its kernelspec into
// $HOME at run time, so nixlab writes the kernelspec itself). argv is what `ihaskell install`
// writes (IHaskell/IHaskell src/IHaskell/IPython.hs: `[ihaskell, "kernel", "{connection_file}",
// "--ghclib", <libdir>]`, language "haskell"). The libdir is the env's, computed as
// pkgs/development/haskell-modules/with-packages-wrapper.nix computes `libDir`:
// `$out/lib/${ghc.targetPrefix}${ghc.haskellCompilerName}` plus `/lib` for hadrian-built GHCs.
import { apply, lambda, list, nix, select, str, strParts, v } from '../nix/ast.js';
import { attrNameRule } from '../definitions/rules.js';
import { checkPackages, missingPackages, presetPackages } from './checks.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Haskell kernel (IHaskell): `haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])`. */
export interface HaskellKernel extends KernelBase {
  kind: 'haskell';
  /** nixpkgs `haskellPackages` attribute names (`lens`, `aeson`). ihaskell is always included. */
  packages?: string[];
}
export interface NormalizedHaskellKernel extends NormalizedKernelBase {
  kind: 'haskell';
  language: 'haskell';
  packages: string[];
}

export const haskell = defineKind<HaskellKernel, NormalizedHaskellKernel>({
  kind: 'haskell',
  summary: 'IHaskell in a GHC environment with the Haskell packages you list',
  language: 'haskell',
  fileExtension: '.hs',
  aliases: ['hs'],
  rules: { haskellPackage: attrNameRule('A Haskell package attribute name in nixpkgs `haskellPackages` (`lens`, `aeson`).', '"lens" or "aeson"') },
  options: {
    packages: {
      type: 'array',
      description: 'Haskell package attribute names from nixpkgs `haskellPackages` (`lens`, `aeson`); ihaskell is always included.',
      items: { $ref: '#/$defs/haskellPackage' },
    },
  },
  check: (kernel, at, report) => checkPackages(kernel, at, report, { name: 'ihaskell', kernels: 'Haskell kernels' }),
  normalise: (k, base) => ({ ...base, kind: 'haskell', displayName: k.displayName ?? `Haskell (${k.name})`, language: 'haskell', packages: presetPackages(k.packages, 'ihaskell') }),
  emit(k, envVar) {
    const haskellPackages = select(v('pkgs'), 'haskellPackages');
    const ghc = select(haskellPackages, 'ghc');
    const packages = ['ihaskell', ...k.packages].map((p) => select(v('ps'), p));
    const env = apply(select(haskellPackages, 'ghcWithPackages'), lambda('ps', list(packages)));
    const libdir = strParts(envVar, '/lib/', select(ghc, 'targetPrefix'), select(ghc, 'haskellCompilerName'), nix`if ${ghc} ? hadrian then "/lib" else ""`);
    return { env, argv: list([strParts(envVar, '/bin/ihaskell'), str('kernel'), str('{connection_file}'), str('--ghclib'), libdir]) };
  },
  checkFacts: (_k, written, facts) => missingPackages(written, facts, 'haskellPackages'),
  packageAttrs: (k) => ['haskellPackages.ghc', ...['ihaskell', ...k.packages].map((p) => `haskellPackages.${p}`)],
  example: { name: 'haskell', packages: ['lens'] },
  nixpkgs: { envs: { 'haskellPackages.ghc': 'ghc' }, instantiable: ['haskellPackages.ihaskell'], packageSets: ['haskellPackages'] },
  checkedAgainst: [
    'pkgs/development/tools/haskell/ihaskell/wrapper.nix',
    'pkgs/development/haskell-modules/with-packages-wrapper.nix',
    'IHaskell/IHaskell src/IHaskell/IPython.hs',
  ],
  snippet: { code: 'print (6 * 7)', expect: '42' },
});
