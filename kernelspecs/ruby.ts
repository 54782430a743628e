// Ruby kernels: IRuby. Checked against nixpkgs pkgs/applications/editors/jupyter-kernels/iruby/default.nix
// (24.11; later pkgs/by-name/ir/iruby/package.nix): bundlerApp with bin/iruby; its definition's argv.
import type { KernelPreset } from './types.js';

export const ruby: KernelPreset = {
  kind: 'ruby',
  language: 'ruby',
  description: 'IRuby (the gems of nixpkgs\' iruby bundle)',
  fileExtension: '.rb',
  nixpkgsAttributes: ['iruby'],
  argv: ['<env>/bin/iruby', 'kernel', '{connection_file}'],
  options: [],
  checkedAgainst: ['pkgs/applications/editors/jupyter-kernels/iruby/default.nix', 'pkgs/by-name/ir/iruby/package.nix'],
  offline: 'refused',
};
