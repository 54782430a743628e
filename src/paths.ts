// Locations inside the installed nixlab package (works from src/ under ts-jest and from dist/),
// and nixlab's cache directory.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InternalError } from './errors.js';

let root: string | undefined;

/** The directory holding nixlab's package.json (and nix/, flake.lock, offline). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'nix', 'lib.nix'))) {
    const up = dirname(dir);
    if (up === dir) throw new InternalError(`no directory above ${fileURLToPath(import.meta.url)} holds nixlab's package.json and nix/lib.nix: the installation is incomplete`);
    dir = up;
  }
  return (root = dir);
}

/** The environment variable that overrides the cache directory. */
export const CACHE_DIR_ENV = 'NIXLAB_CACHE_DIR';

/**
 * nixlab's cache (layer digests, compiled config modules): $NIXLAB_CACHE_DIR, else
 * $XDG_CACHE_HOME/nixlab, else ~/.cache/nixlab. Everything in it can be deleted at any time.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env[CACHE_DIR_ENV]) return env[CACHE_DIR_ENV]!;
  // The XDG spec: a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.cache'), 'nixlab');
}
