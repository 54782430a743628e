// R kernels (IRkernel) in `rWrapper.override { packages = [ rPackages.IRkernel … ]; }`.
// Checked against nixpkgs pkgs/development/r-modules/wrapper.nix (symlinkJoin of R with bin/*
// wrapped to prefix R_LIBS_SITE), doc/languages-frameworks/r.section.md (the override idiom) and
// IRkernel's inst/kernelspec/kernel.json (argv). rPackages names R's `data.table` `data_table`.
// Offline: real -- Debian's R 4.2 and IRkernel 1.3 in the store (offline/r); the e2e
// and conformance tests run it in an image.
import type { KernelPreset } from './types.js';

export const r: KernelPreset = {
  kind: 'r',
  language: 'R',
  description: 'IRkernel in an R environment with the R packages you list',
  fileExtension: '.r',
  nixpkgsAttributes: ['rWrapper.override', 'rPackages.IRkernel', 'rPackages.<package>'],
  argv: ['<env>/bin/R', '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'],
  options: [{ name: 'packages', type: 'string[]', description: 'nixpkgs rPackages attribute names (ggplot2, data_table); IRkernel is always included', default: [] }],
  checkedAgainst: ['pkgs/development/r-modules/wrapper.nix', 'doc/languages-frameworks/r.section.md', 'IRkernel/IRkernel inst/kernelspec/kernel.json'],
  offline: 'real',
};
