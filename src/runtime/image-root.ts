// The image root: one store path whose closure is the whole image, with a link to each thing
// the image's config points at. The links are declared here once; the emitter passes them to
// nix/lib.nix's imageRoot, which makes the links and writes them into a manifest
// (`nixlab-root.json`) that `nixlab build` reads back.
import { InternalError } from '../errors.js';

/** The fixed links of the image root: name → the nixpkgs attribute it links (null: the emitter's own binding). */
export const ROOT_LINKS = {
  /** The notebook environment: the server's bin/, the kernelspecs, etc/jupyter. */
  env: { attr: null },
  /** The Jupyter config directory (linked as /etc/jupyter in the image). */
  jupyterConfig: { attr: null },
  /** The start command: the config's start hooks, then the server (nix/start.nix). */
  start: { attr: null, provides: { command: 'bin/nixlab-start' } },
  /** tini, the image's init (pkgs/by-name/ti/tini/package.nix: bin/tini). */
  tini: { attr: 'tini', provides: { tini: 'bin/tini' } },
  /** A POSIX shell and env for /bin/sh and /usr/bin/env (pkgs/os-specific/linux/busybox/default.nix). */
  shell: { attr: 'busybox', provides: { sh: 'bin/sh', env: 'bin/env' } },
  /** CA certificates (pkgs/by-name/ca/cacert/package.nix: etc/ssl/certs/ca-bundle.crt). */
  cacert: { attr: 'cacert', provides: { caBundle: 'etc/ssl/certs/ca-bundle.crt' } },
} as const;

/**
 * nixpkgs attributes the start command (nix/start.nix) uses: nss_wrapper's library
 * (pkgs/by-name/ns/nss_wrapper/package.nix: lib/libnss_wrapper.so), preloaded for a uid the
 * image's read-only /etc/passwd does not name, and coreutils' id and whoami
 * (pkgs/tools/misc/coreutils/default.nix), which see its names where busybox's static ones do not.
 */
export const START_PACKAGES = { nssWrapper: 'nss_wrapper', coreutils: 'coreutils' } as const;

export type RootLinkName = keyof typeof ROOT_LINKS;

/** The manifest's file name in the image root. */
export const ROOT_MANIFEST = 'nixlab-root.json';

/** The link name of image.files' `i`th directory. */
export const filesLink = (i: number): string => `files-${i}`;

/** The manifest the image root carries: every link and each kernel's environment, by name. */
export interface RootManifest {
  links: Record<string, string>;
  kernels: Record<string, string>;
}

/** Reads a manifest's JSON text, checking it has the links nixlab needs. */
export function parseRootManifest(text: string, where: string): RootManifest {
  const data = JSON.parse(text) as Partial<RootManifest>;
  const links = data.links ?? {};
  for (const name of Object.keys(ROOT_LINKS)) {
    if (typeof links[name] !== 'string') throw new InternalError(`${where}: the image root manifest has no "${name}" link`);
  }
  return { links, kernels: data.kernels ?? {} };
}
