// TypeScript kernels: Deno's built-in kernel (kernel.json language "typescript", as Deno writes
// it). Checked against nixpkgs pkgs/development/web/deno/default.nix (24.11) and denoland/deno
// cli/tools/jupyter/install.rs; see ./deno.ts.
import { argv, checkedAgainst, notes } from './deno.js';
import type { KernelPreset } from './types.js';

export const typescript: KernelPreset = {
  kind: 'typescript',
  language: 'typescript',
  description: "Deno's built-in kernel (TypeScript)",
  fileExtension: '.ts',
  nixpkgsAttributes: ['deno'],
  argv,
  options: [],
  checkedAgainst,
  notes,
  offline: 'real',
};
