// Helpers for the offline package set tests: real nix-instantiate / nix-build runs against
// offline (no mocks). Every expression is evaluated with `pkgs` bound to the set.
import { execa } from 'execa';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the offline package set (offline/ at the top of the repository). */
export const OFFLINE_PKGS = fileURLToPath(new URL('../../offline', import.meta.url));

/**
 * The kernel kinds the offline set builds for real, each with options it can honour (a fact
 * about the test package set: users see every kind). The other kinds are refused at evaluation.
 */
export const BUILDS_OFFLINE: Record<string, Record<string, unknown>> = {
  python: { version: '3.11', packages: ['numpy'] },
  r: { packages: ['jsonlite'] },
  octave: { packages: ['signal'] },
  javascript: {},
  typescript: {},
  custom: { language: 'sh', argv: ['sh', '{connection_file}'], packages: ['busybox'] },
};

/** Wraps a Nix expression so that `pkgs` (and `lib`) are in scope. */
export function withPkgs(expr: string, importArgs = '{}'): string {
  return `let pkgs = import ${OFFLINE_PKGS} ${importArgs}; inherit (pkgs) lib; in ${expr}`;
}

/** nix-build the expression; returns the (first) output path. Two jobs: the machines have 2 cores. */
export async function build(expr: string, extraArgs: string[] = []): Promise<string> {
  const { stdout } = await execa('nix-build', ['--no-out-link', '-j', '2', ...extraArgs, '-E', withPkgs(expr)]);
  const paths = stdout.trim().split('\n');
  return paths[paths.length - 1];
}

/** nix-build expected to fail; returns its stderr. */
export async function buildFails(expr: string): Promise<string> {
  const r = await execa('nix-build', ['--no-out-link', '-j', '2', '-E', withPkgs(expr)], { reject: false });
  if (r.exitCode === 0) throw new Error(`expected nix-build to fail, got ${r.stdout}`);
  return r.stderr;
}

/** Evaluates the expression strictly and returns the JSON value. */
export async function evalJson<T = unknown>(expr: string, importArgs = '{}'): Promise<T> {
  const { stdout } = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', withPkgs(expr, importArgs)]);
  return JSON.parse(stdout) as T;
}

/** nix-instantiate --eval expected to fail; returns its stderr. */
export async function evalFails(expr: string): Promise<string> {
  const r = await execa('nix-instantiate', ['--eval', '--strict', '-E', withPkgs(expr)], { reject: false });
  if (r.exitCode === 0) throw new Error(`expected evaluation to fail, got ${r.stdout}`);
  return r.stderr;
}

/** The derivation (as `nix show-derivation` prints it) of the expression. */
export async function showDerivation(expr: string): Promise<{ builder: string; args: string[]; env: Record<string, string> }> {
  const { stdout: drvPath } = await execa('nix-instantiate', ['-E', withPkgs(expr)]);
  const { stdout } = await execa('nix', ['show-derivation', drvPath.trim()]);
  const parsed = JSON.parse(stdout) as Record<string, { builder: string; args: string[]; env: Record<string, string> }>;
  return Object.values(parsed)[0];
}

/** Runtime closure of a store path. */
export async function closure(path: string): Promise<string[]> {
  const { stdout } = await execa('nix-store', ['-qR', path]);
  return stdout.trim().split('\n');
}

/** Total size in bytes of a set of store paths (nix-store -q --size sums NAR sizes). */
export async function narSize(paths: string[]): Promise<number> {
  let total = 0;
  for (const p of paths) {
    const { stdout } = await execa('nix-store', ['-q', '--size', p]);
    total += Number(stdout.trim());
  }
  return total;
}

/** Relative paths of everything under dir (files, symlinks, directories), sorted. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r), { throwIfNoEntry: false });
      const isLink = readlinkOrNull(join(dir, r)) !== null;
      out.push(r);
      if (st?.isDirectory() && !isLink) walk(r);
    }
  };
  walk('');
  return out;
}

export function readlinkOrNull(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

export function read(p: string): string {
  return readFileSync(p, 'utf8');
}

/** The first n bytes of a file, as latin1 (enough for magic numbers and shebang lines). */
export function head(p: string, n: number): string {
  const fd = openSync(p, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export { existsSync };
