// YAML configs parsed before, kept as JSON in nixlab's cache: loading the yaml library costs
// about as much CPU as all the rest of `nixlab validate` on a small config, and the same text
// always parses to the same data. Only a clean parse (no error, no warning) into plain JSON data
// is stored, so a cached entry stands for exactly what the parser gave; errors and warnings are
// always reported by the parser itself.
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { readCacheFile, writeCacheFile } from '../cache-file.js';
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
 * (compared, so two texts with one name cannot mix), in a cache file (../cache-file.ts: a
 * truncated or garbled entry is never used, only replaced). The name's hash is
 * ../quick-hash.ts's (no node:crypto on a start). A cache that cannot be read or written costs
 * only the parse.
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
      writeCacheFile(file, JSON.stringify({ key, data }));
    },
  };
}

function read(file: string, key: string): unknown {
  const body = readCacheFile(file);
  if (body === undefined) return undefined;
  const entry = JSON.parse(body) as { key?: unknown; data?: unknown };
  return entry.key === key ? entry.data : undefined;
}
