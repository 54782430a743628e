// YAML configs parsed before, from nixlab's cache: the same data as the parser gives, only for
// plain JSON data, never from a truncated or garbled entry; and loadConfig gives the same result
// from the cache as from the parser.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/definitions/load.js';
import { yamlCacheEntry } from '../../src/definitions/yaml-cache.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-yaml-cache-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(tmp, String(n++));
const OPTIONS = { strict: true };
const entries = (dir: string) => readdirSync(join(dir, 'yaml'));

describe('yamlCacheEntry', () => {
  it('gives back what was stored for the same text, and nothing for another text or other options', () => {
    const dir = fresh();
    const data = { kernels: [{ kind: 'python', name: 'py', packages: ['numpy'] }], n: 1.5, none: null };
    expect(yamlCacheEntry('a: 1\n', OPTIONS, dir).cached).toBeUndefined();
    yamlCacheEntry('a: 1\n', OPTIONS, dir).store(data);
    expect(yamlCacheEntry('a: 1\n', OPTIONS, dir).cached).toEqual(data);
    expect(yamlCacheEntry('a: 2\n', OPTIONS, dir).cached).toBeUndefined();
    expect(yamlCacheEntry('a: 1\n', { strict: false }, dir).cached).toBeUndefined();
    expect(entries(dir)).toHaveLength(1);
  });

  it.each([
    ['NaN', { x: NaN }],
    ['Infinity', { x: [Infinity] }],
    ['-0', { x: -0 }],
    ['undefined inside', { x: undefined }],
    ['a Date', { x: new Date(0) }],
  ])('does not store data that JSON does not carry unchanged: %s', (_name, data) => {
    const dir = fresh();
    yamlCacheEntry('x', OPTIONS, dir).store(data);
    expect(() => entries(dir)).toThrow(/ENOENT/);
  });

  it.each([
    ['truncated', (t: string) => t.slice(0, t.length - 5)],
    ['garbled (one value changed)', (t: string) => t.replace('numpy', 'nompy')],
  ])('never uses a %s entry', (_name, damage) => {
    const dir = fresh();
    yamlCacheEntry('t', OPTIONS, dir).store({ packages: ['numpy'] });
    const file = join(dir, 'yaml', entries(dir)[0]!);
    writeFileSync(file, damage(readFileSync(file, 'utf8')));
    expect(yamlCacheEntry('t', OPTIONS, dir).cached).toBeUndefined();
  });

  it('never gives the data of another text stored under the same name (a hash collision)', () => {
    const dir = fresh();
    yamlCacheEntry('a: 1\n', OPTIONS, dir).store({ a: 1 });
    const [stored] = entries(dir);
    yamlCacheEntry('a: 2\n', OPTIONS, dir).store({ a: 2 });
    const other = entries(dir).find((n) => n !== stored)!;
    // The entry for `a: 1` put where `a: 2`'s would be: whole, and its hash line right.
    writeFileSync(join(dir, 'yaml', other), readFileSync(join(dir, 'yaml', stored!), 'utf8'));
    expect(yamlCacheEntry('a: 2\n', OPTIONS, dir).cached).toBeUndefined();
    expect(yamlCacheEntry('a: 1\n', OPTIONS, dir).cached).toEqual({ a: 1 });
  });

  it('works when the cache cannot be written', () => {
    const file = fresh();
    writeFileSync(file, 'not a directory');
    yamlCacheEntry('t', OPTIONS, join(file, 'cache')).store({ a: 1 });
    expect(yamlCacheEntry('t', OPTIONS, join(file, 'cache')).cached).toBeUndefined();
  });
});

describe('loadConfig of a YAML config with the cache', () => {
  const env = process.env.NIXLAB_CACHE_DIR;
  afterEach(() => (env === undefined ? delete process.env.NIXLAB_CACHE_DIR : (process.env.NIXLAB_CACHE_DIR = env)));

  it('the same result parsed and from the cache; an entry only for a clean parse', async () => {
    const cache = fresh();
    process.env.NIXLAB_CACHE_DIR = cache;
    const dir = fresh();
    mkdirSync(dir);
    const file = join(dir, 'nixlab.yaml');
    // An invalid config (an unknown key) whose YAML parses cleanly: cached, and the same errors after.
    writeFileSync(file, 'x-base: &py {kind: python, packages: [numpy]}\nkernels:\n  - <<: *py\n    name: py\n');
    const first = await loadConfig(file).catch((e: Error) => e);
    expect(entries(cache)).toHaveLength(1);
    const second = await loadConfig(file).catch((e: Error) => e);
    expect(String(second)).toBe(String(first));
    writeFileSync(file, 'kernels:\n  - &py {kind: python, name: py, packages: [numpy]}\n  - <<: *py\n    name: py2\n');
    const parsed = await loadConfig(file);
    const cached = await loadConfig(file);
    expect(cached).toEqual(parsed);
    expect(parsed.config.kernels.map((k) => k.name)).toEqual(['py', 'py2']);
    expect(entries(cache)).toHaveLength(2);
    // A YAML warning (an unresolved tag) is reported by the parser every time: never cached.
    writeFileSync(file, 'kernels: !custom-tag [{kind: python, name: py}]\n');
    const warned = await loadConfig(file);
    expect(warned.warnings.length).toBeGreaterThan(0);
    expect((await loadConfig(file)).warnings).toEqual(warned.warnings);
    expect(entries(cache)).toHaveLength(2);
  });
});
