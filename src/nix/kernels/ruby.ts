// Ruby kernels: `pkgs.iruby` (pkgs/applications/editors/jupyter-kernels/iruby/default.nix in
// 24.11, later pkgs/by-name/ir/iruby/package.nix: `bundlerApp { pname = "iruby"; exes = [ "iruby" ]; }`,
// whose definition's argv is `${iruby}/bin/iruby kernel {connection_file}`, language "ruby").
import type { NormalizedRubyKernel } from '../../definitions/types.js';
import { list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.iruby` and its argv. */
export function emit(_k: NormalizedRubyKernel, envVar: NixExpr): KernelParts {
  return { env: select(v('pkgs'), 'iruby'), argv: list([strParts(envVar, '/bin/iruby'), str('kernel'), str('{connection_file}')]) };
}
