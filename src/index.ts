// nixlab's library API (the CLI is a thin layer over these).
export * from './errors.js';
export * from './definitions/types.js';
export { bash, clojure, cpp, custom, defineConfig, go, haskell, javascript, octave, python, r, ruby, rust, typescript } from './definitions/helpers.js';
export { loadConfig } from './definitions/load.js';
export { validateConfig } from './definitions/validate.js';
export { generate } from './generate.js';
export { build } from './build/build.js';
export { emitProject, emitDefaultNix } from './nix/emit.js';
