// Bash kernels: bash_kernel in `python3.withPackages`. Checked against nixpkgs
// pkgs/development/python-modules/bash-kernel/default.nix (bash path patched in; its checkPhase
// kernelspec gives the argv).
import type { KernelPreset } from './types.js';

export const bash: KernelPreset = {
  kind: 'bash',
  language: 'bash',
  description: 'bash_kernel (bash driven through pexpect)',
  fileExtension: '.sh',
  nixpkgsAttributes: ['python3.withPackages', 'python3Packages.bash-kernel'],
  argv: ['<env>/bin/python3', '-m', 'bash_kernel', '-f', '{connection_file}'],
  options: [],
  checkedAgainst: ['pkgs/development/python-modules/bash-kernel/default.nix'],
  notes: ['only the image\'s own tools are on the shell\'s PATH; for more, use a custom kernel'],
  offline: 'real',
};
