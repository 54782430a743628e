// packImage(): store paths → closure → plan → one streaming write. The one entry point of the
// image library; `nixlab pack` and `nixlab build` call it. Its options come in three groups:
// what the image is (ImageSpec), how it is layered (Layering), and where it goes.
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { UserError } from '../errors.js';
import { queryClosure, resolveStorePaths, type ClosureNode } from './closure.js';
import { createdTimestamp, goArch } from './config.js';
import { planImage, storePathOf, type ImagePlan, type ResolvedLinks } from './plan.js';
import type { ImageFormat, ImageSpec, Layering } from './spec.js';
import { listTree } from './system-layer.js';
import { ByteWorker } from './sink.js';
import { destinationFor, writeImage, type PackResult, type WriteOptions } from './write.js';

export type { ImageFormat, ImageSpec, Layering } from './spec.js';
export type { PackProgress, PackResult, PackedLayer } from './write.js';

/** Where the image goes: a path or a stream, and the format (see destinationFor()). */
export interface Output {
  /**
   * A path (docker: always a tar; oci: a tar if it ends in `.tar`, else a directory), or a
   * Writable such as process.stdout (a tar). An OCI directory that already holds a layout is
   * updated in place: only missing blobs are written, then index.json (which keeps the
   * layout's other tags) is replaced atomically.
   */
  output: string | Writable;
  /** `docker` (docker-archive tar, the default) or `oci` (OCI layout). */
  format?: ImageFormat;
  /** OCI directory only: afterwards, remove the blobs no image of the layout refers to. */
  prune?: boolean;
}

/** What packImage() takes. Only one of `storePaths`/`closure` is required. */
export interface PackInput extends WriteOptions {
  /** Store paths (or symlinks to them, like `./result`) whose closure becomes the image. */
  storePaths?: string[];
  /** The closure, if already queried (queryClosure()); skips the `nix path-info` call. */
  closure?: ClosureNode[];
  image: ImageSpec;
  layering?: Layering;
  destination: Output;
}

/** The first closure path (byte order) that has `rel` (e.g. `bin/sh`), as `<path>/<rel>`. */
export function findInClosure(closure: ClosureNode[], rel: string): string | null {
  for (const node of closure) {
    const candidate = `${node.path}/${rel}`;
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** The spec's links as store paths: given ones as they are, missing ones found in the closure. */
export function resolveLinks(closure: ClosureNode[], spec: ImageSpec): ResolvedLinks {
  const links = spec.links ?? {};
  const pick = (given: string | false | undefined, rel: string) => (given === false ? null : (given ?? findInClosure(closure, rel)));
  const foundTini = links.tini === undefined ? findInClosure(closure, 'bin/tini') : null;
  return {
    tini: links.tini === false ? null : (links.tini ?? (foundTini ? storePathOf(foundTini) : null)),
    shell: pick(links.shell, 'bin/sh'),
    envBinary: pick(links.envBinary, 'bin/env'),
    caBundle: pick(links.caBundle, 'etc/ssl/certs/ca-bundle.crt'),
    jupyterConfigDir: links.jupyterConfigDir ?? null,
  };
}

/** Plans the image of a closure (reading only what planning needs: link targets, copies' trees). */
export function planFor(closure: ClosureNode[], storePaths: string[], image: ImageSpec, layering: Layering = {}): ImagePlan {
  const roots = layering.roots ?? (storePaths.length ? storePaths : undefined);
  return planImage({
    closure,
    roots,
    spec: image,
    layering,
    links: resolveLinks(closure, image),
    trees: (image.copies ?? []).map((c) => listTree(c.source)),
    created: createdTimestamp(),
    architecture: goArch(),
    rootBins: (roots ?? []).filter((r) => existsSync(`${r}/bin`)).map((r) => `${r}/bin`),
  });
}

/** Packs the closure of some store paths into an image. */
export async function packImage(input: PackInput): Promise<PackResult> {
  const destination = destinationFor(input.destination.output, input.destination.format, !!input.destination.prune);
  if (!input.storePaths?.length && !input.closure?.length) {
    throw new UserError({ where: 'storePaths', message: 'no store paths given', hint: 'pass at least one store path (e.g. ./result)' });
  }
  input.signal?.throwIfAborted();
  // The byte worker (hashing, writing) starts first: its start (a thread of its own, ~30 ms)
  // overlaps the closure query instead of holding up the first layer.
  const worker = new ByteWorker();
  worker.start();
  try {
    const storePaths = input.storePaths?.length ? await resolveStorePaths(input.storePaths) : [];
    const closure = input.closure ?? (await queryClosure(storePaths, { signal: input.signal }));
    const plan = planFor(closure, storePaths, input.image, input.layering);
    return await writeImage(plan, closure, destination, input, worker);
  } finally {
    await worker.close();
  }
}
