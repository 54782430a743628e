// The image of a config: its spec (what the image is) and layering, made from the normalised
// config and the image root's manifest. `nixlab build` packs this spec; `nixlab validate`
// checks the same spec with placeholders for the store paths, and reports each problem at the
// config path it comes from.
import type { NormalizedConfig } from '../definitions/types.js';
import type { PathSegment } from '../errors.js';
import type { ImageSpec, Layering } from '../image/spec.js';
import { IMAGE_JUPYTER_CONFIG, IMAGE_STATE_DIR, imageVariables, resolveValue } from './environment.js';
import { ROOT_LINKS, filesLink, type RootManifest } from './image-root.js';
import { FRONT_ENDS } from './targets.js';
import { homeOf } from '../definitions/rules.js';

/** When Docker checks the server's health: docker-stacks' values (docs/using/common.md). */
export const HEALTHCHECK_TIMING = { intervalSeconds: 3, timeoutSeconds: 1, startPeriodSeconds: 3, retries: 3 } as const;

/** The image spec and layering for a built config. */
export function imageSpecFor(config: NormalizedConfig, root: RootManifest): { spec: ImageSpec; layering: Layering } {
  const { image } = config;
  const links = root.links;
  const env = links.env!;
  const home = homeOf(image.user);
  const variables = imageVariables({ envPath: env, shellPath: links.shell!, home, port: image.port });
  const places = { env, config: IMAGE_JUPYTER_CONFIG, state: IMAGE_STATE_DIR, notebooks: image.workdir };
  const envRecord: Record<string, string> = {};
  for (const v of variables) envRecord[v.name] = resolveValue(v.value, places);
  // The config's own variables come last (validation keeps them off nixlab's reserved names).
  Object.assign(envRecord, image.env);
  const spec: ImageSpec = {
    reference: { repository: image.name, tag: image.tag },
    cmd: [`${links.start}/${ROOT_LINKS.start.provides.command}`, `${env}/bin/${FRONT_ENDS[config.frontend].command}`],
    healthcheck: { test: ['CMD', `${env}/bin/python3`, `${IMAGE_JUPYTER_CONFIG}/nixlab_healthcheck.py`], ...HEALTHCHECK_TIMING },
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
    labels: { 'org.opencontainers.image.description': `Jupyter (${config.frontend}) with kernels: ${config.kernels.map((k) => k.name).join(', ')}` },
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
