// Bash kernels: `pkgs.python3.withPackages (ps: [ ps.bash-kernel ])`
// (pkgs/development/python-modules/bash-kernel/default.nix: bash_kernel with bashInteractive's
// path patched in, so no bash on PATH is needed). argv is the one that file's checkPhase writes:
// `python -m bash_kernel -f {connection_file}`, language "bash".
import type { NormalizedBashKernel } from '../../definitions/types.js';
import { apply, lambda, list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `python3.withPackages (ps: [ ps.bash-kernel ])` and bash_kernel's argv. */
export function emit(_k: NormalizedBashKernel, envVar: NixExpr): KernelParts {
  const env = apply(select(v('pkgs'), 'python3', 'withPackages'), lambda('ps', list([select(v('ps'), 'bash-kernel')])));
  const argv = list([strParts(envVar, '/bin/python3'), str('-m'), str('bash_kernel'), str('-f'), str('{connection_file}')]);
  return { env, argv };
}
