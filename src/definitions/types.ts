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

export type KernelDef = PythonKernel | CustomKernel;

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
export type NormalizedKernel = NormalizedPythonKernel | NormalizedCustomKernel;

export interface NormalizedImage {
  name: string;
  tag: string;
  user: Required<ImageUser>;
  port: number;
  volumes: string[];
  env: Record<string, string>;
  workdir: string;
  maxLayers: number;
}

export interface NormalizedConfig {
  frontend: Frontend;
  /** Undefined: use flake.lock's pin. */
  nixpkgs?: NixpkgsPin;
  kernels: NormalizedKernel[];
  image: NormalizedImage;
}
