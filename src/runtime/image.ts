// The image of a config: its spec (what the image is) and layering, made from the normalised
// config and the image root's manifest. `nixlab build` packs this spec; `nixlab validate`
// checks the same spec with placeholders for the store paths, and reports each problem at the
// config path it comes from.
import type { NormalizedConfig } from '../definitions/types.js';
import type { PathSegment } from '../errors.js';
import type { ImageSpec, Layering } from '../image/spec.js';
import { imageVariables, labStateDir, resolveValue } from './environment.js';
import { IMAGE_JUPYTER_CONFIG, IMAGE_STATE_DIR, homeOf } from './facts.js';
import { ROOT_LINKS, filesLink, type RootManifest } from './image-root.js';
import { FRONT_ENDS } from './targets.js';
import { HUB_LABEL, SINGLE_USER_COMMAND } from './hub.js';
import { canonicalJson } from '../json.js';

/** The probe's file in the Jupyter config directory (nix/jupyter-config.nix). */
export const HEALTHCHECK_FILE = 'nixlab_healthcheck.sh';

/**
 * When Docker checks the server's health: docker-stacks' interval (3 s) and retries (3), a
 * timeout of 3 s instead of their 1 s, and a start period of 60 s instead of their 3 s.
 *
 * The probe (nix/healthcheck.sh) is busybox sh + wget, holds a lock so that at most one runs per
 * container, and gives up by itself after 2 s (NIXLAB_HEALTHCHECK_DEADLINE), below Docker's
 * timeout: Docker never kills a probe that outlives its timeout, so a probe must end itself, and
 * on a loaded machine a 1 s timeout counted the exec's own start-up against the server. Kubernetes
 * users write their own probes (GET <base url>api).
 *
 * The start period: Docker runs the first probe one interval after the start, so nothing can be healthy within 3 s; and the server took 4.7-15 s
 * to answer GET /api under Docker on the 2-core machines this is tested on (bench/README.md,
 * "Docker"), so with a 3 s start period a normal start was reported `unhealthy` for a while
 * (three failed probes) before it turned `healthy`. Probes still run every 3 s during the
 * start period, and the first one that passes makes the container healthy at once, so the
 * longer period delays only the verdict on a server that never comes up. 60 s rather than 30 s:
 * under the loaded CI machines' CPU contention the server took 35 s to answer (runtime e2e test).
 */
export const HEALTHCHECK_TIMING = { intervalSeconds: 3, timeoutSeconds: 3, startPeriodSeconds: 60, retries: 3 } as const;

/**
 * The label naming the kernels an image declares and their kinds, so that `nixlab test` knows
 * from the image alone what to expect: JSON `[{"kind":"python","name":"py-numpy"},…]`, in
 * config order, keys sorted (the same config always gives the same bytes).
 */
export const KERNELS_LABEL = 'dev.nixlab.kernels';

/** One entry of the kernels label. */
export interface DeclaredKernel {
  kind: string;
  name: string;
}

/** The kernels label's value for a config's kernels. */
export function kernelsLabelValue(kernels: readonly DeclaredKernel[]): string {
  return canonicalJson(kernels.map((k) => ({ kind: k.kind, name: k.name })));
}

/** Reads the kernels label back; undefined when it is not a list of `{ kind, name }` strings. */
export function parseKernelsLabel(value: string): DeclaredKernel[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: DeclaredKernel[] = [];
  for (const k of parsed) {
    if (k === null || typeof k !== 'object' || typeof k.kind !== 'string' || typeof k.name !== 'string' || !k.name) return undefined;
    out.push({ kind: k.kind, name: k.name });
  }
  return out;
}

/** The image spec and layering for a built config. */
export function imageSpecFor(config: NormalizedConfig, root: RootManifest): { spec: ImageSpec; layering: Layering } {
  const { image } = config;
  const links = root.links;
  const env = links.env!;
  const home = homeOf(image.user);
  const variables = imageVariables({ envPath: env, startPath: links.start!, shellPath: links.shell!, home, port: image.port });
  const places = { env, config: IMAGE_JUPYTER_CONFIG, state: IMAGE_STATE_DIR, notebooks: image.workdir, lab: labStateDir({ home, volumes: image.volumes }) };
  const envRecord: Record<string, string> = {};
  for (const v of variables) envRecord[v.name] = resolveValue(v.value, places);
  // The config's own variables come last (validation keeps them off nixlab's reserved names).
  Object.assign(envRecord, image.env);
  const spec: ImageSpec = {
    reference: { repository: image.name, tag: image.tag },
    // A single-user image starts jupyterhub-singleuser, which loads the front end as an extension.
    cmd: [`${links.start}/${ROOT_LINKS.start.provides.command}`, `${env}/bin/${config.hub ? SINGLE_USER_COMMAND : FRONT_ENDS[config.frontend].command}`],
    // busybox sh and applets only: no interpreter per probe (nix/healthcheck.sh).
    healthcheck: { test: ['CMD', `${links.shell}/${ROOT_LINKS.shell.provides.sh}`, `${IMAGE_JUPYTER_CONFIG}/${HEALTHCHECK_FILE}`], ...HEALTHCHECK_TIMING },
    env: envRecord,
    user: { ...image.user },
    workingDir: image.workdir,
    exposedPorts: [image.port],
    volumes: image.volumes,
    links: {
      tini: links.tini!,
      shell: `${links.shell}/${ROOT_LINKS.shell.provides.sh}`,
      envBinary: `${links.shell}/${ROOT_LINKS.shell.provides.env}`,
      caBundle: `${links.cacert}/${ROOT_LINKS.cacert.provides.caBundle}`,
      jupyterConfigDir: links.jupyterConfig!,
    },
    copies: image.files.map((f, i) => ({ source: links[filesLink(i)]!, target: f.target })),
    labels: {
      'org.opencontainers.image.description': `Jupyter (${config.frontend}) with kernels: ${config.kernels.map((k) => k.name).join(', ')}`,
      [KERNELS_LABEL]: kernelsLabelValue(config.kernels),
      // The declared major.minor; a build puts the built jupyterhub's there when none was declared.
      ...(config.hub?.version ? { [HUB_LABEL]: config.hub.version } : {}),
    },
  };
  // Shared paths first, then each kernel's own layers: a change to one kernel's packages leaves
  // every other kernel's layers (and the shared ones) byte for byte as they were.
  const layering: Layering = {
    maxLayers: image.maxLayers,
    roots: [env, links.tini!, links.shell!, links.cacert!],
    kernels: config.kernels.map((k) => ({ name: k.name, path: root.kernels[k.name]! })),
  };
  return { spec, layering };
}

/** Where a problem with the spec of imageSpecFor() comes from in the config. */
export function configPathOf(at: PathSegment[], config: NormalizedConfig): PathSegment[] {
  const [head, ...rest] = at;
  switch (head) {
    case 'reference':
      return ['image', rest[0] === 'tag' ? 'tag' : 'name'];
    case 'user':
      return ['image', 'user', ...rest];
    case 'env':
      return typeof rest[0] === 'string' && Object.hasOwn(config.image.env, rest[0]) ? ['image', 'env', rest[0]] : ['image', 'env'];
    case 'volumes':
      return ['image', 'volumes', ...rest.slice(0, 1)];
    case 'workingDir':
      return ['image', config.image.workdir === config.image.volumes[0] ? 'volumes' : 'workdir'];
    case 'exposedPorts':
      return ['image', 'port'];
    case 'copies':
      return ['image', 'files', ...rest.slice(0, 1), 'target'];
    case 'maxLayers':
      return ['image', 'maxLayers'];
    default:
      return ['image'];
  }
}
