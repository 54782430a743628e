// The start of `nixlab validate`, `generate` and `pack` from one file. Node loads an ES module
// graph file by file (resolve, read, compile, link each of ~55 modules), which cost about as
// much as node's own start; `npm run build` (scripts/fast-bundle.mjs) therefore compiles
// cli/fast.ts and every module it can reach into one script, fast-bundle.js beside this module,
// in the SystemJS register format TypeScript emits, and records V8's compiled code for it
// (fast-bundle.cache) from a validate and a generate run. This module runs that script: it
// registers the modules, links and runs them as ES modules would be (live bindings, cycles,
// dependencies first), and lets V8 take the recorded code instead of compiling it again.
// Builtins are required when first used. Anything outside the bundle (ajv, yaml, execa, jiti)
// is imported as usual. test/cli/fast-start.test.ts checks the bundle is the one the sources give.
// It is CommonJS (as bin/run.js is), like the bundle itself: node's ES module loader, which
// costs a tenth of node's start, is not started for a validate of a JSON config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** The bundle's and its code cache's file names (beside this module in dist/). */
export const FAST_BUNDLE = { script: 'fast-bundle.js', cache: 'fast-bundle.cache' } as const;

/** The bundle's first line: its id (a hash of the rest), which its code cache starts with. */
export const bundleHeader = (id: string) => `// nixlab fast-path bundle ${id}, written by npm run build\n`;
const HEADER = /^\/\/ nixlab fast-path bundle ([0-9a-f]+),/;

type Namespace = Record<string, unknown>;
type Setter = ((ns: Namespace) => void) | undefined;
type ExportFn = (name: string | Namespace, value?: unknown) => unknown;
interface Context {
  id: string;
  meta: { url: string };
  import(spec: string): Promise<unknown>;
}
type Declare = (exportFn: ExportFn, context: Context) => { setters: Setter[]; execute: () => unknown };
interface Record_ {
  ns: Namespace;
  importers: ((ns: Namespace) => void)[];
  deps: string[];
  execute?: () => unknown;
  done: boolean;
}

const definitions = new Map<string, { deps: string[]; declare: Declare }>();
const records = new Map<string, Record_>();
let script: vm.Script | undefined;

/** A builtin's namespace, required on its first use (most of those the bundle names are never used in one run). */
function builtin(spec: string): Namespace {
  // scripts/fast-bundle.mjs refuses a bundle that imports anything else statically.
  if (!spec.startsWith('node:')) throw new Error(`the fast-path bundle imports ${spec} statically (only node: builtins may be)`);
  let loaded: Namespace | undefined;
  const get = () => (loaded ??= require(spec) as Namespace);
  return new Proxy({}, { get: (_, key) => (key === 'default' ? get() : get()[key as string]), has: (_, key) => key in get() });
}

/** The module `name`, linked: its exports bound into each importer (re-bound on every export, as live bindings are). */
function instantiate(name: string): Record_ {
  let record = records.get(name);
  if (record) return record;
  const definition = definitions.get(name);
  if (!definition) {
    record = { ns: builtin(name), importers: [], deps: [], done: true };
    records.set(name, record);
    return record;
  }
  const ns: Namespace = {};
  const importers: ((ns: Namespace) => void)[] = [];
  record = { ns, importers, deps: definition.deps, done: false };
  records.set(name, record);
  const exportFn: ExportFn = (key, value) => {
    if (typeof key === 'string') ns[key] = value;
    else Object.assign(ns, key);
    for (const setter of importers) setter(ns);
    return value;
  };
  // Each module's import.meta.url is that of its own compiled file in dist/, so paths found from
  // it are the same; made when first asked for (a few modules ask, and a URL costs ~30 µs).
  let meta: Context['meta'] | undefined;
  const context: Context = {
    id: name,
    get meta() {
      return (meta ??= { url: pathToFileURL(join(__dirname, '..', '..', `${name}.js`)).href });
    },
    import: importModule,
  };
  const { setters, execute } = definition.declare(exportFn, context);
  record.execute = execute;
  definition.deps.forEach((dep, i) => {
    const target = instantiate(dep);
    const setter = setters[i];
    if (!setter) return;
    target.importers.push(setter);
    setter(target.ns);
  });
  return record;
}

/** Runs `name`'s body after its dependencies' (a module met again in a cycle is not waited for, as in ES modules). */
function evaluate(name: string): void {
  const record = records.get(name)!;
  if (record.done) return;
  record.done = true;
  for (const dep of record.deps) evaluate(dep);
  record.execute!();
}

/** `import(spec)` for the bundle's modules: a module of the bundle, else an outside one (below). */
async function importModule(spec: string): Promise<unknown> {
  if (!definitions.has(spec)) return importOutside(spec);
  const record = instantiate(spec);
  evaluate(spec);
  return record.ns;
}

/**
 * A builtin or a package: required when it can be (a CommonJS package, such as yaml: starting
 * node's ES module loader for it would cost ~5 ms more), with the namespace node's import()
 * gives a CommonJS module (its exports, and them as `default`); else imported (an ES module
 * package, such as execa).
 */
async function importOutside(spec: string): Promise<unknown> {
  let exports: Namespace;
  try {
    exports = require(spec) as Namespace;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_REQUIRE_ESM') throw error;
    return import(spec);
  }
  return { ...exports, default: exports };
}

/** Registers the bundle's modules (once), with V8's recorded code when it is the one for this bundle. */
function loadBundle(): void {
  if (script) return;
  const file = join(__dirname, FAST_BUNDLE.script);
  let code: string;
  try {
    code = readFileSync(file, 'utf8');
  } catch (error) {
    // nixlab's errors are in the bundle: an installation without it is reported as node reports any error.
    throw new Error(`the fast-path bundle is not built (${file}); run \`npm run build\``, { cause: error });
  }
  const id = HEADER.exec(code)?.[1];
  let cachedData: Buffer | undefined;
  try {
    const cache = readFileSync(join(__dirname, FAST_BUNDLE.cache));
    // The cache starts with the id of the bundle it was recorded from; V8 itself checks its version and flags.
    if (id !== undefined && cache.subarray(0, id.length).toString('latin1') === id) cachedData = cache.subarray(id.length);
  } catch {
    // No cache: V8 compiles the script as usual.
  }
  script = new vm.Script(code, { filename: file, cachedData });
  (script.runInThisContext() as (system: { register(name: string, deps: string[], declare: Declare): void }) => void)({
    register: (name, deps, declare) => void definitions.set(name, { deps, declare }),
  });
}

/** Whether V8 took the recorded code (false), refused it (true: another node or V8 flags), or none was there (undefined). */
export function codeCacheRejected(): boolean | undefined {
  return script?.cachedDataRejected;
}

/** V8's compiled code of the bundle as run so far, for fast-bundle.cache (scripts/fast-bundle.mjs records it after a validate and a generate). */
export function bundleCodeCache(): Buffer {
  if (!script) throw new Error('the fast-path bundle was not loaded');
  const id = HEADER.exec(readFileSync(join(__dirname, FAST_BUNDLE.script), 'utf8'))?.[1] ?? '';
  return Buffer.concat([Buffer.from(id, 'latin1'), script.createCachedData()]);
}

/** cli/fast.ts's runFast, from the bundle. */
export async function runFast(argv: readonly string[]): Promise<boolean> {
  loadBundle();
  const fast = (await importModule('src/cli/fast')) as { runFast(argv: readonly string[]): Promise<boolean> };
  return fast.runFast(argv);
}
