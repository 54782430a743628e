// The JupyterHub single-user target: a config with `hub` builds an image whose Cmd starts
// `jupyterhub-singleuser` (the server as a jupyter-server extension that takes its address,
// base URL, root directory and API token from the environment the hub's spawner passes:
// JUPYTERHUB_SERVICE_URL, JUPYTERHUB_SERVICE_PREFIX, JUPYTERHUB_ROOT_DIR, JUPYTERHUB_API_TOKEN,
// JUPYTERHUB_API_URL, …). The image's jupyterhub must have the hub's major.minor: a mismatch is
// the usual cause of redirect loops between hub and server (dockerspawner #351, #403).
import { readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PkgsChoice } from '../pkgs.js';
import type { NormalizedConfig } from '../definitions/types.js';
import { UserError, type Problem } from '../errors.js';
import { offlinePython3Packages } from '../pkgs.js';
import type { FrontEndName } from './targets.js';

/** The nixpkgs Python package the single-user server needs besides the front end (pkgs/development/python-modules/jupyterhub). */
export const SINGLE_USER_PACKAGE = 'jupyterhub';
/** The program `jupyterhub` installs for single-user servers (its `jupyterhub-singleuser` console script). */
export const SINGLE_USER_COMMAND = 'jupyterhub-singleuser';
/** The label naming the hub version a single-user image was built for. */
export const HUB_LABEL = 'dev.nixlab.hub.version';

/** Where a single-user server sends users first, by front end. */
export const SINGLE_USER_DEFAULT_URL: Record<FrontEndName, string | null> = { lab: '/lab', notebook: '/tree', server: null };

/** `major.minor` of a version (`6.1.1` → `6.1`). */
export const majorMinor = (version: string): string => version.split('.').slice(0, 2).join('.');

/**
 * The jupyterhub version in a built environment, from its `jupyterhub-X.Y.Z.dist-info`
 * directory (what `importlib.metadata` reads); undefined when there is none.
 */
export function jupyterhubVersionIn(env: string): string | undefined {
  return distVersionIn(env, 'jupyterhub');
}

/** The version of the distribution `dist` (its dist-info directory name) in an environment. */
export function distVersionIn(env: string, dist: string): string | undefined {
  let libs: string[];
  try {
    libs = readdirSync(join(env, 'lib')).filter((d) => /^python3\.\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const lib of libs) {
    let entries: string[] = [];
    try {
      entries = readdirSync(join(env, 'lib', lib, 'site-packages'));
    } catch {
      continue;
    }
    for (const e of entries) {
      const m = new RegExp(`^${dist}-([0-9][^-]*)\\.dist-info$`).exec(e);
      if (m) return m[1];
    }
  }
  return undefined;
}

/**
 * The jupyterhub version a package set offers, when nixlab can know it without building: the
 * offline set's lock (python3 = 3.13). The pinned nixpkgs and checkouts are only known once built.
 */
export function packageSetHubVersion(pkgs: PkgsChoice): string | undefined {
  return packageSetVersion(pkgs, SINGLE_USER_PACKAGE);
}

/** A Python package's version in a package set, when nixlab can know it without building (the offline lock). */
export function packageSetVersion(pkgs: PkgsChoice, attr: string): string | undefined {
  if (pkgs.kind !== 'offline') return undefined;
  return offlinePython3Packages()[attr]?.version;
}

/**
 * NativeAuthenticator before 1.0 renders its pages with the synchronous template call of
 * JupyterHub 0.9 and fails on every page of JupyterHub 1.0 and later (`TypeError: write()
 * only accepts bytes …` on /hub/signup). nixpkgs has no jupyterhub-nativeauthenticator, so the
 * hub image builds 1.3.0 from PyPI's wheel when the package set lacks it
 * (nix/native-authenticator.nix, with nix/pypi-wheel.nix: buildPythonPackage + fetchPypi); the
 * offline set, shaped like nixpkgs, lacks it too and keeps that wheel in its lock, which is what
 * validate reads. Its onetimepass dependency is built from its sdist there (PyPI has no wheel of
 * it).
 */
export const NATIVE_AUTHENTICATOR_MIN = '1.0';

/** The problem when the package set's NativeAuthenticator `found` cannot run under a modern hub. */
export function nativeAuthenticatorProblem(file: string, found: string, pkgsName: string): Problem | undefined {
  const [major] = found.split('.').map(Number);
  if (major! >= 1) return undefined;
  return {
    where: `${file}:$.hub.authenticator`,
    message: `${pkgsName} has jupyterhub-nativeauthenticator ${found}, which fails on every page of JupyterHub 1.0 and later (it needs ${NATIVE_AUTHENTICATOR_MIN} or newer)`,
    hint: 'choose authenticator "shared-password", "tmp" or "dummy", or build against a package set whose jupyterhub-nativeauthenticator is 1.0 or newer, or that has none (as nixpkgs, the pinned one included: nixlab then builds NativeAuthenticator 1.3.0 from PyPI\'s wheel, nix/native-authenticator.nix)',
  };
}

/** The problem when a package set's jupyterhub `found` does not have the declared major.minor. */
export function hubVersionProblem(file: string, declared: string | null, found: string, pkgsName: string): Problem | undefined {
  if (declared === null || majorMinor(found) === declared) return undefined;
  return {
    where: `${file}:$.hub.version`,
    message: `the hub is declared as JupyterHub ${declared}, but ${pkgsName} has jupyterhub ${found}; a single-user server of another major.minor than its hub is the usual cause of redirect loops (dockerspawner #351, #403)`,
    hint: `declare hub: { version: "${majorMinor(found)}" } and run the hub at that version (nixlab hub builds it from the same package set), or build against a package set with jupyterhub ${declared}`,
  };
}

/** What validate can know of the package set: throws when its jupyterhub cannot meet the declared version. */
export function checkPackageSetHub(file: string, config: NormalizedConfig, pkgs: PkgsChoice): void {
  if (!config.hub) return;
  const found = packageSetHubVersion(pkgs);
  const problems: Problem[] = [];
  const version = found === undefined ? undefined : hubVersionProblem(file, config.hub.version, found, 'the offline package set');
  if (version) problems.push(version);
  // The offline set has no jupyterhub-nativeauthenticator (nor has nixpkgs); the hub image builds
  // the version of its lock's wheel (nix/pypi-wheel.nix's fetchPypi finds it by hash).
  const native = config.hub.authenticator === 'native' ? packageSetVersion(pkgs, 'jupyterhub-nativeauthenticator') : undefined;
  const nativeProblem = native === undefined ? undefined : nativeAuthenticatorProblem(file, native, 'the offline package set');
  if (nativeProblem) problems.push(nativeProblem);
  if (problems.length) throw new UserError(problems);
}

/** After the build: the environment's jupyterhub against the declared version; returns its major.minor (the hub's, when none was declared). */
export function checkBuiltHub(file: string, config: NormalizedConfig, env: string): string | undefined {
  if (!config.hub) return undefined;
  // The notebook environment links only bin/ and share/jupyter; the server environment behind
  // its jupyterhub-singleuser has the packages.
  let server = env;
  try {
    server = dirname(dirname(realpathSync(join(env, 'bin', SINGLE_USER_COMMAND))));
  } catch {
    // no jupyterhub-singleuser: reported below
  }
  const found = jupyterhubVersionIn(server);
  if (found === undefined) throw new UserError({ where: `${file}:$.hub`, message: `the built environment has no jupyterhub package (${env})`, hint: 'build against a package set that has python3Packages.jupyterhub' });
  const problem = hubVersionProblem(file, config.hub.version, found, 'the package set');
  if (problem) throw new UserError(problem);
  return majorMinor(found);
}
