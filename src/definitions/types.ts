// The shape of a nixlab config. The JSON Schema (./schema.ts) is built from the same rules
// (./rules.ts) and kernel kinds (../kernels/); these types mirror it (a test checks that every
// schema property appears here). Each kernel kind's own types live in its module.
import type { KernelDef, NormalizedKernel } from '../kernels/index.js';
import type { FrontEndName } from '../runtime/targets.js';
import type { HubAuthenticator } from './rules.js';
import type { TargetSettings } from '../deploy/targets/index.js';

export type { KernelDef, NormalizedKernel } from '../kernels/index.js';
export type { InterruptMode, JsonValue, KernelBase, LogoSize, NormalizedKernelBase } from '../kernels/types.js';
export type { BashKernel, NormalizedBashKernel } from '../kernels/bash.js';
export type { ClojureKernel, NormalizedClojureKernel } from '../kernels/clojure.js';
export type { CppKernel, NormalizedCppKernel } from '../kernels/cpp.js';
export type { CustomKernel, NormalizedCustomKernel } from '../kernels/custom.js';
export type { GoKernel, NormalizedGoKernel } from '../kernels/go.js';
export type { HaskellKernel, NormalizedHaskellKernel } from '../kernels/haskell.js';
export type { JavascriptKernel, NormalizedJavascriptKernel } from '../kernels/javascript.js';
export type { NormalizedOctaveKernel, OctaveKernel } from '../kernels/octave.js';
export type { NormalizedPythonKernel, PythonKernel } from '../kernels/python.js';
export type { NormalizedRKernel, RKernel } from '../kernels/r.js';
export type { NormalizedRubyKernel, RubyKernel } from '../kernels/ruby.js';
export type { NormalizedRustKernel, RustKernel } from '../kernels/rust.js';
export type { NormalizedTypescriptKernel, TypescriptKernel } from '../kernels/typescript.js';

/** Which Jupyter front end the server environment runs. */
export type Frontend = FrontEndName;

/** The image user (non-root by default). */
export interface ImageUser {
  name?: string;
  uid?: number;
  gid?: number;
}

/** Image settings. */
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
  /** Scripts (relative to the config) run in order with /bin/sh before the server starts. */
  startHooks?: string[];
}

/** A directory copied into the image. */
export interface ImageFile {
  /** A directory, relative to the config file. */
  source: string;
  /** Where it goes: an absolute path, or a path relative to the user's home. */
  target: string;
}

/**
 * nixpkgs settings: another revision than the pinned one (`rev` and `narHash` together; github
 * NixOS/nixpkgs only, strictly checked), and what nixpkgs may evaluate (its `config`).
 */
export interface NixpkgsSettings {
  /** Commit id of NixOS/nixpkgs; needs `narHash`. */
  rev?: string;
  /** SRI sha256 of the unpacked tree, as flake.lock's `narHash`; needs `rev`. */
  narHash?: string;
  /** Let nixpkgs evaluate packages with unfree licenses (nixpkgs `config.allowUnfree`). */
  allowUnfree?: boolean;
  /** Let nixpkgs evaluate packages marked broken (nixpkgs `config.allowBroken`). */
  allowBroken?: boolean;
  /** Insecure packages nixpkgs may evaluate anyway, by `name-version` (`olm-3.2.16`). */
  permittedInsecurePackages?: string[];
}

/** A nixpkgs revision other than flake.lock's. */
export interface NixpkgsPin {
  rev: string;
  /** SRI sha256 of the unpacked tree, as flake.lock's `narHash`. */
  narHash: string;
}

/** What nixpkgs may evaluate: passed as nixpkgs' `config` (pkgs/stdenv/generic/check-meta.nix reads it). */
export interface NixpkgsConfig {
  allowUnfree: boolean;
  allowBroken: boolean;
  permittedInsecurePackages: string[];
}

/** JupyterHub: build a single-user image for a hub of this version, and how `nixlab hub` deploys it. */
export interface HubSettings extends TargetSettings {
  /** The hub's JupyterHub `major.minor` (`"5.4"`); the image's jupyterhub must match it. Default: the package set's. */
  version?: string;
  /** How users log in: `native`, `tmp`, `shared-password` or `dummy`. */
  authenticator?: HubAuthenticator;
  /** The admin user's name. */
  admin?: string;
  /** The port the hub serves on. */
  port?: number;
  /** The host address the hub's port is published on (default 127.0.0.1). */
  address?: string;
  /** shared-password only: every user's password (goes into the deployment's .env, never an image). */
  sharedPassword?: string;
  /** shared-password only: the admin's password, at least 32 characters (the deployment's .env, never an image). */
  adminPassword?: string;
}

/** With each deployment target's settings as declared (`hub.swarm`, `hub.kubernetes`: src/deploy/targets). */
export interface NormalizedHub extends TargetSettings {
  /** The declared major.minor, or null: the package set's jupyterhub, whichever it is (nixlab hub builds the hub from the same set). */
  version: string | null;
  authenticator: HubAuthenticator;
  admin: string;
  port: number;
  /** The host address the hub's port is published on. */
  address: string;
  sharedPassword?: string;
  adminPassword?: string;
}

/** JupyterLab (and Notebook 7): the prebuilt extensions of the server environment. */
export interface LabSettings {
  /** nixpkgs Python package attribute names of prebuilt extensions (`jupyterlab-git`). */
  extensions?: string[];
}

export interface NormalizedLab {
  /** Without repeats, in the config's order. */
  extensions: string[];
}

export interface Config {
  /** Optional `$schema` pointer for editors. */
  $schema?: string;
  frontend?: Frontend;
  hub?: HubSettings;
  lab?: LabSettings;
  nixpkgs?: NixpkgsSettings;
  kernels: KernelDef[];
  image?: ImageSettings;
  compose?: ComposeSettings;
}

/** The generated compose project (`nixlab compose`). */
export interface ComposeSettings {
  /** Mount $SSH_AUTH_SOCK and set SSH_AUTH_SOCK inside. */
  sshAgent?: boolean;
  network?: 'bridge' | 'host';
  /** Host directory at the notebook directory, `./…` relative to the project. */
  notebooks?: string;
  /** Host port on 127.0.0.1 (bridge). */
  hostPort?: number;
}

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
  /** Absolute paths of the start hooks on the host, in order. */
  startHooks: string[];
}

export interface NormalizedConfig {
  frontend: Frontend;
  /** Set: the image is a JupyterHub single-user image. */
  hub?: NormalizedHub;
  /** Present when the config has a `lab` section. */
  lab?: NormalizedLab;
  /** Undefined: use flake.lock's pin. */
  nixpkgs?: NixpkgsPin;
  /** nixpkgs' `config` (defaults: nothing unfree, broken or insecure). */
  nixpkgsConfig: NixpkgsConfig;
  kernels: NormalizedKernel[];
  image: NormalizedImage;
  /** Present when the config has a `compose` section (defaults filled in by `nixlab compose`). */
  compose?: ComposeSettings;
}
