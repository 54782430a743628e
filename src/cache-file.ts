// One file of nixlab's own caches (the YAML and schema-check caches): its first line is a hash
// of the rest, checked on every read, so a truncated or garbled file is never used, only
// replaced. Both caches are read on the start of `nixlab validate`: the hash is ./quick-hash.ts's
// (no node:crypto), and nothing here loads more than node:fs and node:path. A cache that cannot
// be read or written costs only what it would have saved.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomicSync } from './fsutil.js';
import { quickHash } from './quick-hash.js';

/** The text stored in `file` when the file is whole; undefined when it is missing, unreadable or damaged. */
export function readCacheFile(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  const body = text.slice(newline + 1);
  return newline >= 0 && text.slice(0, newline) === quickHash(body) ? body : undefined;
}

/** Stores `body` in `file` after a line with its hash (atomically: temp file + rename, making the directory). */
export function writeCacheFile(file: string, body: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomicSync(file, `${quickHash(body)}\n${body}`);
  } catch {
    // The directory is unusable (not a directory, no permission): nothing was written.
  }
}
