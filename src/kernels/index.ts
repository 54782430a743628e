// The registry of kernel kinds. Everything about a kind lives in its module; the schema's kernel
// branches, the validator's checks and normalisation, the emitters, `nixlab kernels`,
// `nixlab init` and the typed helpers of `nixlab/config` are all built from this list.
// Adding a language: write its module (see ./types.ts), then add it to `kernelKinds` and to the
// export line below.
import { bash } from './bash.js';
import { clojure } from './clojure.js';
import { cpp } from './cpp.js';
import { custom } from './custom.js';
import { go } from './go.js';
import { haskell } from './haskell.js';
import { java } from './java.js';
import { javascript } from './javascript.js';
import { julia } from './julia.js';
import { octave } from './octave.js';
import { python } from './python.js';
import { r } from './r.js';
import { ruby } from './ruby.js';
import { rust } from './rust.js';
import { typescript } from './typescript.js';
import type { DefOf, KernelKind, KernelParts, NormOf } from './types.js';
import type { NixExpr } from '../nix/ast.js';

/** Every kernel kind, in the order `nixlab kernels` and `nixlab init` list them. */
export const kernelKinds = [python, r, octave, bash, javascript, typescript, go, rust, cpp, haskell, ruby, clojure, java, julia, custom] as const;

/** Each kind is also the helper that declares a kernel of it: `python({ name: 'py' })`. */
export { bash, clojure, cpp, custom, go, haskell, java, javascript, julia, octave, python, r, ruby, rust, typescript };

type AnyKind = (typeof kernelKinds)[number];
/** A kernel kind's name (`python`, `custom`, …). */
export type KindName = AnyKind['kind'];
/** A kernel as a config declares it. */
export type KernelDef = DefOf<AnyKind>;
/** A kernel after validation, with every default filled in. */
export type NormalizedKernel = NormOf<AnyKind>;

/** The kind names, in registry order. */
export const kindNames: readonly KindName[] = kernelKinds.map((k) => k.kind);

const byName = new Map<string, KernelKind>(kernelKinds.map((k) => [k.kind, k as unknown as KernelKind]));

/** The kind called `name`, if there is one. */
export function kindOf(name: unknown): KernelKind | undefined {
  return typeof name === 'string' ? byName.get(name) : undefined;
}

/** The kernel's environment and argv, from its kind's emitter. */
export function emitKernel(k: NormalizedKernel, envVar: NixExpr): KernelParts {
  // Each kind's emitter takes only its own kernels; the kind field says which one this is.
  return (byName.get(k.kind)!.emit as (kernel: NormalizedKernel, env: NixExpr) => KernelParts)(k, envVar);
}

export type { KernelKind, KernelParts, NixpkgsNeeds, Snippet } from './types.js';
