// Validation and normalisation of configs: the JSON Schema (ajv), the kinds' own checks, and the
// image checks the packer runs, every failure a Problem that says where, what, and how to fix
// it. What `nixlab build` would refuse, this reports first.
//
// Paths are written JSONPath-style, `$.kernels[1].env["BAD NAME"]`: `.key` for identifier-like
// keys, `["key"]` (JSON-quoted) for any other key, `[i]` for list items.
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv2020 as Ajv2020Class, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Problem } from '../errors.js';
import { imageSettingsProblems } from '../image/check.js';
import { formatJsonPath } from '../kernels/checks.js';
import { kernelKinds, kindNames, kindOf, type KernelDef, type NormalizedKernel } from '../kernels/index.js';
import type { JsonValue, NormalizedKernelBase, PathSegment, Reporter } from '../kernels/types.js';
import { DEFAULT_PORT, DEFAULT_USER, homeOf } from '../runtime/facts.js';
import { DEFAULT_FRONT_END } from '../runtime/targets.js';
import { targetNames } from '../deploy/targets/index.js';
import { DEFAULT_HUB_ADDRESS, DEFAULT_HUB_ADMIN, DEFAULT_HUB_AUTHENTICATOR, DEFAULT_HUB_PORT, DEFAULT_REFERENCE, LAYERS, NIXPKGS_CONFIG_DEFAULTS, andList, describeValue, unrepresentable, type Rule, type SchemaObject, type Verdict } from './rules.js';
import { cachedSchemaCheck } from './schema-cache.js';
import { closest } from '../suggest.js';
import { configSchema, kernelBranches, kernelsProperty, namedRules } from './schema.js';
import { kernelNameLike } from './kernel-name.js';
import { CONFIG_RULES } from './config-rules.js';
import type { Config, NormalizedConfig } from './types.js';

export { formatJsonPath } from '../kernels/checks.js';
export type { PathSegment } from '../kernels/types.js';

/** What `validateConfig` returns: all errors and warnings, and the config when there are no errors. */
export interface ValidationResult {
  errors: Problem[];
  warnings: Problem[];
  config?: NormalizedConfig;
  /**
   * The config as written, as plain JSON data (with the config: what the config paths in the
   * source map of the generated Nix index into).
   */
  data?: unknown;
}

/** Checks a raw config (parsed JSON/YAML or a TS module's export) and normalises it with defaults. */
export function validateConfig(raw: unknown, file: string, opts: { baseDir?: string } = {}): ValidationResult {
  const ctx = new Collector(file, opts.baseDir ?? path.dirname(path.resolve(file)));

  // 1. Copy the input as plain JSON data, reporting what Nix or JSON cannot carry.
  const data = copyJsonData(raw, [], new Set(), ctx);
  const reported = new Set(ctx.errors.map((f) => findingId(f)));

  // 2. The schema. Errors at a path already reported in step 1 (a NUL in a name, a function
  //    where a string belongs) would only repeat the same problem less precisely, and a value
  //    that breaks several keywords of one rule gets one error.
  //    A valid config (the usual case) is recognised by a cached check (schema-cache.ts); only
  //    an invalid one pays for compiling the validator that explains every problem.
  const validate = cachedSchemaCheck(configSchema)(data) ? null : compiledSchema();
  if (validate && !validate(data)) {
    for (const e of validate.errors ?? []) {
      const finding = explainSchemaError(e, data);
      if (!finding) continue;
      const id = findingId(finding);
      if (reported.has(id)) continue;
      if (finding.leaf) reported.add(id);
      ctx.errors.push(finding);
    }
  }

  // 3. The named rules beyond the schema (config-rules.ts); each checks only values of the right shape.
  checkSemantics(data, ctx);

  // 4. What the image packer checks, on the normalised config (only a config without errors
  //    can be normalised).
  let config: NormalizedConfig | undefined;
  if (ctx.errors.length === 0) {
    config = normalise(data as Config, ctx.baseDir);
    for (const f of imageSettingsProblems(config)) ctx.error(f.at, f);
  }

  const result: ValidationResult = { errors: ctx.problems(ctx.errors, data), warnings: ctx.problems(ctx.warnings, data) };
  if (result.errors.length === 0) {
    result.config = config;
    result.data = data;
  }
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
  /** The finding judges a single value (a leaf rule): one per value is enough. */
  leaf?: boolean;
}

const findingId = (f: Finding): string => `${f.onKey ? 'key' : 'value'} ${formatJsonPath(f.at)}`;

class Collector implements Reporter {
  readonly errors: Finding[] = [];
  readonly warnings: Finding[] = [];
  constructor(
    readonly file: string,
    readonly baseDir: string,
  ) {}

  error(at: PathSegment[], verdict: Verdict, onKey = false): void {
    this.errors.push({ at, message: verdict.message, hint: verdict.hint, onKey });
  }

  warn(at: PathSegment[], verdict: Verdict): void {
    this.warnings.push({ at, message: verdict.message, hint: verdict.hint });
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
// Step 1: plain JSON data that Nix can carry

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
      const bad = unrepresentable(value);
      if (bad) ctx.error(at, { message: `contains ${bad.what}, which Nix strings cannot hold`, hint: 'remove that character from the string' });
      return value;
    }
    case 'number':
      if (!Number.isFinite(value)) ctx.error(at, { message: `is ${value}, which is not a JSON number`, hint: 'use a finite number' });
      return value;
    case 'boolean':
      return value;
    case 'undefined':
      ctx.error(at, { message: 'is undefined', hint: 'give it a value or remove it' });
      return value;
    case 'object':
      break;
    default:
      ctx.error(at, { message: `is a ${typeof value}, not JSON data`, hint: 'use a string, number, boolean, list or object' });
      return value;
  }
  if (value === null) return null;
  if (ancestors.has(value)) {
    ctx.error(at, { message: 'refers back to an object that contains it (a cycle)', hint: 'use plain data without cycles' });
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
      ctx.error(at, { message: `is ${typeof kind === 'string' && kind ? `a ${kind} object` : 'not a plain object'}, not JSON data`, hint: 'use plain strings, numbers, booleans, lists and objects' });
      return value;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const bad = unrepresentable(key);
      if (bad) ctx.error([...at, key], { message: `the key ${JSON.stringify(key)} contains ${bad.what}, which Nix strings cannot hold`, hint: 'rename the key without that character' }, true);
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

/** The rule each leaf schema belongs to (ajv reports the failing schema object as `parentSchema`). */
const ruleOfSchema = new Map<SchemaObject, Rule>(Object.values(namedRules).map((r) => [r.schema, r]));
// A rule's `allOf`/`not` parts fail as their own objects; they belong to the rule that holds them.
for (const rule of Object.values(namedRules)) {
  for (const part of (rule.schema.allOf as SchemaObject[] | undefined) ?? []) ruleOfSchema.set(part, rule);
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
    case 'propertyNames': // the name's own error is reported
      return undefined;
    case 'additionalProperties':
      return unknownKey(at, String((e.params as { additionalProperty: string }).additionalProperty), schema);
    case 'required':
      return missingKey(at, String((e.params as { missingProperty: string }).missingProperty), schema);
    case 'dependentRequired': {
      const { property, missingProperty } = e.params as { property: string; missingProperty: string };
      return {
        at: [...at, property],
        message: `${q(property)} is given without ${q(missingProperty)}: another nixpkgs revision needs both`,
        hint: `add ${q(missingProperty)}: ${requiredExamples[missingProperty] ?? '…'}, or remove ${q(property)} to use the pin in flake.lock`,
        onKey: true,
      };
    }
  }
  const onKey = e.propertyName !== undefined;
  if (e.propertyName !== undefined) at.push(e.propertyName);
  const value = onKey ? e.propertyName : e.data;
  const rule = ruleOfSchema.get(schema);
  const explained = rule?.explain(value);
  if (explained) return { at, ...explained, onKey, leaf: true };
  if (e.keyword === 'type') return { ...wrongType(at, value, String((e.params as { type: string }).type)), leaf: true };
  if (schema === kernelsProperty && e.keyword === 'minItems') return { at, message: 'no kernels declared', hint: `declare at least one, e.g. "kernels": [${q({ kind: 'python', ...kernelKinds[0].example })}]`, leaf: true };
  return { at, ...genericExplanation(at, value, e, schema), onKey, leaf: true };
}

/** When to choose which kind, said beside the list of kinds when a config names an unknown one. */
const unknownKindHints = kernelKinds.flatMap((k) => k.unknownKindHint ?? []);

function genericExplanation(at: PathSegment[], value: unknown, e: ErrorObject, schema: SchemaObject): Verdict {
  const last = at[at.length - 1];
  switch (e.keyword) {
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
      const near = typeof value === 'string' ? closest(value, allowed.map(String)) : undefined;
      const isKind = last === 'kind' && at[0] === 'kernels';
      return {
        message: isKind ? `unknown kernel kind ${q(value)}` : `${describeValue(value)} is not one of ${quotedList(allowed)}`,
        hint: near ? `did you mean ${q(near)}?` : isKind ? `use ${quotedList(allowed)}${unknownKindHints.length ? ` (${unknownKindHints.join('; ')})` : ''}` : `use one of ${quotedList(allowed)}`,
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

function branchKind(schema: SchemaObject): string | undefined {
  return kindNames.find((k) => kernelBranches[k] === schema);
}

function unknownKey(at: PathSegment[], key: string, schema: SchemaObject): Finding {
  const allowed = Object.keys((schema.properties ?? {}) as object);
  const kind = branchKind(schema);
  // "an octave kernel", "an r kernel" (said "ar"), "a ruby kernel": the article goes by the sound.
  const article = /^[aeiou]/.test(kind ?? '') || kind === 'r' ? 'an' : 'a';
  const where = kind ? ` for ${article} ${kind} kernel` : at.length === 0 ? ' at the top level' : '';
  const near = closest(key, allowed);
  const owners = kind ? kindNames.filter((k) => k !== kind && Object.hasOwn(kernelBranches[k]!.properties as object, key)) : [];
  const hint =
    owners.length === 1
      ? `${q(key)} belongs to ${owners[0]} kernels: set "kind": ${q(owners[0])}, or remove it`
      : owners.length > 1
        ? `${q(key)} belongs to ${andList(owners)} kernels, not to ${kind} kernels: remove it (allowed keys: ${allowed.join(', ')})`
        : `${near ? `did you mean ${q(near)}? ` : ''}allowed keys: ${allowed.join(', ')}`;
  return { at: [...at, key], message: `unknown key ${q(key)}${where}`, hint, onKey: true };
}

/** Example values for required keys, for the hint (each kind adds its own). */
const requiredExamples: Record<string, string> = {
  kernels: `[${q({ kind: 'python', ...kernelKinds[0].example })}]`,
  kind: kindNames.map(q).join(' or '),
  version: '"5.4" (the major.minor of the hub the image runs under)',
  name: q(kernelNameLike('my kernel')),
  rev: 'the 40-character commit id of NixOS/nixpkgs',
  narHash: '"sha256-…=" (from `nix flake prefetch --json github:NixOS/nixpkgs/<rev>`)',
  source: '"lessons" (a directory next to the config)',
  target: '"lessons" (a path in the home) or an absolute path',
};

function missingKey(at: PathSegment[], key: string, schema: SchemaObject): Finding {
  const kind = branchKind(schema);
  const example = (kind ? kindOf(kind)?.requiredExamples?.[key] : undefined) ?? requiredExamples[key];
  return {
    at,
    message: `missing required key ${q(key)}${kind ? ` (${kind} kernels need it)` : ''}`,
    hint: example ? `add ${q(key)}: ${example}` : `add ${q(key)}`,
  };
}

function wrongType(at: PathSegment[], value: unknown, expected: string): Finding {
  const message = `must be ${typeNames[expected] ?? expected}, got ${describeValue(value)}`;
  let hint: string;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
    hint = `put it in quotes: "${value}"`;
  } else if (expected === 'array' && typeof value === 'string') {
    hint = `make it a list: [${q(value)}]`;
  } else if (expected === 'integer' && typeof value === 'string' && /^[0-9]+$/.test(value)) {
    hint = `write it without quotes: ${value}`;
  } else if (expected === 'integer' && typeof value === 'number') {
    hint = 'use a whole number';
  } else if (at.length === 0) {
    hint = `the config must be an object with a "kernels" list, e.g. { "kernels": ${requiredExamples.kernels} }`;
  } else {
    hint = `replace it with ${typeNames[expected] ?? expected}`;
  }
  return { at, message, hint };
}

// ---------------------------------------------------------------------------------------------
// Step 3: rules the schema cannot express

/** Each named rule of the rule set (./config-rules.ts), in its order. */
function checkSemantics(data: unknown, ctx: Collector): void {
  if (!isObject(data)) return;
  for (const rule of CONFIG_RULES) rule.check(data, ctx);
}

// ---------------------------------------------------------------------------------------------
// Normalisation

function normaliseKernel(k: KernelDef, baseDir: string): NormalizedKernel {
  const logos: NormalizedKernelBase['logos'] = {};
  for (const [key, rel] of Object.entries(k.logos ?? {})) logos[key as keyof typeof logos] = path.resolve(baseDir, rel);
  const base = {
    name: k.name,
    aliases: [...(k.aliases ?? [])],
    env: { ...(k.env ?? {}) },
    interruptMode: k.interruptMode ?? 'signal',
    metadata: (k.metadata ?? {}) as Record<string, JsonValue>,
    logos,
  };
  // Each kind's normalise takes only its own kernels; the kind field says which one this is.
  return (kindOf(k.kind)!.normalise as (kernel: KernelDef, b: typeof base, dir: string) => NormalizedKernel)(k, base, baseDir);
}

/** A valid config with every default filled in. `cfg` is a fresh copy, so parts can be reused. */
function normalise(cfg: Config, baseDir: string): NormalizedConfig {
  const image = cfg.image ?? {};
  const user = { name: image.user?.name ?? DEFAULT_USER.name, uid: image.user?.uid ?? DEFAULT_USER.uid, gid: image.user?.gid ?? DEFAULT_USER.gid };
  const volumes = [...(image.volumes ?? [])];
  const hub = cfg.hub;
  return {
    // JupyterLab by default behind a hub (what JupyterHub's own images start).
    frontend: cfg.frontend ?? (hub ? 'lab' : DEFAULT_FRONT_END),
    ...(hub
      ? {
          hub: {
            version: hub.version ?? null,
            authenticator: hub.authenticator ?? DEFAULT_HUB_AUTHENTICATOR,
            admin: hub.admin ?? DEFAULT_HUB_ADMIN,
            port: hub.port ?? DEFAULT_HUB_PORT,
            address: hub.address ?? DEFAULT_HUB_ADDRESS,
            ...(hub.sharedPassword === undefined ? {} : { sharedPassword: hub.sharedPassword }),
            ...(hub.adminPassword === undefined ? {} : { adminPassword: hub.adminPassword }),
            // Each deployment target's settings, as declared (src/deploy/targets).
            ...Object.fromEntries(targetNames.flatMap((t) => (hub[t as keyof typeof hub] === undefined ? [] : [[t, structuredClone(hub[t as keyof typeof hub])]]))),
          },
        }
      : {}),
    ...(cfg.lab ? { lab: { extensions: [...new Set(cfg.lab.extensions ?? [])] } } : {}),
    ...(cfg.nixpkgs?.rev !== undefined && cfg.nixpkgs.narHash !== undefined ? { nixpkgs: { rev: cfg.nixpkgs.rev, narHash: cfg.nixpkgs.narHash } } : {}),
    nixpkgsConfig: {
      allowUnfree: cfg.nixpkgs?.allowUnfree ?? NIXPKGS_CONFIG_DEFAULTS.allowUnfree,
      allowBroken: cfg.nixpkgs?.allowBroken ?? NIXPKGS_CONFIG_DEFAULTS.allowBroken,
      permittedInsecurePackages: [...new Set(cfg.nixpkgs?.permittedInsecurePackages ?? NIXPKGS_CONFIG_DEFAULTS.permittedInsecurePackages)],
    },
    kernels: cfg.kernels.map((k) => normaliseKernel(k, baseDir)),
    image: {
      name: image.name ?? DEFAULT_REFERENCE.repository,
      tag: image.tag ?? DEFAULT_REFERENCE.tag,
      user,
      port: image.port ?? DEFAULT_PORT,
      volumes,
      env: { ...(image.env ?? {}) },
      workdir: image.workdir ?? volumes[0] ?? homeOf(user),
      files: (image.files ?? []).map((f) => ({
        source: path.resolve(baseDir, f.source),
        target: f.target.startsWith('/') ? path.posix.normalize(f.target) : path.posix.join(homeOf(user), f.target),
      })),
      maxLayers: image.maxLayers ?? LAYERS.default,
      startHooks: (image.startHooks ?? []).map((h) => path.resolve(baseDir, h)),
    },
    ...(cfg.compose ? { compose: { ...cfg.compose } } : {}),
  };
}
