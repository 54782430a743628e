// The shape of a nixlab config. The JSON Schema in ./schema.ts is the single source of truth for
// validation; these types mirror it (a test checks that every schema property appears here).

/** JSON data as users write it (kernel metadata). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Which Jupyter front end the server environment runs. */
export type Frontend = 'lab' | 'notebook' | 'server';

/** How Jupyter interrupts a kernel (kernel.json `interrupt_mode`). */
export type InterruptMode = 'signal' | 'message';

/** Fields every kernel has, whatever its kind. */
export interface KernelBase {
  /** Kernelspec directory name: `[A-Za-z0-9._-]+`, not `.`/`..`, unique in the config. */
  name: string;
  /** Shown in the launcher. Defaults to a name derived from the kind and version. */
  displayName?: string;
  /** Extra environment variables for the kernel process (POSIX names). */
  env?: Record<string, string>;
  interruptMode?: InterruptMode;
  /** Free-form kernel.json `metadata`. */
  metadata?: Record<string, JsonValue>;
  /** Logo files, relative to the config file: keys `32x32`, `64x64`, `svg`. */
  logos?: Partial<Record<'32x32' | '64x64' | 'svg', string>>;
}

/** A Python kernel: `pythonXY.withPackages (ps: [ ps.ipykernel … ])`. */
export interface PythonKernel extends KernelBase {
  kind: 'python';
  /** Interpreter version, `3.11`, `3.12`, `3.13`. Default `3.12`. */
  version?: string;
  /** nixpkgs Python package attribute names (`numpy`, `scikit-learn`). */
  packages?: string[];
}

/** Any kernel: an argv, a language, and the nixpkgs attributes it needs. */
export interface CustomKernel extends KernelBase {
  kind: 'custom';
  language: string;
  /** Must contain `{connection_file}`. argv[0] without `/` is looked up in the kernel env's bin/. */
  argv: string[];
  /** nixpkgs attribute paths (`python3Packages.bash-kernel`, `busybox`) joined into the kernel env. */
  packages?: string[];
  /** File extension for notebooks' language_info (`.sh`). */
  fileExtension?: string;
  /**
   * A `.nix` file relative to the config, `{ pkgs }: <derivation>`, joined into the kernel env.
   * Its directory is copied into the generated project.
   */
  nix?: string;
}

/** An R kernel (IRkernel): `rWrapper.override { packages = [ rPackages.IRkernel … ]; }`. */
export interface RKernel extends KernelBase {
  kind: 'r';
  /** nixpkgs `rPackages` attribute names (`ggplot2`; R's `data.table` is `data_table`). IRkernel is always included. */
  packages?: string[];
}

/** A Go kernel: nixpkgs `gophernotes`. */
export interface GoKernel extends KernelBase {
  kind: 'go';
}

/** A C++ kernel: nixpkgs' xeus-cling kernel definitions (`cpp17-kernel`, `cpp2a-kernel`). */
export interface CppKernel extends KernelBase {
  kind: 'cpp';
  /** C++ standard: `17` (default) or `20`. `23` needs xeus-cpp, which the pinned nixpkgs lacks, and is refused. */
  std?: 17 | 20 | 23;
}

/** A Rust kernel: nixpkgs `evcxr` (`evcxr_jupyter`). */
export interface RustKernel extends KernelBase {
  kind: 'rust';
}

/** A Haskell kernel (IHaskell): `haskellPackages.ghcWithPackages (ps: [ ps.ihaskell … ])`. */
export interface HaskellKernel extends KernelBase {
  kind: 'haskell';
  /** nixpkgs `haskellPackages` attribute names (`lens`, `aeson`). ihaskell is always included. */
  packages?: string[];
}

/** A Bash kernel: `python3.withPackages (ps: [ ps.bash-kernel ])`, run as `python3 -m bash_kernel`. */
export interface BashKernel extends KernelBase {
  kind: 'bash';
}

/** A JavaScript kernel: Deno's built-in kernel (`deno jupyter --kernel`). */
export interface JavascriptKernel extends KernelBase {
  kind: 'javascript';
}

/** A TypeScript kernel: Deno's built-in kernel (`deno jupyter --kernel`). */
export interface TypescriptKernel extends KernelBase {
  kind: 'typescript';
}

/** An Octave kernel: nixpkgs `octave-kernel.launcher` (octave_kernel with `octave` on its PATH). */
export interface OctaveKernel extends KernelBase {
  kind: 'octave';
  /** nixpkgs `octavePackages` attribute names (`signal`, `statistics`), via `octave.withPackages`. */
  packages?: string[];
}

/** A Ruby kernel: nixpkgs `iruby`. */
export interface RubyKernel extends KernelBase {
  kind: 'ruby';
}

/** A Clojure kernel: nixpkgs `clojupyter.launcher`. */
export interface ClojureKernel extends KernelBase {
  kind: 'clojure';
}

export type KernelDef =
  | PythonKernel
  | CustomKernel
  | RKernel
  | GoKernel
  | CppKernel
  | RustKernel
  | HaskellKernel
  | BashKernel
  | JavascriptKernel
  | TypescriptKernel
  | OctaveKernel
  | RubyKernel
  | ClojureKernel;

/** The image user (non-root by default). */
export interface ImageUser {
  name?: string;
  uid?: number;
  gid?: number;
}

/** Image settings used by the packer. */
export interface ImageSettings {
  /** Repository name, lowercase (`nixlab-demo`, `ghcr.io/org/lab`). */
  name?: string;
  tag?: string;
  user?: ImageUser;
  port?: number;
  /** Absolute paths declared as volumes; the first is the notebook directory. */
  volumes?: string[];
  env?: Record<string, string>;
  workdir?: string;
  maxLayers?: number;
  /** Directories copied into the image, owned by the user. */
  files?: ImageFile[];
}

/** A directory copied into the image. */
export interface ImageFile {
  /** A directory, relative to the config file. */
  source: string;
  /** Where it goes: an absolute path, or a path relative to the user's home. */
  target: string;
}

/** Override of the pinned nixpkgs (github NixOS/nixpkgs only, strictly checked). */
export interface NixpkgsPin {
  rev: string;
  /** SRI sha256 of the unpacked tree, as flake.lock's `narHash`. */
  narHash: string;
}

export interface Config {
  /** Optional `$schema` pointer for editors. */
  $schema?: string;
  frontend?: Frontend;
  nixpkgs?: NixpkgsPin;
  kernels: KernelDef[];
  image?: ImageSettings;
}

/** A config after validation with every default filled in. */
export interface NormalizedKernelBase {
  name: string;
  displayName: string;
  env: Record<string, string>;
  interruptMode: InterruptMode;
  metadata: Record<string, JsonValue>;
  /** Absolute paths of logo files (resolved against the config's directory). */
  logos: Partial<Record<'32x32' | '64x64' | 'svg', string>>;
}
export interface NormalizedPythonKernel extends NormalizedKernelBase {
  kind: 'python';
  language: 'python';
  version: string;
  packages: string[];
}
export interface NormalizedCustomKernel extends NormalizedKernelBase {
  kind: 'custom';
  language: string;
  argv: string[];
  packages: string[];
  fileExtension?: string;
  /** Absolute path of the kernel's Nix file (resolved against the config's directory). */
  nixFile?: string;
}
/** A preset kernel with a list of packages from its language's nixpkgs package set. */
export interface NormalizedPackagesKernel<Kind extends string, Language extends string> extends NormalizedKernelBase {
  kind: Kind;
  language: Language;
  /** Attribute names in the kind's package set, without the ones the preset always adds. */
  packages: string[];
}
/** A preset kernel without options beyond the common ones. */
export interface NormalizedPlainKernel<Kind extends string, Language extends string> extends NormalizedKernelBase {
  kind: Kind;
  language: Language;
}
export type NormalizedRKernel = NormalizedPackagesKernel<'r', 'R'>;
export type NormalizedGoKernel = NormalizedPlainKernel<'go', 'go'>;
export interface NormalizedCppKernel extends NormalizedKernelBase {
  kind: 'cpp';
  language: 'cpp';
  /** 23 never gets here: validation refuses it. */
  std: 17 | 20;
}
export type NormalizedRustKernel = NormalizedPlainKernel<'rust', 'rust'>;
export type NormalizedHaskellKernel = NormalizedPackagesKernel<'haskell', 'haskell'>;
export type NormalizedBashKernel = NormalizedPlainKernel<'bash', 'bash'>;
export type NormalizedJavascriptKernel = NormalizedPlainKernel<'javascript', 'javascript'>;
export type NormalizedTypescriptKernel = NormalizedPlainKernel<'typescript', 'typescript'>;
export type NormalizedOctaveKernel = NormalizedPackagesKernel<'octave', 'octave'>;
export type NormalizedRubyKernel = NormalizedPlainKernel<'ruby', 'ruby'>;
export type NormalizedClojureKernel = NormalizedPlainKernel<'clojure', 'clojure'>;

export type NormalizedKernel =
  | NormalizedPythonKernel
  | NormalizedCustomKernel
  | NormalizedRKernel
  | NormalizedGoKernel
  | NormalizedCppKernel
  | NormalizedRustKernel
  | NormalizedHaskellKernel
  | NormalizedBashKernel
  | NormalizedJavascriptKernel
  | NormalizedTypescriptKernel
  | NormalizedOctaveKernel
  | NormalizedRubyKernel
  | NormalizedClojureKernel;

export interface NormalizedImage {
  name: string;
  tag: string;
  user: Required<ImageUser>;
  port: number;
  volumes: string[];
  env: Record<string, string>;
  workdir: string;
  maxLayers: number;
  /** Absolute source directories on the host and absolute targets in the image. */
  files: { source: string; target: string }[];
}

export interface NormalizedConfig {
  frontend: Frontend;
  /** Undefined: use flake.lock's pin. */
  nixpkgs?: NixpkgsPin;
  kernels: NormalizedKernel[];
  image: NormalizedImage;
}
