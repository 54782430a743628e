// A fast yes/no check of a config against the JSON Schema, as ajv standalone code. Compiling the
// schema with ajv takes ~0.2 s, which every `nixlab validate` and `generate` would pay; loading
// compiled code takes a few ms. `npm run build` compiles it once (scripts/schema-check.mjs writes
// dist/src/definitions/config-check.cjs; test/definitions/schema-cache.test.ts checks it is
// current), with the text its key is the hash of (config-check.key: compared as it is, so a start
// computes no hash) and V8's compiled code of it (config-check.cache, recorded by checking
// examples/: a start does not compile 300 kB of code again). A build without it (ts-jest, a stale
// dist/) compiles it once into nixlab's cache.
// The check only decides valid or not (the same verdict as the full validator: allErrors,
// verbose and messages change which errors are reported, never whether there are any, and
// annotations such as descriptions are never checked); for an invalid config validate.ts
// compiles the full validator to explain every problem.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { Ajv2020 as Ajv2020Class } from 'ajv/dist/2020.js';
import type standaloneModule from 'ajv/dist/standalone/index.js';
import { readCacheFile, writeCacheFile } from '../cache-file.js';
import { InternalError } from '../errors.js';
import { writeFileAtomicSync } from '../fsutil.js';
import { defaultCacheDir, dependencyVersion, packageRoot } from '../paths.js';

const require = createRequire(import.meta.url);
const AJV_VERSION = dependencyVersion('ajv');

/** The options of the check (those of the full validator minus error reporting). */
const OPTIONS = { strict: true, logger: false, messages: false, code: { source: true } } as const;

/** The file `npm run build` writes the compiled check to, beside this module in dist/, and the two it writes beside it. */
export const BUILT_CHECK_FILE = 'config-check.cjs';
const builtKeyFile = (checkFile: string) => checkFile.replace(/\.cjs$/, '.key');
const builtCacheFile = (checkFile: string) => checkFile.replace(/\.cjs$/, '.cache');

/** A compiled yes/no check. */
export type SchemaCheck = (data: unknown) => boolean;

const checks = new Map<object, SchemaCheck>();

/** Keywords that only annotate (JSON Schema 2020-12, meta-data and content vocabularies): never checked. */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'deprecated', 'readOnly', 'writeOnly', 'examples', '$comment']);
/** Keywords whose value is one subschema, a map of them, or a list of them. */
const ONE = new Set(['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedItems', 'unevaluatedProperties']);
const MAP = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);
const LIST = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

/** `schema` without its annotations: the same verdict for every value, and less code to load. */
export function withoutAnnotations(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    if (ONE.has(k)) out[k] = withoutAnnotations(v);
    else if (MAP.has(k)) out[k] = Object.fromEntries(Object.entries(v as object).map(([name, sub]) => [name, withoutAnnotations(sub)]));
    else if (LIST.has(k)) out[k] = (v as unknown[]).map(withoutAnnotations);
    else out[k] = v;
  }
  return out;
}

/** What a compiled check is for: ajv's version, the options and the schema. */
function schemaCheckKeyText(schema: object): string {
  return `${AJV_VERSION}\n${JSON.stringify(OPTIONS)}\n${JSON.stringify(schema)}`;
}

/** What names a compiled check: a hash of schemaCheckKeyText. */
export function schemaCheckKey(schema: object): string {
  return createHash('sha256').update(schemaCheckKeyText(schema)).digest('hex').slice(0, 32);
}

/** The check's code: ajv's standalone code (a CommonJS module). */
function schemaCheckCode(schema: object): string {
  // Loaded only here: running a compiled check does not need ajv's compiler.
  const { Ajv2020 } = require('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  const standaloneCode = (require('ajv/dist/standalone/index.js') as typeof standaloneModule).default;
  const ajv = new Ajv2020(OPTIONS);
  return standaloneCode(ajv, ajv.compile(withoutAnnotations(schema) as object));
}

/** The file the build writes (scripts/schema-check.mjs): a first line naming the check's key, then its code. */
export function builtCheckModule(schema: object): string {
  return `${builtHeader(schemaCheckKey(schema))}${schemaCheckCode(schema)}\n`;
}

/**
 * Writes the built check for `schema` into `file`, the text of its key beside it, and V8's code
 * for it as compiled after checking each of `samples` (scripts/schema-check.mjs, at build time).
 */
export function writeBuiltCheck(file: string, schema: object, samples: readonly unknown[]): number {
  const module = builtCheckModule(schema);
  const code = module.slice(module.indexOf('\n') + 1);
  const script = compile(code, file);
  const check = run(script);
  for (const sample of samples) check(sample);
  writeFileAtomicSync(file, module);
  writeFileAtomicSync(builtKeyFile(file), schemaCheckKeyText(schema));
  // The recorded code starts with the check's header line, which names the code it is for.
  writeFileAtomicSync(builtCacheFile(file), Buffer.concat([Buffer.from(module.slice(0, module.indexOf('\n') + 1), 'latin1'), script.createCachedData()]));
  return module.length;
}

const builtHeader = (key: string) => `// nixlab schema check for ${key}, written by npm run build\n`;

/** Where the build writes the check: beside this module in dist/, or dist/'s copy under ts-jest. */
export function builtCheckFile(): string {
  const beside = fileURLToPath(new URL(`./${BUILT_CHECK_FILE}`, import.meta.url));
  return statSync(beside, { throwIfNoEntry: false }) ? beside : join(packageRoot(), 'dist', 'src', 'definitions', BUILT_CHECK_FILE);
}

/**
 * The check the build wrote in `file`, if it is the one for `schema` (its key's text is compared,
 * not hashed), with V8's code recorded for it when that is there and for this code.
 */
function builtCheck(file: string, schema: object): SchemaCheck | null {
  let text: string;
  try {
    if (readFileSync(builtKeyFile(file), 'utf8') !== schemaCheckKeyText(schema)) return null;
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const newline = text.indexOf('\n');
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(builtCacheFile(file));
    if (cache.subarray(0, newline + 1).toString('latin1') === text.slice(0, newline + 1)) cachedData = cache.subarray(newline + 1);
  } catch {
    // None recorded: V8 compiles the code.
  }
  const script = compile(text.slice(newline + 1), file, cachedData);
  builtCheckCodeCacheRejected = script.cachedDataRejected;
  return run(script);
}

let builtCheckCodeCacheRejected: boolean | undefined;

/** For the built check's last load: whether V8 took its recorded code (false), refused it (true), or none was there (undefined). */
export function builtCheckCodeCache(): boolean | undefined {
  return builtCheckCodeCacheRejected;
}

/**
 * The yes/no check for `schema`: the one the build wrote when it is for this schema; else from
 * the cache when a whole, matching entry is there; else compiled and stored. An entry is named
 * by a hash of ajv's version, the options and the schema, and is a cache file (../cache-file.ts:
 * a hash of its code first, verified before the code runs, so a truncated or garbled entry is
 * never run, only replaced). A cache that cannot be written only costs the compile next time.
 */
export function cachedSchemaCheck(schema: object, cacheDir: string = defaultCacheDir(), builtFile: string | null = builtCheckFile()): SchemaCheck {
  const known = checks.get(schema);
  if (known) return known;
  let check = builtFile === null ? null : builtCheck(builtFile, schema);
  if (!check) {
    const file = join(cacheDir, 'schema', `config-${schemaCheckKey(schema)}.cjs`);
    check = load(file);
    if (!check) {
      const code = schemaCheckCode(schema);
      writeCacheFile(file, code);
      check = evaluate(code);
    }
  }
  checks.set(schema, check);
  return check;
}

function load(file: string): SchemaCheck | null {
  const code = readCacheFile(file);
  if (code === undefined) return null;
  try {
    return evaluate(code);
  } catch {
    return null;
  }
}

/** Runs ajv's CommonJS standalone module; its `require`s (ajv's runtime helpers) resolve from nixlab. */
function evaluate(code: string): SchemaCheck {
  return run(compile(code, 'nixlab-schema-check.cjs'));
}

/** ajv's standalone module as a function of (module, exports, require), compiled by V8 (with its recorded code when given). */
function compile(code: string, filename: string, cachedData?: Buffer): Script {
  return new Script(`(function (module, exports, require) {\n${code}\n})`, { filename, cachedData });
}

function run(script: Script): SchemaCheck {
  const module = { exports: {} as { default?: SchemaCheck } };
  (script.runInThisContext() as (m: typeof module, e: typeof module.exports, r: NodeJS.Require) => void)(module, module.exports, require);
  const check = module.exports.default ?? (module.exports as unknown as SchemaCheck);
  if (typeof check !== 'function') throw new InternalError('the compiled schema check exports no function');
  return check;
}
