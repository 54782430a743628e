// nixlab's library API (the CLI is a thin layer over these).
export * from './errors.js';
export * from './config.js';
export { loadConfig } from './definitions/load.js';
export { validateConfig } from './definitions/validate.js';
export { generate } from './pipeline/generate.js';
export { build } from './pipeline/build.js';
export { emitProject, emitDefaultNix } from './nix/emit.js';
export { packImage } from './image/pack.js';
export { kernelKinds } from './kernels/index.js';
