// Go kernels: gophernotes. Checked against nixpkgs pkgs/by-name/go/gophernotes/package.nix
// (buildGoModule, bin/gophernotes; same path in 24.11) and gophernotes' kernel/kernel.json.in.
import type { KernelPreset } from './types.js';

export const go: KernelPreset = {
  kind: 'go',
  language: 'go',
  description: 'gophernotes (Go interpreted by gomacro)',
  fileExtension: '.go',
  nixpkgsAttributes: ['gophernotes'],
  argv: ['<env>/bin/gophernotes', '{connection_file}'],
  options: [],
  checkedAgainst: ['pkgs/by-name/go/gophernotes/package.nix', 'gopherdata/gophernotes kernel/kernel.json.in'],
  notes: ['the Go toolchain is not on the kernel\'s PATH: importing third-party packages (which gophernotes compiles as plugins) needs a custom kernel'],
  offline: 'refused',
};
