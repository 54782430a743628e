// The kernel emitters, one module per kind: `emit(kernel, envVar)` → the kernel's env and argv.
import type { NormalizedKernel } from '../../definitions/types.js';
import type { NixExpr } from '../ast.js';
import * as bash from './bash.js';
import * as clojure from './clojure.js';
import * as cpp from './cpp.js';
import * as custom from './custom.js';
import * as go from './go.js';
import * as haskell from './haskell.js';
import * as javascript from './javascript.js';
import * as octave from './octave.js';
import * as python from './python.js';
import * as r from './r.js';
import * as ruby from './ruby.js';
import * as rust from './rust.js';
import * as typescript from './typescript.js';
import type { KernelParts } from './types.js';

export type { KernelParts } from './types.js';
export { nixFileAsset } from './custom.js';
export { pythonAttr } from './python.js';

/** Every kind's emitter; the mapped type makes a missing kind a compile error. */
export const kernelEmitters: { [K in NormalizedKernel['kind']]: (k: Extract<NormalizedKernel, { kind: K }>, envVar: NixExpr) => KernelParts } = {
  python: python.emit,
  custom: custom.emit,
  r: r.emit,
  go: go.emit,
  cpp: cpp.emit,
  rust: rust.emit,
  haskell: haskell.emit,
  bash: bash.emit,
  javascript: javascript.emit,
  typescript: typescript.emit,
  octave: octave.emit,
  ruby: ruby.emit,
  clojure: clojure.emit,
};

/** The env and argv of one kernel, by its kind. */
export function emitKernel(k: NormalizedKernel, envVar: NixExpr): KernelParts {
  // The union of emitters is not callable with the union of kernels; each kind gets its own.
  return (kernelEmitters[k.kind] as (kernel: NormalizedKernel, env: NixExpr) => KernelParts)(k, envVar);
}
