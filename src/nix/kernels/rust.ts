// Rust kernels: `pkgs.evcxr` (pkgs/development/interpreters/evcxr/default.nix in 24.11, later
// pkgs/by-name/ev/evcxr/package.nix). Its postInstall wraps bin/evcxr_jupyter with cargo and gcc
// (later also rustc) on PATH and RUST_SRC_PATH set. argv and `interrupt_mode: message` are
// evcxr_jupyter's own kernelspec (evcxr/evcxr evcxr_jupyter/src/install.rs:
// `[exe, "--control_file", "{connection_file}"]`, language "rust").
import type { NormalizedRustKernel } from '../../definitions/types.js';
import { list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.evcxr` and evcxr_jupyter's argv. */
export function emit(_k: NormalizedRustKernel, envVar: NixExpr): KernelParts {
  return {
    env: select(v('pkgs'), 'evcxr'),
    argv: list([strParts(envVar, '/bin/evcxr_jupyter'), str('--control_file'), str('{connection_file}')]),
  };
}
