// The pinned nixpkgs: read from flake.lock, turned into a fetchTarball URL and hash.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InternalError } from '../errors.js';
import { packageRoot } from '../paths.js';
import type { NixpkgsPin } from '../definitions/types.js';

/** A nixpkgs revision with its tarball URL and the NAR hash of the unpacked tree. */
export interface ResolvedPin {
  owner: string;
  repo: string;
  rev: string;
  narHash: string;
  url: string;
  /** narHash in Nix's base-32, the form `builtins.fetchTarball { sha256 }` takes in every Nix. */
  sha256: string;
}

// Nix's base-32 alphabet: digits and letters without e, o, t, u.
const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

/** Nix's base-32 encoding of a hash (as `nix-hash --to-base32`). */
export function toNixBase32(bytes: Uint8Array): string {
  const len = Math.ceil((bytes.length * 8) / 5);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = Math.floor(b / 8);
    const j = b % 8;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    out += NIX32[c & 0x1f];
  }
  return out;
}

/** Resolves a pin (flake.lock's nixpkgs node when `override` is undefined). */
export function resolvePin(override?: NixpkgsPin): ResolvedPin {
  let owner = 'NixOS';
  let repo = 'nixpkgs';
  let rev: string;
  let narHash: string;
  if (override) {
    ({ rev, narHash } = override);
  } else {
    const lock = JSON.parse(readFileSync(join(packageRoot(), 'flake.lock'), 'utf8'));
    const locked = lock?.nodes?.nixpkgs?.locked;
    if (!locked || locked.type !== 'github') throw new InternalError('flake.lock has no github nixpkgs node');
    ({ owner, repo, rev, narHash } = locked);
  }
  const m = /^sha256-([A-Za-z0-9+/]{43}=)$/.exec(narHash);
  if (!m || !/^[0-9a-f]{40}$/.test(rev)) throw new InternalError(`malformed nixpkgs pin ${rev} ${narHash}`);
  return {
    owner,
    repo,
    rev,
    narHash,
    url: `https://github.com/${owner}/${repo}/archive/${rev}.tar.gz`,
    sha256: toNixBase32(Buffer.from(m[1]!, 'base64')),
  };
}
