// Locations inside the installed nixlab package (works from src/ under ts-jest and from dist/),
// and nixlab's cache directory.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/**
 * The version of dependency `name` that nixlab's modules load: read from the package root's
 * node_modules when it is there (what node's resolution finds first from dist/ or src/), else
 * from where node resolves it (a hoisted install). Resolving `name/package.json` through a
 * package's exports map loads part of node's ES module resolver: ~1.5 ms on a start.
 */
export function dependencyVersion(name: string): string {
  let text: string;
  try {
    text = readFileSync(join(packageRoot(), 'node_modules', name, 'package.json'), 'utf8');
  } catch {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  }
  return (JSON.parse(text) as { version: string }).version;
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
