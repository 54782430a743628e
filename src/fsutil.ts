// Writing outputs so that a failure never leaves a half-written result: everything goes to a
// temporary name in the same directory and is renamed into place at the end.
import { accessSync, constants as fsConstants, copyFileSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from './errors.js';

/**
 * A fresh hidden name beside `path` (same directory, so rename is atomic). Its 32 random bits come
 * from Math.random, not node:crypto, which would cost 2–4 ms to load on every validate: they only
 * keep one process's writes apart, and the pid keeps processes apart.
 */
export function tempSibling(path: string): string {
  const random = Math.floor(Math.random() * 0x100000000);
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${random.toString(16).padStart(8, '0')}`);
}

/** Writes a file atomically (temp file + rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = tempSibling(path);
  try {
    await writeFile(tmp, data, { mode });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes a file atomically, synchronously (temp file + rename). */
export function writeFileAtomicSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempSibling(path);
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A file to place in a directory: literal text or a copy of a file on disk. */
export type DirEntry = { path: string; text: string } | { path: string; copyFrom: string };

/**
 * The file nixlab puts in every directory it generates (and replaces as a whole): a directory
 * without it is the user's, and nixlab never replaces or removes it.
 */
export const GENERATED_MARKER = '.nixlab-generated';
const MARKER_FIRST_LINE = 'This directory was written by nixlab';

function markerText(generator: string): string {
  return `${MARKER_FIRST_LINE} (${generator}). nixlab replaces it as a whole the next time it writes it:\nkeep no files of your own here.\n`;
}

export interface ReplaceDirOptions {
  /** What writes the directory, for the marker and messages (`nixlab generate`). */
  generator: string;
  /**
   * A directory nixlab wrote before it marked them: every top-level entry is one of these names
   * (so nothing in it is the user's) and `default.nix` starts with `legacyHeader`.
   */
  legacy?: { names: readonly string[]; header: string };
}

const WRITE_CODES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EBUSY: 'it is in use (a mount point or the root directory)',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file is in the way',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'too many symbolic links in the path',
};

/** A file system error while writing `where`, as a UserError saying what to do (exit 2), or the error itself. */
export function writeFailure(where: string, error: unknown, what = 'cannot write the output directory'): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined || !Object.hasOwn(WRITE_CODES, code)) return error;
  return new UserError({ where, message: `${what}: ${WRITE_CODES[code]} (${code})`, hint: 'choose a directory you can write to, e.g. a new directory in your project' }, { cause: error });
}

function notOurs(dir: string, generator: string, what: string): UserError {
  return new UserError({
    where: dir,
    message: `${dir} holds files nixlab did not write (${what}); nothing was changed`,
    hint: `choose an empty or new directory (a directory ${generator} wrote before holds a ${GENERATED_MARKER} file and is replaced)`,
  });
}

/** What `dir` is now: absent, an empty directory, nixlab's own directory; anything else is refused. */
function classify(dir: string, opts: ReplaceDirOptions): 'absent' | 'empty' | 'ours' {
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw writeFailure(dir, e);
  }
  if (st.isSymbolicLink()) throw notOurs(dir, opts.generator, 'it is a symbolic link');
  if (!st.isDirectory()) throw notOurs(dir, opts.generator, 'it is a file, not a directory');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw writeFailure(dir, e, 'cannot read the output directory');
  }
  if (names.length === 0) return 'empty';
  if (names.includes(GENERATED_MARKER)) {
    const m = lstatSync(join(dir, GENERATED_MARKER));
    const text = m.isFile() && m.size < 4096 ? readTextOr(join(dir, GENERATED_MARKER), '') : '';
    if (text.startsWith(MARKER_FIRST_LINE)) return 'ours';
  }
  const legacy = opts.legacy;
  if (legacy && names.every((n) => legacy.names.includes(n)) && names.includes('default.nix')) {
    const head = readTextOr(join(dir, 'default.nix'), '');
    if (head.startsWith(legacy.header)) return 'ours';
  }
  throw notOurs(dir, opts.generator, `${names.length} entr${names.length === 1 ? 'y' : 'ies'} and no ${GENERATED_MARKER} file`);
}

/**
 * Why the tree at `dir` could not be removed completely, if it could not: a mount point inside
 * it, or a directory this process may not change. Checked before anything moves, so that a
 * removal that would stop halfway is refused instead.
 */
function unremovable(dir: string): string | undefined {
  const root = lstatSync(dir);
  const walk = (d: string): string | undefined => {
    try {
      accessSync(d, fsConstants.W_OK | fsConstants.X_OK);
    } catch {
      return `${d} is not writable`;
    }
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      if (st.dev !== root.dev) return `${p} is a mount point`;
      if (e.isDirectory()) {
        const why = walk(p);
        if (why) return why;
      }
    }
    return undefined;
  };
  return walk(dir);
}

/** A file's text, or `fallback` when it cannot be read. */
function readTextOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Replaces directory `dir` with exactly `entries` (and the GENERATED_MARKER file), never a
 * directory of the user's: `dir` must be absent, empty, or one nixlab wrote (it holds the
 * marker). Anything else is refused with a UserError and nothing changes. The entries are
 * written into a temporary sibling directory, then swapped in with renames; the old copy is
 * removed only after the new one is in place, and only when nothing in it would stop the
 * removal halfway (checked first). On failure the old directory is left as it was.
 * The file system calls are synchronous: a project is tens of small files, and a round trip
 * through node's thread pool for each cost more than the writes (start-up time of generate).
 */
export async function replaceDir(dir: string, entries: DirEntry[], opts: ReplaceDirOptions): Promise<void> {
  dir = resolve(dir);
  const state = classify(dir, opts);
  if (state === 'ours') {
    const why = unremovable(dir);
    if (why) throw new UserError({ where: dir, message: `cannot replace the directory ${opts.generator} wrote before: ${why}; nothing was changed`, hint: `remove ${dir} yourself, or choose a new directory` });
  }
  try {
    mkdirSync(dirname(dir), { recursive: true });
  } catch (e) {
    throw writeFailure(dirname(dir), e);
  }
  sweepStaleTempsSync(dir);
  const tmp = tempSibling(dir);
  try {
    mkdirSync(tmp);
    const made = new Set([tmp]);
    for (const e of [...entries, { path: GENERATED_MARKER, text: markerText(opts.generator) }]) {
      const target = join(tmp, e.path);
      if (!made.has(dirname(target))) {
        mkdirSync(dirname(target), { recursive: true });
        made.add(dirname(target));
      }
      if ('text' in e) writeFileSync(target, e.text, { mode: 0o644 });
      else copyFileSync(e.copyFrom, target);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw writeFailure(dir, e);
  }
  if (state === 'empty') {
    // The user's own (empty) directory stays: its inode, owner and mode, and a shell's working
    // directory in it. The entries move in one by one; a failure takes back those moved.
    const names = readdirSync(tmp);
    const moved: string[] = [];
    try {
      for (const n of names) {
        renameSync(join(tmp, n), join(dir, n));
        moved.push(n);
      }
    } catch (e) {
      for (const n of moved) rmSync(join(dir, n), { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
      throw writeFailure(dir, e);
    }
    rmSync(tmp, { recursive: true, force: true });
    return;
  }
  const old = state === 'ours' ? tempSibling(dir) : undefined;
  try {
    if (old) renameSync(dir, old);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw writeFailure(dir, e);
  }
  try {
    renameSync(tmp, dir);
  } catch (e) {
    if (old) renameSync(old, dir);
    rmSync(tmp, { recursive: true, force: true });
    throw writeFailure(dir, e);
  }
  if (old) {
    try {
      rmSync(old, { recursive: true, force: true, maxRetries: 3 });
    } catch (e) {
      throw new UserError(
        { where: old, message: `the new ${basename(dir)} is in place, but its previous copy could not be removed completely (${(e as Error).message})`, hint: `remove ${old} yourself; nixlab also removes it the next time it writes ${dir}` },
        { cause: e },
      );
    }
  }
}

const TEMP_NAME = /^\.(.+)\.tmp-([0-9]+)-[0-9a-f]{8}$/;

/** True when process `pid` is running (or exists but belongs to someone else). */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary siblings of `path` (`.NAME.tmp-PID-XXXXXXXX`, tempSibling's names only)
 * whose process is gone: a nixlab killed with SIGKILL mid-write leaves them. Temp files of
 * running processes, and every other file, stay. Best effort: a failure is ignored.
 */
export async function sweepStaleTemps(path: string): Promise<string[]> {
  return sweepStaleTempsSync(path);
}

function sweepStaleTempsSync(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const m = TEMP_NAME.exec(n);
    if (!m || m[1] !== name || alive(Number(m[2]))) continue;
    try {
      rmSync(join(dir, n), { recursive: true, force: true });
      removed.push(n);
    } catch {
      // left for the next run
    }
  }
  return removed;
}

/** A file nixlab writes into a directory the user chose, and how to tell its earlier copy. */
export interface GeneratedFile {
  path: string;
  text: string;
  mode?: number;
  /** True when `existing` (the file's current text) is a copy nixlab wrote. */
  ours: (existing: string) => boolean;
}

/**
 * Writes `files` (each atomically), never over a file of the user's: every path must be absent
 * or hold a copy nixlab wrote (`ours`), checked for all files before any is written; otherwise
 * a UserError names the file and nothing changes. `generator` names the command for messages.
 */
export async function writeGeneratedFiles(files: GeneratedFile[], generator: string): Promise<void> {
  await checkGeneratedFiles(files, generator);
  for (const f of files) {
    try {
      await writeFileAtomic(f.path, f.text, f.mode);
    } catch (e) {
      throw writeFailure(f.path, e);
    }
  }
}

/** Throws the UserError writeGeneratedFiles would, before anything is built or written. */
export async function checkGeneratedFiles(files: ReadonlyArray<Pick<GeneratedFile, 'path' | 'ours'>>, generator: string): Promise<void> {
  for (const f of files) {
    let existing: string | undefined;
    try {
      const st = await lstat(f.path);
      existing = st.isFile() && st.size < 1 << 20 ? await readFile(f.path, 'utf8') : undefined;
      if (existing === undefined || !f.ours(existing)) {
        throw new UserError({
          where: f.path,
          message: `${f.path} is a file nixlab did not write (it does not start with ${generator}'s header); nothing was changed`,
          hint: `choose an empty or new directory, or move ${basename(f.path)} away`,
        });
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e instanceof UserError ? e : writeFailure(f.path, e);
    }
  }
}

/** Every regular file under `dir`, as paths relative to it (sorted). */
export function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}
