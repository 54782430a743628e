// Python kernels: `pkgs.pythonXY.withPackages (ps: [ ps.ipykernel ps.… ])`, started the way
// nixpkgs starts ipykernel (pkgs/applications/editors/jupyter/kernel.nix: `${env.interpreter}
// -m ipykernel_launcher -f {connection_file}`). wrapper.nix
// (pkgs/development/interpreters/python/wrapper.nix) links bin/python3 into the env and wraps it
// so the env's site-packages are on sys.path.
import type { NormalizedPythonKernel } from '../../definitions/types.js';
import { apply, lambda, list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** The nixpkgs Python attribute for an interpreter version: `3.11` → `python311`. */
export function pythonAttr(version: string): string {
  return 'python' + version.replace('.', '');
}

/** `pkgs.pythonXY.withPackages (ps: [ ps.ipykernel ps.… ])` and ipykernel's launcher argv. */
export function emit(k: NormalizedPythonKernel, envVar: NixExpr): KernelParts {
  const pkgs = ['ipykernel', ...k.packages.filter((p) => p !== 'ipykernel')];
  const env = apply(select(v('pkgs'), pythonAttr(k.version), 'withPackages'), lambda('ps', list(pkgs.map((p) => select(v('ps'), p)))));
  const argv = list([strParts(envVar, '/bin/python3'), str('-m'), str('ipykernel_launcher'), str('-f'), str('{connection_file}')]);
  return { env, argv };
}
