#!/usr/bin/env node
// Unpacks the committed package-name files of nixpkgs-facts/ (gzipped) into dist/nixpkgs-facts/
// (after `tsc`, from dist/), where validate reads them without gunzipping
// (src/nixpkgs/facts.ts: namesFileText). test/nixpkgs/facts.test.ts checks they are the same text.
//   node scripts/facts-names.mjs
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { factsDir, unpackedNamesFile } = await import(join(root, 'dist/src/nixpkgs/facts.js'));
const { writeFileAtomicSync } = await import(join(root, 'dist/src/fsutil.js'));
let n = 0;
for (const source of readdirSync(factsDir(), { withFileTypes: true })) {
  if (!source.isDirectory()) continue;
  for (const name of readdirSync(join(factsDir(), source.name))) {
    if (!name.endsWith('.gz')) continue;
    const file = `${source.name}/${name}`;
    const out = unpackedNamesFile(file);
    mkdirSync(dirname(out), { recursive: true });
    writeFileAtomicSync(out, gunzipSync(readFileSync(join(factsDir(), file))));
    n++;
  }
}
process.stdout.write(`facts-names: ${n} name files -> ${join(root, 'dist/nixpkgs-facts')}\n`);
