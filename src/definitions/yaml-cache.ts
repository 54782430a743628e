// YAML configs parsed before, kept as JSON in nixlab's cache: loading the yaml library costs
// about as much CPU as all the rest of `nixlab validate` on a small config, and the same text
// always parses to the same data. Only a clean parse (no error, no warning) into plain JSON data
// is stored, so a cached entry stands for exactly what the parser gave; errors and warnings are
// always reported by the parser itself.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomicSync } from '../fsutil.js';

const require = createRequire(import.meta.url);

/** What is looked up for one YAML text: the data when cached, and how to store it otherwise. */
export interface YamlCacheEntry {
  /** The data the text parsed to before, or undefined. */
  cached: unknown;
  /** Stores `data` for this text when it is plain JSON data (what JSON.parse gives back unchanged). */
  store(data: unknown): void;
}

/**
 * The cache entry of a YAML text parsed with `options` (they are part of its name, with the yaml
 * library's version). Each entry starts with a hash of its JSON: a truncated or garbled entry is
 * never used, only replaced. A cache that cannot be read or written costs only the parse.
 */
export function yamlCacheEntry(text: string, options: object, cacheDir: string): YamlCacheEntry {
  const version = (require('yaml/package.json') as { version: string }).version;
  const key = createHash('sha256').update(`${version}\n${JSON.stringify(options)}\n${text}`).digest('hex').slice(0, 32);
  const file = join(cacheDir, 'yaml', `${key}.json`);
  return {
    cached: read(file),
    store(data) {
      const json = JSON.stringify(data);
      if (json === undefined || !isDeepStrictEqual(JSON.parse(json), data)) return;
      try {
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileAtomicSync(file, `${digest(json)}\n${json}`);
      } catch {
        // The directory is unusable (not a directory, no permission): nothing was written.
      }
    },
  };
}

const digest = (json: string) => createHash('sha256').update(json).digest('hex');

function read(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  const json = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline) !== digest(json)) return undefined;
  return JSON.parse(json) as unknown;
}
