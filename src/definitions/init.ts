// `nixlab init`: a starter config for the languages a user picks, as YAML, JSON or TypeScript,
// written atomically and never over an existing config unless asked to.
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { kernelKinds, kindOf, type KindName } from '../kernels/index.js';
import { UserError, type Problem } from '../errors.js';
import { writeFileAtomic } from '../fsutil.js';
import { configFileNames } from './load.js';
import { renderSchema, schemaId } from './schema.js';
import { closest } from '../suggest.js';

/** A kernel kind `nixlab init` can start a config with (every kind without an `initRefusal`). */
export type StarterKind = KindName;

/** The kinds `nixlab init` offers, in menu order (the order `nixlab kernels` lists them). */
export const starterKinds: readonly StarterKind[] = kernelKinds.filter((k) => !k.initRefusal).map((k) => k.kind);

/** Other names people type for a language, from each kind's aliases. */
const aliases: Record<string, StarterKind> = Object.fromEntries(
  starterKinds.flatMap((kind) => (kindOf(kind)!.aliases ?? []).map((alias) => [alias, kind] as const)),
);

/** The config file formats `nixlab init` writes. */
export const initFormats = ['yaml', 'json', 'ts'] as const;
export type InitFormat = (typeof initFormats)[number];

/** The file each format is written to. */
export const initFileNames: Record<InitFormat, (typeof configFileNames)[number]> = { yaml: 'nixlab.yaml', json: 'nixlab.json', ts: 'nixlab.config.ts' };

/**
 * Reads a language list: kind names (`python,r`), other common names (`c++`, `js`), or numbers
 * of the `starterKinds` menu (from 1), separated by commas or spaces. Repeats are dropped.
 * `where` names the input in errors (`--lang`, `the prompt`).
 */
export function parseLanguages(input: string, where: string): StarterKind[] {
  const words = input
    .split(/[\s,]+/)
    .map((w) => w.trim().toLowerCase())
    .filter(Boolean);
  if (words.length === 0) {
    throw new UserError({ where, message: 'no languages given', hint: `name at least one of ${starterKinds.join(', ')}` });
  }
  const problems: Problem[] = [];
  const kinds: StarterKind[] = [];
  for (const w of words) {
    const kind = /^[0-9]+$/.test(w) ? starterKinds[Number(w) - 1] : ((starterKinds as readonly string[]).includes(w) ? (w as StarterKind) : aliases[w]);
    if (kind) {
      if (!kinds.includes(kind)) kinds.push(kind);
    } else if (kindOf(w)?.initRefusal) {
      problems.push({ where, ...kindOf(w)!.initRefusal! });
    } else if (/^[0-9]+$/.test(w)) {
      problems.push({ where, message: `${w} is not a number from the list`, hint: `use 1 to ${starterKinds.length}, or language names` });
    } else {
      const near = closestKind(w);
      problems.push({ where, message: `unknown language ${JSON.stringify(w)}`, hint: `${near ? `did you mean ${JSON.stringify(near)}? ` : ''}choose from ${starterKinds.join(', ')} (\`nixlab kernels\` describes them)` });
    }
  }
  if (problems.length > 0) throw new UserError(problems);
  return kinds;
}

/** The kind or alias `word` is a typo of (`pyhton` → python), else the kind whose name starts like it or contains it (`type` → typescript). */
function closestKind(word: string): StarterKind | undefined {
  const near = closest(word, [...starterKinds, ...Object.keys(aliases)]);
  if (near) return aliases[near] ?? (near as StarterKind);
  return starterKinds.find((k) => k.startsWith(word.slice(0, 3))) ?? starterKinds.find((k) => k.includes(word));
}

/**
 * The schema file `nixlab init` writes beside the config (`nixlab schema` prints the same), and
 * the starter config's `$schema` names: a file editors can open, not an address nothing serves.
 */
export const SCHEMA_FILE = 'nixlab.schema.json';

/** The starter config's data: one kernel per kind, each its kind's example. */
export function starterConfig(kinds: readonly StarterKind[]): Record<string, unknown> {
  const kernels = kinds.map((kind) => ({ kind, ...kindOf(kind)!.example }));
  return { $schema: `./${SCHEMA_FILE}`, frontend: 'lab', kernels, image: { name: 'nixlab', tag: 'latest' } };
}

const header = [
  'nixlab config: the kernels of your notebook image.',
  '`nixlab kernels` lists every kind and its options; `nixlab validate` checks this file;',
  '`nixlab build` builds the image.',
];

/** The starter config as the text of a file in `format`. */
export function renderStarterConfig(kinds: readonly StarterKind[], format: InitFormat): string {
  const config = starterConfig(kinds);
  switch (format) {
    case 'json':
      return JSON.stringify(config, null, 2) + '\n';
    case 'yaml':
      return header.map((l) => `# ${l}\n`).join('') + stringify(config, { lineWidth: 0 });
    case 'ts':
      // A type-only import: erased when nixlab loads the file, so it loads even where the nixlab
      // package is not installed; editors that find it check the config against the types.
      return [...header.map((l) => `// ${l}`), "import type { Config } from 'nixlab/config';", '', `export default ${tsLiteral(config, 0)} satisfies Config;`, ''].join('\n');
  }
}

/** Plain data as a TypeScript literal: single-quoted strings, bare keys where possible, 2-space indent. */
function tsLiteral(value: unknown, indent: number): string {
  const pad = '  '.repeat(indent + 1);
  const close = '  '.repeat(indent);
  if (typeof value === 'string') return `'${JSON.stringify(value).slice(1, -1).replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const inline = `[${value.map((v) => tsLiteral(v, indent)).join(', ')}]`;
    if (value.every((v) => typeof v !== 'object' || v === null) && inline.length <= 80) return inline;
    return `[\n${value.map((v) => `${pad}${tsLiteral(v, indent + 1)},`).join('\n')}\n${close}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : tsLiteral(k, 0)}: ${tsLiteral(v, indent + 1)}`);
  const inline = `{ ${entries.join(', ')} }`;
  if (indent > 0 && inline.length <= 80 && !inline.includes('\n')) return inline;
  return `{\n${entries.map((e) => `${pad}${e},`).join('\n')}\n${close}}`;
}

/** A file nixlab wrote with `renderSchema` (its `$id` is nixlab's). */
function isNixlabSchema(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { $id?: unknown }).$id === schemaId;
  } catch {
    return false;
  }
}

/** What `initConfig` does. */
export interface InitOptions {
  /** The directory to write the config into (made, with its parents, when missing). */
  dir: string;
  kinds: readonly StarterKind[];
  format: InitFormat;
  /** Overwrite an existing config file of the same name, and write beside other config files. */
  force?: boolean;
}

/** What `initConfig` wrote. */
export interface InitResult {
  /** The config file written (`dir` joined with its name). */
  file: string;
  /** The kernel names in the new config. */
  kernels: string[];
  /** True when an existing file was replaced. */
  replaced: boolean;
  warnings: Problem[];
}

/** Writes a starter config into `dir`; refuses to touch existing config files unless `force`. */
export async function initConfig(opts: InitOptions): Promise<InitResult> {
  const dirStat = statSync(opts.dir, { throwIfNoEntry: false });
  if (dirStat && !dirStat.isDirectory()) {
    throw new UserError({ where: opts.dir, message: 'is not a directory', hint: 'name a directory (init makes it when it does not exist)' });
  }
  const name = initFileNames[opts.format];
  const file = path.join(opts.dir, name);
  const existing = configFileNames.filter((n) => statSync(path.join(opts.dir, n), { throwIfNoEntry: false }));
  if (existing.length > 0 && !opts.force) {
    const same = existing.includes(name);
    throw new UserError({
      where: path.join(opts.dir, same ? name : existing[0]!),
      message: same ? 'a nixlab config already exists here' : `a nixlab config already exists here, so ${name} would be a second one`,
      hint: same ? 'edit it, or pass --force to replace it with a starter config' : `edit ${existing[0]}, or pass --force to write ${name} anyway`,
    });
  }
  const warnings: Problem[] = [];
  // findConfig takes the first name in configFileNames' order; say when that is not the new file.
  const first = existing.find((n) => n !== name && configFileNames.indexOf(n) < configFileNames.indexOf(name));
  if (first) {
    warnings.push({ where: path.join(opts.dir, first), message: `nixlab reads ${first} before ${name} in this directory`, hint: `remove or rename ${first}, or name ${name} on the command line` });
  }
  if (!dirStat) {
    try {
      mkdirSync(opts.dir, { recursive: true });
    } catch (error) {
      throw new UserError({ where: opts.dir, message: `cannot create the directory (${(error as Error).message})`, hint: 'name a directory you can write to' }, { cause: error });
    }
  }
  // The schema beside the config, unless a file of that name that nixlab did not write is there.
  const schemaFile = path.join(opts.dir, SCHEMA_FILE);
  if (!statSync(schemaFile, { throwIfNoEntry: false }) || isNixlabSchema(schemaFile)) await writeFileAtomic(schemaFile, renderSchema());
  else warnings.push({ where: schemaFile, message: 'exists and is not a nixlab schema, so it was left as it is', hint: `rename it and run \`nixlab schema > ${SCHEMA_FILE}\`, or point $schema elsewhere` });
  await writeFileAtomic(file, renderStarterConfig(opts.kinds, opts.format));
  return { file, kernels: opts.kinds.map((k) => kindOf(k)!.example.name), replaced: existing.includes(name), warnings };
}
