// Test helpers that run the real Nix evaluator on emitted code, under every Nix nixlab supports:
// Debian 12's 2.8 (/usr/bin, the one that builds) and Debian 13's 2.26 (real nixpkgs 26.x needs
// Nix >= 2.18; scripts/setup.sh installs it with scripts/modern-nix.mjs). Tests that evaluate
// iterate NIX_BINARIES.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One Nix installation the evaluating tests run under. */
export interface NixBinary {
  /** For test names: `Nix 2.8`. */
  label: string;
  /** Directory holding nix-instantiate, nix-build, … */
  dir: string;
  /**
   * Arguments every evaluation with it takes. The modern Nix never writes to /nix/store: the
   * store and its database belong to Debian's 2.8 (a newer Nix may migrate the database), so it
   * evaluates read-only against the dummy store, where nix-instantiate still prints .drv paths.
   */
  storeArgs: readonly string[];
}

/** Where scripts/modern-nix.mjs installs Debian 13's Nix. */
export const MODERN_NIX_DIR = '/opt/nixlab/nix-trixie/bin';

export const NIX_BINARIES: readonly NixBinary[] = [
  { label: 'Nix 2.8', dir: '/usr/bin', storeArgs: [] },
  { label: 'Nix 2.26', dir: MODERN_NIX_DIR, storeArgs: ['--readonly-mode', '--store', 'dummy://'] },
];

/** The default: the Nix on PATH (Debian's 2.8), which nixlab builds with. */
export const DEFAULT_NIX = NIX_BINARIES[0]!;

/** A program of `nix` with its store arguments: `nixCommand(n, 'nix-instantiate')`. */
export function nixCommand(nix: NixBinary, program: string): [string, string[]] {
  return [join(nix.dir, program), [...nix.storeArgs]];
}

const dir = mkdtempSync(join(tmpdir(), 'nixlab-eval-'));
let n = 0;

/** Writes Nix source to a temp file and returns its path. */
export function nixFile(source: string): string {
  const file = join(dir, `e${n++}.nix`);
  writeFileSync(file, source);
  return file;
}

/** `nix-instantiate --eval --strict --json` on source text; returns the parsed JSON. */
export async function evalJson(source: string, nix: NixBinary = DEFAULT_NIX): Promise<unknown> {
  const [cmd, args] = nixCommand(nix, 'nix-instantiate');
  const { stdout } = await execa(cmd, [...args, '--eval', '--strict', '--json', nixFile(source)], { maxBuffer: 256 << 20 });
  return JSON.parse(stdout);
}

/** `nix-instantiate --parse` on source text; throws on a syntax error. */
export async function parseNix(source: string, nix: NixBinary = DEFAULT_NIX): Promise<string> {
  const [cmd, args] = nixCommand(nix, 'nix-instantiate');
  const { stdout } = await execa(cmd, [...args, '--parse', nixFile(source)]);
  return stdout;
}
