// Octave kernels: nixpkgs' octave-kernel launcher. Checked against nixpkgs
// pkgs/applications/editors/jupyter-kernels/octave/default.nix (`launcher`: makeWrapper of
// python -m octave_kernel with `--suffix PATH : $octave/bin`; `definition.argv`),
// pkgs/applications/editors/jupyter-kernels/octave/kernel.nix (octave_kernel 0.34.2 there) and
// pkgs/development/interpreters/octave/with-packages.nix.
// Offline: real -- Debian's Octave 7.3 (no Qt GUI, as nixpkgs' `octave`), octave_kernel 0.32 and
// Octave Forge packages in the store (offline/octave); the e2e and conformance tests run it.
import type { KernelPreset } from './types.js';

export const octave: KernelPreset = {
  kind: 'octave',
  language: 'octave',
  description: 'octave_kernel with GNU Octave (and the Octave packages you list) on its PATH',
  fileExtension: '.m',
  nixpkgsAttributes: ['octave-kernel.launcher', 'octave-kernel.override', 'octave.withPackages', 'octavePackages.<package>'],
  argv: ['<env>/bin/octave-kernel', '-f', '{connection_file}'],
  options: [{ name: 'packages', type: 'string[]', description: 'nixpkgs octavePackages attribute names (signal, statistics)', default: [] }],
  checkedAgainst: [
    'pkgs/applications/editors/jupyter-kernels/octave/default.nix',
    'pkgs/applications/editors/jupyter-kernels/octave/kernel.nix',
    'pkgs/development/interpreters/octave/with-packages.nix',
  ],
  offline: 'real',
};
