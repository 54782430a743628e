// Clojure kernels: `pkgs.clojupyter.launcher`
// (pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix: a `rec { launcher; definition; }`;
// the launcher's bin/clojupyter runs `java -cp <classpath> clojupyter.kernel.core`, and the
// definition's argv is `${launcher}/bin/clojupyter {connection_file}`, language "clojure").
import type { NormalizedClojureKernel } from '../../definitions/types.js';
import { list, select, str, strParts, v, type NixExpr } from '../ast.js';
import type { KernelParts } from './types.js';

/** `pkgs.clojupyter.launcher` and its argv. */
export function emit(_k: NormalizedClojureKernel, envVar: NixExpr): KernelParts {
  return { env: select(v('pkgs'), 'clojupyter', 'launcher'), argv: list([strParts(envVar, '/bin/clojupyter'), str('{connection_file}')]) };
}
