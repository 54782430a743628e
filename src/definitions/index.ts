// The definitions module: config types, schema, validation, loading and the typed helpers.
export type * from './types.js';
export { configSchema, kernelKinds, nixKeywords, renderSchema, schemaId, writeSchema } from './schema.js';
export { formatJsonPath, validateConfig, type PathSegment, type ValidationResult } from './validate.js';
export { configFileNames, findConfig, loadConfig, parseJson, resolveConfigArg, type LoadedConfig } from './load.js';
export { custom, defineConfig, python } from './helpers.js';
