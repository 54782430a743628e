// Haskell kernels (IHaskell) in `haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])`.
// Checked against nixpkgs pkgs/development/tools/haskell/ihaskell/wrapper.nix (top-level
// `ihaskell`: the same GHC env, but it installs its kernelspec into $HOME when started, so nixlab
// writes the kernelspec), pkgs/development/haskell-modules/with-packages-wrapper.nix (the env's
// libDir) and IHaskell's src/IHaskell/IPython.hs (argv).
import type { KernelPreset } from './types.js';

export const haskell: KernelPreset = {
  kind: 'haskell',
  language: 'haskell',
  description: 'IHaskell in a GHC environment with the Haskell packages you list',
  fileExtension: '.hs',
  nixpkgsAttributes: [
    'haskellPackages.ghcWithPackages',
    'haskellPackages.ihaskell',
    'haskellPackages.<package>',
    'haskellPackages.ghc.targetPrefix',
    'haskellPackages.ghc.haskellCompilerName',
    'haskellPackages.ghc.hadrian',
  ],
  argv: ['<env>/bin/ihaskell', 'kernel', '{connection_file}', '--ghclib', '<env>/lib/ghc-<version>[/lib]'],
  options: [{ name: 'packages', type: 'string[]', description: 'nixpkgs haskellPackages attribute names (lens, aeson); ihaskell is always included', default: [] }],
  checkedAgainst: [
    'pkgs/development/tools/haskell/ihaskell/wrapper.nix',
    'pkgs/development/haskell-modules/with-packages-wrapper.nix',
    'IHaskell/IHaskell src/IHaskell/IPython.hs',
  ],
  offline: 'refused',
};
