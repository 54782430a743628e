// Any other kernel: an argv, a language and the nixpkgs attributes it needs (joined with buildEnv).
// Checked against nixpkgs pkgs/build-support/buildenv/default.nix (`name`, `paths`).
import type { KernelPreset } from './types.js';

export const custom: KernelPreset = {
  kind: 'custom',
  language: '(any)',
  description: 'any kernel: your argv (with {connection_file}) and the nixpkgs attributes it needs',
  fileExtension: '(any)',
  nixpkgsAttributes: ['buildEnv', '<your attribute paths>'],
  argv: ['<argv[0] from <env>/bin>', '…', '{connection_file}'],
  options: [
    { name: 'argv', type: 'string[]', description: 'the kernel command; {env} is the kernel env, {connection_file} is required' },
    { name: 'language', type: 'string', description: 'kernel.json language' },
    { name: 'packages', type: 'string[]', description: 'nixpkgs attribute paths joined into the kernel env', default: [] },
    { name: 'fileExtension', type: 'string', description: 'notebook file extension, with the dot (.sh)' },
    { name: 'nix', type: 'string', description: 'a .nix file, { pkgs }: <derivation>, joined into the kernel env (see examples/custom-kernels.md)' },
  ],
  checkedAgainst: ['pkgs/build-support/buildenv/default.nix'],
  offline: 'real',
};
