// The one-file start of `validate` and `generate` (bin/run.js → cli/fast-start.cts → the bundle
// scripts/fast-bundle.mjs writes): the bundle is the one the current sources give, V8 takes the
// code recorded for it and for the schema check, and it runs the modules as ES modules would
// (the outputs equal oclif's, which runs dist/'s ES modules: test/cli/fast.test.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { nixlab } from '../helpers/cli.js';

const root = resolve('.');
const tmp = mkdtempSync(join(tmpdir(), 'nixlab-fast-start-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the fast-path bundle npm run build writes', () => {
  it('is current: the one scripts/fast-bundle.mjs makes of the current sources (run `npm run build` when this fails)', async () => {
    const { fastBundle } = await import(pathToFileURL(join(root, 'scripts', 'fast-bundle.mjs')).href);
    const built = readFileSync(join(root, 'dist', 'src', 'cli', 'fast-bundle.js'), 'utf8');
    const expected: string = await fastBundle();
    expect(built.length).toBe(expected.length);
    expect(built === expected).toBe(true);
  }, 120_000);

  it('runs with the code V8 recorded for it and for the schema check (in a node like the one that built them)', () => {
    // A plain node (no jest flags: V8 refuses code recorded under other flags).
    const env = { ...process.env, NODE_OPTIONS: '', NIXLAB_CACHE_DIR: join(tmp, 'cache') };
    const node = (script: string) => execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    const bundle = node(`
      import { createRequire } from 'node:module';
      const start = createRequire(import.meta.url)(${JSON.stringify(join(root, 'dist/src/cli/fast-start.cjs'))});
      await start.runFast(['validate', ${JSON.stringify(join(root, 'examples/local-lab/nixlab.yaml'))}]);
      console.log(JSON.stringify({ rejected: start.codeCacheRejected() }));`);
    expect(bundle).toMatch(/local-lab\/nixlab\.yaml: ok/);
    expect(bundle).toContain('{"rejected":false}');
    const check = node(`
      const { configSchema } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/definitions/schema.js')).href)});
      const { cachedSchemaCheck, builtCheckCodeCache } = await import(${JSON.stringify(pathToFileURL(join(root, 'dist/src/definitions/schema-cache.js')).href)});
      const check = cachedSchemaCheck(configSchema);
      console.log(JSON.stringify({ valid: check({ kernels: [{ kind: 'python', name: 'py' }] }), invalid: check({ kernels: [] }), rejected: builtCheckCodeCache() }));`);
    expect(JSON.parse(check)).toEqual({ valid: true, invalid: false, rejected: false });
    // Nothing was compiled into nixlab's cache: the built check was used.
    expect(() => readdirSync(join(tmp, 'cache', 'schema'))).toThrow(/ENOENT/);
  });

  it('validate and generate from it print and write what oclif does (generate: byte for byte)', async () => {
    const config = resolve('examples/demo/nixlab.yaml');
    const fast = await nixlab(['generate', config, '-o', join(tmp, 'fast')]);
    const viaOclif = await nixlab(['generate', '-o', join(tmp, 'oclif'), '--', config]);
    expect([fast.exitCode, fast.stderr]).toEqual([0, viaOclif.stderr]);
    const files = (dir: string): Record<string, string> =>
      Object.fromEntries(
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => {
            const p = join(e.parentPath ?? e.path, e.name);
            return [p.slice(dir.length), readFileSync(p, 'utf8')];
          }),
      );
    expect(files(join(tmp, 'fast'))).toEqual(files(join(tmp, 'oclif')));
  });
});
