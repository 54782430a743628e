// Everything nixlab's emitted Nix relies on in nixpkgs, gathered from where each fact lives: the
// kind registry (each kind's `nixpkgs`), the runtime targets (front ends' server packages), the
// hub (jupyterhub, dockerspawner, authenticators) and the lab extensions nixlab names.
// scripts/nixpkgs-facts.mjs evaluates exactly this list in a real tree.
import { AUTHENTICATOR_PACKAGES } from '../deploy/hub-files.js';
import { kernelKinds } from '../kernels/index.js';
import { NAMED_LAB_EXTENSIONS, SERVER_PACKAGE_SET } from '../runtime/lab.js';
import { SINGLE_USER_PACKAGE } from '../runtime/hub.js';
import { START_PACKAGES } from '../runtime/image-root.js';
import { FRONT_ENDS, SERVER_TOOLS } from '../runtime/targets.js';

/** The hub image's packages besides jupyterhub (nix/hub.nix). */
export const HUB_PACKAGES = ['dockerspawner'] as const;

export interface Needs {
  /** Attribute path → the bin/ program an argv runs from it. */
  envs: Record<string, string>;
  /** Kernel definitions whose argv is recorded. */
  definitions: string[];
  /** Attribute paths that must instantiate (and, when they are derivations, whose name and version are recorded). */
  instantiable: string[];
  /** Package sets whose names are recorded (`""`: the top level). */
  packageSets: string[];
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** What every kind, front end and the hub need, sorted and without repeats. */
export function nixpkgsNeeds(): Needs {
  const envs: Record<string, string> = {};
  const definitions: string[] = [];
  const instantiable: string[] = [];
  const packageSets: string[] = [SERVER_PACKAGE_SET];
  for (const k of kernelKinds) {
    Object.assign(envs, k.nixpkgs?.envs ?? {});
    definitions.push(...(k.nixpkgs?.definitions ?? []));
    instantiable.push(...(k.nixpkgs?.instantiable ?? []));
    packageSets.push(...(k.nixpkgs?.packageSets ?? []));
  }
  const server = [
    ...Object.values(FRONT_ENDS).flatMap((f) => f.serverPackages),
    ...SERVER_TOOLS,
    SINGLE_USER_PACKAGE,
    ...HUB_PACKAGES,
    ...Object.values(AUTHENTICATOR_PACKAGES).flat(),
    ...NAMED_LAB_EXTENSIONS,
  ];
  instantiable.push(...server.map((p) => `${SERVER_PACKAGE_SET}.${p}`), ...Object.values(START_PACKAGES));
  return {
    envs: Object.fromEntries(Object.entries(envs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    definitions: sorted(definitions),
    instantiable: sorted(instantiable),
    packageSets: sorted(packageSets),
  };
}
