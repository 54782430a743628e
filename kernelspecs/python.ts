// Python kernels: `pythonXY.withPackages (ps: [ ps.ipykernel … ])`, launched with ipykernel.
// Checked against nixpkgs pkgs/development/interpreters/python/wrapper.nix (the env's bin/python3),
// pkgs/applications/editors/jupyter/kernel.nix (nixpkgs' own ipykernel argv) and
// pkgs/top-level/python-packages.nix (package attribute names).
import type { KernelPreset } from './types.js';

export const python: KernelPreset = {
  kind: 'python',
  language: 'python',
  description: 'IPython kernel in a Python environment with the packages you list',
  fileExtension: '.py',
  nixpkgsAttributes: ['python311.withPackages', 'python312.withPackages', 'python313.withPackages', 'python3Packages.ipykernel'],
  argv: ['<env>/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
  options: [
    { name: 'version', type: 'string', description: 'interpreter version: 3.11, 3.12 or 3.13', default: '3.12' },
    { name: 'packages', type: 'string[]', description: 'nixpkgs Python package attribute names (ps.<name>)', default: [] },
  ],
  checkedAgainst: [
    'pkgs/development/interpreters/python/wrapper.nix',
    'pkgs/applications/editors/jupyter/kernel.nix',
    'pkgs/top-level/python-packages.nix',
  ],
  offline: 'real',
};
