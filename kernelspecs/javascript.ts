// JavaScript kernels: Deno's built-in kernel with kernel.json language "javascript". Checked
// against nixpkgs pkgs/development/web/deno/default.nix (24.11) and denoland/deno
// cli/tools/jupyter/install.rs; see ./deno.ts.
import { argv, checkedAgainst, notes } from './deno.js';
import type { KernelPreset } from './types.js';

export const javascript: KernelPreset = {
  kind: 'javascript',
  language: 'javascript',
  description: "Deno's built-in kernel, declared as JavaScript",
  fileExtension: '.js',
  nixpkgsAttributes: ['deno'],
  argv,
  options: [],
  checkedAgainst,
  notes,
  offline: 'real',
};
