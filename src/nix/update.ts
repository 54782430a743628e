// `nixlab update`: move a config's nixpkgs pin (or a flake.lock's) to the head of a branch or
// to a given revision. Nix computes the hash (nix-prefetch-url --unpack, so the tree is fetched
// once), both package sets are evaluated for the versions of the declared kernels' packages,
// and only then is the file rewritten, atomically. Any failure rewrites nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execTool, type RunHooks } from '../exec.js';
import { loadConfig } from '../definitions/load.js';
import { nixpkgsRev } from '../definitions/rules.js';
import { ToolError, UserError } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { kindOf, type NormalizedKernel } from '../kernels/index.js';
import { packageRoot } from '../paths.js';
import { resolvePin, type ResolvedPin } from './pin.js';

/** What `nixlab update` takes. */
export interface UpdateOptions extends Pick<RunHooks, 'onWarning'> {
  /** The config whose kernels are reported on (and whose pin moves, unless `flakeLock`). */
  config: string;
  /** Move to the head of this branch (default: the pin's own branch, from flake.lock). */
  branch?: string;
  /** Move to this revision instead. */
  rev?: string;
  /** The narHash the new revision must have (refused, and nothing written, when it differs). */
  narHash?: string;
  /** Move this flake.lock's nixpkgs node instead of the config's pin. */
  flakeLock?: string;
  /** The git remote branches are resolved in. */
  remote?: string;
  /** The tarball URL of a revision: `{rev}` is replaced. */
  archive?: string;
}

/** One package's version before and after. */
export interface VersionChange {
  kernel: string;
  attr: string;
  before: string | null;
  after: string | null;
}

export interface UpdateResult {
  file: string;
  old: { rev: string; narHash: string };
  new: { rev: string; narHash: string };
  /** Where the rev came from (`branch nixos-26.05`, `--rev`). */
  source: string;
  /** Every kernel package's version in both, in config order. */
  versions: VersionChange[];
  /** False when the pin did not move (already at that revision). */
  changed: boolean;
}

export const DEFAULT_REMOTE = 'https://github.com/NixOS/nixpkgs';
export const DEFAULT_ARCHIVE = 'https://github.com/NixOS/nixpkgs/archive/{rev}.tar.gz';

/** The branch flake.lock's nixpkgs input follows (`nixos-26.05`). */
async function pinnedBranch(lockFile: string): Promise<string> {
  const lock = JSON.parse(await readFile(lockFile, 'utf8')) as { nodes?: { nixpkgs?: { original?: { ref?: string } } } };
  return lock.nodes?.nixpkgs?.original?.ref ?? 'nixos-unstable';
}

/** The commit at the head of `branch` on `remote` (`git ls-remote`). */
async function branchHead(remote: string, branch: string): Promise<string> {
  const out = await execTool('git', ['ls-remote', '--heads', remote, `refs/heads/${branch}`], { what: `looking up branch ${branch} at ${remote}` });
  const rev = out.split('\n').map((l) => l.split(/\s+/)[0]).find((r) => r && /^[0-9a-f]{40}$/.test(r));
  if (!rev) throw new UserError({ where: '--branch', message: `branch ${JSON.stringify(branch)} does not exist at ${remote}`, hint: 'check the name (e.g. nixos-26.05 or nixos-unstable), or give --rev' });
  return rev;
}

/** Fetches a revision's tree into the store: its SRI narHash and store path. Unknown revision: UserError. */
async function prefetch(url: string, rev: string, expectedBase32?: string): Promise<{ narHash: string; storePath: string }> {
  let out: string;
  try {
    out = await execTool('nix-prefetch-url', ['--unpack', '--print-path', '--type', 'sha256', url, ...(expectedBase32 ? [expectedBase32] : [])], { what: `fetching nixpkgs ${rev}` });
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const tail = error.logTail.join('\n');
    if (/hash mismatch/i.test(tail)) throw new UserError({ where: url, message: `the tree of ${rev} does not have the hash the pin records`, hint: 'the pin is corrupt or the archive changed: check the rev, or drop the config\'s nixpkgs key and pin again' }, { cause: error });
    throw new UserError({ where: '--rev', message: `nixpkgs revision ${rev} could not be fetched from ${url}`, hint: 'check that the revision exists in NixOS/nixpkgs (a full 40-character commit id) and that the network reaches it' }, { cause: error });
  }
  const [base32, storePath] = out.split('\n').map((l) => l.trim());
  if (!base32 || !storePath) throw new ToolError('nix-prefetch-url', 0, [out], `fetching nixpkgs ${rev} printed no hash and path`);
  const sri = await execTool('nix', ['--extra-experimental-features', 'nix-command', 'hash', 'to-sri', '--type', 'sha256', base32], { what: 'converting the hash' });
  return { narHash: sri.trim(), storePath };
}

/** The versions of every kernel's package attributes in the nixpkgs at `tree` (null: none or not evaluable). */
async function versionsIn(tree: string, kernels: NormalizedKernel[]): Promise<Map<string, string | null>> {
  const attrs = [...new Set(kernels.flatMap((k) => (kindOf(k.kind)!.packageAttrs as (k: NormalizedKernel) => string[])(k)))];
  // Each attribute is looked up on its own, so that one missing or refused package does not
  // hide the others' versions.
  const lookup = (attr: string) => {
    const sel = attr.split('.').map((s) => JSON.stringify(s)).join('.');
    return `${JSON.stringify(attr)} = let r = builtins.tryEval (let v = (pkgs.${sel}.version or null); in if builtins.isString v then v else null); in if r.success then r.value else null;`;
  };
  const expr = `let pkgs = import ${JSON.stringify(tree)} { config = { }; overlays = [ ]; }; in { ${attrs.map(lookup).join(' ')} }`;
  const out = await execTool('nix-instantiate', ['--eval', '--strict', '--json', '--expr', expr], { what: 'evaluating the kernels\' package versions' });
  const data = JSON.parse(out) as Record<string, string | null>;
  return new Map(attrs.map((a) => [a, data[a] ?? null]));
}

/** Moves the pin; see UpdateOptions. */
export async function update(opts: UpdateOptions): Promise<UpdateResult> {
  if (opts.rev !== undefined && opts.branch !== undefined) throw new UserError({ where: '--rev', message: 'give either --rev or --branch, not both', hint: 'drop one of them' });
  if (opts.rev !== undefined) {
    const bad = nixpkgsRev.explain(opts.rev);
    if (bad) throw new UserError({ where: '--rev', ...bad });
  }
  const { file, config, warnings } = await loadConfig(opts.config);
  for (const w of warnings) opts.onWarning?.(w);
  if (!opts.flakeLock && !/\.(ya?ml|json)$/i.test(file)) {
    throw new UserError({ where: file, message: 'nixlab rewrites the pin in YAML and JSON configs only', hint: 'put the pin in the file yourself (nixpkgs: { rev, narHash }; `nixlab update --rev REV` on a JSON copy prints both), or pass --flake-lock' });
  }
  const lockFile = opts.flakeLock ?? path.join(packageRoot(), 'flake.lock');
  const current: ResolvedPin = opts.flakeLock ? resolvePinFromLock(JSON.parse(await readFile(opts.flakeLock, 'utf8'))) : resolvePin(config.nixpkgs);
  const remote = opts.remote ?? DEFAULT_REMOTE;
  const archive = opts.archive ?? DEFAULT_ARCHIVE;
  const branch = opts.branch ?? (opts.rev ? undefined : await pinnedBranch(opts.flakeLock ?? lockFile));
  const rev = opts.rev ?? (await branchHead(remote, branch!));
  const source = opts.rev ? `revision ${rev}` : `head of ${branch} at ${remote}`;

  const next = await prefetch(archive.replace('{rev}', rev), rev);
  if (opts.narHash !== undefined && opts.narHash !== next.narHash) {
    throw new UserError({ where: '--narHash', message: `${rev} has narHash ${next.narHash}, not ${opts.narHash}`, hint: 'check the hash you copied, or leave --narHash out to take the one Nix computed' });
  }
  const previous = await prefetch(archive.replace('{rev}', current.rev), current.rev, current.sha256);
  const [before, after] = await Promise.all([versionsIn(previous.storePath, config.kernels), versionsIn(next.storePath, config.kernels)]);
  const versions: VersionChange[] = config.kernels.flatMap((k) =>
    (kindOf(k.kind)!.packageAttrs as (k: NormalizedKernel) => string[])(k).map((attr) => ({ kernel: k.name, attr, before: before.get(attr) ?? null, after: after.get(attr) ?? null })),
  );
  const changed = rev !== current.rev;
  const target = opts.flakeLock ?? file;
  if (changed) {
    if (opts.flakeLock) await rewriteFlakeLock(opts.flakeLock, rev, next.narHash);
    else await rewriteConfigPin(file, rev, next.narHash);
  }
  return { file: target, old: { rev: current.rev, narHash: current.narHash }, new: { rev, narHash: next.narHash }, source, versions, changed };
}

/** The pin of a flake.lock's nixpkgs node. */
function resolvePinFromLock(lock: { nodes?: { nixpkgs?: { locked?: { rev?: string; narHash?: string } } } }): ResolvedPin {
  const locked = lock.nodes?.nixpkgs?.locked;
  if (!locked?.rev || !locked.narHash) throw new UserError({ where: '--flake-lock', message: 'has no nixpkgs node with rev and narHash', hint: 'point it at a flake.lock with a github nixpkgs input' });
  return resolvePin({ rev: locked.rev, narHash: locked.narHash });
}

async function rewriteFlakeLock(file: string, rev: string, narHash: string): Promise<void> {
  const lock = JSON.parse(await readFile(file, 'utf8'));
  lock.nodes.nixpkgs.locked = { ...lock.nodes.nixpkgs.locked, rev, narHash };
  // flake.lock's lastModified is the commit's time, which only git knows; Nix rewrites it on
  // the next `nix flake lock`. Dropping a stale value is better than keeping a wrong one.
  delete lock.nodes.nixpkgs.locked.lastModified;
  await writeFileAtomic(file, JSON.stringify(lock, null, 2) + '\n');
}

/** Sets the config's `nixpkgs.rev` and `nixpkgs.narHash`, keeping the rest of the file as it is. */
async function rewriteConfigPin(file: string, rev: string, narHash: string): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const text = await readFile(file, 'utf8');
  if (ext === '.yaml' || ext === '.yml') {
    const { parseDocument } = await import('yaml');
    const doc = parseDocument(text);
    doc.setIn(['nixpkgs', 'rev'], rev);
    doc.setIn(['nixpkgs', 'narHash'], narHash);
    return writeFileAtomic(file, doc.toString());
  }
  if (ext === '.json') {
    const data = JSON.parse(text) as Record<string, unknown>;
    data.nixpkgs = { ...(data.nixpkgs as object | undefined), rev, narHash };
    return writeFileAtomic(file, JSON.stringify(data, null, 2) + '\n');
  }
  throw new UserError({ where: file, message: 'nixlab rewrites the pin in YAML and JSON configs only', hint: `set it yourself: nixpkgs: { rev: '${rev}', narHash: '${narHash}' }` });
}
