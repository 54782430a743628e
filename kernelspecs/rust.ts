// Rust kernels: evcxr_jupyter. Checked against nixpkgs pkgs/development/interpreters/evcxr/default.nix
// (24.11; later pkgs/by-name/ev/evcxr/package.nix): bin/evcxr_jupyter wrapped with cargo and gcc
// (later also rustc and mold) on PATH. argv and interrupt_mode from evcxr_jupyter/src/install.rs.
import type { KernelPreset } from './types.js';

export const rust: KernelPreset = {
  kind: 'rust',
  language: 'rust',
  description: 'evcxr (evcxr_jupyter), with cargo on its PATH; interrupt mode "message" by default',
  fileExtension: '.rs',
  nixpkgsAttributes: ['evcxr'],
  argv: ['<env>/bin/evcxr_jupyter', '--control_file', '{connection_file}'],
  options: [],
  checkedAgainst: ['pkgs/development/interpreters/evcxr/default.nix', 'pkgs/by-name/ev/evcxr/package.nix', 'evcxr/evcxr evcxr_jupyter/src/install.rs'],
  notes: ['cells that add crates (`:dep`) fetch them from crates.io at run time'],
  offline: 'refused',
};
