// Clojure kernels: `pkgs.clojupyter.launcher`
// (pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix: a `rec { launcher; definition; }`;
// the launcher's bin/clojupyter runs `java -cp <classpath> clojupyter.kernel.core`, and the
// definition's argv is `${launcher}/bin/clojupyter {connection_file}`, language "clojure").
import { list, select, str, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Clojure kernel: nixpkgs `clojupyter.launcher`. */
export interface ClojureKernel extends KernelBase {
  kind: 'clojure';
}
export interface NormalizedClojureKernel extends NormalizedKernelBase {
  kind: 'clojure';
  language: 'clojure';
}

export const clojure = defineKind<ClojureKernel, NormalizedClojureKernel>({
  kind: 'clojure',
  summary: 'clojupyter (Clojure on the JVM)',
  language: 'clojure',
  fileExtension: '.clj',
  aliases: ['clj'],
  normalise: (k, base) => ({ ...base, kind: 'clojure', displayName: k.displayName ?? `Clojure (${k.name})`, language: 'clojure' }),
  emit: (_k, envVar) => ({ env: select(v('pkgs'), 'clojupyter', 'launcher'), argv: list([strParts(envVar, '/bin/clojupyter'), str('{connection_file}')]) }),
  packageAttrs: () => ['clojupyter.launcher'],
  example: { name: 'clojure' },
  nixpkgs: { envs: { 'clojupyter.launcher': 'clojupyter' }, definitions: ['clojupyter.definition'] },
  checkedAgainst: ['pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix'],
  snippet: { code: '(println (* 6 7))', expect: '42' },
});
