// Which Nix a package set needs, checked before nix-build runs, and what a failed fetch of the
// pinned nixpkgs means. Building the pin or a nixpkgs checkout with a Nix older than it needs
// fails deep inside nixpkgs' evaluation; the offline package set works with every Nix from 2.8.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { MissingToolError, UserError } from '../errors.js';
import type { PkgsChoice } from '../pkgs.js';

/**
 * The oldest Nix the pinned nixpkgs (flake.lock, 26.x) evaluates with: its lib/minfeatures.nix
 * requires `builtins.nixVersion` >= 2.18. A pin moved by `nixlab update` to an older nixpkgs
 * needs no more than this.
 */
export const PIN_MIN_NIX = '2.18';

/** Where scripts/setup.sh installs Debian 13's Nix 2.26 (scripts/modern-nix.mjs). */
export function modernNixBin(): string {
  return join(process.env.NIXLAB_MODERN_NIX ?? '/opt/nixlab/nix-trixie', 'bin');
}

/** `2.8.0` → [2, 8, 0]; null when there is no version in the text. */
export function parseNixVersion(text: string): number[] | null {
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** a < b, comparing numerically part by part. */
export function versionLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

/**
 * The Nix version a nixpkgs checkout asks for: lib/minfeatures.nix (nixpkgs 25.11 and later,
 * `compareVersions "2.18" builtins.nixVersion`) or lib/minver.nix (older, a bare string).
 * Undefined when the checkout says nothing nixlab can read.
 */
export function checkoutMinNix(path: string): string | undefined {
  const features = join(path, 'lib', 'minfeatures.nix');
  if (existsSync(features)) {
    const m = /compareVersions\s+"(\d+(?:\.\d+)+)"\s+builtins\.nixVersion/.exec(readFileSync(features, 'utf8'));
    if (m) return m[1];
  }
  const minver = join(path, 'lib', 'minver.nix');
  if (existsSync(minver)) {
    const m = /"(\d+(?:\.\d+)+)"/.exec(readFileSync(minver, 'utf8'));
    if (m) return m[1];
  }
  return undefined;
}

/** The Nix version a package set needs, or undefined when any Nix nixlab supports will do. */
export function requiredNix(pkgs: PkgsChoice): string | undefined {
  switch (pkgs.kind) {
    case 'offline':
      return undefined;
    case 'pinned':
      return PIN_MIN_NIX;
    case 'path':
      return checkoutMinNix(pkgs.path);
  }
}

/** What `nix-build --version` on PATH reports. */
export async function nixBuildVersion(signal?: AbortSignal): Promise<{ text: string; version: number[] | null }> {
  const r = await execa('nix-build', ['--version'], { reject: false, stdin: 'ignore', cancelSignal: signal });
  if ((r as { code?: string }).code === 'ENOENT') throw new MissingToolError('nix-build', 'checking the Nix version');
  const text = String(r.stdout).trim();
  return { text, version: parseNixVersion(text) };
}

function pkgsWhat(pkgs: PkgsChoice): string {
  return pkgs.kind === 'path' ? `the nixpkgs checkout ${pkgs.path}` : 'the nixpkgs pinned in flake.lock';
}

/**
 * Fails (exit 2) when the `nix-build` on PATH is older than the package set needs, saying what
 * to put on PATH instead. nixlab never switches Nix by itself: one store, one Nix the user chose.
 */
export async function checkNixVersion(pkgs: PkgsChoice, signal?: AbortSignal): Promise<void> {
  const need = requiredNix(pkgs);
  if (need === undefined) return;
  const { text, version } = await nixBuildVersion(signal);
  if (version === null || !versionLess(version, parseNixVersion(need)!)) return;
  const modern = modernNixBin();
  const fixes = [
    existsSync(join(modern, 'nix-build'))
      ? `put the newer Nix that scripts/setup.sh installed first on PATH: export PATH=${modern}:$PATH`
      : `install Nix ${need} or newer (Debian 13's nix-bin is 2.26; scripts/setup.sh installs it into ${modern.replace(/\/bin$/, '')})`,
    'or build with the offline package set: --pkgs offline',
  ];
  throw new UserError({
    where: '--pkgs',
    message: `${pkgsWhat(pkgs)} needs Nix ${need} or newer, and the nix-build on PATH is ${version.join('.')} (${text})`,
    hint: fixes.join('; '),
  });
}

/**
 * The pinned nixpkgs could not be downloaded (no network, a proxy, GitHub down): a UserError that
 * says how to build without it, or undefined when Nix's log shows no failed fetch of nixpkgs.
 */
export function pinFetchFailure(log: string, pkgs: PkgsChoice): UserError | undefined {
  if (pkgs.kind !== 'pinned') return undefined;
  const m = /unable to download '(https:\/\/github\.com\/[^/']+\/[^/']+\/archive\/[0-9a-f]{40}\.tar\.gz)': ([^\n]*)/.exec(log);
  if (!m) return undefined;
  const cause = m[2]!.replace(/;\s*retrying in .*$/, '');
  return new UserError(
    {
      where: '--pkgs',
      message: `could not download the pinned nixpkgs ${m[1]} (${cause})`,
      hint: 'without network access, build with the offline package set (--pkgs offline) or with a local nixpkgs checkout (--pkgs PATH)',
    },
    { detail: log },
  );
}
