// C++ kernels: nixpkgs' own xeus-cling kernel definitions
// (pkgs/applications/editors/jupyter-kernels/xeus-cling/default.nix: `cpp11-kernel`,
// `cpp14-kernel`, `cpp17-kernel`, `cpp2a-kernel`, each `{ displayName, argv, language = "cpp"; … }`).
// Their argv is used as a whole: depending on the nixpkgs revision it is either
// `${xeus-cling}/bin/xcpp -std=c++17 -f {connection_file}` with xcpp wrapped to carry cling's
// flags, or an unwrapped xcpp followed by `cling.flags`, `-resource-dir …` and the same tail, and
// only the definition attributes are exported in both. xeus-cpp (C++20/23 through clang-repl)
// came to nixpkgs after 24.11; validation refuses `std: 23`.
import type { NormalizedCppKernel } from '../../definitions/types.js';
import { select, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** The nixpkgs kernel definition for each offered standard (C++20 is xeus-cling's `c++2a`). */
export const CPP_DEFINITION = { 17: 'cpp17-kernel', 20: 'cpp2a-kernel' } as const;

/** The kernel definition as the env (an attribute set, not a derivation) and its argv. */
export function emit(k: NormalizedCppKernel, envVar: NixExpr): KernelParts {
  return { env: select(v('pkgs'), CPP_DEFINITION[k.std]), argv: select(envVar, 'argv') };
}
