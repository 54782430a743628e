// Writing outputs so that a failure never leaves a half-written result: everything goes to a
// temporary name in the same directory and is renamed into place at the end.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A fresh hidden name beside `path` (same directory, so rename is atomic). */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
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
 * Replaces directory `dir` with exactly `entries`: they are written into a temporary sibling
 * directory, then swapped in with renames. The old directory is removed only after the new one
 * is in place; on failure the old one is left as it was.
 */
export async function replaceDir(dir: string, entries: DirEntry[]): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const tmp = tempSibling(dir);
  try {
    await mkdir(tmp);
    for (const e of entries) {
      const target = join(tmp, e.path);
      await mkdir(dirname(target), { recursive: true });
      if ('text' in e) await writeFile(target, e.text, { mode: 0o644 });
      else await copyFile(e.copyFrom, target);
    }
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = (await exists(dir)) ? tempSibling(dir) : undefined;
  if (old) await rename(dir, old);
  try {
    await rename(tmp, dir);
  } catch (e) {
    if (old) await rename(old, dir);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (old) await rm(old, { recursive: true, force: true });
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
