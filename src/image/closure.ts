// The closure of some store paths: every path they need, with its references and NAR size,
// from one `nix path-info --json --recursive` call.
import { realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { spawn } from 'node:child_process';
import { InternalError, MissingToolError, ToolError, UserError, type Problem } from '../errors.js';
import { byteOrder } from './names.js';

/** The Nix store directory (`/nix/store` unless NIX_STORE_DIR says otherwise). */
export function storeDir(): string {
  return process.env.NIX_STORE_DIR || '/nix/store';
}

/** One store path of a closure. */
export interface ClosureNode {
  /** Absolute store path, `/nix/store/<hash>-<name>`. */
  path: string;
  /** Store paths this one refers to, sorted (may include itself). */
  references: string[];
  /** Size of its NAR serialisation in bytes (close to the bytes it adds to a layer). */
  narSize: number;
  /** Hash of its NAR serialisation (`sha256:…` as Nix prints it): identifies the contents. */
  narHash?: string;
}

const STORE_NAME = /^[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/;

/** True when `p` is a top-level store path (`/nix/store/<hash>-<name>`, nothing below it). */
export function isStorePath(p: string): boolean {
  const dir = storeDir();
  return posix.dirname(p) === dir && STORE_NAME.test(posix.basename(p));
}

/**
 * Resolves what the user named (a store path, or a symlink to one such as `./result`) to
 * top-level store paths. All problems are reported at once.
 */
export async function resolveStorePaths(inputs: string[]): Promise<string[]> {
  const problems: Problem[] = [];
  const out: string[] = [];
  for (const input of inputs) {
    let real: string;
    try {
      real = await realpath(input);
    } catch (error) {
      problems.push({ where: input, message: `cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, hint: 'pass an existing store path or a result symlink from nix-build' });
      continue;
    }
    if (!isStorePath(real)) {
      problems.push({
        where: input,
        message: real === input ? 'is not a top-level store path' : `resolves to ${real}, which is not a top-level store path`,
        hint: `pass ${storeDir()}/<hash>-<name> itself, not a file inside it`,
      });
      continue;
    }
    out.push(real);
  }
  if (problems.length) throw new UserError(problems);
  return [...new Set(out)].sort(byteOrder);
}


/**
 * The closure of `storePaths` (which must be valid store paths), sorted by path, each node with
 * its sorted references and NAR size.
 */
export async function queryClosure(storePaths: string[], opts: { signal?: AbortSignal } = {}): Promise<ClosureNode[]> {
  if (storePaths.length === 0) return [];
  const query = (json: string[]) => ['path-info', ...json, '--recursive', '--extra-experimental-features', 'nix-command', '--', ...storePaths];
  // The arguments every Nix before 2.33 takes run while `nix --version` says which are wanted
  // (each call took 20-35 ms here; one after the other, they held up a pack's first layer).
  const usual = pathInfoJsonArgs(null);
  const early = run('nix', query(usual), opts.signal);
  early.catch(() => undefined);
  const json = pathInfoJsonArgs(await installedNixVersion(opts.signal));
  const args = query(json);
  const shown = `nix ${args.join(' ')}`;
  const result = json.join(' ') === usual.join(' ') ? await early : await run('nix', args, opts.signal);
  if (result.code === 'ENOENT') throw new MissingToolError('nix', 'reading the closure of the image');
  if (result.exitCode !== 0) {
    const tail = result.stderr.split('\n').filter(Boolean).slice(-20);
    const invalid = /path '([^']+)' is not valid/.exec(result.stderr);
    throw new ToolError(shown, result.exitCode ?? undefined, tail, 'querying the closure', {
      suggestions: invalid ? [`build ${invalid[1]} first (nix-build), or check the path`] : [],
    });
  }
  return parsePathInfo(result.stdout, shown);
}

/**
 * Runs a command to completion, collecting its output. node:child_process rather than execa
 * (which build/ uses for nix-build's streamed log): this one call needs none of execa, and
 * loading execa would add ~0.1 s to every `nixlab pack`.
 */
function run(cmd: string, args: string[], signal?: AbortSignal): Promise<{ exitCode: number | null; code?: string; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(signal.reason);
      else if (error.code === 'ENOENT') resolve({ exitCode: null, code: 'ENOENT', stdout: '', stderr: '' });
      else reject(error);
    });
    child.on('close', (exitCode) => {
      if (signal?.aborted) return reject(signal.reason);
      resolve({ exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** Entries as `nix path-info --json` gives them: path → the object, or null for an invalid path. */
type RawEntries = [string, unknown][];

/**
 * Parses `nix path-info --json` output in every shape Nix has printed (fixtures and their
 * sources: test/pipeline/fixtures/path-info/README.md):
 * - Nix 2.8–2.18: an array of objects with `path`; an invalid path is `{ path, valid: false }`;
 * - 2.19–2.32, and 2.33+ `--json-format 1` (or bare `--json`): an object keyed by full store
 *   path, `null` for an invalid path; fields absent or null when unknown;
 * - 2.33+ `--json-format 2` and 2.35+ format 3: `{ version, storeDir, info }`, `info` keyed by
 *   store path *base names*, `references` base names too; `ca` and `signatures` structured.
 * Unknown fields are ignored: nixlab reads only references, narSize and narHash.
 */
export function parsePathInfo(stdout: string, command = 'nix path-info'): ClosureNode[] {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch (error) {
    throw new InternalError(`${command} printed something that is not JSON: ${stdout.slice(0, 200)}`, { cause: error });
  }
  let entries: RawEntries;
  let prefix = '';
  if (Array.isArray(data)) {
    entries = data.map((item) => {
      const it = item as { path?: unknown; valid?: unknown };
      return [String(it?.path), it?.valid === false ? null : item];
    });
  } else if (data && typeof data === 'object') {
    const d = data as { version?: unknown; storeDir?: unknown; info?: unknown };
    if (typeof d.version === 'number' && d.info && typeof d.info === 'object' && !Array.isArray(d.info)) {
      // The wrapped formats name paths by base name; the store directory comes with them.
      prefix = `${typeof d.storeDir === 'string' ? d.storeDir : storeDir()}/`;
      entries = Object.entries(d.info as Record<string, unknown>);
    } else entries = Object.entries(data as Record<string, unknown>);
  } else {
    throw new InternalError(`${command}: expected a JSON array or object, got ${stdout.slice(0, 200)}`);
  }
  const full = (p: string) => (prefix && !p.startsWith('/') ? prefix + p : p);
  const nodes: ClosureNode[] = [];
  for (const [key, value] of entries) {
    const path = full(key);
    if (value === null || typeof value !== 'object') {
      throw new UserError({ where: path, message: 'is not a valid store path', hint: 'build it first with nix-build' });
    }
    const it = value as { references?: unknown; narSize?: unknown; narHash?: unknown };
    if (!Array.isArray(it.references) || !it.references.every((r) => typeof r === 'string') || typeof it.narSize !== 'number') {
      throw new InternalError(`${command}: unexpected entry for ${path}: ${JSON.stringify(value).slice(0, 200)}`);
    }
    const node: ClosureNode = { path, references: (it.references as string[]).map(full).sort(byteOrder), narSize: it.narSize };
    if (typeof it.narHash === 'string' && it.narHash) node.narHash = it.narHash;
    nodes.push(node);
  }
  nodes.sort((a, b) => byteOrder(a.path, b.path));
  return nodes;
}

/** The Nix version `nix --version` reports (`nix (Nix) 2.8.0` → [2, 8, 0]), once per process. */
let nixVersion: Promise<number[] | null> | undefined;
function installedNixVersion(signal?: AbortSignal): Promise<number[] | null> {
  nixVersion ??= run('nix', ['--version'], signal).then((r) => {
    const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
  });
  return nixVersion;
}

/**
 * The JSON arguments of `nix path-info` for a Nix version: 2.33 and later deprecate a bare
 * `--json` ("this will become an error"), so they are asked for format 2, which older ones
 * do not know.
 */
export function pathInfoJsonArgs(version: number[] | null): string[] {
  const [major = 0, minor = 0] = version ?? [];
  return major > 2 || (major === 2 && minor >= 33) ? ['--json', '--json-format', '2'] : ['--json'];
}
