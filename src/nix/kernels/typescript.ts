// TypeScript kernels: Deno's built-in kernel (see ./deno.ts for the nixpkgs files checked).
import type { NormalizedTypescriptKernel } from '../../definitions/types.js';
import type { NixExpr } from '../ast.js';
import { emitDeno } from './deno.js';
import type { KernelParts } from './types.js';

/** `pkgs.deno` and Deno's kernel argv. */
export function emit(k: NormalizedTypescriptKernel, envVar: NixExpr): KernelParts {
  return emitDeno(k, envVar);
}
