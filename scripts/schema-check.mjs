#!/usr/bin/env node
// Writes dist/src/definitions/config-check.cjs (after `tsc`, from dist/): the yes/no check of a
// config against nixlab's JSON Schema, compiled by ajv into standalone code, so that `nixlab
// validate` and `generate` load it instead of compiling the schema (src/definitions/schema-cache.ts);
// beside it config-check.key (what its key hashes) and config-check.cache (V8's code for it, as
// compiled after checking the example configs).
// test/definitions/schema-cache.test.ts checks that the file is the one the current schema gives.
//   node scripts/schema-check.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { configSchema } = await import(join(root, 'dist/src/definitions/schema.js'));
const { BUILT_CHECK_FILE, writeBuiltCheck } = await import(join(root, 'dist/src/definitions/schema-cache.js'));
const { parse } = await import('yaml');
// The examples' data, as the check sees it (YAML and JSON configs; TS ones are left out).
const samples = [];
for (const dir of readdirSync(join(root, 'examples'), { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  for (const name of readdirSync(join(root, 'examples', dir.name))) {
    const text = () => readFileSync(join(root, 'examples', dir.name, name), 'utf8');
    if (/^nixlab\.ya?ml$/.test(name)) samples.push(parse(text()));
    else if (name === 'nixlab.json') samples.push(JSON.parse(text()));
  }
}
const file = join(root, 'dist/src/definitions', BUILT_CHECK_FILE);
const bytes = writeBuiltCheck(file, configSchema, samples);
process.stdout.write(`schema-check: ${bytes} bytes -> ${file} (${samples.length} example configs checked for its code cache)\n`);
