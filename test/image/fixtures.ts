// Builds the fixture store paths of test/image/fixtures/closure.nix with the real nix-build,
// and packs images with flat options.
import { execa } from 'execa';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ClosureNode } from '../../src/image/closure.js';
import { splitReference } from '../../src/image/config.js';
import type { KernelEnv, LayerPlanner } from '../../src/image/layers.js';
import { packImage, type ImageFormat, type ImageSpec, type PackProgress, type PackResult } from '../../src/image/pack.js';

export const FIXTURE_NIX = fileURLToPath(new URL('./fixtures/closure.nix', import.meta.url));

const built = new Map<string, Promise<string>>();

/**
 * nix-build -A attr (no GC root; store paths of a running test are not collected since
 * nothing here runs the GC). `optimise` hard-links identical files, as `nix-store --optimise`.
 */
export function buildFixture(attr: string, opts: { optimise?: boolean } = {}): Promise<string> {
  const key = `${attr}:${opts.optimise ?? false}`;
  let p = built.get(key);
  if (!p) {
    const args = ['--no-out-link', FIXTURE_NIX, '-A', attr];
    if (opts.optimise) args.push('--option', 'auto-optimise-store', 'true');
    p = execa('nix-build', args).then((r) => r.stdout.trim().split('\n').pop()!);
    built.set(key, p);
  }
  return p;
}

/** packImage's options written flat, as these tests spell them (each goes to its group). */
export interface FlatPackOptions {
  storePaths?: string[];
  closure?: ClosureNode[];
  output: string | Writable;
  format?: ImageFormat;
  prune?: boolean;
  reference?: string;
  maxLayers?: number;
  kernels?: KernelEnv[];
  planner?: LayerPlanner;
  roots?: string[];
  tini?: string | false;
  shell?: string | false;
  envBinary?: string | false;
  caBundle?: string | false;
  jupyterConfigDir?: string;
  cache?: string | false;
  signal?: AbortSignal;
  onProgress?: (p: PackProgress) => void;
  [imageKey: string]: unknown;
}

/** packImage() with flat options: the image spec, the layering and the destination sorted out. */
export function pack(flat: FlatPackOptions): Promise<PackResult> {
  const { storePaths, closure, output, format, prune, reference, maxLayers, kernels, planner, roots, tini, shell, envBinary, caBundle, jupyterConfigDir, cache, signal, onProgress, ...image } = flat;
  const links = Object.fromEntries(Object.entries({ tini, shell, envBinary, caBundle, jupyterConfigDir }).filter(([, v]) => v !== undefined));
  return packImage({
    storePaths,
    closure,
    image: { ...(image as ImageSpec), ...(reference === undefined ? {} : { reference: splitReference(reference) }), links },
    layering: { maxLayers, kernels, planner, roots },
    destination: { output, format, prune },
    cache,
    signal,
    onProgress,
  });
}
