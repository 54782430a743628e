// What a deployment target of `nixlab hub --target NAME` is. Each target is one module of this
// directory and one line of ./index.ts: its settings' schema (the config's `hub.<name>`), its
// checks, the files it writes, how the images reach its nodes, and the check the tests run on
// what it wrote (tests iterate the registry).
import type { NormalizedConfig } from '../../definitions/types.js';
import type { SchemaObject } from '../../definitions/rules.js';
import type { Problem } from '../../errors.js';
import type { ImageConfig } from '../../engine/docker-types.js';
import type { AdminPassword } from '../hub-files.js';

/** A file a target writes into the deployment directory. */
export interface GeneratedFile {
  path: string;
  text: string;
  /** 0o600 for files that may hold a secret. */
  mode: number;
}

/** The parts of the single-user image's config a target may need (from the built image itself). */
export type SingleUserImageConfig = Pick<ImageConfig, 'Entrypoint' | 'Cmd' | 'Env' | 'User' | 'WorkingDir'>;

/** What a target's hub image carries and how its deployment runs it (nix/hub.nix, deploy/hub.ts hubImageSpec). */
export interface HubImageKind {
  /** The spawner's class name, for the image's description. */
  spawner: string;
  /**
   * nixpkgs Python attribute names of the spawner and of what the deployment's hub config imports
   * beyond JupyterHub and the authenticator (nix/hub.nix `spawnerPackages`; it builds those nixpkgs lacks).
   */
  pythonPackages: readonly string[];
  /** The hub's working directory, a volume: its relative sqlite URL and cookie secret resolve there. */
  dataDir: string;
  /** The jupyterhub_config.py the image's command runs (the deployment mounts it there). */
  configPath: string;
}

/** What a target's files are made from. */
export interface TargetContext<S> {
  config: NormalizedConfig;
  /** The config file's name (no directory), for headers. */
  source: string;
  /** This target's settings (`hub.<name>` of the config), or undefined. */
  settings: S | undefined;
  /** The images as the deployment references them: `name:tag` (loaded) or `registry/repo@sha256:…` (pushed). */
  images: { singleUser: string; hub: string };
  /** The single-user image's config (Cmd, Env, User…). */
  singleUserConfig: SingleUserImageConfig;
  /** The engine's unix socket on the machine, when DOCKER_HOST is one. */
  dockerSocket: string | undefined;
  /** A file of the deployment directory as it was before this run (to keep an admin token). */
  previous: (path: string) => string | undefined;
  /** The admin's password (hubAdminPassword), for the authenticators whose admin logs in with one: the target puts it where its hub reads NIXLAB_HUB_ADMIN_PASSWORD. */
  admin: AdminPassword | undefined;
}

export interface DeployTarget<S = unknown, N extends string = string> {
  name: N;
  /** One line for `--help` and the README. */
  summary: string;
  /**
   * How the images reach the machines that run them: `load` into the engine at DOCKER_HOST, or
   * `push` to the operator's registry (`--registry`), referenced by digest, so that every node
   * pulls the same bytes.
   */
  images: 'load' | 'push';
  /** The hub image nixlab builds for this target (from the same package set), or false: the deployment runs none of nixlab's. */
  hubImage: HubImageKind | false;
  /** The JSON schema of `hub.<name>`, this target's settings (none: the target has no settings). */
  schema?: SchemaObject;
  /** What the config must have for this target, beyond the schema (e.g. a required setting). */
  check?: (config: NormalizedConfig, file: string) => Problem[];
  /** The names of the files `files` writes (checked before anything is built: none may be a file of the user's). */
  fileNames: readonly string[];
  /**
   * The file holding the hub's secrets (the admin's password, the API token), which keeps the
   * user's own lines and the admin's password from one run to the next; none: nothing kept.
   */
  secretsFile?: string;
  /** The admin's password the previous deployment files hold (so a rerun keeps it), read in this target's format. */
  keptAdminPassword?: (previous: (path: string) => string | undefined) => string | undefined;
  /** The deployment's files. */
  files: (ctx: TargetContext<S>) => GeneratedFile[];
  /** What the operator runs next, in the deployment directory `out`. */
  next: (out: string, config: NormalizedConfig) => string;
  /**
   * The tests' hook: a static check of what `files` wrote into `dir` with a real tool (the
   * deployment's own parser or library). Returns problems, empty when the files pass.
   */
  verify?: (dir: string) => Promise<string[]>;
}

/** The settings type of a target. */
export type SettingsOf<T> = T extends DeployTarget<infer S, string> ? S : never;
