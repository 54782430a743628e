// R kernels (IRkernel). nixpkgs: pkgs/development/r-modules/wrapper.nix (`rWrapper`: R's programs
// wrapped with R_LIBS_SITE covering the `packages` it is overridden with; usage in
// doc/languages-frameworks/r.section.md: `rWrapper.override { packages = with rPackages; [ … ]; }`).
// argv is IRkernel's own kernelspec (IRkernel/IRkernel inst/kernelspec/kernel.json:
// `R --slave -e IRkernel::main() --args {connection_file}`, language "R").
import type { NormalizedRKernel } from '../../definitions/types.js';
import { apply, attrs, list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.rWrapper.override { packages = [ pkgs.rPackages.IRkernel … ]; }` and IRkernel's argv. */
export function emit(k: NormalizedRKernel, envVar: NixExpr): KernelParts {
  const packages = ['IRkernel', ...k.packages].map((p) => select(v('pkgs'), 'rPackages', p));
  const env = apply(select(v('pkgs'), 'rWrapper', 'override'), attrs({ packages: list(packages) }));
  const argv = list([strParts(envVar, '/bin/R'), str('--slave'), str('-e'), str('IRkernel::main()'), str('--args'), str('{connection_file}')]);
  return { env, argv };
}
