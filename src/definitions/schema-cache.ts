// A fast yes/no check of a config against the JSON Schema, compiled once into standalone code
// kept in nixlab's cache. Compiling the schema with ajv takes ~0.1 s, which every `nixlab
// validate` and `generate` would pay; loading the cached code takes ~2 ms. The check only
// decides valid or not (the same verdict as the full validator: allErrors and verbose change
// which errors are reported, never whether there are any); for an invalid config validate.ts
// compiles the full validator to explain every problem.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';
import type standaloneModule from 'ajv/dist/standalone/index.js';
import { writeFileAtomicSync } from '../fsutil.js';
import { defaultCacheDir } from '../paths.js';

const require = createRequire(import.meta.url);
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;

/** The options of the cached check (those of the full validator minus error reporting). */
const OPTIONS = { strict: true, logger: false, code: { source: true, optimize: false } } as const;

/** A compiled yes/no check. */
export type SchemaCheck = (data: unknown) => boolean;

const checks = new Map<object, SchemaCheck>();

/**
 * The yes/no check for `schema`, from the cache when a whole, matching entry is there; else
 * compiled and stored (atomically: temp file + rename). An entry is named by a hash of ajv's
 * version, the options and the schema, and starts with a hash of its code, which is verified
 * before the code runs: a truncated or garbled entry is never run, only replaced. A cache that
 * cannot be written only costs the compile next time.
 */
export function cachedSchemaCheck(schema: object, cacheDir: string = defaultCacheDir()): SchemaCheck {
  const known = checks.get(schema);
  if (known) return known;
  const key = createHash('sha256').update(`${AJV_VERSION}\n${JSON.stringify(OPTIONS)}\n${JSON.stringify(schema)}`).digest('hex').slice(0, 32);
  const file = join(cacheDir, 'schema', `config-${key}.cjs`);
  let check = load(file);
  if (!check) {
    // Loaded only here: a cache hit does not need ajv at all.
    const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
    const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof standaloneModule).default;
    const ajv = new Ajv2020(OPTIONS);
    const code = standaloneCode(ajv, ajv.compile(schema));
    store(file, code);
    check = evaluate(code);
  }
  checks.set(schema, check);
  return check;
}

const header = (code: string) => `// nixlab schema check ${createHash('sha256').update(code).digest('hex')}\n`;

function load(file: string): SchemaCheck | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const newline = text.indexOf('\n');
  const code = text.slice(newline + 1);
  if (newline < 0 || text.slice(0, newline + 1) !== header(code)) return null;
  try {
    return evaluate(code);
  } catch {
    return null;
  }
}

function store(file: string, code: string): void {
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileAtomicSync(file, header(code) + code);
  } catch {
    // The directory itself is unusable (not a directory, no permission): nothing was written.
  }
}

/** Runs ajv's CommonJS standalone module; its `require`s (ajv's runtime helpers) resolve from nixlab. */
function evaluate(code: string): SchemaCheck {
  const module = { exports: {} as { default?: SchemaCheck } };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  const check = module.exports.default ?? (module.exports as unknown as SchemaCheck);
  if (typeof check !== 'function') throw new Error('not a validator module');
  return check;
}
