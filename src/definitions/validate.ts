// Validation and normalisation of configs: the JSON Schema (ajv) plus the rules a schema cannot
// express, every failure translated into a Problem that says where, what, and how to fix it.
//
// Paths are written JSONPath-style, `$.kernels[1].env["BAD NAME"]`: `.key` for identifier-like
// keys, `["key"]` (JSON-quoted) for any other key, `[i]` for list items.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Problem } from '../errors.js';
import { cachedSchemaCheck } from './schema-cache.js';
import {
  attrNamePattern,
  configSchema,
  kernelBranches,
  kernelKinds,
  nixKeywords,
  schemaDefs,
  type SchemaObject,
} from './schema.js';
import type {
  Config,
  CustomKernel,
  JsonValue,
  KernelDef,
  NormalizedConfig,
  NormalizedKernel,
  NormalizedKernelBase,
  PythonKernel,
} from './types.js';

/** One step of a path into the config: an object key or a list index. */
export type PathSegment = string | number;

/** What `validateConfig` returns: all errors and warnings, and the config when there are no errors. */
export interface ValidationResult {
  errors: Problem[];
  warnings: Problem[];
  config?: NormalizedConfig;
}

/** Formats a path as `$.kernels[1].env["BAD NAME"]`. */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  let out = '$';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** Checks a raw config (parsed JSON/YAML or a TS module's export) and normalises it with defaults. */
export function validateConfig(raw: unknown, file: string, opts: { baseDir?: string } = {}): ValidationResult {
  const ctx = new Collector(file, opts.baseDir ?? path.dirname(path.resolve(file)));

  // 1. Copy the input as plain JSON data, reporting what Nix or JSON cannot carry.
  const data = copyJsonData(raw, [], new Set(), ctx);
  const reported = new Set(ctx.errors.map((f) => `${f.onKey ? 'key' : 'value'} ${formatJsonPath(f.at)}`));

  // 2. The schema. Errors at a path already reported in step 1 (a NUL in a name, a function
  //    where a string belongs) would only repeat the same problem less precisely, and a scalar
  //    that breaks several rules (empty and not matching the pattern) gets one error.
  //    A valid config (the usual case) is recognised by a cached check (schema-cache.ts); only
  //    an invalid one pays for compiling the validator that explains every problem.
  const validate = cachedSchemaCheck(configSchema)(data) ? null : compiledSchema();
  if (validate && !validate(data)) {
    for (const e of validate.errors ?? []) {
      const finding = explainSchemaError(e, data);
      if (!finding) continue;
      const id = `${finding.onKey ? 'key' : 'value'} ${formatJsonPath(finding.at)}`;
      if (reported.has(id)) continue;
      if (scalarKeywords.has(e.keyword)) reported.add(id);
      ctx.error(finding.at, finding.message, finding.hint);
    }
  }

  // 3. Rules beyond the schema; each checks only values of the right shape.
  checkSemantics(data, ctx);

  const result: ValidationResult = { errors: ctx.problems(ctx.errors, data), warnings: ctx.problems(ctx.warnings, data) };
  if (result.errors.length === 0) result.config = normalise(data as Config, ctx.baseDir);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Collecting findings

interface Finding {
  at: PathSegment[];
  message: string;
  hint?: string;
  /** The problem is the last key of `at` itself, not the value there. */
  onKey?: boolean;
}

class Collector {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  constructor(
    readonly file: string,
    readonly baseDir: string,
  ) {}

  error(at: PathSegment[], message: string, hint?: string, onKey = false): void {
    this.errors.push({ at, message, hint, onKey });
  }

  warn(at: PathSegment[], message: string, hint?: string): void {
    this.warnings.push({ at, message, hint });
  }

  /** Findings as Problems in document order, without exact repeats. */
  problems(findings: Finding[], data: unknown): Problem[] {
    const keyed = findings.map((f, i) => ({ f, i, order: documentOrder(data, f.at) }));
    keyed.sort((a, b) => compareOrder(a.order, b.order) || a.i - b.i);
    const seen = new Set<string>();
    const out: Problem[] = [];
    for (const { f } of keyed) {
      const where = `${this.file}:${formatJsonPath(f.at)}`;
      const id = `${where}\n${f.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(f.hint === undefined ? { where, message: f.message } : { where, message: f.message, hint: f.hint });
    }
    return out;
  }
}

// Position of a path in the document: key/item indices along the way (unknown steps sort last).
function documentOrder(data: unknown, at: PathSegment[]): number[] {
  const order: number[] = [];
  let cur: unknown = data;
  for (const seg of at) {
    if (Array.isArray(cur) && typeof seg === 'number') {
      order.push(seg);
      cur = cur[seg];
    } else if (isObject(cur) && typeof seg === 'string' && Object.hasOwn(cur, seg)) {
      order.push(Object.keys(cur).indexOf(seg));
      cur = cur[seg];
    } else {
      order.push(Number.MAX_SAFE_INTEGER);
      cur = undefined;
    }
  }
  return order;
}

function compareOrder(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Step 1: plain JSON data, no NULs, no lone surrogates

// Nix strings cannot contain NUL, and a lone UTF-16 surrogate has no UTF-8 encoding, so either
// would be lost or mangled on the way into a .nix file: refuse them wherever they appear.
function badCharacter(s: string): string | undefined {
  const nul = s.indexOf('\0');
  if (nul >= 0) return 'a NUL character (\\u0000)';
  const lone = /\p{Surrogate}/u.exec(s);
  if (lone) return `a lone UTF-16 surrogate (\\u${lone[0].charCodeAt(0).toString(16)})`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Plain objects from any realm (TS configs are evaluated by jiti, possibly in another context).
function isPlainObject(v: object): boolean {
  if (Object.prototype.toString.call(v) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// Deep-copies `value` as JSON data. Object properties whose value is `undefined` are left out
// (as JSON.stringify does, so `{ env: undefined }` means "no env"); anything else that is not
// JSON is reported and kept as is, so the schema step still sees the key.
function copyJsonData(value: unknown, at: PathSegment[], ancestors: Set<object>, ctx: Collector): unknown {
  switch (typeof value) {
    case 'string': {
      const bad = badCharacter(value);
      if (bad) ctx.error(at, `contains ${bad}, which Nix strings cannot hold`, 'remove that character from the string');
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) ctx.error(at, `is ${value}, which is not a JSON number`, 'use a finite number');
      return value;
    case 'boolean':
      return value;
    case 'undefined':
      ctx.error(at, 'is undefined', 'give it a value or remove it');
      return value;
    case 'object':
      break;
    default:
      ctx.error(at, `is a ${typeof value}, not JSON data`, 'use a string, number, boolean, list or object');
      return value;
  }
  if (value === null) return null;
  if (ancestors.has(value)) {
    ctx.error(at, 'refers back to an object that contains it (a cycle)', 'use plain data without cycles');
    return null;
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) out.push(copyJsonData(value[i], [...at, i], ancestors, ctx));
      return out;
    }
    if (!isPlainObject(value)) {
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
      ctx.error(at, `is ${typeof kind === 'string' && kind ? `a ${kind} object` : 'not a plain object'}, not JSON data`, 'use plain strings, numbers, booleans, lists and objects');
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const bad = badCharacter(key);
      if (bad) ctx.error([...at, key], `the key ${JSON.stringify(key)} contains ${bad}, which Nix strings cannot hold`, 'rename the key without that character', true);
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined) continue;
      // defineProperty, not assignment: a key named `__proto__` must stay an ordinary key.
      Object.defineProperty(out, key, { value: copyJsonData(item, [...at, key], ancestors, ctx), enumerable: true, writable: true, configurable: true });
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Step 2: the schema, and its errors in plain words

// Keywords that judge a single string or number (rather than an object's keys).
const scalarKeywords = new Set(['pattern', 'minLength', 'maxLength', 'not', 'minimum', 'maximum', 'enum', 'const', 'type']);

let validator: ValidateFunction | undefined;

function compiledSchema(): ValidateFunction {
  // strict: the schema itself must be exactly right; logger off: library code never prints.
  // No code optimisation: it would take a third of the compile time (which every `nixlab
  // validate` pays) to speed up a validation that takes microseconds either way.
  // ajv is loaded only now: a valid config never gets here (see cachedSchemaCheck).
  const { Ajv2020 } = createRequire(import.meta.url)('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020Class };
  validator ??= new Ajv2020({ allErrors: true, strict: true, verbose: true, logger: false, code: { optimize: false } }).compile(configSchema);
  return validator;
}

/** Splits an ajv instancePath (JSON pointer) into segments, numbers for list indices. */
function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^(0|[1-9][0-9]*)$/.test(key)) {
      out.push(Number(key));
      cur = cur[Number(key)];
    } else {
      out.push(key);
      cur = isObject(cur) ? cur[key] : undefined;
    }
  }
  return out;
}

const q = (v: unknown): string => JSON.stringify(v);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${q(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

const typeNames: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'an object (keys and values)',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

const quotedList = (items: readonly unknown[]): string => items.map(q).join(', ');

function explainSchemaError(e: ErrorObject, data: unknown): Finding | undefined {
  const at = pointerSegments(e.instancePath, data);
  const schema = (e.parentSchema ?? {}) as SchemaObject;
  switch (e.keyword) {
    case 'if': // the branch's own errors are reported
    case 'propertyNames': // the name's own pattern error is reported
      return undefined;
    case 'additionalProperties':
      return unknownKey(at, String((e.params as { additionalProperty: string }).additionalProperty), schema);
    case 'required':
      return missingKey(at, String((e.params as { missingProperty: string }).missingProperty), schema);
    case 'type':
      return wrongType(at, e.data, String((e.params as { type: string }).type));
  }
  const onKey = e.propertyName !== undefined;
  if (e.propertyName !== undefined) at.push(e.propertyName);
  const value = onKey ? e.propertyName : e.data;
  const explained = leafRules.get(schema)?.(value, e.keyword, schema);
  return { at, ...(explained ?? genericExplanation(at, value, e, schema)), onKey };
}

type Explanation = { message: string; hint?: string };

function genericExplanation(at: PathSegment[], value: unknown, e: ErrorObject, schema: SchemaObject): Explanation {
  const last = at[at.length - 1];
  switch (e.keyword) {
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const near = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
      const isKind = last === 'kind' && at[0] === 'kernels';
      return {
        message: isKind ? `unknown kernel kind ${q(value)}` : `${describe(value)} is not one of ${quotedList(allowed)}`,
        hint: near ? `did you mean ${q(near)}?` : isKind ? `use ${quotedList(allowed)} (a custom kernel runs any command line)` : `use one of ${quotedList(allowed)}`,
      };
    }
    case 'const': {
      const allowed = q((e.params as { allowedValue: unknown }).allowedValue);
      return { message: `must be ${allowed}`, hint: `write ${allowed}` };
    }
    case 'minimum':
    case 'maximum':
      return { message: `must be between ${schema.minimum} and ${schema.maximum}, got ${value}`, hint: `use a whole number from ${schema.minimum} to ${schema.maximum}` };
    case 'minLength':
      return { message: 'must not be empty', hint: 'give it a value, or leave the key out to use the default' };
    case 'minItems':
      return { message: 'must not be empty', hint: `list at least ${schema.minItems} item` };
    case 'maxLength':
      return { message: `is too long (${String(value).length} characters, at most ${schema.maxLength})`, hint: 'shorten it' };
    default:
      return { message: `is not valid (${e.message ?? e.keyword})`, hint: 'see `nixlab schema` for what is allowed here' };
  }
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `input` (ignoring case, `_` and `-`), if it is close enough. */
function closest(input: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const n = norm(input);
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(n, norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(n.length / 3)) ? best : undefined;
}

function branchKind(schema: SchemaObject): string | undefined {
  return kernelKinds.find((k) => kernelBranches[k] === schema);
}

function unknownKey(at: PathSegment[], key: string, schema: SchemaObject): Finding {
  const allowed = Object.keys((schema.properties ?? {}) as object);
  const kind = branchKind(schema);
  // "an octave kernel", "an r kernel" (said "ar"), "a ruby kernel": the article goes by the sound.
  const article = /^[aeiou]/.test(kind ?? '') || kind === 'r' ? 'an' : 'a';
  const where = kind ? ` for ${article} ${kind} kernel` : at.length === 0 ? ' at the top level' : '';
  const near = closest(key, allowed);
  const owners = kind ? kernelKinds.filter((k) => k !== kind && Object.hasOwn(kernelBranches[k].properties as object, key)) : [];
  const hint =
    owners.length === 1
      ? `${q(key)} belongs to ${owners[0]} kernels: set "kind": ${q(owners[0])}, or remove it`
      : owners.length > 1
        ? `${q(key)} belongs to ${andList(owners)} kernels, not to ${kind} kernels: remove it (allowed keys: ${allowed.join(', ')})`
        : `${near ? `did you mean ${q(near)}? ` : ''}allowed keys: ${allowed.join(', ')}`;
  return { at: [...at, key], message: `unknown key ${q(key)}${where}`, hint, onKey: true };
}

const requiredExamples: Record<string, string> = {
  kernels: '[{ "kind": "python", "name": "python" }]',
  kind: kernelKinds.map(q).join(' or '),
  name: '"my-kernel"',
  language: '"bash"',
  argv: '["python3", "-m", "bash_kernel", "-f", "{connection_file}"]',
  rev: 'the 40-character commit id of NixOS/nixpkgs',
  narHash: '"sha256-…=" (from `nix flake prefetch --json github:NixOS/nixpkgs/<rev>`)',
};

function missingKey(at: PathSegment[], key: string, schema: SchemaObject): Finding {
  const kind = branchKind(schema);
  const example = requiredExamples[key];
  return {
    at,
    message: `missing required key ${q(key)}${kind ? ` (${kind} kernels need it)` : ''}`,
    hint: example ? `add ${q(key)}: ${example}` : `add ${q(key)}`,
  };
}

function wrongType(at: PathSegment[], value: unknown, expected: string): Finding {
  const message = `must be ${typeNames[expected] ?? expected}, got ${describe(value)}`;
  let hint: string | undefined;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    hint = `put it in quotes: "${value}"`;
    if (at[at.length - 1] === 'version') hint += ' (unquoted in YAML, 3.10 reads as the number 3.1)';
  } else if (expected === 'array' && typeof value === 'string') {
    hint = `make it a list: [${q(value)}]`;
  } else if (expected === 'integer' && typeof value === 'string' && /^[0-9]+$/.test(value)) {
    hint = `write it without quotes: ${value}`;
  } else if (expected === 'integer' && typeof value === 'number') {
    hint = 'use a whole number';
  } else if (at.length === 0) {
    hint = 'the config must be an object with a "kernels" list, e.g. { "kernels": [{ "kind": "python", "name": "python" }] }';
  } else {
    hint = `replace it with ${typeNames[expected] ?? expected}`;
  }
  return { at, message, hint };
}

// Suggestions that turn a bad value into a valid one of the same spirit.
function suggestKernelName(v: string): string {
  const s = v.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 255);
  return s === '' || s === '.' || s === '..' ? 'kernel' : s;
}
function suggestEnvName(v: string): string {
  const s = v.replace(/[^A-Za-z0-9_]+/g, '_');
  return s === '' ? 'NAME' : /^[0-9]/.test(s) ? `_${s}` : s;
}
function suggestUserName(v: string): string {
  return v.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z_]+/, '').slice(0, 32) || 'jovyan';
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const keywordSet: ReadonlySet<string> = new Set(nixKeywords);
const plainAttrName = new RegExp(attrNamePattern, 'u');

/**
 * Why `v` is not an attribute name (`dotted`: not an attribute path). `examples` are valid names
 * from the package set in question, for the hint.
 */
function explainAttrName(v: string, dotted: boolean, examples = '"numpy" or "scikit-learn"'): Explanation {
  const parts = dotted ? v.split('.') : [v];
  const keyword = parts.find((p) => keywordSet.has(p));
  if (keyword) return { message: `${q(v)} uses the Nix keyword ${q(keyword)}, which cannot be a package name`, hint: 'check the attribute name on search.nixos.org' };
  const tokens = v.split(/[\s,;]+/).filter(Boolean);
  if (tokens.length > 1 && tokens.every((t) => plainAttrName.test(t))) {
    return { message: `${q(v)} is several names in one item`, hint: `put each package in its own list item: ${quotedList(tokens)}` };
  }
  return dotted
    ? { message: `${q(v)} is not a nixpkgs attribute path`, hint: 'use attribute names joined by dots, e.g. "busybox" or "python3Packages.bash-kernel"' }
    : { message: `${q(v)} is not a nixpkgs attribute name`, hint: `use the name as nixpkgs spells it, one per item, e.g. ${examples}` };
}

type LeafRule = (value: unknown, keyword: string, schema: SchemaObject) => Explanation | undefined;

// Plain-words explanations per named schema, keyed by object identity (ajv hands back the
// schema object that failed as `parentSchema`). Returning undefined falls back to the generic text.
const properties = (schema: SchemaObject): Record<string, SchemaObject> => schema.properties as Record<string, SchemaObject>;

const leafRules = new Map<SchemaObject, LeafRule>([
  [
    properties(configSchema).kernels!,
    () => ({ message: 'no kernels declared', hint: `declare at least one, e.g. "kernels": ${requiredExamples.kernels}` }),
  ],
  [
    properties(kernelBranches.custom).argv!,
    () => ({ message: 'argv is empty', hint: `give the kernel's command line, e.g. ${requiredExamples.argv}` }),
  ],
  [
    schemaDefs.kernelName,
    (v, keyword) => {
      const s = String(v);
      if (keyword === 'not') return { message: `${q(s)} cannot be a kernel name: it is a special directory name`, hint: 'choose a name such as "python"' };
      if (keyword === 'minLength') return { message: 'kernel name is empty', hint: 'choose a name such as "python"' };
      if (keyword === 'pattern') return { message: `${q(s)} is not a valid kernel name: only letters, digits, ".", "_" and "-" are allowed`, hint: `rename it, e.g. to ${q(suggestKernelName(s))}` };
      return undefined;
    },
  ],
  [
    schemaDefs.envName,
    (v) => ({
      message: `${q(v)} is not a valid environment variable name: use letters, digits and "_", not starting with a digit`,
      hint: `rename it, e.g. to ${q(suggestEnvName(String(v)))}`,
    }),
  ],
  [
    schemaDefs.logoPath,
    (v, keyword) =>
      keyword === 'pattern'
        ? { message: `${q(v)} is an absolute path; logo paths are relative to the config file`, hint: 'put the file near the config and write e.g. "logos/logo-64x64.png"' }
        : undefined,
  ],
  [
    schemaDefs.pythonVersion,
    (v) => ({ message: `${q(v)} is not a supported Python version`, hint: 'write the version as a string "3.MINOR", 3.10 or newer, e.g. "3.12" (the default)' }),
  ],
  [schemaDefs.pythonPackage, (v) => {
    const s = String(v);
    if (s.includes('.') && new RegExp(schemaDefs.attrPath.pattern, 'u').test(s)) {
      return { message: `${q(s)} is a dotted attribute path; Python kernel packages are plain names from the Python package set`, hint: `write ${q(s.split('.').pop())}, or use a custom kernel for packages from elsewhere in nixpkgs` };
    }
    return explainAttrName(s, false);
  }],
  [schemaDefs.attrPath, (v) => explainAttrName(String(v), true)],
  [
    schemaDefs.rPackage,
    (v) => {
      // nixpkgs' rPackages names a CRAN package `data.table` as `data_table`.
      const s = String(v);
      if (s.startsWith('rPackages.') && plainAttrName.test(s.slice('rPackages.'.length))) {
        return { message: `${q(s)} is an attribute path; R kernel packages are names in rPackages`, hint: `write ${q(s.slice('rPackages.'.length))}` };
      }
      const underscored = s.replace(/\./g, '_');
      if (s.includes('.') && plainAttrName.test(underscored)) {
        return { message: `${q(s)} is the R name; nixpkgs' rPackages writes the dots in R package names as underscores`, hint: `write ${q(underscored)}` };
      }
      return explainAttrName(s, false, '"ggplot2" or "data_table"');
    },
  ],
  [schemaDefs.haskellPackage, (v) => explainAttrName(String(v), false, '"lens" or "aeson"')],
  [schemaDefs.octavePackage, (v) => explainAttrName(String(v), false, '"signal" or "statistics"')],
  [
    schemaDefs.cppStd,
    (v, keyword) =>
      keyword === 'enum' ? { message: `C++ standard ${q(v)} is not offered by the cpp kernel`, hint: 'use 17 (the default) or 20; for other standards declare a custom kernel' } : undefined,
  ],
  [
    schemaDefs.fileExtension,
    (v) => {
      const fixed = `.${String(v).replace(/^\.+/, '')}`;
      return { message: `${q(v)} is not a file extension`, hint: new RegExp(schemaDefs.fileExtension.pattern, 'u').test(fixed) ? `write ${q(fixed)}` : 'write a dot and letters, e.g. ".sh"' };
    },
  ],
  [
    schemaDefs.nixpkgsRev,
    (v) => {
      const s = String(v);
      return /^[0-9A-Fa-f]{40}$/.test(s)
        ? { message: `${q(s)} has uppercase letters`, hint: `write it in lowercase: ${q(s.toLowerCase())}` }
        : { message: `${q(s)} is not a full commit id`, hint: 'use the 40-character lowercase hex commit id of NixOS/nixpkgs (branch names and short ids are not allowed)' };
    },
  ],
  [
    schemaDefs.narHash,
    (v) => ({
      message: `${q(v)} is not an SRI sha256 hash ("sha256-" and 44 base64 characters)`,
      hint: 'run `nix flake prefetch --json github:NixOS/nixpkgs/<rev>` and copy its "hash"',
    }),
  ],
  [
    schemaDefs.imageName,
    (v, keyword) => {
      const s = String(v);
      if (keyword !== 'pattern') return undefined;
      const lower = s.toLowerCase();
      if (lower !== s && new RegExp(schemaDefs.imageName.pattern, 'u').test(lower)) {
        return { message: `image name ${q(s)} has uppercase letters; image names must be lowercase`, hint: `use ${q(lower)}` };
      }
      return {
        message: `${q(s)} is not a valid image repository name`,
        hint: 'use lowercase letters and digits joined by ".", "_", "__" or "-", with "/" between parts, e.g. "nixlab-demo" or "ghcr.io/org/lab"',
      };
    },
  ],
  [
    schemaDefs.imageTag,
    (v) => ({ message: `${q(v)} is not a valid image tag`, hint: 'use up to 128 letters, digits, "_", "." and "-", not starting with "." or "-", e.g. "latest" or "2024.06"' }),
  ],
  [
    schemaDefs.userName,
    (v, keyword) => {
      if (keyword !== 'pattern') return undefined;
      return { message: `${q(v)} is not a valid user name`, hint: `use lowercase letters, digits, "_" and "-", e.g. ${q(suggestUserName(String(v)))}` };
    },
  ],
  [
    schemaDefs.absolutePath,
    (v) => {
      const s = String(v);
      if (!s.startsWith('/')) return { message: `${q(s)} is not an absolute path`, hint: `start it with "/", e.g. ${q(path.posix.join('/', s))}` };
      return { message: `${q(s)} contains a ".." segment`, hint: `write the path without "..", e.g. ${q(path.posix.normalize(s))}` };
    },
  ],
  [
    schemaDefs.port,
    (v) => ({ message: `port must be between 1 and 65535, got ${v}`, hint: 'use a port such as 8888 (the default)' }),
  ],
  [
    schemaDefs.maxLayers,
    (v) => ({ message: `must be between 1 and 125, got ${v}`, hint: 'Docker allows at most 125 layers; 100 (the default) leaves room for layers built on top' }),
  ],
]);

// ---------------------------------------------------------------------------------------------
// Step 3: rules the schema cannot express

/** Items of `list` that are strings, with their indices. */
function stringItems(list: unknown): [number, string][] {
  return Array.isArray(list) ? list.flatMap((v, i): [number, string][] => (typeof v === 'string' ? [[i, v]] : [])) : [];
}

/** Reports the second and later occurrences of equal items (after `key`) as errors or warnings. */
function checkDuplicates(list: unknown, at: PathSegment[], ctx: Collector, level: 'error' | 'warn', what: string, key: (s: string) => string = (s) => s): void {
  const first = new Map<string, number>();
  for (const [i, v] of stringItems(list)) {
    const k = key(v);
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else ctx[level]([...at, i], `${what} ${q(v)} is listed twice (first at ${formatJsonPath([...at, j])})`, 'remove the duplicate');
  }
}

/** Largest directory of a kernel's Nix file that nixlab copies into the generated project. */
const NIX_DIR_MAX_BYTES = 16 * 1024 * 1024;

function checkNixFile(rel: unknown, at: PathSegment[], ctx: Collector): void {
  if (typeof rel !== 'string' || rel === '' || rel.startsWith('/') || badCharacter(rel) || !rel.endsWith('.nix')) return;
  const abs = path.resolve(ctx.baseDir, rel);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    ctx.error(at, `Nix file ${q(rel)} does not exist`, `the path is relative to the directory of ${ctx.file}; check the spelling or add the file`);
    return;
  }
  if (!isFile) return ctx.error(at, `${q(rel)} is not a regular file`, 'point it at a .nix file');
  const size = dirSize(path.dirname(abs), NIX_DIR_MAX_BYTES);
  if (size > NIX_DIR_MAX_BYTES) {
    ctx.error(at, `the directory of ${q(rel)} holds more than ${NIX_DIR_MAX_BYTES >> 20} MiB; nixlab copies that whole directory into the generated project`, 'move the Nix file and what it needs into a small directory of their own');
  }
}

/** Bytes under `dir` (regular files, not following links), stopping early past `limit`. */
function dirSize(dir: string, limit: number): number {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  }
  return total;
}

const logoExtensions: Record<string, string> = { '32x32': '.png', '64x64': '.png', svg: '.svg' };

function checkLogos(logos: unknown, at: PathSegment[], ctx: Collector): void {
  if (!isObject(logos)) return;
  for (const [key, rel] of Object.entries(logos)) {
    if (!(key in logoExtensions) || typeof rel !== 'string' || rel === '' || rel.startsWith('/') || badCharacter(rel)) continue;
    let isFile: boolean;
    try {
      isFile = statSync(path.resolve(ctx.baseDir, rel)).isFile();
    } catch {
      ctx.error([...at, key], `logo file ${q(rel)} does not exist`, `the path is relative to the directory of ${ctx.file}; check the spelling or add the file`);
      continue;
    }
    if (!isFile) ctx.error([...at, key], `logo ${q(rel)} is not a regular file`, 'point it at an image file');
    else if (path.extname(rel).toLowerCase() !== logoExtensions[key]) {
      ctx.warn([...at, key], `logo ${q(rel)} does not end in ${logoExtensions[key]}`, `Jupyter serves it as logo-${key}${logoExtensions[key]}; use a ${logoExtensions[key]!.slice(1).toUpperCase()} file`);
    }
  }
}

function checkSemantics(data: unknown, ctx: Collector): void {
  if (!isObject(data)) return;
  const kernels = data.kernels;
  if (Array.isArray(kernels)) {
    // Jupyter lower-cases kernelspec directory names when it lists them, so names that differ
    // only in case collide.
    const firstByName = new Map<string, number>();
    kernels.forEach((kernel, i) => {
      if (!isObject(kernel)) return;
      const at: PathSegment[] = ['kernels', i];
      if (typeof kernel.name === 'string' && /^python3?$/i.test(kernel.name)) {
        // jupyter_client treats `python` as the native `python3` kernel, and `python3` is that
        // kernel's directory: either name would run the server's own Python, not this kernel.
        ctx.error([...at, 'name'], `${q(kernel.name)} is reserved by Jupyter for the server's own Python kernel`, 'choose another name, e.g. "py" or "py311"');
      }
      if (typeof kernel.name === 'string') {
        const j = firstByName.get(kernel.name.toLowerCase());
        if (j === undefined) firstByName.set(kernel.name.toLowerCase(), i);
        else {
          const other = (kernels[j] as { name: string }).name;
          const caseOnly = other !== kernel.name ? ` (${q(other)}: Jupyter ignores case in kernel names)` : '';
          ctx.error([...at, 'name'], `kernel name ${q(kernel.name)} is already used by ${formatJsonPath(['kernels', j])}${caseOnly}`, `rename one of them, e.g. to ${q(`${suggestKernelName(kernel.name)}-2`)}`);
        }
      }
      checkLogos(kernel.logos, [...at, 'logos'], ctx);
      const kind = kernel.kind;
      if (typeof kind === 'string' && Object.hasOwn(kindHandlers, kind)) kindHandlers[kind as KernelDef['kind']].check(kernel, at, ctx);
    });
  }
  const image = data.image;
  if (isObject(image)) {
    // `/data` and `/data/` are the same volume.
    checkDuplicates(image.volumes, ['image', 'volumes'], ctx, 'error', 'volume', (v) => path.posix.normalize(v).replace(/(.)\/+$/, '$1'));
    // A token or password in the image would be readable by anyone who pulls it.
    if (isObject(image.env)) {
      for (const key of Object.keys(image.env)) {
        if (/^JUPYTER_(TOKEN|PASSWORD)$|^NIXLAB_(IP|PORT|NOTEBOOK_DIR)$|^JUPYTER_(CONFIG_DIR|PATH|DATA_DIR|RUNTIME_DIR)$/.test(key)) {
          const secret = /TOKEN|PASSWORD/.test(key);
          ctx.error(
            ['image', 'env', key],
            secret ? `${key} would bake a secret into the image, readable by anyone who has it` : `${key} is set by nixlab to match the image's layout`,
            secret ? `remove it and pass it when the container starts (docker run -e ${key}=…)` : 'remove it; set the port with image.port and volumes with image.volumes',
          );
        }
      }
    }
    if (Array.isArray(image.files)) {
      image.files.forEach((f, i) => {
        if (!isObject(f) || typeof f.source !== 'string' || f.source === '' || f.source.startsWith('/') || badCharacter(f.source)) return;
        let isDir = false;
        try {
          isDir = statSync(path.resolve(ctx.baseDir, f.source)).isDirectory();
        } catch {
          // reported below
        }
        if (!isDir) ctx.error(['image', 'files', i, 'source'], `${q(f.source)} is not a directory`, `the path is relative to the directory of ${ctx.file}; point it at the directory to copy`);
      });
    }
    if (isObject(image.user) && image.user.uid === 0) {
      ctx.warn(['image', 'user', 'uid'], 'uid 0 runs Jupyter as root inside the container', 'use an unprivileged uid such as 1000 (the default)');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel kinds: semantic checks and normalisation. Adding a kind = a schema branch + a handler.

interface KindHandler<K extends KernelDef> {
  /** Checks beyond the schema. `kernel` is unvalidated: check shapes before use. */
  check(kernel: Record<string, unknown>, at: PathSegment[], ctx: Collector): void;
  /** The kernel with its kind's defaults; `base` holds the defaults common to all kinds. */
  normalise(kernel: K, base: Omit<NormalizedKernelBase, 'name' | 'displayName'>, baseDir: string): NormalizedKernel;
}

/** Keeps the first of equal items. */
const unique = (items: string[]): string[] => [...new Set(items)];

/** Repeats in a preset's `packages` are warnings, and so is the package the preset always adds. */
function checkPackages(kernel: Record<string, unknown>, at: PathSegment[], ctx: Collector, always?: { name: string; kernels: string }): void {
  checkDuplicates(kernel.packages, [...at, 'packages'], ctx, 'warn', 'package');
  if (!always) return;
  for (const [i, p] of stringItems(kernel.packages)) {
    if (p === always.name) ctx.warn([...at, 'packages', i], `${q(p)} is always included in ${always.kernels}`, 'remove it from packages');
  }
}

/** A preset's packages, normalised: no repeats, without the package the preset always adds. */
const presetPackages = (packages: string[] | undefined, always?: string): string[] => unique(packages ?? []).filter((p) => p !== always);

/** The fields every preset kernel normalises the same way; `label` starts the default display name. */
function presetBase(k: KernelDef, label: string, base: Omit<NormalizedKernelBase, 'name' | 'displayName'>): NormalizedKernelBase {
  return { name: k.name, displayName: k.displayName ?? `${label} (${k.name})`, ...base };
}

const noChecks = (): void => {};

const kindHandlers: { [K in KernelDef['kind']]: KindHandler<Extract<KernelDef, { kind: K }>> } = {
  python: {
    check(kernel, at, ctx) {
      checkDuplicates(kernel.packages, [...at, 'packages'], ctx, 'warn', 'package');
      for (const [i, p] of stringItems(kernel.packages)) {
        if (p === 'ipykernel') ctx.warn([...at, 'packages', i], '"ipykernel" is always included in Python kernels', 'remove it from packages');
      }
    },
    normalise(k: PythonKernel, base) {
      const version = k.version ?? '3.12';
      return {
        kind: 'python',
        name: k.name,
        displayName: k.displayName ?? `Python ${version} (${k.name})`,
        ...base,
        language: 'python',
        version,
        packages: unique(k.packages ?? []).filter((p) => p !== 'ipykernel'),
      };
    },
  },
  custom: {
    check(kernel, at, ctx) {
      const argv = kernel.argv;
      if (Array.isArray(argv) && argv.length > 0 && !stringItems(argv).some(([, a]) => a.includes('{connection_file}'))) {
        ctx.error([...at, 'argv'], 'argv has no "{connection_file}" argument, so the kernel cannot find its connection file', 'add the argument Jupyter replaces with the connection file path, e.g. "-f", "{connection_file}"');
      }
      checkDuplicates(kernel.packages, [...at, 'packages'], ctx, 'warn', 'package');
      checkNixFile(kernel.nix, [...at, 'nix'], ctx);
    },
    normalise(k: CustomKernel, base, baseDir) {
      return {
        kind: 'custom',
        name: k.name,
        displayName: k.displayName ?? k.name,
        ...base,
        language: k.language,
        argv: [...k.argv],
        packages: unique(k.packages ?? []),
        ...(k.fileExtension === undefined ? {} : { fileExtension: k.fileExtension }),
        ...(k.nix === undefined ? {} : { nixFile: path.resolve(baseDir, k.nix) }),
      };
    },
  },
  r: {
    check: (kernel, at, ctx) => checkPackages(kernel, at, ctx, { name: 'IRkernel', kernels: 'R kernels' }),
    normalise: (k, base) => ({ kind: 'r', ...presetBase(k, 'R', base), language: 'R', packages: presetPackages(k.packages, 'IRkernel') }),
  },
  go: { check: noChecks, normalise: (k, base) => ({ kind: 'go', ...presetBase(k, 'Go', base), language: 'go' }) },
  cpp: {
    check(kernel, at, ctx) {
      // xeus-cpp (C++20/23 via clang-repl) is not in nixpkgs 24.11; its xeus-cling stops at c++2a.
      if (kernel.std === 23) {
        ctx.error(
          [...at, 'std'],
          'C++23 needs xeus-cpp, which the pinned nixpkgs (24.11) does not package; its xeus-cling kernel goes up to C++20 (c++2a)',
          'use std 17 or 20, or declare a custom kernel whose "nix" file builds xeus-cpp (see examples/custom-kernels.md)',
        );
      }
    },
    normalise(k, base) {
      const std = k.std === 20 ? 20 : 17;
      return { kind: 'cpp', ...presetBase(k, `C++${std}`, base), language: 'cpp', std };
    },
  },
  rust: {
    check: noChecks,
    // evcxr_jupyter's own kernelspec asks for message interrupts.
    normalise: (k, base) => ({ kind: 'rust', ...presetBase(k, 'Rust', base), interruptMode: k.interruptMode ?? 'message', language: 'rust' }),
  },
  haskell: {
    check: (kernel, at, ctx) => checkPackages(kernel, at, ctx, { name: 'ihaskell', kernels: 'Haskell kernels' }),
    normalise: (k, base) => ({ kind: 'haskell', ...presetBase(k, 'Haskell', base), language: 'haskell', packages: presetPackages(k.packages, 'ihaskell') }),
  },
  bash: { check: noChecks, normalise: (k, base) => ({ kind: 'bash', ...presetBase(k, 'Bash', base), language: 'bash' }) },
  javascript: { check: noChecks, normalise: (k, base) => ({ kind: 'javascript', ...presetBase(k, 'JavaScript', base), language: 'javascript' }) },
  typescript: { check: noChecks, normalise: (k, base) => ({ kind: 'typescript', ...presetBase(k, 'TypeScript', base), language: 'typescript' }) },
  octave: {
    check: (kernel, at, ctx) => checkPackages(kernel, at, ctx),
    normalise: (k, base) => ({ kind: 'octave', ...presetBase(k, 'Octave', base), language: 'octave', packages: presetPackages(k.packages) }),
  },
  ruby: { check: noChecks, normalise: (k, base) => ({ kind: 'ruby', ...presetBase(k, 'Ruby', base), language: 'ruby' }) },
  clojure: { check: noChecks, normalise: (k, base) => ({ kind: 'clojure', ...presetBase(k, 'Clojure', base), language: 'clojure' }) },
};

// Compile-time check: the schema's kinds (schema.ts) and the typed kinds (types.ts) are one set.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kindsAgree: Same<(typeof kernelKinds)[number], KernelDef['kind']> = true;
void kindsAgree;

function normaliseKernel(k: KernelDef, baseDir: string): NormalizedKernel {
  const logos: NormalizedKernelBase['logos'] = {};
  for (const [key, rel] of Object.entries(k.logos ?? {})) logos[key as keyof typeof logos] = path.resolve(baseDir, rel);
  const base = {
    env: { ...(k.env ?? {}) },
    interruptMode: k.interruptMode ?? 'signal',
    metadata: (k.metadata ?? {}) as Record<string, JsonValue>,
    logos,
  };
  // The union of handlers is not callable with the union of kernels; each kind gets its own.
  return (kindHandlers[k.kind].normalise as (kernel: KernelDef, b: typeof base, dir: string) => NormalizedKernel)(k, base, baseDir);
}

/** A valid config with every default filled in. `cfg` is a fresh copy, so parts can be reused. */
function normalise(cfg: Config, baseDir: string): NormalizedConfig {
  const image = cfg.image ?? {};
  const user = { name: image.user?.name ?? 'jovyan', uid: image.user?.uid ?? 1000, gid: image.user?.gid ?? 100 };
  const volumes = [...(image.volumes ?? [])];
  return {
    frontend: cfg.frontend ?? 'notebook',
    ...(cfg.nixpkgs ? { nixpkgs: { rev: cfg.nixpkgs.rev, narHash: cfg.nixpkgs.narHash } } : {}),
    kernels: cfg.kernels.map((k) => normaliseKernel(k, baseDir)),
    image: {
      name: image.name ?? 'nixlab',
      tag: image.tag ?? 'latest',
      user,
      port: image.port ?? 8888,
      volumes,
      env: { ...(image.env ?? {}) },
      workdir: image.workdir ?? volumes[0] ?? `/home/${user.name}`,
      files: (image.files ?? []).map((f) => ({
        source: path.resolve(baseDir, f.source),
        target: f.target.startsWith('/') ? path.posix.normalize(f.target) : path.posix.join(`/home/${user.name}`, f.target),
      })),
      maxLayers: image.maxLayers ?? 100,
    },
  };
}
