// Planning an image: pure data from pure inputs. Given the closure, the spec with its links
// resolved to store paths and its copies listed, and the layering, it decides every layer's
// store paths and group, the system layer's entries and the image config's options — without
// reading the store or writing anything. write.ts then streams exactly this plan.
import { UserError } from '../errors.js';
import { LAYERS } from '../definitions/rules.js';
import type { ImageConfigOptions, ImageReference } from './config.js';
import { storeDir, type ClosureNode } from './closure.js';
import { findRoots, kernelPlanner, planLayers } from './layers.js';
import { configOptions, envList, formatSpecPath, specProblems, specUser, systemLayerOptions, type ImageSpec, type Layering } from './spec.js';
import { SystemLayerError, systemLayerEntries, userHome, type SpecProblem, type TreeEntry } from './system-layer.js';
import type { LayerEntry } from './tar.js';
import { IMAGE_CA_BUNDLE } from '../runtime/facts.js';

/** The group of the system layer in a grouped image. */
export const SYSTEM_GROUP = 'system';

/** Store paths the system layer and config point at (null: none). */
export interface ResolvedLinks {
  /** The tini package (its bin/tini is the Entrypoint). */
  tini: string | null;
  shell: string | null;
  envBinary: string | null;
  caBundle: string | null;
  jupyterConfigDir: string | null;
}

/** One layer of the plan. */
export interface PlannedLayer {
  /** Store paths in the layer, sorted; empty for the system layer. */
  storePaths: string[];
  /** The layer's group (`shared`, `kernel:<name>`, …, `system`), null when the planner does not group. */
  group: string | null;
  /** The history's `created_by`. */
  createdBy: string;
  /** The system layer's entries (store layers are listed from the store when written). */
  entries?: LayerEntry[];
}

/** An image as it will be written. */
export interface ImagePlan {
  reference: ImageReference | null;
  layers: PlannedLayer[];
  /** The config, but for the layers' diff_ids (known only once they are written). */
  config: ImageConfigOptions;
  links: ResolvedLinks;
  closure: { paths: number; narSize: number };
}

/** What planImage() needs; everything here is data. */
export interface PlanInput {
  closure: ClosureNode[];
  /** Store paths the image is for (default: layering.roots, else the closure's unreferenced paths). */
  roots?: string[];
  spec: ImageSpec;
  layering: Layering;
  links: ResolvedLinks;
  /** Each copy's tree (listTree()), in spec.copies order. */
  trees: TreeEntry[][];
  /** `created` (RFC 3339) and GOARCH, when the spec does not give them. */
  created: string;
  architecture: string;
  /** Directories on the roots' PATH, for `defaultEnv` (roots that have a bin/). */
  rootBins?: string[];
}

/** Turns spec problems into the UserError the packer reports (`where` is the spec path). */
export function specError(problems: SpecProblem[]): UserError {
  return new UserError(problems.map((p) => ({ where: formatSpecPath(p.at), message: p.message, hint: p.hint })));
}

/** Plans an image. Throws UserError for a spec the packer refuses (every problem at once). */
export function planImage(input: PlanInput): ImagePlan {
  const { spec, layering, closure, links } = input;
  const resolved: ImageSpec = { ...spec, links: linksOf(links) };
  const problems = specProblems(resolved, layering, input.trees);
  // Every link must point into the closure.
  const inClosure = new Set(closure.map((n) => n.path));
  const mustBeInClosure = (p: string | null | undefined, at: string) => {
    if (!p || !p.startsWith(`${storeDir()}/`)) return;
    const sp = storePathOf(p);
    if (!sp || !inClosure.has(sp)) problems.push({ at: ['links', at], message: `${p} is not in the image's closure`, hint: `add ${sp ?? p} to the store paths` });
  };
  mustBeInClosure(links.tini, 'tini');
  mustBeInClosure(links.shell, 'shell');
  mustBeInClosure(links.envBinary, 'envBinary');
  mustBeInClosure(links.caBundle, 'caBundle');
  mustBeInClosure(links.jupyterConfigDir, 'jupyterConfigDir');
  mustBeInClosure(spec.entrypoint?.[0], 'entrypoint');
  if (problems.length) throw specError(problems);

  const roots = input.roots ?? layering.roots ?? findRoots(closure);
  const maxLayers = layering.maxLayers ?? LAYERS.default;
  const plan = planLayers(closure, roots, maxLayers, layering.planner ?? (layering.kernels ? kernelPlanner(layering.kernels) : undefined));
  const grouped = plan.groups.some((g) => g !== null);

  const user = specUser(spec);
  const env = envList(spec);
  if (spec.defaultEnv) {
    const has = (k: string) => env.some((kv) => kv.startsWith(`${k}=`));
    if (!has('PATH')) env.push(`PATH=${[...(input.rootBins ?? []), '/usr/bin', '/bin'].join(':')}`);
    if (!has('HOME')) env.push(`HOME=${userHome(user)}`);
    if (!has('LANG')) env.push('LANG=C.UTF-8');
    if (!has('SSL_CERT_FILE') && links.caBundle) env.push(`SSL_CERT_FILE=${IMAGE_CA_BUNDLE}`);
  }
  const created = spec.created ?? input.created;
  const reference = spec.reference ?? null;
  const labels: Record<string, string> = {
    'org.opencontainers.image.created': created,
    ...(reference ? { 'org.opencontainers.image.title': reference.repository } : {}),
    ...spec.labels,
  };
  let entries: LayerEntry[];
  try {
    entries = systemLayerEntries(systemLayerOptions(resolved, input.trees, (l) => (l === false ? undefined : l)));
  } catch (error) {
    if (error instanceof SystemLayerError) throw specError(error.problems);
    throw error;
  }
  return {
    reference,
    layers: [
      ...plan.storeLayers.map((paths, i) => ({ storePaths: paths, group: plan.groups[i]!, createdBy: `nix store paths: ${paths.join(' ')}` })),
      { storePaths: [], group: grouped ? SYSTEM_GROUP : null, createdBy: 'nixlab system layer', entries },
    ],
    config: { ...configOptions(spec, links, env), labels, created, architecture: spec.architecture ?? input.architecture },
    links,
    closure: { paths: closure.length, narSize: closure.reduce((n, c) => n + c.narSize, 0) },
  };
}

/** The resolved links as spec links (a missing link is `false`: none). */
function linksOf(links: ResolvedLinks) {
  return {
    tini: links.tini ?? (false as const),
    shell: links.shell ?? (false as const),
    envBinary: links.envBinary ?? (false as const),
    caBundle: links.caBundle ?? (false as const),
    ...(links.jupyterConfigDir ? { jupyterConfigDir: links.jupyterConfigDir } : {}),
  };
}

/** The store path a path inside the store belongs to (`/nix/store/x-y/bin/sh` → `/nix/store/x-y`). */
export function storePathOf(p: string): string | null {
  const dir = storeDir();
  if (!p.startsWith(`${dir}/`)) return null;
  const name = p.slice(dir.length + 1).split('/')[0]!;
  return `${dir}/${name}`;
}
