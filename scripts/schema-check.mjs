#!/usr/bin/env node
// Writes dist/src/definitions/config-check.cjs (after `tsc`, from dist/): the yes/no check of a
// config against nixlab's JSON Schema, compiled by ajv into standalone code, so that `nixlab
// validate` and `generate` load it instead of compiling the schema (src/definitions/schema-cache.ts).
// test/definitions/schema-cache.test.ts checks that the file is the one the current schema gives.
//   node scripts/schema-check.mjs
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { configSchema } = await import(join(root, 'dist/src/definitions/schema.js'));
const { BUILT_CHECK_FILE, builtCheckModule } = await import(join(root, 'dist/src/definitions/schema-cache.js'));
const { writeFileAtomicSync } = await import(join(root, 'dist/src/fsutil.js'));
const file = join(root, 'dist/src/definitions', BUILT_CHECK_FILE);
const code = builtCheckModule(configSchema);
writeFileAtomicSync(file, code);
process.stdout.write(`schema-check: ${code.length} bytes -> ${file}\n`);
