// The definitions module: config types, schema, validation, loading and the typed helpers.
export type * from './types.js';
export { configSchema, kernelKinds, nixKeywords, renderSchema, schemaId, writeSchema } from './schema.js';
export { formatJsonPath, validateConfig, type PathSegment, type ValidationResult } from './validate.js';
export { configFileNames, findConfig, loadConfig, parseJson, resolveConfigArg, type LoadedConfig } from './load.js';
export { bash, clojure, cpp, custom, defineConfig, go, haskell, javascript, octave, python, r, ruby, rust, typescript } from './helpers.js';
export { initConfig, initFileNames, initFormats, parseLanguages, renderStarterConfig, starterKinds, type InitFormat, type InitOptions, type InitResult, type StarterKind } from './init.js';
