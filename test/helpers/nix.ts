// Test helpers that run the real Nix evaluator on emitted code.
import { execa } from 'execa';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'nixlab-eval-'));
let n = 0;

/** Writes Nix source to a temp file and returns its path. */
export function nixFile(source: string): string {
  const file = join(dir, `e${n++}.nix`);
  writeFileSync(file, source);
  return file;
}

/** `nix-instantiate --eval --strict --json` on source text; returns the parsed JSON. */
export async function evalJson(source: string): Promise<unknown> {
  const { stdout } = await execa('nix-instantiate', ['--eval', '--strict', '--json', nixFile(source)]);
  return JSON.parse(stdout);
}

/** `nix-instantiate --parse` on source text; throws on a syntax error. */
export async function parseNix(source: string): Promise<string> {
  const { stdout } = await execa('nix-instantiate', ['--parse', nixFile(source)]);
  return stdout;
}
