// The facts of real nixpkgs trees, evaluated by scripts/nixpkgs-facts.mjs into nixpkgs-facts/,
// and the one decision of which tree's facts stand for the pin.
//
// flake.lock pins NixOS/nixpkgs nixos-26.05 at cf9d2fb3e50f. That tree cannot be fetched here,
// and no file of it is stored where nixlab's developers can read one, so none of its facts is
// known. The facts validate checks against are those of the newest tree that was evaluated:
// nixpkgs master of 2026-07-14 (lib 26.11, nixpkgs-facts/master-2026-07-14.json). Everything
// nixlab emits works on both C++ sets (src/kernels/cpp.ts), so the choice only decides what
// validate refuses. When the pin's own facts are committed, PIN_FACTS_SOURCE names them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PkgsChoice } from '../pkgs.js';
import type { NormalizedConfig } from '../definitions/types.js';
import type { Problem } from '../errors.js';
import { formatJsonPath } from '../kernels/checks.js';
import { nearest } from '../suggest.js';
import { kindOf } from '../kernels/index.js';
import type { AttrFact, FactProblem, KernelKind, NixpkgsFacts } from '../kernels/types.js';
import { packageRoot } from '../paths.js';

/** The facts file validate checks the pin against (see above). */
export const PIN_FACTS_SOURCE = 'master-2026-07-14';

/** A facts file as scripts/nixpkgs-facts.mjs writes it. */
export interface FactsFile {
  source: string;
  tree: { libVersion: string; rev: string | null; date: string | null; origin: string | null; system: string };
  provenance: { method: string; nix: string; command: string };
  needs: { envs: Record<string, string> };
  attrs: Record<string, AttrFact>;
  packageSets: Record<string, { count: number; file: string; sha256: string } | { error: string }>;
}

/** The directory of the committed facts. */
export function factsDir(): string {
  return join(packageRoot(), 'nixpkgs-facts');
}

/**
 * Where `npm run build` (scripts/facts-names.mjs) unpacks a committed names file (`<source>/names-<sha>.gz`):
 * gunzipping it took a tenth of node's start on every validate. The name holds its text's hash.
 */
export function unpackedNamesFile(file: string): string {
  return join(packageRoot(), 'dist', 'nixpkgs-facts', file.replace(/\.gz$/, '.txt'));
}

/** A committed names file's text: as the build unpacked it, else gunzipped (a build without that step, ts-jest). */
export function namesFileText(file: string): string {
  try {
    return readFileSync(unpackedNamesFile(file), 'utf8');
  } catch {
    return gunzipSync(readFileSync(join(factsDir(), file))).toString('utf8');
  }
}

const cache = new Map<string, LoadedFacts>();

/** The facts of one evaluated tree, names read only when asked for. */
export class LoadedFacts implements NixpkgsFacts {
  readonly label: string;
  /** Each set's names as read: one per line, with a newline before the first and after the last. */
  private readonly textCache = new Map<string, string | undefined>();
  private readonly nameCache = new Map<string, readonly string[] | undefined>();
  constructor(readonly file: FactsFile) {
    this.label = `nixpkgs ${file.source} (lib ${file.tree.libVersion}${file.tree.rev ? `, ${file.tree.rev}` : ''})`;
  }
  attr(path: string): AttrFact | undefined {
    return Object.hasOwn(this.file.attrs, path) ? this.file.attrs[path] : undefined;
  }
  private text(set: string): string | undefined {
    const key = set === '' ? 'top-level' : set;
    if (!this.textCache.has(key)) {
      const entry = this.file.packageSets[key];
      const text = entry && 'file' in entry ? namesFileText(entry.file) : undefined;
      this.textCache.set(key, text === undefined ? undefined : `\n${text}${text.endsWith('\n') ? '' : '\n'}`);
    }
    return this.textCache.get(key);
  }
  names(set: string): readonly string[] | undefined {
    if (!this.nameCache.has(set)) this.nameCache.set(set, this.text(set)?.split('\n').filter(Boolean));
    return this.nameCache.get(set);
  }
  // A search of the text: no list of tens of thousands of names is made to look up a few.
  has(set: string, name: string): boolean | undefined {
    const text = this.text(set);
    return text === undefined ? undefined : name !== '' && !name.includes('\n') && text.includes(`\n${name}\n`);
  }
  /** A Python package's version in `python3Packages` (the server environment's set). */
  serverPackageVersion(name: string): string | undefined {
    return this.attr(`python3Packages.${name}`)?.version;
  }
}

/** The facts committed as `nixpkgs-facts/<source>.json`. */
export function loadFacts(source: string): LoadedFacts {
  let f = cache.get(source);
  if (!f) {
    f = new LoadedFacts(JSON.parse(readFileSync(join(factsDir(), `${source}.json`), 'utf8')) as FactsFile);
    cache.set(source, f);
  }
  return f;
}

/** The facts standing for flake.lock's pin. */
export function pinFacts(): LoadedFacts {
  return loadFacts(PIN_FACTS_SOURCE);
}

/** The facts a build with `pkgs` is checked against: the pin's, unless the config pins another revision or builds elsewhere. */
export function factsFor(config: Pick<NormalizedConfig, 'nixpkgs'>, pkgs: PkgsChoice): LoadedFacts | undefined {
  return pkgs.kind === 'pinned' && config.nixpkgs === undefined ? pinFacts() : undefined;
}

/** Everything the facts refuse in the config's kernels, at their config paths. */
export function kernelFactProblems(file: string, config: NormalizedConfig, data: unknown, facts: NixpkgsFacts): Problem[] {
  const written = ((data as { kernels?: unknown } | undefined)?.kernels ?? []) as Record<string, unknown>[];
  return config.kernels.flatMap((k, i) => {
    const kind = kindOf(k.kind) as KernelKind | undefined;
    const check = kind?.checkFacts as ((k: unknown, w: Record<string, unknown>, f: NixpkgsFacts) => FactProblem[]) | undefined;
    if (!check) return [];
    return check(k, written[i] ?? {}, facts).map((p) => ({ where: `${file}:${formatJsonPath(['kernels', i, ...p.at])}`, message: p.message, hint: p.hint }));
  });
}

/**
 * What validate knows the pin refuses, from its facts: the kernels' (above), each lab extension
 * its python3Packages lacks, and a hub version other than its jupyterhub's major.minor. Nothing
 * when `pkgs` is not the pin (`--pkgs offline` checks the offline set's lock instead).
 */
export async function pinFactProblems(file: string, config: NormalizedConfig, data: unknown, pkgs: PkgsChoice): Promise<Problem[]> {
  const facts = factsFor(config, pkgs);
  if (!facts) return [];
  const [{ SERVER_PACKAGE_SET, extensionIndex, labExtensions }, { hubVersionProblem, SINGLE_USER_PACKAGE }] = await Promise.all([
    import('../runtime/lab.js'),
    import('../runtime/hub.js'),
  ]);
  const problems = kernelFactProblems(file, config, data, facts);
  for (const name of labExtensions(config)) {
    if (facts.has(SERVER_PACKAGE_SET, name) !== false) continue;
    const close = nearest(name, facts.names(SERVER_PACKAGE_SET)!, 3);
    problems.push({
      where: `${file}:$.lab.extensions[${extensionIndex(config, data, name)}]`,
      message: `${facts.label} has no ${SERVER_PACKAGE_SET}.${name}`,
      hint: close.length ? `close names there: ${close.map((c) => JSON.stringify(c)).join(', ')}` : `check the name in nixpkgs' pkgs/top-level/python-packages.nix`,
    });
  }
  const hub = facts.serverPackageVersion(SINGLE_USER_PACKAGE);
  if (config.hub && hub) {
    const p = hubVersionProblem(file, config.hub.version, hub, facts.label);
    if (p) problems.push(p);
  }
  return problems;
}
