// Octave kernels: nixpkgs' own launcher, `pkgs.octave-kernel.launcher`
// (pkgs/applications/editors/jupyter-kernels/octave/default.nix: a `rec { launcher; definition; … }`
// whose launcher is `makeWrapper $python/bin/python $out/bin/octave-kernel --add-flags
// "-m octave_kernel" --suffix PATH : $octave/bin`, so octave_kernel finds `octave-cli`; its
// definition's argv is `${launcher}/bin/octave-kernel -f {connection_file}`, language "octave").
// With packages, the set is called with another `octave` (callPackage results are overridable):
// `octave.withPackages` (pkgs/development/interpreters/octave/with-packages.nix) over
// `octavePackages`.
import { apply, attrs, lambda, list, select, str, strParts, v } from '../nix/ast.js';
import { attrNameRule } from '../definitions/rules.js';
import { checkPackages, missingPackages, presetPackages } from './checks.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** An Octave kernel: nixpkgs `octave-kernel.launcher` (octave_kernel with `octave` on its PATH). */
export interface OctaveKernel extends KernelBase {
  kind: 'octave';
  /** nixpkgs `octavePackages` attribute names (`signal`, `statistics`), via `octave.withPackages`. */
  packages?: string[];
}

export interface NormalizedOctaveKernel extends NormalizedKernelBase {
  kind: 'octave';
  language: 'octave';
  packages: string[];
}

export const octave = defineKind<OctaveKernel, NormalizedOctaveKernel>({
  kind: 'octave',
  summary: 'octave_kernel with GNU Octave (and the Octave packages you list) on its PATH',
  language: 'octave',
  fileExtension: '.m',
  aliases: ['matlab'],
  rules: { octavePackage: attrNameRule('An Octave package attribute name in nixpkgs `octavePackages` (`signal`, `statistics`).', '"signal" or "statistics"') },
  options: {
    packages: {
      type: 'array',
      description: 'Octave package attribute names from nixpkgs `octavePackages` (`signal`, `statistics`).',
      items: { $ref: '#/$defs/octavePackage' },
    },
  },
  check: (kernel, at, report) => checkPackages(kernel, at, report),
  normalise: (k, base) => ({ ...base, kind: 'octave', displayName: k.displayName ?? `Octave (${k.name})`, language: 'octave', packages: presetPackages(k.packages) }),
  emit(k, envVar) {
    const octaveKernel =
      k.packages.length === 0
        ? select(v('pkgs'), 'octave-kernel')
        : apply(
            select(v('pkgs'), 'octave-kernel', 'override'),
            attrs({ octave: apply(select(v('pkgs'), 'octave', 'withPackages'), lambda('ps', list(k.packages.map((p) => select(v('ps'), p))))) }),
          );
    return { env: select(octaveKernel, 'launcher'), argv: list([strParts(envVar, '/bin/octave-kernel'), str('-f'), str('{connection_file}')]) };
  },
  checkFacts: (_k, written, facts) => missingPackages(written, facts, 'octavePackages'),
  packageAttrs: (k) => ['octave', 'octave-kernel.launcher', ...k.packages.map((p) => `octavePackages.${p}`)],
  example: { name: 'octave', packages: ['signal'] },
  nixpkgs: { envs: { 'octave-kernel.launcher': 'octave-kernel' }, definitions: ['octave-kernel.definition'], packageSets: ['octavePackages'] },
  checkedAgainst: [
    'pkgs/applications/editors/jupyter-kernels/octave/default.nix',
    'pkgs/applications/editors/jupyter-kernels/octave/kernel.nix',
    'pkgs/development/interpreters/octave/with-packages.nix',
  ],
  snippet: { code: 'disp(6 * 7)', expect: '42' },
});
