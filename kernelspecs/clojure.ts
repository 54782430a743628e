// Clojure kernels: clojupyter. Checked against nixpkgs
// pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix (`launcher`: bin/clojupyter
// running java -cp <deps> clojupyter.kernel.core; `definition.argv`; all-packages passes jre8).
import type { KernelPreset } from './types.js';

export const clojure: KernelPreset = {
  kind: 'clojure',
  language: 'clojure',
  description: 'clojupyter (Clojure on the JVM)',
  fileExtension: '.clj',
  nixpkgsAttributes: ['clojupyter.launcher'],
  argv: ['<env>/bin/clojupyter', '{connection_file}'],
  options: [],
  checkedAgainst: ['pkgs/applications/editors/jupyter-kernels/clojupyter/default.nix'],
  offline: 'refused',
};
