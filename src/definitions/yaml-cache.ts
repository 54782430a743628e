// YAML configs parsed before, kept as JSON in nixlab's cache: loading the yaml library costs
// about as much CPU as all the rest of `nixlab validate` on a small config, and the same text
// always parses to the same data. Only a clean parse (no error, no warning) into plain JSON data
// is stored, so a cached entry stands for exactly what the parser gave; errors and warnings are
// always reported by the parser itself.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomicSync } from '../fsutil.js';
import { dependencyVersion } from '../paths.js';
import { quickHash } from '../quick-hash.js';

/** What is looked up for one YAML text: the data when cached, and how to store it otherwise. */
export interface YamlCacheEntry {
  /** The data the text parsed to before, or undefined. */
  cached: unknown;
  /** Stores `data` for this text when it is plain JSON data (what JSON.parse gives back unchanged). */
  store(data: unknown): void;
}

/**
 * The cache entry of a YAML text parsed with `options` (they are part of what it is for, with the
 * yaml library's version). An entry is named by a hash of what it is for, holds that in full
 * (compared, so two texts with one name cannot mix) and starts with a hash of the rest: a
 * truncated or garbled entry is never used, only replaced. Hashes are ../quick-hash.ts's (no
 * node:crypto on a start). A cache that cannot be read or written costs only the parse.
 */
export function yamlCacheEntry(text: string, options: object, cacheDir: string): YamlCacheEntry {
  const version = dependencyVersion('yaml');
  const key = `${version}\n${JSON.stringify(options)}\n${text}`;
  const file = join(cacheDir, 'yaml', `${quickHash(key)}.json`);
  return {
    cached: read(file, key),
    store(data) {
      const json = JSON.stringify(data);
      if (json === undefined || !isDeepStrictEqual(JSON.parse(json), data)) return;
      // data is plain JSON data (checked above), so it is stored as it is.
      const body = JSON.stringify({ key, data });
      try {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileAtomicSync(file, `${quickHash(body)}\n${body}`);
      } catch {
        // The directory is unusable (not a directory, no permission): nothing was written.
      }
    },
  };
}

function read(file: string, key: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  const body = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline) !== quickHash(body)) return undefined;
  const entry = JSON.parse(body) as { key?: unknown; data?: unknown };
  return entry.key === key ? entry.data : undefined;
}
