// JupyterLab's prebuilt extensions (`lab.extensions`): Python packages of the server
// environment whose wheels carry share/jupyter/labextensions/<npm name>/. JupyterLab (and
// Notebook 7) look for prebuilt ("federated") extensions in the labextensions directory of every
// entry of the Jupyter data path (jupyter_core.paths.jupyter_path: JUPYTER_PATH first, then the
// server environment's own prefix), so no `jupyter lab build`, no staging directory and no write
// into the store is ever needed. nixpkgs names these packages in pkgs/top-level/python-packages.nix
// (`jupyterlab-git = callPackage ../development/python-modules/jupyterlab-git { };`,
// `jupyterlab-widgets`, `jupyterlab-lsp`, `jupyterlab-execute-time`, …).
import type { PkgsChoice } from '../pkgs.js';
import { offlinePython3Packages } from '../pkgs.js';
import type { NormalizedConfig } from '../definitions/types.js';
import { nearest } from '../suggest.js';
import type { Problem } from '../errors.js';

/** Where a package keeps its prebuilt extensions, below a prefix (and below each JUPYTER_PATH entry, without `share/jupyter`). */
export const LABEXTENSIONS_DIR = 'share/jupyter/labextensions';

/** The nixpkgs Python package set the server environment's packages come from (`pkgs.python3.withPackages (ps: …)`). */
export const SERVER_PACKAGE_SET = 'python3Packages';

/** The lab extensions nixlab's docs and hints name; their versions are recorded in nixpkgs-facts/. */
export const NAMED_LAB_EXTENSIONS = ['jupyterlab-git', 'jupyterlab-widgets', 'jupyterlab-lsp', 'jupyterlab-execute-time'] as const;

/** The extensions a config declares (none without a `lab` section). */
export function labExtensions(config: Pick<NormalizedConfig, 'lab'>): readonly string[] {
  return config.lab?.extensions ?? [];
}

/**
 * Where the config writes extension `name`: its first place in `lab.extensions` as written
 * (`data`, which may repeat names), else its place in the normalised list.
 */
export function extensionIndex(config: Pick<NormalizedConfig, 'lab'>, data: unknown, name: string): number {
  const written = (data as { lab?: { extensions?: unknown } } | undefined)?.lab?.extensions;
  const i = Array.isArray(written) ? written.indexOf(name) : -1;
  return i >= 0 ? i : labExtensions(config).indexOf(name);
}


/**
 * What validate can know of the package set without building: each extension the offline set
 * lacks (its lock). The pinned nixpkgs and checkouts are only known when Nix evaluates the
 * project; `nixlab build` then reports a missing name at the same config path.
 */
export function labExtensionProblems(file: string, config: NormalizedConfig, pkgs: PkgsChoice, data?: unknown): Problem[] {
  const extensions = labExtensions(config);
  if (pkgs.kind !== 'offline' || extensions.length === 0) return [];
  const offered = offlinePython3Packages();
  const names = Object.keys(offered).sort();
  const problems: Problem[] = [];
  extensions.forEach((name) => {
    if (Object.hasOwn(offered, name)) return;
    const close = nearest(name, names, 3);
    problems.push({
      where: `${file}:$.lab.extensions[${extensionIndex(config, data, name)}]`,
      message: `the offline package set has no ${SERVER_PACKAGE_SET}.${name} (it offers the wheels of offline/python/wheels.lock.json)`,
      hint: close.length
        ? `close names there: ${close.map((c) => JSON.stringify(c)).join(', ')}; correct the name in ${file}`
        : `check the name in nixpkgs' pkgs/top-level/python-packages.nix; to have it offline, add it to REQUIREMENTS in scripts/lock-wheels.py and run that and scripts/wheels.sh`,
    });
  });
  return problems;
}
