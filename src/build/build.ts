// `build`: generate the project, nix-build its image root (kept as a GC root), and — when an
// output is named — pack the closure into an image.
import { readlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { NormalizedConfig } from '../definitions/types.js';
import { generate, type GenerateResult } from '../generate.js';
import { homeOf } from '../image/custom-layer.js';
import type { KernelEnv } from '../image/layers.js';
import { packImage, packOptionsFromSettings, type ImageFormat, type PackImageOptions, type PackProgress, type PackResult } from '../image/pack.js';
import { FRONTEND_COMMAND } from '../nix/emit.js';
import { nixBuild, type PkgsChoice } from './nix-build.js';

export interface BuildOptions {
  /** Config file path. */
  config: string;
  pkgs: PkgsChoice;
  /** Where the generated Nix project goes (default: `.nixlab/` beside the config). */
  generatedDir?: string;
  /** GC root for the build result (default: `result` in the current directory). */
  outLink?: string;
  /** Write an image here (a path, `-` handled by the caller as a stream); omit to only build. */
  output?: string | Writable;
  format?: ImageFormat;
  /** OCI directory output: remove blobs no image of the layout refers to (see PackImageOptions.prune). */
  prune?: boolean;
  /** Layer digest cache directory, or false for none (see PackImageOptions.cache). */
  cache?: string | false;
  onLog?: (line: string) => void;
  onProgress?: (p: PackProgress) => void;
  signal?: AbortSignal;
}

/** What the image root links to: the paths the image config points at. */
export interface ImageRoot {
  /** The nixlab-image-root store path (its closure is the whole image). */
  root: string;
  env: string;
  /** The Jupyter config directory (env's etc/jupyter). */
  configDir: string;
  tini: string;
  shell: string;
  cacert: string;
  /** Store paths of image.files' directories, in config order. */
  files: string[];
  /** Each kernel's environment (the image root's kernels/<name>), in config order. */
  kernels: KernelEnv[];
}

export interface BuildResult extends GenerateResult {
  outLink: string;
  image: ImageRoot;
  /** The packed image, when an output was given. */
  packed?: PackResult;
}

/** Where writable Jupyter state goes in the image: /tmp, so any uid (e.g. 4242) can write. */
const STATE_DIR = '/tmp/jupyter';

/**
 * The image config for a built environment: tini as init, the front end as Cmd, Jupyter pointed
 * at the read-only config in the store and at writable state outside it. No token, ever.
 */
export function imageOptions(config: NormalizedConfig, image: ImageRoot): Omit<PackImageOptions, 'output'> {
  const settings = packOptionsFromSettings(config.image);
  const home = homeOf({ ...config.image.user });
  const env: Record<string, string> = {
    PATH: `${image.env}/bin:${image.shell}/bin`,
    HOME: home,
    LANG: 'C.UTF-8',
    SSL_CERT_FILE: '/etc/ssl/certs/ca-certificates.crt',
    JUPYTER_CONFIG_DIR: '/etc/jupyter',
    JUPYTER_PATH: `${image.env}/share/jupyter`,
    JUPYTER_DATA_DIR: `${STATE_DIR}/data`,
    JUPYTER_RUNTIME_DIR: `${STATE_DIR}/runtime`,
    IPYTHONDIR: `${STATE_DIR}/ipython`,
    PYTHONDONTWRITEBYTECODE: '1',
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
    NIXLAB_IP: '0.0.0.0',
    NIXLAB_PORT: String(config.image.port),
    NIXLAB_NOTEBOOK_DIR: config.image.workdir,
    ...config.image.env,
  };
  return {
    ...settings,
    storePaths: [image.root],
    roots: [image.env, image.tini, image.shell, image.cacert],
    env,
    tini: image.tini,
    cmd: [`${image.env}/bin/${FRONTEND_COMMAND[config.frontend]}`],
    shell: `${image.shell}/bin/sh`,
    envBinary: `${image.shell}/bin/env`,
    caBundle: `${image.cacert}/etc/ssl/certs/ca-bundle.crt`,
    jupyterConfigDir: image.configDir,
    // Shared paths first, then each kernel's own layers: a change to one kernel's packages
    // leaves every other kernel's layers (and the shared ones) byte for byte as they were.
    kernels: image.kernels,
    copies: config.image.files.map((f, i) => ({ source: image.files[i]!, target: f.target })),
    labels: { 'org.opencontainers.image.description': `Jupyter (${config.frontend}) with kernels: ${config.kernels.map((k) => k.name).join(', ')}` },
  };
}

/** Generates and builds (and packs when `output` is set); the build stays a GC root at `outLink`. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const generatedDir = opts.generatedDir ?? join(dirname(resolve(opts.config)), '.nixlab');
  const gen = await generate(opts.config, generatedDir);
  const outLink = resolve(opts.outLink ?? 'result');
  const root = await nixBuild({ file: gen.outDir, attr: 'imageRoot', pkgs: opts.pkgs, outLink, onLog: opts.onLog, signal: opts.signal });
  const link = (name: string) => readlink(join(root, name));
  const env = await link('env');
  const image: ImageRoot = {
    root,
    env,
    configDir: await readlink(join(env, 'etc', 'jupyter')),
    tini: await link('tini'),
    shell: await link('shell'),
    cacert: await link('cacert'),
    files: await Promise.all(gen.config.image.files.map((_f, i) => link(`files-${i}`))),
    kernels: await Promise.all(gen.config.kernels.map(async (k) => ({ name: k.name, path: await link(join('kernels', k.name)) }))),
  };
  const result: BuildResult = { ...gen, outLink, image };
  if (opts.output !== undefined) {
    result.packed = await packImage({
      ...imageOptions(gen.config, image),
      output: opts.output,
      format: opts.format,
      prune: opts.prune,
      cache: opts.cache,
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  }
  return result;
}
