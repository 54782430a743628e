// The project emitter: a normalised config → the files of a self-contained Nix project
// (default.nix, shell.nix, the nixlab Nix library, assets, and the source map from the Nix back
// to the config). Pure: returns the files, the caller writes them. Each kernel's env and argv
// come from its kind's module; how Jupyter runs (server packages, environment variables,
// image-root links) comes from ../runtime.
import { basename, dirname, extname, join } from 'node:path';
import type { NixpkgsConfig, NormalizedConfig, NormalizedKernel } from '../definitions/types.js';
import type { PathSegment } from '../errors.js';
import { filesUnder, type DirEntry } from '../fsutil.js';
import { canonicalJson } from '../json.js';
import { emitKernel, kindOf } from '../kernels/index.js';
import { formatJsonPath } from '../kernels/checks.js';
import type { LogoSize } from '../kernels/types.js';
import { packageRoot } from '../paths.js';
import { JUPYTER_VARIABLES, type Place, type Value } from '../runtime/environment.js';
import { runtimeJson, runtimeShell } from '../runtime/facts.js';
import { ROOT_LINKS, START_PACKAGES, filesLink } from '../runtime/image-root.js';
import { FRONT_ENDS, SERVER_TOOLS } from '../runtime/targets.js';
import { SERVER_PACKAGE_SET, extensionIndex, labExtensions } from '../runtime/lab.js';
import { SINGLE_USER_COMMAND, SINGLE_USER_DEFAULT_URL, SINGLE_USER_PACKAGE } from '../runtime/hub.js';
import { apply, attrs, bool, comment, json, lambda, lambdaSet, letIn, list, mapChildren, nix, nul, origin, relPath, select, str, strParts, v, type Formal, type NixExpr, type Origin, type OriginRole, type StrPart } from './ast.js';
import { resolvePin, type ResolvedPin } from './pin.js';
import { renderMapped, type Span } from './render.js';

/** Files of the hand-written Nix library copied into every generated project (under nixlab/). */
export const LIBRARY_FILES = ['lib.nix', 'kernelspec.nix', 'jupyter-config.nix', 'jupyter_config.py', 'jupyter_server_config.py', 'healthcheck.sh', 'start.nix', 'start.sh', 'docker-stacks.sh', 'papermill.py'] as const;

/** The generated files beside the library (nix/lib.nix imports them by these names). */
export const RUNTIME_FILES = { json: 'runtime.json', shell: 'runtime.sh' } as const;

const LOGO_FILE: Record<LogoSize, string> = { '32x32': 'logo-32x32', '64x64': 'logo-64x64', svg: 'logo-svg' };

/** The kernel.json fields besides argv, as the JSON object nixlab renders (keys sorted). */
export function kernelSpecFields(k: NormalizedKernel): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    display_name: k.displayName,
    interrupt_mode: k.interruptMode,
    language: k.language,
  };
  if (Object.keys(k.env).length) spec.env = k.env;
  if (Object.keys(k.metadata).length) spec.metadata = k.metadata;
  return spec;
}

/** Where a kernel's logo is copied inside the generated project. */
function logoAsset(kernel: string, size: LogoSize, source: string): { asset: string; file: string } {
  const ext = size === 'svg' ? '.svg' : extname(source).toLowerCase() || '.png';
  const file = LOGO_FILE[size] + ext;
  return { asset: `assets/${kernel}/${file}`, file };
}

/**
 * nixpkgs' `config` for a nixlab config: only what differs from nixpkgs' defaults, so a config
 * that allows nothing passes `{ }` (and never the user's ~/.config/nixpkgs/config.nix).
 */
export function nixpkgsConfigExpr(c: NixpkgsConfig): NixExpr {
  const entries: Array<[string, NixExpr]> = [];
  if (c.allowUnfree) entries.push(['allowUnfree', bool(true)]);
  if (c.allowBroken) entries.push(['allowBroken', bool(true)]);
  if (c.permittedInsecurePackages.length) entries.push(['permittedInsecurePackages', list(c.permittedInsecurePackages.map(str))]);
  return attrs(entries);
}

/**
 * The arguments every generated file takes: `nixpkgsPath` (a checkout, as a string: nixlab
 * passes it with --argstr) and `pkgs`, by default the pinned nixpkgs fetched by hash, imported
 * with the config's nixpkgs `config`.
 */
export function pkgsFormals(config: NormalizedConfig): Formal[] {
  const pin: ResolvedPin = resolvePin(config.nixpkgs);
  const fetchPinned = apply(select(v('builtins'), 'fetchTarball'), attrs({ url: str(pin.url), sha256: str(pin.sha256) }));
  const importPkgs = apply(v('import'), nix`if nixpkgsPath == null then ${fetchPinned} else /. + nixpkgsPath`, attrs({ config: nixpkgsConfigExpr(config.nixpkgsConfig), overlays: list([]) }));
  return [
    { name: 'nixpkgsPath', default: nul },
    { name: 'pkgs', default: origin({ role: 'nixpkgs', at: ['nixpkgs'] }, importPkgs) },
  ];
}

const kernelVarName = (i: number): string => `kernelEnv${i}`;

/** nixlab.json's `aliases` (alias → kernel name), only when some kernel has one. */
function kernelAliases(config: NormalizedConfig): { aliases?: Record<string, string> } {
  const pairs = config.kernels.flatMap((k) => k.aliases.map((a) => [a, k.name] as const));
  return pairs.length ? { aliases: Object.fromEntries(pairs) } : {};
}

/** Where the config's `i`th start hook is copied inside the generated project. */
const hookAsset = (i: number, file: string): string => `assets/hooks/${i}/${basename(file)}`;

/** default.nix for a config. `source` names the config file in the header comment (no host path). */
export function emitDefaultNix(config: NormalizedConfig, source: string, data?: unknown): string {
  return renderMapped(defaultNix(config, source, data)).text;
}

function defaultNix(config: NormalizedConfig, source: string, data: unknown): NixExpr {
  const pin = resolvePin(config.nixpkgs);
  const frontEnd = FRONT_ENDS[config.frontend];

  const bindings: Array<[string, NixExpr]> = [['nixlab', apply(v('import'), relPath('./nixlab/lib.nix'), attrs({ pkgs: v('pkgs') }))]];
  const specs: NixExpr[] = [];
  const envNames: Array<[string, NixExpr]> = [];
  config.kernels.forEach((k, i) => {
    const envVar = v(kernelVarName(i));
    const parts = emitKernel(k, envVar);
    const env = origin({ role: 'kernel', at: ['kernels', i], kernel: k.name }, markKernel(k, i, data, parts.env));
    bindings.push([kernelVarName(i), comment(`kernel "${k.name.replace(/[^A-Za-z0-9._-]/g, '?')}" (${k.kind})`, env)]);
    envNames.push([k.name, envVar]);
    const logos: Array<[string, NixExpr]> = Object.entries(k.logos).map(([size, src]) => {
      const { asset, file } = logoAsset(k.name, size as LogoSize, src!);
      return [file, origin({ role: 'logo', at: ['kernels', i, 'logos', size], kernel: k.name }, relPath('./' + asset))];
    });
    const argvKey = kindOf(k.kind)!.argvKey;
    const argv = origin({ role: 'argv', at: argvKey ? ['kernels', i, argvKey] : ['kernels', i], kernel: k.name }, parts.argv);
    specs.push(apply(select(v('nixlab'), 'kernelspec'), attrs({ name: str(k.name), argv, spec: json(kernelSpecFields(k)), logos: attrs(logos) })));
  });
  bindings.push(['kernels', apply(select(v('nixlab'), 'kernels'), list(specs))]);
  const hubSettings = config.hub ? { hub: { defaultUrl: SINGLE_USER_DEFAULT_URL[config.frontend], version: config.hub.version } } : {};
  bindings.push(['jupyterConfig', apply(select(v('nixlab'), 'jupyterConfig'), attrs({ settings: json({ frontend: config.frontend, kernels: config.kernels.map((k) => k.name), ...kernelAliases(config), ...hubSettings }) }))]);
  // Every server environment has papermill (runtime/targets.ts, SERVER_TOOLS); a single-user image
  // also has jupyterhub (its jupyterhub-singleuser), and the config's JupyterLab extensions join it
  // (runtime/lab.ts): their share/jupyter/labextensions is linked into the notebook environment's
  // share/jupyter, JUPYTER_PATH.
  const serverPackages = [...frontEnd.serverPackages, ...SERVER_TOOLS, ...(config.hub ? [SINGLE_USER_PACKAGE] : [])];
  const extensions = labExtensions(config).map((name) =>
    origin({ role: 'package', at: ['lab', 'extensions', extensionIndex(config, data, name)], set: SERVER_PACKAGE_SET, attr: [name] }, select(v('ps'), name)),
  );
  bindings.push([
    'server',
    comment(
      `the ${config.frontend} front end`,
      origin({ role: 'server', at: ['frontend'] }, apply(select(v('pkgs'), 'python3', 'withPackages'), lambda('ps', list([...serverPackages.map((p) => select(v('ps'), p)), ...extensions])))),
    ),
  ]);
  bindings.push(['env', apply(select(v('nixlab'), 'env'), attrs({ server: v('server'), kernels: v('kernels'), jupyterConfig: v('jupyterConfig') }))]);
  bindings.push([
    'start',
    apply(
      select(v('nixlab'), 'start'),
      attrs({
        shell: strParts(select(v('pkgs'), ROOT_LINKS.shell.attr), `/${ROOT_LINKS.shell.provides.sh}`),
        hooks: list(config.image.startHooks.map((h, i) => origin({ role: 'start-hook', at: ['image', 'startHooks', i] }, relPath(`./${hookAsset(i, h)}`)))),
        // docker-stacks' entry points (start-notebook.py, start-singleuser.py) start these.
        server: str(FRONT_ENDS[config.frontend].command),
        singleuser: str(config.hub ? SINGLE_USER_COMMAND : ''),
        // A name for any uid (nss_wrapper), and id and whoami that see it.
        ...Object.fromEntries(Object.entries(START_PACKAGES).map(([arg, attr]) => [arg, select(v('pkgs'), attr)])),
      }),
    ),
  ]);
  bindings.push(['kernelEnvs', attrs(envNames)]);
  // The image root's links (runtime/image-root.ts); image.files' directories enter the store as they are.
  const links: Array<[string, NixExpr]> = Object.entries(ROOT_LINKS).map(([name, link]) => [name, link.attr === null ? v(name) : select(v('pkgs'), link.attr)]);
  config.image.files.forEach((_f, i) => {
    const path = apply(select(v('builtins'), 'path'), attrs({ path: relPath(`./assets/files/${i}`), name: str(`nixlab-files-${i}`) }));
    links.push([filesLink(i), origin({ role: 'files', at: ['image', 'files', i, 'source'] }, path)]);
  });
  bindings.push(['imageRoot', apply(select(v('nixlab'), 'imageRoot'), attrs({ links: attrs(links), kernels: v('kernelEnvs') }))]);

  const body = letIn(
    bindings,
    attrs({ kernels: v('kernels'), jupyterConfig: v('jupyterConfig'), server: v('server'), env: v('env'), imageRoot: v('imageRoot'), kernelEnvs: v('kernelEnvs') }),
  );
  return comment(
    `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}; edit that file and run \`nixlab generate\` again.`,
    comment(`nixpkgs: ${pin.owner}/${pin.repo} ${pin.rev}; pass --argstr nixpkgsPath /path/to/nixpkgs to use a checkout.`, lambdaSet(pkgsFormals(config), body)),
  );
}

// ---------------------------------------------------------------------------------------------
// Marking what each kernel's environment is made of

/** The value at `path` in plain JSON data, if there is one. */
function dataAt(data: unknown, path: PathSegment[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

/**
 * The package set a `withPackages`-style function hands its lambda, as an attribute path of
 * pkgs: `pkgs.python311.withPackages (ps: …)` → `python311Packages` (nixpkgs:
 * `python311Packages = python311.pkgs`), `pkgs.octave.withPackages` → `octavePackages`,
 * `pkgs.haskellPackages.ghcWithPackages` → `haskellPackages`.
 */
function lambdaPackageSet(fn: NixExpr): string | undefined {
  const s = selection(fn);
  if (s?.base !== 'pkgs' || s.path.length < 2) return undefined;
  const last = s.path[s.path.length - 1];
  const prefix = s.path.slice(0, -1).join('.');
  if (last === 'withPackages') return `${prefix}Packages`;
  if (last === 'ghcWithPackages') return prefix;
  return undefined;
}

/** `a.b.c` (however the selects nest) as its variable and attribute path. */
function selection(e: NixExpr): { base: string; path: readonly string[] } | undefined {
  const n = e.node;
  if (n.kind === 'var') return { base: n.name, path: [] };
  if (n.kind !== 'select') return undefined;
  const inner = selection(n.target);
  return inner && { base: inner.base, path: [...inner.path, ...n.path] };
}

/**
 * Marks the parts of a kernel's environment that come from the config: each of its packages
 * (a list item `ps.<name>` inside a withPackages lambda, or `pkgs.<set>.<name>` /
 * `pkgs.<attr path>`), and a custom kernel's `import ./assets/<k>/nix/<file> { … }`. The kinds
 * build the expression; this only recognises those shapes in it (test/nix/source-map.test.ts
 * checks that every package of every kind is found). `data` is the config as written: package
 * indices are those of its list, which may hold repeats and the preset's own package.
 */
function markKernel(k: NormalizedKernel, i: number, data: unknown, env: NixExpr): NixExpr {
  const written = dataAt(data, ['kernels', i]);
  const packages: readonly string[] = 'packages' in k ? k.packages : [];
  const writtenPackages = dataAt(written, ['packages']);
  const indexOf = (p: string): number => {
    const j = Array.isArray(writtenPackages) ? writtenPackages.indexOf(p) : -1;
    return j >= 0 ? j : packages.indexOf(p);
  };
  const ownNix = (kindOf(k.kind)!.nixFileAsset as ((kernel: NormalizedKernel) => string | undefined) | undefined)?.(k);
  const nixAsset = ownNix === undefined ? undefined : `./${ownNix}`;
  const writtenNix = dataAt(written, ['nix']);
  const pkg = (name: string, set: string, attr: readonly string[], e: NixExpr): NixExpr =>
    origin({ role: 'package', at: ['kernels', i, 'packages', indexOf(name)], kernel: k.name, set, attr }, e);

  const item = (e: NixExpr, scope: ReadonlyMap<string, string>): NixExpr | undefined => {
    const n = e.node;
    const sel = n.kind === 'select' ? selection(e) : undefined;
    if (sel) {
      const { base, path } = sel;
      const name = path.join('.');
      const set = scope.get(base);
      if (set !== undefined) return packages.includes(name) ? pkg(name, set, path, e) : undefined;
      if (base !== 'pkgs') return undefined;
      if (packages.includes(name)) return pkg(name, '', path, e);
      // `pkgs.rPackages.<name>`: a plain name looked up in a set of pkgs.
      const last = path[path.length - 1]!;
      if (path.length > 1 && packages.includes(last)) return pkg(last, path.slice(0, -1).join('.'), [last], e);
      return undefined;
    }
    if (nixAsset && n.kind === 'apply' && n.fn.node.kind === 'var' && n.fn.node.name === 'import' && n.args[0]?.node.kind === 'path' && n.args[0].node.value === nixAsset) {
      const src = typeof writtenNix === 'string' ? writtenNix : undefined;
      return origin({ role: 'nix-file', at: ['kernels', i, 'nix'], kernel: k.name, asset: dirname(nixAsset.slice(2)), ...(src === undefined ? {} : { source: src }) }, e);
    }
    return undefined;
  };

  const walk = (e: NixExpr, scope: ReadonlyMap<string, string>): NixExpr => {
    const n = e.node;
    if (n.kind === 'apply' && n.args.length === 1) {
      const set = lambdaPackageSet(n.fn);
      const lam = n.args[0]!;
      if (set !== undefined && lam.node.kind === 'lambda' && typeof lam.node.param === 'string') {
        const inner = new Map(scope).set(lam.node.param, set);
        return mapChildren(e, (c) => (c === lam ? mapChildren(lam, (b) => walk(b, inner)) : walk(c, scope)));
      }
    }
    if (n.kind === 'list') return mapChildren(e, (c) => item(c, scope) ?? walk(c, scope));
    return mapChildren(e, (c) => walk(c, scope));
  };
  return walk(env, new Map());
}

/** A shell word: literal text inside double quotes, with what the shell would expand escaped. */
const shellText = (s: string): string => s.replace(/["\\$`]/g, (c) => `\\${c}`);

/**
 * shell.nix: `pkgs.mkShell` (pkgs/build-support/mkshell/default.nix: packages, shellHook) with
 * the notebook environment on PATH, Jupyter's variables as in the image (runtime/environment.ts),
 * and all writable state under .jupyter/ in the directory the shell starts in, so nothing writes
 * into the store.
 */
export function emitShellNix(config: NormalizedConfig, source: string): string {
  return renderMapped(shellNix(config, source)).text;
}

function shellNix(config: NormalizedConfig, source: string): NixExpr {
  const env = select(v('project'), 'env');
  const places: Record<Place, StrPart[]> = {
    env: [env],
    config: [env, '/etc/jupyter'],
    state: ['$PWD/.jupyter'],
    notebooks: ['$PWD'],
    lab: ['$PWD/.jupyter/lab'],
  };
  const valueParts = (value: Value): StrPart[] => value.flatMap((p) => (typeof p === 'string' ? [shellText(p)] : places[p.place]));
  const hook: StrPart[] = ['export PATH=', env, '/bin:"$PATH"\n'];
  const stateDirs: string[] = [];
  for (const variable of JUPYTER_VARIABLES) {
    hook.push(`export ${variable.name}="`, ...valueParts(variable.value), '"\n');
    const first = variable.value[0];
    if (typeof first === 'object' && first.place === 'state') stateDirs.push(`"$${variable.name}"`);
  }
  hook.push(`mkdir -p ${stateDirs.join(' ')}\n`);
  const body = letIn(
    [['project', apply(v('import'), relPath('./default.nix'), attrs({ nixpkgsPath: v('nixpkgsPath'), pkgs: v('pkgs') }))]],
    apply(select(v('pkgs'), 'mkShell'), attrs({ name: str('nixlab-shell'), packages: list([env]), shellHook: strParts(...hook) })),
  );
  return comment(
    `Generated by nixlab from ${source.replace(/[\r\n]/g, ' ')}: \`nix-shell\` here (or \`nixlab shell\`) gives the notebook environment.`,
    lambdaSet(pkgsFormals(config), body),
  );
}

// ---------------------------------------------------------------------------------------------
// The source map

/** The source map's file name in the generated project. */
export const SOURCE_MAP_FILE = 'source-map.json';

/** The generated files the source map covers. */
export const MAPPED_FILES = ['default.nix', 'shell.nix'] as const;
export type MappedFile = (typeof MAPPED_FILES)[number];

/**
 * One marked expression: where it is in a generated file, from `start` up to (not including)
 * `end`, each `[line, column]` as Nix reports positions (1-based; columns count UTF-8 bytes);
 * and what it comes from: the config path, the kernel, and for packages the set they are
 * looked up in, for a custom kernel's Nix file where its copy is.
 */
export interface SourceMapEntry {
  file: MappedFile;
  start: [number, number];
  end: [number, number];
  /** The config path, formatted (`$.kernels[0].packages[1]`). */
  at: string;
  /** The same path as segments. */
  path: PathSegment[];
  role: OriginRole;
  kernel?: string;
  set?: string;
  attr?: string[];
  source?: string;
  asset?: string;
}

/** `source-map.json`: every marked expression of default.nix and shell.nix. */
export interface SourceMap {
  version: 1;
  /** The config file's name (no directory). */
  config: string;
  /** Sorted by file, then start; an enclosing expression before the ones inside it. */
  entries: SourceMapEntry[];
}

function mapEntry(file: MappedFile, span: Span): SourceMapEntry {
  const o: Origin = span.origin;
  return {
    file,
    start: [span.start.line, span.start.column],
    end: [span.end.line, span.end.column],
    at: formatJsonPath(o.at),
    path: [...o.at],
    role: o.role,
    ...(o.kernel === undefined ? {} : { kernel: o.kernel }),
    ...(o.set === undefined ? {} : { set: o.set }),
    ...(o.attr === undefined ? {} : { attr: [...o.attr] }),
    ...(o.source === undefined ? {} : { source: o.source }),
    ...(o.asset === undefined ? {} : { asset: o.asset }),
  };
}

const comparePos = (a: [number, number], b: [number, number]): number => a[0] - b[0] || a[1] - b[1];

/**
 * default.nix, shell.nix and the source map of both, for a config (`data`: the config as
 * written); `spans` are the renderer's, with the marked expressions (for tests).
 */
export function emitMappedFiles(config: NormalizedConfig, source: string, data?: unknown): { defaultNix: string; shellNix: string; sourceMap: SourceMap; spans: Record<MappedFile, Span[]> } {
  const d = renderMapped(defaultNix(config, source, data));
  const sh = renderMapped(shellNix(config, source));
  const entries = [...d.spans.map((s) => mapEntry('default.nix', s)), ...sh.spans.map((s) => mapEntry('shell.nix', s))];
  entries.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || comparePos(a.start, b.start) || comparePos(b.end, a.end));
  return { defaultNix: d.text, shellNix: sh.text, sourceMap: { version: 1, config: source, entries }, spans: { 'default.nix': d.spans, 'shell.nix': sh.spans } };
}

/** The source map as JSON text: keys sorted, one entry per line. */
export function sourceMapText(map: SourceMap): string {
  const entries = map.entries.map((e) => `    ${canonicalJson(e)}`).join(',\n');
  return `{\n  "config": ${JSON.stringify(map.config)},\n  "entries": [\n${entries}\n  ],\n  "version": ${map.version}\n}\n`;
}

/**
 * Every file of the generated project for a config, sorted by path. `data` is the config as
 * written (from loadConfig), for the source map's config paths; without it they index the
 * normalised config.
 */
export function emitProject(config: NormalizedConfig, source: string, data?: unknown): DirEntry[] {
  const mapped = emitMappedFiles(config, source, data);
  const files: DirEntry[] = [
    { path: 'default.nix', text: mapped.defaultNix },
    { path: 'shell.nix', text: mapped.shellNix },
    { path: SOURCE_MAP_FILE, text: sourceMapText(mapped.sourceMap) },
  ];
  for (const f of LIBRARY_FILES) files.push({ path: `nixlab/${f}`, copyFrom: join(packageRoot(), 'nix', f) });
  // The runtime facts the library's scripts read (src/runtime/facts.ts), generated beside them.
  files.push({ path: `nixlab/${RUNTIME_FILES.json}`, text: runtimeJson() }, { path: `nixlab/${RUNTIME_FILES.shell}`, text: runtimeShell() });
  config.image.files.forEach((f, i) => {
    for (const rel of filesUnder(f.source)) files.push({ path: `assets/files/${i}/${rel}`, copyFrom: join(f.source, rel) });
  });
  config.image.startHooks.forEach((h, i) => files.push({ path: hookAsset(i, h), copyFrom: h }));
  for (const k of config.kernels) {
    const kind = kindOf(k.kind)!;
    files.push(...((kind.files as ((kernel: NormalizedKernel) => DirEntry[]) | undefined)?.(k) ?? []));
    for (const [size, src] of Object.entries(k.logos)) files.push({ path: logoAsset(k.name, size as LogoSize, src!).asset, copyFrom: src! });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
