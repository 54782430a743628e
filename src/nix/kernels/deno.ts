// JavaScript and TypeScript kernels: Deno's built-in kernel, `pkgs.deno` (in nixpkgs 24.11
// pkgs/development/web/deno/default.nix, later pkgs/by-name/de/deno/package.nix). argv is what
// `deno jupyter --install` writes (denoland/deno cli/tools/jupyter/install.rs:
// `[deno, "jupyter", "--kernel", "--conn", "{connection_file}"]`, language "typescript"); the
// kernel runs JavaScript too, so the javascript kind only changes kernel.json's language.
import type { NormalizedJavascriptKernel, NormalizedTypescriptKernel } from '../../definitions/types.js';
import { list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.deno` and `deno jupyter --kernel --conn {connection_file}`. */
export function emitDeno(_k: NormalizedJavascriptKernel | NormalizedTypescriptKernel, envVar: NixExpr): KernelParts {
  return {
    env: select(v('pkgs'), 'deno'),
    argv: list([strParts(envVar, '/bin/deno'), str('jupyter'), str('--kernel'), str('--conn'), str('{connection_file}')]),
  };
}
