// examples/custom-kernels.md is not built here (its kernels download from the network), but what
// it shows must hold: every Nix block parses, and every config block is a valid nixlab kernel
// whose generated default.nix parses, with the Nix files the document names in place.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/definitions/load.js';
import { emitDefaultNix } from '../../src/nix/emit.js';
import { parseNix } from '../helpers/nix.js';

const DOC = readFileSync('examples/custom-kernels.md', 'utf8');

/** Fenced blocks of a language, each with the line of prose just before it. */
function blocks(lang: string): { before: string; code: string }[] {
  return [...DOC.matchAll(new RegExp('([^\\n]*)\\n\\n```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => ({ before: m[1]!, code: m[2]! }));
}

/** The Nix files the document names (`kernels/x/default.nix`:) and their text. */
const nixFiles = blocks('nix')
  .map((b) => ({ path: /^`(kernels\/[\w-]+\/default\.nix)`:$/.exec(b.before)?.[1], code: b.code }))
  .filter((f): f is { path: string; code: string } => f.path !== undefined);

test('the document has the worked examples', () => {
  expect(nixFiles.map((f) => f.path)).toEqual(['kernels/almond/default.nix', 'kernels/ijava/default.nix', 'kernels/iracket/default.nix', 'kernels/xeus-cpp/default.nix']);
  expect(blocks('yaml')).toHaveLength(5);
});

test.each(blocks('nix').map((b, i) => [i, b.code]))('Nix block %i parses', async (_i, code) => {
  await parseNix(code as string);
});

test.each(blocks('yaml').map((b, i) => [i, b.code]))('config block %i is a valid kernel and emits parseable Nix', async (_i, code) => {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-doc-'));
  for (const f of nixFiles) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.code);
  }
  const kernel = (code as string).replace(/^/gm, '  ');
  writeFileSync(join(dir, 'nixlab.yaml'), `kernels:\n${kernel}`);
  const { config, warnings } = await loadConfig(join(dir, 'nixlab.yaml'));
  expect(warnings).toEqual([]);
  expect(config.kernels).toHaveLength(1);
  expect(config.kernels[0]!.kind).toBe('custom');
  await parseNix(emitDefaultNix(config, 'nixlab.yaml'));
});
