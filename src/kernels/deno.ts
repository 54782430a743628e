// What the JavaScript and TypeScript kinds share: Deno's built-in kernel, `pkgs.deno`
// (pkgs/by-name/de/deno/package.nix). argv is what `deno jupyter --install` writes
// (denoland/deno cli/tools/jupyter/install.rs: `[deno, "jupyter", "--kernel", "--conn",
// "{connection_file}"]`, language "typescript"); the kernel runs JavaScript too, so the two
// kinds differ only in kernel.json's language.
import { list, select, str, strParts, v, type NixExpr } from '../nix/ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.deno` and `deno jupyter --kernel --conn {connection_file}`. */
export function emitDeno(envVar: NixExpr): KernelParts {
  return { env: select(v('pkgs'), 'deno'), argv: list([strParts(envVar, '/bin/deno'), str('jupyter'), str('--kernel'), str('--conn'), str('{connection_file}')]) };
}

export const denoCheckedAgainst = ['pkgs/by-name/de/deno/package.nix', 'denoland/deno cli/tools/jupyter/install.rs'];
export const denoNotes = ['`deno jupyter` needs Deno 2 (Deno 1.x wanted --unstable); the same kernel runs both languages'];
