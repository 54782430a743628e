// The typed API for `nixlab.config.ts` (published as `nixlab/config`): `defineConfig` and one
// helper per kernel kind, each the kind itself (`python({ name: 'py', packages: ['numpy'] })`
// returns `{ kind: 'python', name: 'py', packages: ['numpy'] }`). They give editors completion
// and type errors; validation happens when nixlab loads the file.
import type { Config } from './definitions/types.js';

export { bash, clojure, cpp, custom, go, haskell, java, javascript, julia, octave, python, r, ruby, rust, typescript } from './kernels/index.js';
export type * from './definitions/types.js';

/** Declares a config (returns it unchanged; the type checks it). */
export function defineConfig(config: Config): Config {
  return config;
}
