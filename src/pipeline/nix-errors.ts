// Nix's errors in the config's terms. Nix reports positions in the generated default.nix (which
// users never wrote); the source map (nix/emit.ts) says which config path each expression there
// comes from. An evaluation error becomes a UserError at that path (the package, the kernel,
// the user's own Nix file and line), with Nix's message and nixlab's own hint: the close names
// in the package set a missing package is looked up in, or the one nixpkgs setting that allows
// a refused package. A failed build names the kernel whose environment holds the derivation.
// What cannot be traced to the config stays a ToolError.
//
// Nix's output, as parsed here:
// - Nix 2.8: `error: <message>` (more lines indented), `at <file>:<line>:<col>:` and a code
//   excerpt (`  17| …`, `    |   ^`), `Did you mean …?`, then with --show-trace the frames
//   innermost first: `… while evaluating …` and their `at …` lines.
// - Newer Nix (2.13+): a bare `error:`, the frames outermost first, then the indented
//   `error: <message>` and its position (NixOS/nix src/libutil/position.cc: `Pos::print` writes
//   the path, `«string»`, `«stdin»` or `«none»`, then `:line` and `:column` when known).
// - Builds: `error: builder for '/nix/store/…-x.drv' failed with exit code N` (2.8), or
//   `Cannot build '/nix/store/…-x.drv'.` followed by `Reason: builder failed …` (newer).
// Columns count bytes, as the source map's do.
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { NormalizedConfig } from '../definitions/types.js';
import { nearest } from '../suggest.js';
import { ToolError, UserError, type NixlabError, type Problem } from '../errors.js';
import { apply, attrs, letIn, list, nix, select, str, lambdaSet, v, type NixExpr } from '../nix/ast.js';
import { pkgsFormals, type SourceMap, type SourceMapEntry } from '../nix/emit.js';
import { renderInline } from '../nix/render.js';
import { LOG_TAIL_LINES } from '../exec.js';

/** A position in Nix's output. */
export interface NixPosition {
  file: string;
  line: number;
  column?: number;
}

/** What a failed Nix command said, taken apart. */
export interface NixFailure {
  /** `build`: a builder failed; `evaluation`: Nix stopped with an error before building; `none`: no `error:` line. */
  kind: 'evaluation' | 'build' | 'none';
  /** The first error's message lines (no positions, code excerpts, suggestions or trace). */
  message: string[];
  /** Nix's own suggestion: `numpy` from "Did you mean numpy?". */
  didYouMean?: string;
  /** The positions of the first error and its trace, innermost first. */
  positions: NixPosition[];
  /** Derivations whose builders failed, in the order Nix reported them. */
  failedBuilds: string[];
  /** The output from the first `error:` line on (what a log excerpt should show). */
  errorLines: string[];
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const POSITION = /^\s*at (.+?):(\d+)(?::(\d+))?:?\s*$/;
// Nix before 2.4 put a syntax error's position on the error line itself.
const INLINE_POSITION = /,? at (\/\S+?):(\d+):(\d+)$/;
const FRAME = /^\s*… /;
const CODE = /^\s*\d*\s*\|/;
const DID_YOU_MEAN = /^\s*Did you mean (?:one of )?(.+?)\??\s*$/;
const BUILDER_FAILED = /builder for '(\/nix\/store\/[^']+\.drv)' failed/;
const CANNOT_BUILD = /Cannot build '(\/nix\/store\/[^']+\.drv)'\./;

function position(m: RegExpMatchArray): NixPosition {
  let file = m[1]!;
  // «…» names something that is not a file here (a string, stdin), or a source tree of a flake.
  if (file.startsWith('«') && file.endsWith('»')) file = file.slice(1, -1);
  return { file, line: Number(m[2]), ...(m[3] === undefined ? {} : { column: Number(m[3]) }) };
}

/** The message lines starting at `lines[from]` (the `error:` line), up to its position, excerpt or trace. */
function messageAt(lines: string[], from: number, first: string): { message: string[]; inline?: NixPosition } {
  const message: string[] = [];
  let inline: NixPosition | undefined;
  const m = INLINE_POSITION.exec(first);
  if (m) {
    inline = position(m);
    first = first.slice(0, m.index);
  }
  message.push(first.trim());
  for (let i = from + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (POSITION.test(l) || FRAME.test(l) || CODE.test(l) || DID_YOU_MEAN.test(l) || /^\s*error:/.test(l) || l.startsWith('(use ')) break;
    message.push(l.trim());
  }
  while (message.length > 1 && message[message.length - 1] === '') message.pop();
  // Collapse runs of blank lines (Nix's remediation texts have them).
  return { message: message.filter((l, i) => l !== '' || message[i - 1] !== ''), ...(inline ? { inline } : {}) };
}

/** Takes Nix's stderr apart: the first error's message, its positions (innermost first), failed builders. */
export function parseNixLog(text: string): NixFailure {
  const lines = text.replace(ANSI, '').split('\n');
  const failedBuilds: string[] = [];
  lines.forEach((l, i) => {
    const b = BUILDER_FAILED.exec(l);
    if (b) failedBuilds.push(b[1]!);
    const c = CANNOT_BUILD.exec(l);
    if (c && /Reason: builder failed/.test(lines.slice(i + 1, i + 3).join('\n'))) failedBuilds.push(c[1]!);
  });
  const first = lines.findIndex((l) => l.startsWith('error:'));
  if (first < 0) return { kind: 'none', message: [], positions: [], failedBuilds: [...new Set(failedBuilds)], errorLines: [] };
  // The first error runs to the next top-level `error:` line.
  let end = lines.findIndex((l, i) => i > first && l.startsWith('error:'));
  if (end < 0) end = lines.length;
  const block = lines.slice(first, end);
  const head = block[0]!.slice('error:'.length);
  let message: string[];
  let positions: NixPosition[] = [];
  let suggestionFrom = 0;
  if (head.trim() === '') {
    // Newer Nix: frames outermost first, then the indented `error: <message>` and its position.
    const at = block.map((l) => /^\s+error:/.test(l)).lastIndexOf(true);
    if (at < 0) {
      message = [];
      positions = block.flatMap((l) => (POSITION.exec(l) ? [position(POSITION.exec(l)!)] : [])).reverse();
    } else {
      const own = messageAt(block, at, block[at]!.replace(/^\s+error:/, ''));
      message = own.message;
      const after = block.slice(at + 1).flatMap((l) => (POSITION.exec(l) ? [position(POSITION.exec(l)!)] : []));
      const before = block.slice(0, at).flatMap((l) => (POSITION.exec(l) ? [position(POSITION.exec(l)!)] : []));
      positions = [...(own.inline ? [own.inline] : []), ...after, ...before.reverse()];
      suggestionFrom = at;
    }
  } else {
    const own = messageAt(block, 0, head);
    message = own.message;
    positions = [...(own.inline ? [own.inline] : []), ...block.flatMap((l) => (POSITION.exec(l) ? [position(POSITION.exec(l)!)] : []))];
  }
  let didYouMean: string | undefined;
  for (const l of block.slice(suggestionFrom)) {
    const m = DID_YOU_MEAN.exec(l);
    if (m) {
      didYouMean = m[1];
      break;
    }
  }
  return {
    kind: failedBuilds.length ? 'build' : 'evaluation',
    message,
    ...(didYouMean === undefined ? {} : { didYouMean }),
    positions,
    failedBuilds: [...new Set(failedBuilds)],
    errorLines: lines.slice(first).filter((l, i, all) => i < all.length - 1 || l !== ''),
  };
}

// ---------------------------------------------------------------------------------------------
// Positions → config paths

/** A position traced to the config: the map entry, and for a user's Nix file the position in it. */
export interface Located {
  entry: SourceMapEntry;
  /** The user's file and position, when the error is inside a custom kernel's Nix file. */
  userFile?: NixPosition;
}

const before = (a: [number, number], line: number, column: number): boolean => a[0] < line || (a[0] === line && a[1] <= column);

/**
 * The first of `positions` (innermost first) that falls inside the source map: the innermost
 * marked expression of default.nix/shell.nix holding it, or a custom kernel's Nix file (whose
 * copy under assets/ is byte-identical, so the line and column are the user's).
 */
export function locate(positions: NixPosition[], map: SourceMap, projectDir: string, configFile: string): Located | undefined {
  const dirs = [path.resolve(projectDir)];
  try {
    dirs.push(realpathSync(projectDir));
  } catch {
    // a missing directory has no real path; the resolved one is compared
  }
  for (const p of positions) {
    const dir = dirs.find((d) => p.file.startsWith(d + '/'));
    if (!dir) continue;
    const rel = p.file.slice(dir.length + 1);
    const nixFile = map.entries.find((e) => e.role === 'nix-file' && e.asset !== undefined && rel.startsWith(e.asset + '/'));
    if (nixFile) {
      const inside = rel.slice(nixFile.asset!.length + 1);
      const userDir = nixFile.source !== undefined ? path.join(path.dirname(configFile), path.dirname(nixFile.source)) : path.join(projectDir, nixFile.asset!);
      return { entry: nixFile, userFile: { ...p, file: path.join(userDir, inside) } };
    }
    const column = p.column ?? 1;
    let inner: SourceMapEntry | undefined;
    for (const e of map.entries) {
      if (e.file !== rel) continue;
      const contains = p.column === undefined ? e.start[0] <= p.line && p.line <= e.end[0] : before(e.start, p.line, column) && !before(e.end, p.line, column);
      if (contains) inner = e; // entries are sorted: a later one that holds the position is inside the earlier ones
    }
    if (inner) return { entry: inner };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Probes: small evaluations with the same pkgs, to find which package or kernel fails when
// Nix's trace does not reach the generated file (a `throw` forced inside the package set, as
// nixpkgs' refusals are, reports where it was forced, not where the package was named).

/** A generated project and how nixlab builds it, for explaining Nix's failures. */
export interface NixProject {
  /** The config file as the user named it. */
  configFile: string;
  config: NormalizedConfig;
  /** The generated project directory. */
  dir: string;
  map: SourceMap;
  /** nix-build/nix-instantiate arguments that choose the package set (`--argstr nixpkgsPath …`). */
  pkgsArgs: string[];
  signal?: AbortSignal;
}

// Developer-written helpers of the probes. `force` evaluates a package as nix-build would (its
// drvPath: nixpkgs' refusals guard drvPath and outPath); `lookup` walks an attribute path
// without ever failing on a missing name (it stops at the set that lacks it, and says where
// that set is); `probe` says how a package of a set fares: `set` (the set itself does not
// evaluate), `missing` (which name, and the path of the set that lacks it), `fails` or `ok`
// (and the package's name); `probeAll` probes a list of them and adds the attribute names of
// each set that lacks one, for close-name suggestions.
const HELPERS: Array<[string, NixExpr]> = [
  ['force', nix`x: if builtins.isAttrs x && x ? drvPath then builtins.seq x.drvPath true else builtins.seq x true`],
  ['evaluates', nix`x: let r = builtins.tryEval (force x); in r.success && r.value`],
  ['nameOf', nix`x: let r = builtins.tryEval (if builtins.isAttrs x && builtins.isString (x.name or null) then x.name else null); in if r.success then r.value else null`],
  [
    'lookup',
    nix`set: attrPath: builtins.foldl' (acc: a: if acc.missing != null then acc else if builtins.isAttrs acc.value && builtins.hasAttr a acc.value then { missing = null; value = builtins.getAttr a acc.value; at = acc.at ++ [ a ]; } else acc // { missing = a; }) { missing = null; value = set; at = [ ]; } attrPath`,
  ],
  [
    'probe',
    nix`setPath: attrPath: let s = builtins.tryEval (let l = lookup pkgs setPath; in l.missing == null && builtins.isAttrs l.value); a = builtins.tryEval (lookup (lookup pkgs setPath).value attrPath); in if !(s.success && s.value) then { status = "set"; } else if !a.success then { status = "fails"; } else if a.value.missing != null then { status = "missing"; missing = a.value.missing; within = setPath ++ a.value.at; } else { status = if evaluates a.value.value then "ok" else "fails"; name = nameOf a.value.value; }`,
  ],
  [
    'probeAll',
    nix`probes: let statuses = map (p: probe p.set p.attr) probes; missing = builtins.filter (s: s.status == "missing") statuses; in { inherit statuses; names = builtins.listToAttrs (map (s: { name = builtins.concatStringsSep "." s.within; value = builtins.attrNames (lookup pkgs s.within).value; }) missing); }`,
  ],
];

/** The probe's source: a function of the same arguments as default.nix, with `pkgs` and `project` in scope. */
function probeSource(project: NixProject, body: NixExpr): string {
  const defaultNix = nix`/. + ${str(path.join(path.resolve(project.dir), 'default.nix'))}`;
  const bindings: Array<[string, NixExpr]> = [['project', apply(v('import'), defaultNix, attrs({ nixpkgsPath: v('nixpkgsPath'), pkgs: v('pkgs') }))], ...HELPERS];
  return renderInline(lambdaSet(pkgsFormals(project.config), letIn(bindings, body)));
}

type ProbeResult = { ok: true; value: unknown } | { ok: false; failure: NixFailure; log: string };

/** Evaluates a probe (read-only: nothing is written to the store). */
async function runProbe(project: NixProject, body: NixExpr): Promise<ProbeResult> {
  const r = await (await import('execa')).execa('nix-instantiate', ['--eval', '--strict', '--json', '--readonly-mode', '-E', probeSource(project, body), ...project.pkgsArgs], {
    reject: false,
    stdin: 'ignore',
    cancelSignal: project.signal,
  });
  if (r.exitCode === 0) {
    try {
      return { ok: true, value: JSON.parse(String(r.stdout)) };
    } catch {
      // not JSON: treated as a failed probe
    }
  }
  const log = String(r.stderr ?? '');
  return { ok: false, failure: parseNixLog(log), log };
}

const setPathOf = (e: SourceMapEntry): string[] => (e.set ? e.set.split('.') : []);
/** The attribute path of the set in which `missing` was looked up (`pkgs.a.b` with `b` missing: `a`). */
const parentPathOf = (e: SourceMapEntry, missing: string): string[] => {
  const attr = e.attr ?? [];
  return [...setPathOf(e), ...attr.slice(0, Math.max(0, attr.indexOf(missing)))];
};
const strings = (xs: readonly string[]): NixExpr => list(xs.map(str));
/** `pkgs.<set>.<attr>` as an expression. */
const packageExpr = (e: SourceMapEntry): NixExpr => select(v('pkgs'), ...setPathOf(e), ...(e.attr ?? []));

interface PackageStatus {
  entry: SourceMapEntry;
  status: 'ok' | 'fails' | 'missing' | 'set';
  /** status `missing`: the name that is not there, and the path of the set that lacks it. */
  missing?: string;
  within?: string[];
  name?: string | null;
}

/**
 * How each package of the config fares, and the attribute names of each set that lacks one
 * (by set path), in one evaluation that never fails on the packages' account.
 */
async function probePackages(project: NixProject, entries: SourceMapEntry[]): Promise<{ statuses: PackageStatus[]; names: Map<string, string[]> } | undefined> {
  if (entries.length === 0) return { statuses: [], names: new Map() };
  const probes = list(entries.map((e) => attrs({ set: strings(setPathOf(e)), attr: strings(e.attr ?? []) })));
  const r = await runProbe(project, apply(v('probeAll'), probes));
  const value = r.ok ? (r.value as { statuses?: unknown; names?: Record<string, string[]> }) : undefined;
  if (!value || !Array.isArray(value.statuses) || value.statuses.length !== entries.length) return undefined;
  return {
    statuses: (value.statuses as Array<Omit<PackageStatus, 'entry'>>).map((x, i) => ({ ...x, entry: entries[i]! })),
    names: new Map(Object.entries(value.names ?? {})),
  };
}

/** Nix's own message for one expression that fails (evaluated alone), or undefined when it evaluates. */
async function failureOf(project: NixProject, expr: NixExpr): Promise<NixFailure | undefined> {
  const r = await runProbe(project, apply(v('force'), expr));
  return r.ok ? undefined : r.failure;
}

// ---------------------------------------------------------------------------------------------
// Messages

type Syntax = 'yaml' | 'json' | 'ts';
const syntaxOf = (file: string): Syntax => {
  const ext = path.extname(file).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'ts';
};

/** One nixpkgs setting as the config file's own syntax writes it: `nixpkgs: { allowUnfree: true }`. */
export function nixpkgsSetting(file: string, key: 'allowUnfree' | 'allowBroken' | 'permittedInsecurePackages', value: true | string[], others: boolean): string {
  const syntax = syntaxOf(file);
  const quote = (s: string) => (syntax === 'ts' ? `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : JSON.stringify(s));
  const val = value === true ? 'true' : `[${value.map(quote).join(', ')}]`;
  const k = syntax === 'json' ? `"${key}"` : key;
  const inner = others ? `…, ${k}: ${val}` : `${k}: ${val}`;
  return syntax === 'json' ? `"nixpkgs": { ${inner} }` : `nixpkgs: { ${inner} }`;
}

/** A refusal of nixpkgs' check-meta.nix, in either wording (offline/README.md "Refusals"). */
export interface Refusal {
  /** `<pname>-<version>`, as nixpkgs prints it. */
  name: string;
  reason: 'unfree' | 'broken' | 'insecure' | 'unsupported' | 'other';
}

export function parseRefusal(message: string[]): Refusal | undefined {
  const text = message.join('\n');
  const current = /Refusing to evaluate package '([^']+)' in \S+ because it (.*)/.exec(text);
  const older = /Package ‘([^’]+)’ in .*? (has an unfree license|is marked as broken|is marked as insecure|is not supported on|is not available on)[^\n]*refusing to evaluate/.exec(text);
  const m = current ?? older;
  if (!m) return undefined;
  const why = `${m[2]}\n${text}`;
  const reason: Refusal['reason'] = /unfree license/.test(m[2]!)
    ? 'unfree'
    : /marked as insecure/.test(m[2]!)
      ? 'insecure'
      : /marked as broken/.test(m[2]!) || (/has problems/.test(m[2]!) && /^- broken:/m.test(why))
        ? 'broken'
        : /not (?:available|supported) on/.test(m[2]!)
          ? 'unsupported'
          : 'other';
  return { name: m[1]!, reason };
}

/**
 * Nix's message on one line, with its own suggestion. Of a refusal, only the first line (the
 * stable one) and the problems it lists: the rest suggests environment variables and nixpkgs
 * config syntax, which nixlab's hint replaces with the config line.
 */
function nixSaid(f: NixFailure, refusal: boolean): string {
  const lines = refusal ? [f.message[0]!, ...f.message.slice(1).filter((l) => /^- \w+:/.test(l))] : f.message;
  const text = lines.filter((l) => l !== '').join(' ');
  return `Nix: ${text}${f.didYouMean ? ` (did you mean ${f.didYouMean}?)` : ''}`;
}

const q = (s: string) => JSON.stringify(s);
const setLabel = (set: string | undefined): string => (set ? set : 'pkgs');

function kernelLabel(e: SourceMapEntry): string {
  if (e.kernel !== undefined) return `kernel ${q(e.kernel)}`;
  return e.path[0] === 'lab' ? 'JupyterLab extension' : 'the config';
}

/** The problem for a Nix failure traced to `loc`, with nixlab's hint. */
function explain(project: NixProject, loc: Located, failure: NixFailure, status?: PackageStatus, names?: Map<string, string[]>): Problem | undefined {
  const { entry } = loc;
  const file = project.configFile;
  const at = `${file}:${entry.at}`;
  const refusal = parseRefusal(failure.message);
  const said = nixSaid(failure, refusal !== undefined);
  const settings = project.config.nixpkgs !== undefined || project.config.nixpkgsConfig.allowUnfree || project.config.nixpkgsConfig.allowBroken || project.config.nixpkgsConfig.permittedInsecurePackages.length > 0;
  const who = kernelLabel(entry);
  if (refusal) {
    const subject = `package ${q((entry.attr ?? []).join('.'))}`;
    const pkg = refusal.name;
    const hint =
      refusal.reason === 'unfree'
        ? `nixpkgs evaluates unfree packages only when allowed; to allow them, write in ${file}: ${nixpkgsSetting(file, 'allowUnfree', true, settings)}`
        : refusal.reason === 'broken'
          ? `nixpkgs marks ${pkg} as broken (it may not build or work); to try it anyway, write in ${file}: ${nixpkgsSetting(file, 'allowBroken', true, settings)}`
          : refusal.reason === 'insecure'
            ? `nixpkgs marks ${pkg} as insecure (see its known issues); to use it anyway, write in ${file}: ${nixpkgsSetting(file, 'permittedInsecurePackages', [...project.config.nixpkgsConfig.permittedInsecurePackages, pkg], settings)}`
            : refusal.reason === 'unsupported'
              ? `${pkg} does not support this platform; remove it or choose another package`
              : 'see what Nix says; remove the package or change what it needs';
    const needer = entry.role === 'nix-file' ? `its Nix file ${entry.source !== undefined ? path.join(path.dirname(file), entry.source) : ''}`.trimEnd() : entry.role === 'package' ? undefined : 'its environment';
    const what = needer === undefined ? `${subject} is refused by nixpkgs` : `${needer} needs ${pkg}, which nixpkgs refuses`;
    return { where: at, message: `${who}: ${what}. ${said}`, hint };
  }
  switch (entry.role) {
    case 'package': {
      const name = (entry.attr ?? []).join('.');
      if (status?.status === 'missing' || /^attribute '.*' missing/.test(failure.message[0] ?? '')) {
        const missing = status?.missing ?? /^attribute '(.*)' missing/.exec(failure.message[0] ?? '')?.[1] ?? name;
        const parentPath = status?.within ?? parentPathOf(entry, missing);
        const parent = setLabel(parentPath.join('.'));
        const close = nearest(missing, names?.get(parentPath.join('.')) ?? [], 3);
        const hint = close.length
          ? `${parent} has no ${q(missing)}; close names there: ${close.map(q).join(', ')}. Correct the name in ${file}`
          : `${parent} has no ${q(missing)}; check the name on search.nixos.org (package sets: python3XXPackages, rPackages, octavePackages, haskellPackages, or attribute paths of pkgs)`;
        return { where: at, message: `${who}: package ${q(name)} is not in ${setLabel(entry.set)}. ${said}`, hint };
      }
      return {
        where: at,
        message: `${who}: package ${q(name)} (${setLabel(entry.set)}) does not evaluate. ${said}`,
        hint: `this package set cannot provide it as Nix says; remove it from packages, or build against another package set (--pkgs, nixpkgs.rev)`,
      };
    }
    case 'nix-file': {
      const u = loc.userFile;
      const where = u ? `${u.file}:${u.line}${u.column !== undefined ? `:${u.column}` : ''}` : at;
      const source = entry.source !== undefined ? path.join(path.dirname(file), entry.source) : 'the Nix file';
      return {
        where,
        message: `${who} (${at}): ${u ? 'its Nix file' : source} does not evaluate. ${said}`,
        hint: `fix ${u ? 'your Nix file at that line' : source}; nixlab calls it as \`import ${entry.source ?? 'file.nix'} { inherit pkgs; }\` and expects a derivation`,
      };
    }
    case 'kernel':
    case 'argv':
      return {
        where: at,
        message: `${who}: its ${entry.role === 'argv' ? 'command line' : 'environment'} does not evaluate with this package set. ${said}`,
        hint: 'the package set does not offer what this kernel needs (see what Nix says): build against the pinned nixpkgs (no --pkgs) or another nixpkgs.rev, or remove the kernel',
      };
    case 'server':
      return {
        where: at,
        message: `the ${project.config.frontend} front end's environment does not evaluate with this package set. ${said}`,
        hint: 'choose another frontend, or build against the pinned nixpkgs (no --pkgs)',
      };
    case 'logo':
    case 'files':
    case 'start-hook':
      return { where: at, message: `${who}: ${said}`, hint: 'check that the file or directory exists and is readable' };
    case 'nixpkgs': {
      if (project.config.nixpkgs === undefined && !settings) return undefined; // the pin in flake.lock: not the user's doing
      const mismatch = /hash mismatch/.test(failure.message.join('\n'));
      return {
        where: mismatch && project.config.nixpkgs ? `${file}:$.nixpkgs.narHash` : at,
        message: `the nixpkgs the config names does not evaluate. ${said}`,
        hint: mismatch ? 'the narHash does not match the revision: run `nix flake prefetch --json github:NixOS/nixpkgs/<rev>` and copy its "hash"' : 'check the nixpkgs settings',
      };
    }
  }
}

// Failures of Nix or the machine, never of the config.
const SYSTEM_FAILURE = /No space left on device|cannot connect to (?:socket|daemon)|Connection refused|database is locked|SQLite|out of memory|bad_alloc|Read-only file system|Permission denied|unable to download|Could not resolve host|opening lock file|interrupted by the user/i;

/** Picks the failing package Nix's message is about: the refused one by name, else one named in it, else the first. */
function primaryOf(failing: PackageStatus[], failure: NixFailure): PackageStatus {
  const refused = parseRefusal(failure.message)?.name;
  const text = failure.message.join('\n');
  const words = new Set(text.split(/[^A-Za-z0-9_-]+/));
  return (
    failing.find((s) => refused !== undefined && s.name === refused) ??
    failing.find((s) => s.missing !== undefined && text.includes(`'${s.missing}'`)) ??
    failing.find((s) => words.has((s.entry.attr ?? []).slice(-1)[0] ?? '')) ??
    failing[0]!
  );
}

/** At most this many further packages are evaluated alone for their own messages. */
const MORE_PROBLEMS = 8;

/**
 * The error to throw for an evaluation failure: a UserError with every problem traced to the
 * config, or undefined when nothing could be traced (the caller throws its ToolError).
 */
export async function explainEvaluation(project: NixProject, failure: NixFailure): Promise<UserError | undefined> {
  const text = failure.message.join('\n');
  if (SYSTEM_FAILURE.test(text)) return undefined;
  let located = locate(failure.positions, project.map, project.dir, project.configFile);
  const packageEntries = project.map.entries.filter((e) => e.role === 'package' && e.file === 'default.nix');
  const probed = await probePackages(project, packageEntries);
  const statuses = probed?.statuses ?? [];
  const names = probed?.names ?? new Map<string, string[]>();
  const failing = statuses.filter((s) => s.status === 'fails' || s.status === 'missing');
  let primaryStatus: PackageStatus | undefined;
  if (located?.entry.role === 'package') primaryStatus = statuses.find((s) => s.entry === located!.entry);
  else if (!located || located.entry.role === 'kernel' || located.entry.role === 'server' || located.entry.role === 'nixpkgs') {
    const mine = located?.entry.kernel !== undefined ? failing.filter((s) => s.entry.kernel === located!.entry.kernel) : failing;
    if (mine.length) {
      primaryStatus = primaryOf(mine, failure);
      located = { entry: primaryStatus.entry };
    }
  }
  // A probe that itself failed (an `abort`, which tryEval does not catch): each package alone.
  if (!probed && !located) located = await firstFailing(project, packageEntries.map((entry) => ({ entry, expr: packageExpr(entry) })));
  if (!located) located = await locateByParts(project);
  if (!located) return undefined;

  const others = failing.filter((s) => s !== primaryStatus && s.entry !== located!.entry);
  const first = explain(project, located, failure, primaryStatus, names);
  if (!first) return undefined;
  const problems: Problem[] = [first];
  for (const s of others.slice(0, MORE_PROBLEMS)) {
    const own: NixFailure | undefined =
      s.status === 'missing'
        ? { kind: 'evaluation', message: [`attribute '${s.missing}' missing`], positions: [], failedBuilds: [], errorLines: [] }
        : await failureOf(project, packageExpr(s.entry));
    if (!own) continue;
    const more = explain(project, { entry: s.entry }, own, s, names);
    if (more) problems.push(more);
  }
  return new UserError(problems);
}

/**
 * When neither the trace nor the packages tell: evaluates each custom kernel's Nix file, each
 * kernel's environment and the server environment alone, and takes the first that fails.
 */
async function locateByParts(project: NixProject): Promise<Located | undefined> {
  const parts: { entry: SourceMapEntry; expr: NixExpr }[] = [];
  for (const e of project.map.entries) {
    if (e.file !== 'default.nix') continue;
    if (e.role === 'nix-file' && e.asset !== undefined && e.kernel !== undefined) {
      const file = nix`/. + ${str(path.join(path.resolve(project.dir), e.asset, path.basename(e.source ?? '')))}`;
      if (e.source !== undefined) parts.push({ entry: e, expr: apply(v('import'), file, attrs({ pkgs: v('pkgs') })) });
    } else if (e.role === 'kernel' && e.kernel !== undefined) {
      parts.push({ entry: e, expr: select(v('project'), 'kernelEnvs', e.kernel) });
    } else if (e.role === 'server') {
      parts.push({ entry: e, expr: select(v('project'), 'server') });
    }
  }
  // A Nix file before its kernel: it is the more precise place.
  const order = (e: SourceMapEntry) => (e.role === 'nix-file' ? 0 : e.role === 'kernel' ? 1 : 2);
  const kernelIndex = (e: SourceMapEntry) => (typeof e.path[1] === 'number' ? e.path[1] : Number.MAX_SAFE_INTEGER);
  parts.sort((a, b) => kernelIndex(a.entry) - kernelIndex(b.entry) || order(a.entry) - order(b.entry));
  return firstFailing(project, parts);
}

/** The first of `parts` that fails, evaluated one at a time in order (each evaluation imports the whole package set). */
async function firstFailing(project: NixProject, parts: { entry: SourceMapEntry; expr: NixExpr }[]): Promise<Located | undefined> {
  for (const part of parts) {
    const f = await failureOf(project, part.expr);
    if (!f) continue;
    if (part.entry.role === 'nix-file') return locate(f.positions, project.map, project.dir, project.configFile) ?? { entry: part.entry };
    return { entry: part.entry };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Build failures

/** The last lines of a derivation's build log (`nix-store --read-log`), or undefined. */
async function buildLogTail(drv: string, signal?: AbortSignal): Promise<string[] | undefined> {
  const r = await (await import('execa')).execa('nix-store', ['--read-log', drv], { reject: false, stdin: 'ignore', cancelSignal: signal });
  if (r.exitCode !== 0) return undefined;
  const lines = String(r.stdout).replace(ANSI, '').split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-LOG_TAIL_LINES);
}

async function requisites(drv: string, signal?: AbortSignal): Promise<Set<string>> {
  const r = await (await import('execa')).execa('nix-store', ['--query', '--requisites', drv], { reject: false, stdin: 'ignore', cancelSignal: signal });
  return new Set(r.exitCode === 0 ? String(r.stdout).split('\n').filter(Boolean) : []);
}

/** The ToolError for a failed build: the kernel(s) whose environment holds the failed derivation, its log tail, `nix log`. */
export async function explainBuild(project: NixProject, failure: NixFailure, command: string, exitCode: number | undefined, detail: string): Promise<ToolError> {
  const drv = failure.failedBuilds[0]!;
  const file = project.configFile;
  const kernels = project.map.entries.filter((e) => e.file === 'default.nix' && e.role === 'kernel' && e.kernel !== undefined);
  const nixFiles = project.map.entries.filter((e) => e.file === 'default.nix' && e.role === 'nix-file' && e.source !== undefined && e.asset !== undefined);
  const drvPaths = attrs({
    kernels: nix`builtins.mapAttrs (name: env: env.drvPath) project.kernelEnvs`,
    server: select(v('project'), 'server', 'drvPath'),
    nixFiles: list(nixFiles.map((e) => select(apply(v('import'), nix`/. + ${str(path.join(path.resolve(project.dir), e.asset!, path.basename(e.source!)))}`, attrs({ pkgs: v('pkgs') })), 'drvPath'))),
  });
  const probe = await runProbe(project, drvPaths);
  const info = probe.ok ? (probe.value as { kernels: Record<string, string>; server: string; nixFiles: string[] }) : undefined;
  const holders: SourceMapEntry[] = [];
  let own: { entry: SourceMapEntry; direct: boolean } | undefined;
  if (info) {
    for (const k of kernels) {
      const kdrv = info.kernels[k.kernel!];
      if (kdrv !== undefined && (kdrv === drv || (await requisites(kdrv, project.signal)).has(drv))) holders.push(k);
    }
    for (const [i, e] of nixFiles.entries()) {
      const ndrv = info.nixFiles[i];
      if (ndrv === undefined) continue;
      if (ndrv === drv) own = { entry: e, direct: true };
      else if (!own && (await requisites(ndrv, project.signal)).has(drv)) own = { entry: e, direct: false };
    }
  }
  const server = info && holders.length === 0 && (info.server === drv || (await requisites(info.server, project.signal)).has(drv));
  let what: string;
  if (holders.length) {
    const names = holders.map((k) => `${q(k.kernel!)} (${file}:${k.at})`);
    what = `building the environment of kernel${holders.length > 1 ? 's' : ''} ${names.join(' and ')}: ${drv} failed to build`;
    if (own) what += own.direct ? ` — it is the derivation of your Nix file ${path.join(path.dirname(file), own.entry.source!)} (${file}:${own.entry.at})` : ` — a dependency of your Nix file ${path.join(path.dirname(file), own.entry.source!)} (${file}:${own.entry.at})`;
  } else if (server) {
    what = `building the ${project.config.frontend} front end (${file}:$.frontend): ${drv} failed to build`;
  } else {
    what = `building the notebook environment: ${drv} failed to build`;
  }
  const tail = (await buildLogTail(drv, project.signal)) ?? failure.errorLines.slice(-LOG_TAIL_LINES);
  return new ToolError(command, exitCode, tail, what, {
    suggestions: [`\`nix log ${drv}\` (or \`nix-store --read-log ${drv}\`) shows its whole build log`],
    detail,
  });
}

/** A failed Nix command, as execTool reported it, with all it printed on stderr. */
export interface FailedNixCommand {
  log: string;
  error: ToolError;
}

/**
 * The error for a failed nix-build of a generated project: a UserError when the evaluation
 * failure is traced to the config, a ToolError naming the kernel when a build failed, else the
 * ToolError with the command and the head of Nix's message. Nix's whole output is the error's
 * `detail` (--verbose, DEBUG=1).
 */
export async function explainNixFailure(project: NixProject, failed: FailedNixCommand, what: string): Promise<NixlabError> {
  const failure = parseNixLog(failed.log);
  const detail = failed.log.replace(ANSI, '');
  const { command, toolExitCode } = failed.error;
  if (failure.kind === 'build') return explainBuild(project, failure, command, toolExitCode, detail);
  if (failure.kind === 'evaluation') {
    const user = await explainEvaluation(project, failure);
    if (user) return new UserError(user.problems, { detail, suggestions: ['run again with --verbose to see what Nix printed'] });
    // The head of the error says what went wrong; with --show-trace its tail is only the outermost frames.
    const head = failure.errorLines
      .filter((l) => !CODE.test(l))
      .filter((l, i, all) => l.trim() !== '' || (i > 0 && all[i - 1]!.trim() !== ''))
      .slice(0, LOG_TAIL_LINES);
    return new ToolError(command, toolExitCode, head, what, { suggestions: ['run again with --verbose for all that Nix printed', 'the first `error:` line names the cause'], detail });
  }
  return new ToolError(command, toolExitCode, failed.error.logTail, what, { suggestions: failed.error.suggestions, detail });
}
