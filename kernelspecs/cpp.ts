// C++ kernels: nixpkgs' xeus-cling kernel definitions, argv used as nixpkgs writes it.
// Checked against nixpkgs pkgs/applications/editors/jupyter-kernels/xeus-cling/default.nix
// (cpp11-kernel, cpp14-kernel, cpp17-kernel, cpp2a-kernel) and
// pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix, which only later revisions have
// (cpp11…cpp23-kernel, `-std=c++23`): 24.11 has no xeus-cpp.
import type { KernelPreset } from './types.js';

export const cpp: KernelPreset = {
  kind: 'cpp',
  language: 'cpp',
  description: 'xeus-cling C++ interpreter (nixpkgs cpp17-kernel / cpp2a-kernel)',
  fileExtension: '.cpp',
  nixpkgsAttributes: ['cpp17-kernel.argv', 'cpp2a-kernel.argv'],
  argv: ['<xeus-cling>/bin/xcpp', '<cling flags, in the wrapper or the argv>', '-std=c++17 | -std=c++2a', '-f', '{connection_file}'],
  options: [{ name: 'std', type: 'number', description: 'C++ standard; 20 is xeus-cling\'s c++2a; 23 is refused (needs xeus-cpp)', default: 17, values: [17, 20, 23] }],
  checkedAgainst: ['pkgs/applications/editors/jupyter-kernels/xeus-cling/default.nix', 'pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix'],
  notes: ['nixpkgs 24.11 has xeus-cling (C++11/14/17/2a) but not xeus-cpp, so std 23 is refused; use a custom kernel for it'],
  offline: 'refused',
};
