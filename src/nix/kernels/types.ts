// What a kernel kind's emitter returns: the kernel's environment and its kernel.json argv.
import type { NixExpr } from '../ast.js';

/** One kernel's part of default.nix. */
export interface KernelParts {
  /** The kernel's environment, bound to `envVar` in default.nix (and listed in `kernelEnvs`). */
  env: NixExpr;
  /** kernel.json `argv`: an expression that evaluates to a list of strings; `envVar` may appear in it. */
  argv: NixExpr;
}
