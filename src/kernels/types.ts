// What a kernel kind is: everything nixlab knows about one language's kernel, in one module.
// The registry (./index.ts) builds the schema's kernel branches, the validator's checks and
// normalisation, the emitter dispatch, `nixlab kernels` and the typed helpers from these.
import type { PathSegment } from '../errors.js';
import type { DirEntry } from '../fsutil.js';
import type { NixExpr } from '../nix/ast.js';
import type { Rule, SchemaObject, Verdict } from '../definitions/rules.js';

/** JSON data as users write it (kernel metadata). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** How Jupyter interrupts a kernel (kernel.json `interrupt_mode`). */
export type InterruptMode = 'signal' | 'message';

/** Logo sizes a kernelspec may carry. */
export type LogoSize = '32x32' | '64x64' | 'svg';

/** Fields every kernel has in a config, whatever its kind. */
export interface KernelBase {
  /** Kernelspec directory name: `[A-Za-z0-9._-]+`, not `.`/`..`/`python`/`python3`, unique in the config. */
  name: string;
  /** Shown in the launcher. Defaults to a name derived from the kind and version. */
  displayName?: string;
  /** Other names that start this kernel (e.g. `python3`), unique among all names and aliases. */
  aliases?: string[];
  /** Extra environment variables for the kernel process (POSIX names). */
  env?: Record<string, string>;
  interruptMode?: InterruptMode;
  /** Free-form kernel.json `metadata`. */
  metadata?: Record<string, JsonValue>;
  /** Logo files, relative to the config file: keys `32x32`, `64x64`, `svg`. */
  logos?: Partial<Record<LogoSize, string>>;
}

/** Fields every kernel has after validation, with defaults filled in. */
export interface NormalizedKernelBase {
  name: string;
  displayName: string;
  /** kernel.json `language`. */
  language: string;
  /** Other names that start this kernel (nix/jupyter_config.py resolves them). */
  aliases: string[];
  env: Record<string, string>;
  interruptMode: InterruptMode;
  metadata: Record<string, JsonValue>;
  /** Absolute paths of logo files (resolved against the config's directory). */
  logos: Partial<Record<LogoSize, string>>;
}

export type { PathSegment };

/** Where the validator collects what it finds. Paths are relative to the config's root. */
export interface Reporter {
  error(at: PathSegment[], verdict: Verdict, onKey?: boolean): void;
  warn(at: PathSegment[], verdict: Verdict): void;
  /** The config file as the user named it (for hints). */
  readonly file: string;
  /** The directory relative paths in the config are resolved against. */
  readonly baseDir: string;
}

/** One kernel's part of default.nix. */
export interface KernelParts {
  /** The kernel's environment (a derivation), bound to `envVar` in default.nix. */
  env: NixExpr;
  /** kernel.json `argv`: an expression that evaluates to a list of strings; `envVar` may appear in it. */
  argv: NixExpr;
}

/** A code snippet that proves a kernel works: run it, expect this text in its output. */
export interface Snippet {
  code: string;
  /** Text the kernel's stdout (or execute_result) must contain. */
  expect: string;
}

/**
 * What a kind's emitted Nix relies on in nixpkgs. `scripts/nixpkgs-facts.mjs` evaluates these in a
 * real tree into `nixpkgs-facts/<source>.json`; validate (src/nixpkgs/facts.ts) and the offline
 * set's eval layer are checked against what it recorded. A new kind declares only its own.
 */
export interface NixpkgsNeeds {
  /** Environments the emitted Nix uses (attribute paths) and the `bin/` program its argv runs there. */
  envs?: Record<string, string>;
  /** Kernel definitions (plain attribute sets with `argv`) whose argv the emitter copies or mirrors. */
  definitions?: string[];
  /** Attribute paths that must instantiate for the kernel to build (`python313Packages.ipykernel`). */
  instantiable?: string[];
  /** Package sets whose attribute names a kernel's `packages` are (`python313Packages`, `rPackages`; `""` is the top level). */
  packageSets?: string[];
}

/** One attribute path's facts, as scripts/nixpkgs-facts.mjs recorded them. */
export interface AttrFact {
  /** false: the attribute is missing; null: evaluating it failed (see `error`). */
  present: boolean | null;
  derivation?: boolean;
  name?: string;
  version?: string;
  pythonVersion?: string;
  mainProgram?: string;
  /** `.drvPath` evaluates (false: `error` says why). */
  instantiates?: boolean;
  /** A kernel definition's argv, store paths written `${name}`. */
  argv?: string[];
  /** Which recorded environment a definition's argv[0] runs, and which bin/ program. */
  argvHead?: { env: string | null; bin: string };
  error?: string;
}

/** What nixlab knows of a nixpkgs revision from its evaluated facts (src/nixpkgs/facts.ts). */
export interface NixpkgsFacts {
  /** How to name the revision in messages (`nixpkgs master of 2026-07-14 (lib 26.11)`). */
  readonly label: string;
  /** The facts of an attribute path nixlab declared (undefined: not recorded). */
  attr(path: string): AttrFact | undefined;
  /** The attribute names of a package set (`""`: the top level), sorted; undefined when unknown. */
  names(set: string): readonly string[] | undefined;
  /** Whether the package set has `name`; undefined when its names are unknown. */
  has(set: string, name: string): boolean | undefined;
}

/** A problem a kind finds in a kernel against a revision's facts, at a path below the kernel. */
export type FactProblem = Verdict & { at: PathSegment[] };

/** What a kind module declares. `Def` is the config's shape, `Norm` the normalised one. */
export interface KindSpec<Def extends KernelBase & { kind: string }, Norm extends NormalizedKernelBase & { kind: Def['kind'] }> {
  kind: Def['kind'];
  /** One line: what the kernel is (schema description, `nixlab kernels`). */
  summary: string;
  /** kernel.json `language` (`(any)` for kinds where the config says). */
  language: string;
  /** Notebook file extension (language_info), with the dot. */
  fileExtension: string;
  /** Other names people type for this language (`nixlab init --lang`). */
  aliases?: string[];
  /** Rules of the kind's own options, named for the schema's `$defs` (names unique across kinds). */
  rules?: Record<string, Rule>;
  /** JSON Schema of the kind's own keys, besides the common ones (may `$ref` its rules). */
  options?: Record<string, SchemaObject>;
  /** Keys the config must give besides `kind` and `name`. */
  required?: string[];
  /** Hints for required keys that are missing: key → example value. */
  requiredExamples?: Record<string, string>;
  /** Checks beyond the schema. `kernel` is unvalidated data: check shapes before use. */
  check?(kernel: Record<string, unknown>, at: PathSegment[], report: Reporter): void;
  /** The kernel with the kind's defaults filled in; `base` holds what every kind normalises alike. */
  normalise(def: Def, base: Omit<NormalizedKernelBase, 'displayName' | 'language'>, baseDir: string): Norm;
  /** The Nix for the kernel's environment and kernel.json argv. */
  emit(k: Norm, envVar: NixExpr): KernelParts;
  /**
   * The nixpkgs attribute paths whose versions describe the kernel (`python313`,
   * `python313Packages.numpy`), for `nixlab update`'s report of what a new pin changes.
   */
  packageAttrs(k: Norm): string[];
  /** Files the kernel adds to the generated project (a custom kernel's Nix file and its directory). */
  files?(k: Norm): DirEntry[];
  /** An example config of the kind (for `nixlab kernels`, `nixlab init` and hints); must validate. */
  example: Omit<Def, 'kind'>;
  /** Environment variables the kind's own Nix files (nix/*.nix) read or set; test/runtime/facts.test.ts checks nix/ against them. */
  variables?: readonly string[];
  /** The nixpkgs files (NixOS/nixpkgs paths, or `owner/repo path` upstream) the emitter was checked against. */
  checkedAgainst: string[];
  /** What the emitted Nix relies on in nixpkgs, for the facts script and the checks against its facts. */
  nixpkgs?: NixpkgsNeeds;
  /**
   * What the revision's facts refuse in a kernel (a C++ standard without a definition, a Python
   * whose ipykernel cannot evaluate, a package name the set lacks). `written` is the kernel as
   * the config wrote it (valid), for the indices of its lists; paths are below the kernel.
   */
  checkFacts?(k: Norm, written: Record<string, unknown>, facts: NixpkgsFacts): FactProblem[];
  /** What the revision's facts say of the kind (defaults, what it offers), for `nixlab kernels`. */
  describeFacts?(facts: NixpkgsFacts): string[];
  /** What the pinned nixpkgs lacks or does differently for this kind. */
  notes?: string[];
  /** Code that proves the kernel works (`nixlab test`); none for kinds whose language the config names. */
  snippet?: Snippet;
  /**
   * The config names the kernel's language (kernel.json `language`): the kind has no snippet,
   * and `nixlab test` never takes a kernelspec of some language for a kernel of this kind.
   */
  languageFromConfig?: boolean;
  /** Why `nixlab init` cannot start a config with this kind (it needs what only the user knows); absent: init offers it. */
  initRefusal?: Verdict;
  /** The config key the kernel's argv is written at, when the config writes it (the source map points there). */
  argvKey?: string;
  /**
   * Derivations the kind's emitter names after the kernel, besides its kernelspec (which every
   * kind has): name → the derivation name for a kernel name. The kernel-name limit leaves room
   * for the longest (definitions/kernel-name.ts), and its message names them.
   */
  derivationNames?: Record<string, (kernel: string) => string>;
  /** Said with the list of kinds when a config names an unknown kind: when to choose this one (none: the list says enough). */
  unknownKindHint?: string;
  /** Where the kernel's own Nix file lands in the generated project (`assets/…`), if it has one: the source map marks its import. */
  nixFileAsset?(k: Norm): string | undefined;
}

/** A kernel kind: its spec, callable as the config helper (`python({ name: 'py' })`). */
export type KernelKind<Def extends KernelBase & { kind: string } = KernelBase & { kind: string }, Norm extends NormalizedKernelBase & { kind: Def['kind'] } = NormalizedKernelBase & { kind: Def['kind'] }> =
  Readonly<KindSpec<Def, Norm>> & ((opts: Omit<Def, 'kind'>) => Def);

/** Makes a kind from its spec: the spec's fields, callable as the helper that declares a kernel of it. */
export function defineKind<Def extends KernelBase & { kind: string }, Norm extends NormalizedKernelBase & { kind: Def['kind'] }>(spec: KindSpec<Def, Norm>): KernelKind<Def, Norm> {
  const helper = (opts: Omit<Def, 'kind'>): Def => ({ kind: spec.kind, ...opts }) as Def;
  // A function's own `name` and `length` are read-only: the spec's fields go on as properties.
  return Object.freeze(Object.assign(helper, spec)) as KernelKind<Def, Norm>;
}

/** The config shape of a kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DefOf<K> = K extends KernelKind<infer D, any> ? D : never;
/** The normalised shape of a kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type NormOf<K> = K extends KernelKind<any, infer N> ? N : never;
