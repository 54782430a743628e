// The registry of deployment targets (`nixlab hub --target NAME`). Everything about a target
// lives in its module (see ./types.ts); the `hub.<target>` schema, the command's --target
// options, what `nixlab hub` builds, pushes and writes, and the tests are built from this list.
// Adding a target: write its module, then add it to `deployTargets`.
import { compose } from './compose.js';
import { kubernetes } from './kubernetes.js';
import { swarm } from './swarm.js';
import type { DeployTarget, SettingsOf } from './types.js';

/** Every target; the first is the default. */
export const deployTargets = [compose, swarm, kubernetes] as const;

type AnyTarget = (typeof deployTargets)[number];
/** A target's name. */
export type TargetName = AnyTarget['name'];
/** The targets' settings as a config declares them under `hub` (`hub.swarm`, `hub.kubernetes`). */
export type TargetSettings = { [T in AnyTarget as unknown extends SettingsOf<T> ? never : T['name']]?: SettingsOf<T> };

export const DEFAULT_TARGET = deployTargets[0].name;
export const targetNames: readonly string[] = deployTargets.map((t) => t.name);

/** The target called `name`, if there is one. */
export function targetOf(name: string): DeployTarget | undefined {
  return (deployTargets as readonly DeployTarget<never>[]).find((t) => t.name === name) as DeployTarget | undefined;
}

export type { DeployTarget, GeneratedFile, TargetContext } from './types.js';
