// What an image is, how it is layered, and where it goes: the three groups of options a pack
// takes. Checking a spec needs no store paths, so `nixlab validate` runs the same checks on a
// config's image settings that the packer runs before writing anything.
import type { Writable } from 'node:stream';
import { LAYERS, maxLayers as maxLayersRule } from '../definitions/rules.js';
import { DEFAULT_USER } from '../runtime/facts.js';
import type { PathSegment } from '../errors.js';
import { checkImageConfig, checkReference, type Healthcheck, type ImageConfigOptions, type ImageReference } from './config.js';
import type { KernelEnv, LayerPlanner } from './layers.js';
import { SystemLayerError, systemLayerEntries, userHome, type ImageUserSpec, type SpecProblem, type TreeEntry } from './system-layer.js';

export type ImageFormat = 'docker' | 'oci';

/** Store paths the system layer links to; undefined: found in the closure; false: no link. */
export interface ImageLinks {
  /** The tini package (Entrypoint `<tini>/bin/tini -g --`). */
  tini?: string | false;
  /** Target of `/bin/sh`. */
  shell?: string | false;
  /** Target of `/usr/bin/env`. */
  envBinary?: string | false;
  /** CA bundle, linked as `/etc/ssl/certs/ca-certificates.crt`. */
  caBundle?: string | false;
  /** The Jupyter config dir, linked as `/etc/jupyter`. */
  jupyterConfigDir?: string;
}

/** What the image is: its config and the files of its system layer. */
export interface ImageSpec {
  /** `name:tag`; none: untagged. */
  reference?: ImageReference;
  /** `Entrypoint`. Default: `[<tini>/bin/tini, "-g", "--"]` when tini is linked, else none. */
  entrypoint?: string[];
  /** `Cmd`. */
  cmd?: string[];
  /** `Env`: `KEY=value` strings or a record (insertion order); keys unique. Never secrets. */
  env?: string[] | Record<string, string>;
  /** Add PATH, HOME, LANG and SSL_CERT_FILE (when certs are linked) where `env` lacks them. */
  defaultEnv?: boolean;
  /** The image user (default jovyan 1000:100); `User` is written numerically as `uid:gid`. */
  user?: Partial<ImageUserSpec>;
  /** `WorkingDir` (default: the user's home). */
  workingDir?: string;
  /** `ExposedPorts` (8888 or "8888/tcp"). */
  exposedPorts?: (number | string)[];
  /** `Volumes`; each directory is created in the image, owned by the user. */
  volumes?: string[];
  /** `Labels`; `org.opencontainers.image.created` (and `.title` with a reference) are added unless given. */
  labels?: Record<string, string>;
  /** `Healthcheck`. */
  healthcheck?: Healthcheck;
  /** `created`, RFC 3339. Default: SOURCE_DATE_EPOCH if set, else 1970-01-01T00:00:01Z. */
  created?: string;
  /** GOARCH (default: this machine's). */
  architecture?: string;
  links?: ImageLinks;
  /** Directories copied into the image owned by the user (e.g. lessons into the home). */
  copies?: { source: string; target: string }[];
}

/** How the closure is cut into layers. */
export interface Layering {
  /** Layer budget including the system layer (default 100). */
  maxLayers?: number;
  /** The kernels' environments: plan layers per kernel, so that changing one kernel leaves the other layers as they were. */
  kernels?: KernelEnv[];
  /** How store paths are grouped into layers (default: per kernel with `kernels`, else one per path by popularity). */
  planner?: LayerPlanner;
  /** Paths the image exists for (layer popularity roots). Default: the store paths given, else the closure's unreferenced paths. */
  roots?: string[];
}

/**
 * Where the image goes, chosen once: a tar file (docker-archive, or OCI with `format: 'oci'`),
 * a stream (a tar), a FIFO or character device named by a path (a tar written into it, as into
 * a stream), a new OCI layout directory, or an existing one (updated in place).
 */
export type Destination =
  | { kind: 'file'; path: string; format: ImageFormat }
  | { kind: 'stream'; stream: Writable; format: ImageFormat }
  | { kind: 'special'; path: string; format: ImageFormat }
  | { kind: 'oci-dir'; path: string; prune: boolean };

/** The user with defaults filled in. */
export function specUser(spec: ImageSpec): ImageUserSpec {
  return { ...DEFAULT_USER, ...spec.user };
}

/** A placeholder store path for links when checking a spec without a closure. */
const PLACEHOLDER = '/nix/store/00000000000000000000000000000000-placeholder';

/**
 * Every problem with a spec and a layer budget that the packer would refuse, each at its path
 * (`['user', 'uid']`, `['env', 'GITHUB_TOKEN']`, `['volumes', 0]`, `['maxLayers']`). Needs no
 * store: links that are not given are checked as placeholders. `trees` are the copies'
 * listings (listTree()), in `copies` order.
 */
export function specProblems(spec: ImageSpec, layering: Layering, trees: TreeEntry[][]): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const budget = layering.maxLayers ?? LAYERS.default;
  const bad = maxLayersRule.explain(budget);
  if (bad) problems.push({ at: ['maxLayers'], ...bad });
  if (spec.reference) problems.push(...checkReference(spec.reference));
  problems.push(...checkImageConfig(configOptions(spec, { tini: spec.links?.tini || PLACEHOLDER })));
  try {
    systemLayerEntries(systemLayerOptions(spec, trees, (given) => (given === false ? undefined : (given ?? PLACEHOLDER))));
  } catch (error) {
    if (!(error instanceof SystemLayerError)) throw error;
    problems.push(...error.problems);
  }
  return problems;
}

/** The image config options of a spec, given the store path of tini (for the default Entrypoint). */
export function configOptions(spec: ImageSpec, links: { tini?: string | false | null }, env: string[] = envList(spec)): Omit<ImageConfigOptions, 'created' | 'architecture' | 'labels'> {
  const user = specUser(spec);
  const tini = links.tini ? `${links.tini}/bin/tini` : null;
  return {
    entrypoint: spec.entrypoint ?? (tini ? [tini, '-g', '--'] : undefined),
    cmd: spec.cmd,
    env,
    user: { uid: user.uid, gid: user.gid },
    workingDir: spec.workingDir ?? userHome(user),
    exposedPorts: spec.exposedPorts,
    volumes: spec.volumes,
    ...(spec.healthcheck ? { healthcheck: spec.healthcheck } : {}),
  };
}

/** The spec's Env as `KEY=value` strings, in order. */
export function envList(spec: ImageSpec): string[] {
  return Array.isArray(spec.env) ? [...spec.env] : Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`);
}

/** The system layer's options of a spec; `link` turns each given link into a target (or none). */
export function systemLayerOptions(spec: ImageSpec, trees: TreeEntry[][], link: (given: string | false | undefined) => string | undefined) {
  const user = specUser(spec);
  const links = spec.links ?? {};
  return {
    user,
    shell: link(links.shell),
    envBinary: link(links.envBinary),
    caBundle: link(links.caBundle),
    jupyterConfigDir: links.jupyterConfigDir === undefined ? undefined : link(links.jupyterConfigDir),
    volumes: spec.volumes,
    workingDir: spec.workingDir ?? userHome(user),
    copies: (spec.copies ?? []).map((c, i) => ({ target: c.target, tree: trees[i] ?? [] })),
  };
}

/** A spec path as written for `nixlab pack`'s flags and API callers (`user.uid`, `volumes[0]`, `env.KEY`). */
export function formatSpecPath(at: PathSegment[]): string {
  return at.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'image';
}
