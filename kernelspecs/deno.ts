// What the JavaScript and TypeScript presets share: Deno's built-in kernel. Checked against
// nixpkgs pkgs/development/web/deno/default.nix (24.11; later pkgs/by-name/de/deno/package.nix)
// and denoland/deno cli/tools/jupyter/install.rs (argv; language "typescript").
import type { KernelPreset } from './types.js';

export const checkedAgainst: KernelPreset['checkedAgainst'] = ['pkgs/development/web/deno/default.nix', 'pkgs/by-name/de/deno/package.nix', 'denoland/deno cli/tools/jupyter/install.rs'];
export const argv: KernelPreset['argv'] = ['<env>/bin/deno', 'jupyter', '--kernel', '--conn', '{connection_file}'];
export const notes: NonNullable<KernelPreset['notes']> = ['`deno jupyter` needs Deno 2 (Deno 1.x wanted --unstable); the same kernel runs both languages'];
