// Loads a TS/JS config module in a worker thread (src/definitions/load.ts starts it): whatever
// the module does while loading (process.exit, an endless loop, a timer left running) ends or
// stalls this thread only, never nixlab. Posts one ConfigWorkerReply and nothing else. Kept
// light: only jiti, no validation (the main thread validates).
import { parentPort, workerData } from 'node:worker_threads';

export interface ConfigWorkerData {
  /** The config file, absolute. */
  file: string;
  /** jiti's transpile cache directory. */
  cacheDir: string;
}

/** Something in the exported value that is not JSON data, replaced by null in `value`. */
export interface NotData {
  at: Array<string | number>;
  message: string;
  hint: string;
}

export type ConfigWorkerReply =
  | { ok: true; value: unknown; notData: NotData[] }
  | { ok: false; stage: 'import' | 'no-export' | 'function'; message: string; position: string; stack?: string };

// jiti reports a parse error as "ParseError: …\n <absolute file>:<line>:<col>"; keep the
// position (`:line:col`) but not the absolute path.
function syntaxErrorPosition(error: unknown, absolute: string): string {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return '';
  const m = /\n\s*(.+):(\d+):(\d+)\s*$/.exec(message);
  return m && m[1] === absolute ? `:${m[2]}:${m[3]}` : '';
}

function firstLine(error: unknown): string {
  // Duck-typed: errors from the config module may come from another realm (jiti's context).
  const message = (error as { message?: unknown } | null)?.message;
  const text = typeof message === 'string' ? message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

const stackOf = (error: unknown): string | undefined => {
  const s = (error as { stack?: unknown } | null)?.stack;
  return typeof s === 'string' ? s : undefined;
};

// Plain objects from any realm (jiti may evaluate the module in another context).
function isPlainObject(v: object): boolean {
  if (Object.prototype.toString.call(v) !== '[object Object]') return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * A copy of `value` that can cross to the main thread: lists, plain objects and primitives as
 * they are; anything else (a function, a Date, a class instance, a cycle) is reported at its
 * path, in the validator's words, and replaced by null.
 */
export function toTransferable(value: unknown, at: Array<string | number> = [], ancestors = new Set<object>(), notData: NotData[] = []): { value: unknown; notData: NotData[] } {
  const copy = (v: unknown, path: Array<string | number>): unknown => {
    if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      notData.push({ at: path, message: `is a ${typeof v}, not JSON data`, hint: 'use a string, number, boolean, list or object' });
      return null;
    }
    if (typeof v !== 'object' || v === null) return v;
    if (ancestors.has(v)) {
      notData.push({ at: path, message: 'refers back to an object that contains it (a cycle)', hint: 'use plain data without cycles' });
      return null;
    }
    if (!Array.isArray(v) && !isPlainObject(v)) {
      const kind = (v as { constructor?: { name?: unknown } }).constructor?.name;
      notData.push({ at: path, message: `is ${typeof kind === 'string' && kind ? `a ${kind} object` : 'not a plain object'}, not JSON data`, hint: 'use plain strings, numbers, booleans, lists and objects' });
      return null;
    }
    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((item, i) => copy(item, [...path, i]));
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v)) Object.defineProperty(out, key, { value: copy((v as Record<string, unknown>)[key], [...path, key]), enumerable: true, writable: true, configurable: true });
      return out;
    } finally {
      ancestors.delete(v);
    }
  };
  return { value: copy(value, at), notData };
}

async function load(data: ConfigWorkerData): Promise<ConfigWorkerReply> {
  const { createJiti } = await import('jiti');
  // No module cache: a config edited between two loads must be read again. The transpiled code
  // is cached in nixlab's cache directory (never next to the user's project), keyed by the
  // source's hash; jiti checks an entry's trailer before using it.
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: data.cacheDir, interopDefault: false });
  let mod: Record<string, unknown>;
  try {
    mod = (await jiti.import(data.file)) as Record<string, unknown>;
  } catch (error) {
    return { ok: false, stage: 'import', message: firstLine(error), position: syntaxErrorPosition(error, data.file), stack: stackOf(error) };
  }
  let value: unknown = mod.default !== undefined ? mod.default : mod.config;
  if (value === undefined) return { ok: false, stage: 'no-export', message: '', position: '' };
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (error) {
      return { ok: false, stage: 'function', message: firstLine(error), position: '', stack: stackOf(error) };
    }
  }
  return { ok: true, ...toTransferable(value) };
}

if (parentPort) {
  const port = parentPort;
  load(workerData as ConfigWorkerData).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ ok: false, stage: 'import', message: firstLine(error), position: '', stack: stackOf(error) } satisfies ConfigWorkerReply),
  );
}
