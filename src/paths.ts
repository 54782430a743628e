// Locations inside the installed nixlab package (works from src/ under ts-jest and from dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding nixlab's package.json (and nix/, flake.lock, test/offline-pkgs). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'nix', 'lib.nix'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nixlab package root not found');
    dir = up;
  }
  return (root = dir);
}
