// Finding and loading config files: TS/JS (evaluated with jiti in a worker thread), JSON and YAML, each parse error
// with line:column, then validation. Anything wrong becomes one UserError listing every problem.
import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InternalError, UserError, type Problem } from '../errors.js';
import { formatJsonPath } from '../kernels/checks.js';
import { defaultCacheDir, packageRoot } from '../paths.js';
import type { ConfigWorkerData, ConfigWorkerReply } from './config-worker.js';
import type { NormalizedConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Extensions of configs that are modules (evaluated), and of every config (compared ignoring case). */
export const MODULE_CONFIG_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'] as const;
export const CONFIG_EXTENSIONS = [...MODULE_CONFIG_EXTENSIONS, '.json', '.yaml', '.yml'] as const;

/** Config file names `findConfig` looks for, in order of preference. */
export const configFileNames = ['nixlab.config.ts', 'nixlab.config.mts', 'nixlab.config.js', 'nixlab.json', 'nixlab.yaml', 'nixlab.yml'] as const;

/** A loaded, valid config: the file as the user named it, the normalised config, and warnings. */
export interface LoadedConfig {
  file: string;
  config: NormalizedConfig;
  warnings: Problem[];
  /** The config as written (plain JSON data), which config paths index into. */
  data: unknown;
}

/** Returns the path (joined to `dir` as given) of the first config file in `dir`; UserError when none. */
export function findConfig(dir: string): string {
  for (const name of configFileNames) {
    const candidate = path.join(dir, name);
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  throw new UserError({
    where: dir,
    message: `no nixlab config file found (looked for ${configFileNames.join(', ')})`,
    // The example must pass validate (`python` is a name Jupyter keeps): checked by test/definitions/load.test.ts.
    hint: 'run `nixlab init`, or create nixlab.json containing { "kernels": [{ "kind": "python", "name": "py" }] }',
  });
}

/**
 * The config file a command should load: `arg` itself when it names a file, the config found in
 * it when it names a directory, else the config found in the current directory.
 */
export function resolveConfigArg(arg?: string): string {
  if (arg === undefined) return findConfig('.');
  const st = statSync(arg, { throwIfNoEntry: false });
  if (!st) throw new UserError({ where: arg, message: 'no such file or directory', hint: 'check the path: name a config file, or a directory that holds one (`nixlab init DIR` writes a starter config)' });
  return st.isDirectory() ? findConfig(arg) : arg;
}

/** Reads, parses and validates a config file; throws UserError with every problem found. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const ext = path.extname(file).toLowerCase();
  const raw = (MODULE_CONFIG_EXTENSIONS as readonly string[]).includes(ext)
    ? await importModule(file)
    : ext === '.json'
      ? parseJsonFile(file, readText(file))
      : ext === '.yaml' || ext === '.yml'
        ? await parseYaml(file, readText(file))
        : unknownType(file);
  const result = validateConfig(raw.value, file, { baseDir: path.dirname(path.resolve(file)) });
  const warnings = [...raw.warnings, ...result.warnings];
  if (result.errors.length > 0 || !result.config) throw new UserError(result.errors);
  return { file, config: result.config, warnings, data: result.data };
}

interface Parsed {
  value: unknown;
  warnings: Problem[];
}

function unknownType(file: string): never {
  throw new UserError({
    where: file,
    message: 'unknown config file type',
    hint: `name it with one of the extensions .ts, .mts, .js, .json, .yaml or .yml (e.g. ${configFileNames.join(', ')})`,
  });
}

// Read synchronously: a config is small, and node's promise-based fs is not loaded for it (start-up time).
function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

function unreadable(file: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = code === 'ENOENT' ? 'config file does not exist' : code === 'EISDIR' ? 'is a directory, not a config file' : `cannot read the config file (${(error as Error).message})`;
  return new UserError({ where: file, message, hint: 'check the path' }, { cause: error });
}

// ---------------------------------------------------------------------------------------------
// TS / JS

/** The environment variable bounding a TS/JS config's loading, and the bound when it is unset. */
export const CONFIG_TIMEOUT = { env: 'NIXLAB_CONFIG_TIMEOUT', defaultSeconds: 60 } as const;

/** How long a TS/JS config may take to load, in seconds: $NIXLAB_CONFIG_TIMEOUT, else 60. */
export function configTimeoutSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[CONFIG_TIMEOUT.env];
  if (raw === undefined || raw === '') return CONFIG_TIMEOUT.defaultSeconds;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new UserError({ where: CONFIG_TIMEOUT.env, message: `${JSON.stringify(raw)} is not a number of seconds`, hint: `set it to a positive number, e.g. ${CONFIG_TIMEOUT.defaultSeconds}, or unset it` });
  }
  return n;
}

/** The compiled config worker: beside this module in dist/, or dist/'s copy under ts-jest. */
function configWorkerUrl(): URL {
  const beside = new URL('./config-worker.js', import.meta.url);
  if (statSync(fileURLToPath(beside), { throwIfNoEntry: false })) return beside;
  const built = path.join(packageRoot(), 'dist', 'src', 'definitions', 'config-worker.js');
  if (!statSync(built, { throwIfNoEntry: false })) throw new InternalError(`the config worker is not built (${built}); run \`npm run build\``);
  return pathToFileURL(built);
}

/**
 * Loads a TS/JS config in a worker thread (./config-worker.ts), so that the module cannot end
 * or stall nixlab: process.exit() there ends the worker only and is reported, naming the file;
 * a load that takes longer than configTimeoutSeconds() is stopped and reported.
 */
async function importModule(file: string): Promise<Parsed> {
  const absolute = path.resolve(file);
  try {
    await stat(absolute);
  } catch (error) {
    throw unreadable(file, error);
  }
  const seconds = configTimeoutSeconds();
  const { Worker } = await import('node:worker_threads');
  const data: ConfigWorkerData = { file: absolute, cacheDir: path.join(defaultCacheDir(), 'jiti') };
  const worker = new Worker(configWorkerUrl(), { workerData: data });
  const outcome = await new Promise<{ reply: ConfigWorkerReply } | { exit: number } | { crash: unknown } | { timeout: true }>((resolve) => {
    const timer = setTimeout(() => resolve({ timeout: true }), seconds * 1000);
    const done = (o: { reply: ConfigWorkerReply } | { exit: number } | { crash: unknown }) => {
      clearTimeout(timer);
      resolve(o);
    };
    worker.once('message', (reply: ConfigWorkerReply) => done({ reply }));
    worker.once('error', (crash) => done({ crash }));
    worker.once('exit', (exit) => done({ exit }));
  });
  // The module may have left timers or a pending process.exit: nothing of it runs on.
  await worker.terminate();
  if ('timeout' in outcome) {
    throw new UserError({
      where: file,
      message: `the config module did not finish loading within ${seconds} s (${CONFIG_TIMEOUT.env}), and was stopped`,
      hint: `look for an endless loop or a promise that never settles in it; if it is only slow, raise ${CONFIG_TIMEOUT.env} (seconds)`,
    });
  }
  if ('exit' in outcome) {
    throw new UserError({
      where: file,
      message: `the config module ended its loading with process.exit(${outcome.exit}) before exporting a config`,
      hint: 'remove the process.exit call: a config module only exports its config (throw an Error to report a problem)',
    });
  }
  if ('crash' in outcome) {
    throw new UserError(
      { where: file, message: `the config module failed to load: ${firstLine(outcome.crash)}`, hint: 'fix the error in the file (run it with DEBUG=1 to see the stack trace)' },
      { cause: outcome.crash },
    );
  }
  const reply = outcome.reply;
  if (reply.ok) {
    if (reply.notData.length > 0) throw new UserError(reply.notData.map((p) => ({ where: `${file}:${formatJsonPath(p.at)}`, message: p.message, hint: p.hint })));
    return { value: reply.value, warnings: [] };
  }
  const detail = reply.stack === undefined ? {} : { detail: reply.stack };
  if (reply.stage === 'no-export') {
    throw new UserError({
      where: file,
      message: 'the module exports no config (neither a default export nor `config`)',
      hint: "add `export default defineConfig({ kernels: [...] })` (import { defineConfig } from 'nixlab/config')",
    });
  }
  if (reply.stage === 'function') {
    throw new UserError({ where: file, message: `the exported config function threw: ${reply.message}`, hint: 'fix the function, or export the config object itself' }, detail);
  }
  throw new UserError(
    { where: `${file}${reply.position}`, message: `the config module failed to load: ${reply.message}`, hint: 'fix the error in the file (run it with DEBUG=1 to see the stack trace)' },
    detail,
  );
}

function firstLine(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' ? message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

// ---------------------------------------------------------------------------------------------
// YAML

/** How many times a YAML config's aliases may be expanded in all (the yaml library's bound against alias bombs). */
const YAML_MAX_ALIAS_COUNT = 100;

/**
 * How YAML configs are parsed. strict + uniqueKeys: duplicate keys and other doubtful constructs
 * are errors, not silent last-one-wins. The YAML 1.2 core schema: no timestamps or yes/no
 * booleans. merge: YAML merge keys (`<<: *base`) merge, as users of docker-compose files expect.
 */
const YAML_OPTIONS = { strict: true, uniqueKeys: true, schema: 'core', prettyErrors: true, merge: true } as const;

/**
 * A YAML config's data: from nixlab's cache when the same text parsed cleanly before
 * (./yaml-cache.ts), else parsed. The yaml module is loaded only to parse (start-up time).
 */
async function parseYaml(file: string, text: string): Promise<Parsed> {
  const { yamlCacheEntry } = await import('./yaml-cache.js');
  const entry = yamlCacheEntry(text, { ...YAML_OPTIONS, maxAliasCount: YAML_MAX_ALIAS_COUNT }, defaultCacheDir());
  if (entry.cached !== undefined) return { value: entry.cached, warnings: [] };
  const parsed = parseYamlFile(file, text, (await import('yaml')).parseDocument);
  if (parsed.warnings.length === 0) entry.store(parsed.value);
  return parsed;
}

function parseYamlFile(file: string, text: string, parseDocument: typeof import('yaml').parseDocument): Parsed {
  const doc = parseDocument(text, YAML_OPTIONS);
  const at = (e: { linePos?: [{ line: number; col: number }, ...unknown[]] }) => (e.linePos ? `${file}:${e.linePos[0].line}:${e.linePos[0].col}` : file);
  // prettyErrors appends " at line L, column C:" and a source excerpt; the position goes in `where`.
  const text1 = (m: string) => m.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
  if (doc.errors.length > 0) {
    throw new UserError(
      doc.errors.map((e) => ({
        where: at(e),
        message: text1(e.message),
        hint: e.code === 'DUPLICATE_KEY' ? 'remove or rename one of the two keys' : e.code === 'MULTIPLE_DOCS' ? 'keep a single YAML document (no second `---`)' : 'fix the YAML syntax at that position',
      })),
    );
  }
  const warnings = doc.warnings.map((w) => ({ where: at(w), message: text1(w.message) }));
  try {
    return { value: doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }), warnings };
  } catch (error) {
    // The yaml library's guard against alias bombs (`a: &a [*b, *b, …]` nested): a ReferenceError.
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      throw new UserError(
        { where: file, message: `the YAML's aliases (*name) expand to too much data (an alias is used more than ${YAML_MAX_ALIAS_COUNT} times over), which looks like an alias bomb`, hint: 'write the values out, or use fewer aliases: a nixlab config needs only a few' },
        { cause: error },
      );
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A JSON syntax error at a character offset. */
class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly hint: string,
  ) {
    super(message);
  }
}

function parseJsonFile(file: string, text: string): Parsed {
  try {
    return { value: parseJson(text), warnings: [] };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const { line, col } = lineCol(text, error.offset);
    throw new UserError({ where: `${file}:${line}:${col}`, message: error.message, hint: error.hint });
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

const maxJsonDepth = 1000;
const numberToken = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Strict JSON (RFC 8259) parser. JSON.parse does not say where an error is in every case, and
 * silently keeps the last of duplicate keys; this one reports both with a position.
 */
export function parseJson(text: string): unknown {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark from some editors

  const found = (): string => {
    if (i >= text.length) return 'the end of the file';
    const c = text[i]!;
    return c === '\n' ? 'a line break' : q(c);
  };
  const fail = (expected: string, hint = 'fix the JSON syntax at that position'): never => {
    const c = text[i];
    if (c === "'") hint = 'JSON strings and keys use double quotes';
    else if (c === '/' || c === '#') hint = 'JSON has no comments; use nixlab.yaml or nixlab.config.ts if you want comments';
    else if (i >= text.length) hint = 'the file ends too early: close every { [ and "';
    throw new JsonSyntaxError(`expected ${expected}, found ${found()}`, i, hint);
  };
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };

  const string = (): string => {
    const start = i;
    i++; // opening quote
    for (;;) {
      if (i >= text.length) {
        throw new JsonSyntaxError('string is not closed', start, 'add the closing double quote');
      }
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) throw new JsonSyntaxError('control character (such as a line break or tab) inside a string', i, 'write it as an escape: \\n, \\t, …');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) throw new JsonSyntaxError('bad \\u escape: needs 4 hex digits', i, 'write \\u followed by 4 hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else throw new JsonSyntaxError(`unknown escape \\${e ?? ''}`, i, 'valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX; write a backslash as \\\\');
      } else i++;
    }
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };

  const value = (depth: number): unknown => {
    if (depth > maxJsonDepth) throw new JsonSyntaxError(`nested deeper than ${maxJsonDepth} levels`, i, 'flatten the data');
    ws();
    const c = text[i];
    if (c === '{') return object(depth);
    if (c === '[') return array(depth);
    if (c === '"') return string();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    numberToken.lastIndex = i;
    const m = numberToken.exec(text);
    if (m) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail('a value (string, number, object, list, true, false or null)');
  };

  const object = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const keyLines = new Map<string, number>();
    i++; // {
    ws();
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('a key in double quotes', text[i] === '}' ? 'JSON does not allow a comma before }' : undefined);
      const keyAt = i;
      const key = string();
      const firstLine = keyLines.get(key);
      if (firstLine !== undefined) {
        throw new JsonSyntaxError(`duplicate key ${q(key)} (first on line ${firstLine})`, keyAt, 'remove or rename one of the two keys');
      }
      keyLines.set(key, lineCol(text, keyAt).line);
      ws();
      if (text[i] !== ':') fail('":" after the key');
      i++;
      // defineProperty, not assignment: a key named `__proto__` must stay an ordinary key.
      Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') {
        i++;
        return out;
      }
      fail('"," or "}" after a value', text[i] === '"' ? 'add a comma between the entries' : undefined);
    }
  };

  const array = (depth: number): unknown[] => {
    const out: unknown[] = [];
    i++; // [
    ws();
    if (text[i] === ']') {
      i++;
      return out;
    }
    for (;;) {
      ws();
      if (text[i] === ']') fail('a value', 'JSON does not allow a comma before ]');
      out.push(value(depth + 1));
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') {
        i++;
        return out;
      }
      fail('"," or "]" after a list item', text[i] === '"' || text[i] === '{' ? 'add a comma between the items' : undefined);
    }
  };

  const result = value(0);
  ws();
  if (i < text.length) fail('the end of the file after the top-level value', 'remove the extra text, or wrap everything in one object');
  return result;
}

const q = (s: string) => JSON.stringify(s);
