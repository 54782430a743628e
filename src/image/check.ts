// The packer's checks, run on a config before anything is built: `nixlab validate` calls this
// with the normalised config, so whatever `nixlab build` would refuse about the image is
// reported first, at the config path it comes from.
import type { NormalizedConfig } from '../definitions/types.js';
import type { PathSegment } from '../errors.js';
import type { Verdict } from '../definitions/rules.js';
import { ROOT_LINKS, filesLink, type RootManifest } from '../runtime/image-root.js';
import { configPathOf, imageSpecFor } from '../runtime/image.js';
import { specProblems } from './spec.js';
import { listTree } from './system-layer.js';

const placeholder = (name: string) => `/nix/store/${'0'.repeat(32)}-${name}`;

/** The image problems of a config, each at its config path. */
export function imageSettingsProblems(config: NormalizedConfig): (Verdict & { at: PathSegment[] })[] {
  const links: Record<string, string> = Object.fromEntries(Object.keys(ROOT_LINKS).map((name) => [name, placeholder(name)]));
  config.image.files.forEach((_f, i) => (links[filesLink(i)] = placeholder(filesLink(i))));
  const root: RootManifest = { links, kernels: Object.fromEntries(config.kernels.map((k) => [k.name, placeholder(`kernel-${k.name}`)])) };
  const { spec, layering } = imageSpecFor(config, root);
  // The copies' trees are the config's own directories here (the store holds the same files after the build).
  const trees = config.image.files.map((f) => listTree(f.source));
  return specProblems(spec, layering, trees).map((p) => ({ at: configPathOf(p.at, config), message: p.message, hint: p.hint }));
}
