// Go kernels: `pkgs.gophernotes` (pkgs/by-name/go/gophernotes/package.nix, buildGoModule, which
// installs bin/gophernotes). argv is gophernotes' own kernelspec (gopherdata/gophernotes
// kernel/kernel.json.in: `gophernotes {connection_file}`, language "go").
import type { NormalizedGoKernel } from '../../definitions/types.js';
import { list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.gophernotes` and its argv. */
export function emit(_k: NormalizedGoKernel, envVar: NixExpr): KernelParts {
  return { env: select(v('pkgs'), 'gophernotes'), argv: list([strParts(envVar, '/bin/gophernotes'), str('{connection_file}')]) };
}
