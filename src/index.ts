// nixlab's library API (the CLI is a thin layer over these).
export * from './errors.js';
export * from './definitions/types.js';
export { defineConfig, python, custom } from './definitions/helpers.js';
export { loadConfig } from './definitions/load.js';
export { validateConfig } from './definitions/validate.js';
export { generate } from './generate.js';
export { build } from './build/build.js';
export { emitProject, emitDefaultNix } from './nix/emit.js';
