// The yes/no schema check: the same verdict as the full validator; the one `npm run build` wrote
// is current and is used; without it, loaded from the cache when a whole entry is there, never
// running a truncated or garbled entry (it is replaced).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configSchema } from '../../src/definitions/schema.js';
import { builtCheckFile, builtCheckModule, cachedSchemaCheck, withoutAnnotations } from '../../src/definitions/schema-cache.js';
import { validateConfig } from '../../src/definitions/validate.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-schema-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, String(n++));
/** A copy of the schema: another object, so the in-process memo does not answer. */
const copy = () => structuredClone(configSchema) as object;

const CONFIGS: [string, unknown][] = [
  ['minimal', { kernels: [{ kind: 'python', name: 'py' }] }],
  ['demo-like', { frontend: 'notebook', kernels: [{ kind: 'python', name: 'py-data', version: '3.11', packages: ['pandas'] }, { kind: 'r', name: 'r', packages: ['ggplot2'] }], image: { name: 'lab', tag: 'v1', volumes: ['/data'] } }],
  ['no kernels', { kernels: [] }],
  ['unknown kind', { kernels: [{ kind: 'cobol', name: 'c' }] }],
  ['bad name', { kernels: [{ kind: 'python', name: 'no spaces' }] }],
  ['extra key', { kernels: [{ kind: 'python', name: 'py' }], colour: 'blue' }],
  ['not an object', 42],
];

describe('the check npm run build writes', () => {
  it('is current: the one the current schema, ajv and options give (run `npm run build` when this fails)', () => {
    expect(readFileSync(builtCheckFile(), 'utf8')).toBe(builtCheckModule(configSchema));
  });

  it('is used, and writes nothing to the cache', () => {
    const dir = fresh();
    const check = cachedSchemaCheck(copy(), dir);
    expect(check(CONFIGS[0]![1])).toBe(true);
    expect(check({ kernels: [] })).toBe(false);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });

  it('is not used for another schema: that one is compiled into the cache', () => {
    const dir = fresh();
    const other = structuredClone(configSchema) as { properties: { kernels: { minItems: number } } };
    other.properties.kernels.minItems = 2;
    const check = cachedSchemaCheck(other, dir);
    expect(check(CONFIGS[0]![1])).toBe(false);
    expect(readdirSync(join(dir, 'schema'))).toHaveLength(1);
  });
});

describe('withoutAnnotations', () => {
  it('drops annotations only where a schema is, never a property or an enum value so named', () => {
    const schema = {
      description: 'd',
      title: 't',
      type: 'object',
      properties: { description: { type: 'string', default: 'x', examples: ['y'] }, title: { enum: [{ description: 'kept' }] } },
      $defs: { a: { $comment: 'c', anyOf: [{ const: { title: 'kept' }, deprecated: true }] } },
      items: { readOnly: true, writeOnly: false, type: 'string' },
    };
    expect(withoutAnnotations(schema)).toEqual({
      type: 'object',
      properties: { description: { type: 'string' }, title: { enum: [{ description: 'kept' }] } },
      $defs: { a: { anyOf: [{ const: { title: 'kept' } }] } },
      items: { type: 'string' },
    });
  });
});

describe('cachedSchemaCheck without the built check', () => {
  it.each(CONFIGS)('gives the verdict of the full validator (allErrors, verbose): %s', (_name, config) => {
    const full = new Ajv2020({ allErrors: true, strict: true, verbose: true, logger: false }).compile(configSchema);
    expect(cachedSchemaCheck(copy(), fresh(), null)(config)).toBe(full(config));
    // And validateConfig, which uses it, still explains what is wrong.
    if (!full(config)) expect(validateConfig(config, 'x.json').errors.length).toBeGreaterThan(0);
  });

  it('writes one entry and loads it again (without ajv) in a later call', () => {
    const dir = fresh();
    cachedSchemaCheck(copy(), dir, null);
    const files = readdirSync(join(dir, 'schema'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^config-[0-9a-f]{32}\.cjs$/);
    const before = readFileSync(join(dir, 'schema', files[0]!), 'utf8');
    // A cache file (src/cache-file.ts): the hash of the code, then ajv's code.
    expect(before).toMatch(/^[0-9a-f]{16}\n"use strict";/);
    const check = cachedSchemaCheck(copy(), dir, null);
    expect(check(CONFIGS[0]![1])).toBe(true);
    expect(check(CONFIGS[2]![1])).toBe(false);
    expect(readFileSync(join(dir, 'schema', files[0]!), 'utf8')).toBe(before);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length / 2)],
    ['garbled (one byte of code changed)', (t: string) => t.replace('"use strict"', '"use strict" ')],
    ['code that would say yes to everything', (t: string) => t.replace(/\n[\s\S]*$/, '\nmodule.exports = () => true;')],
  ])('never runs a %s entry: it is replaced by a correct one', (_name, damage) => {
    const dir = fresh();
    cachedSchemaCheck(copy(), dir, null);
    const file = join(dir, 'schema', readdirSync(join(dir, 'schema'))[0]!);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, damage(good));
    const check = cachedSchemaCheck(copy(), dir, null);
    expect(check({ kernels: [] })).toBe(false);
    expect(check(CONFIGS[0]![1])).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(good);
  });

  it('works when the cache cannot be written', () => {
    const file = fresh();
    writeFileSync(file, 'not a directory');
    const check = cachedSchemaCheck(copy(), join(file, 'cache'), null);
    expect(check(CONFIGS[0]![1])).toBe(true);
    expect(check({ kernels: [] })).toBe(false);
  });
});
