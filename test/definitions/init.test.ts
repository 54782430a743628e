// `nixlab init` as a library: language lists, the starter config in each format (loaded back
// by the real loader), and the rules about existing configs.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initConfig, initFileNames, initFormats, parseLanguages, renderStarterConfig, starterKinds } from '../../src/definitions/init.js';
import { loadConfig } from '../../src/definitions/load.js';
import { kindNames, kindOf } from '../../src/kernels/index.js';
import { UserError } from '../../src/errors.js';

const freshDir = () => mkdtempSync(join(tmpdir(), 'nixlab-init-'));

/** The problems of the UserError `fn` throws. */
function problemsOf(fn: () => unknown): { where: string; message: string; hint?: string }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error.problems;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('parseLanguages', () => {
  test.each([
    ['python,r', ['python', 'r']],
    ['python, r  octave', ['python', 'r', 'octave']],
    ['Python,R', ['python', 'r']],
    ['c++, js, ts, sh, hs, rb, clj, golang, matlab', ['cpp', 'javascript', 'typescript', 'bash', 'haskell', 'ruby', 'clojure', 'go', 'octave']],
    ['1, 2', [starterKinds[0], starterKinds[1]]],
    ['r,r,1,python', ['r', 'python']],
  ])('%j → %j', (input, kinds) => {
    expect(parseLanguages(input, '--lang')).toEqual(kinds);
  });

  test('offers every kernel kind but those that say why not (custom)', () => {
    expect(starterKinds).toEqual(kindNames.filter((k) => !kindOf(k)!.initRefusal));
    expect(kindNames.filter((k) => kindOf(k)!.initRefusal)).toEqual(['custom']);
  });

  test.each([
    ['', '--lang', 'no languages given'],
    ['pyton', '--lang', 'unknown language "pyton"'],
    ['racket', '--lang', 'unknown language "racket"'],
    ['custom', '--lang', '"custom" kernels need a command line'],
    ['99', '--lang', '99 is not a number from the list'],
  ])('%j is refused', (input, where, message) => {
    const [p, ...rest] = problemsOf(() => parseLanguages(input, where));
    expect(rest).toEqual([]);
    expect(p!.where).toBe(where);
    expect(p!.message).toContain(message);
    expect(p!.hint).toMatch(/\S/);
  });

  test('reports every bad word at once, with suggestions', () => {
    const problems = problemsOf(() => parseLanguages('pyton, r, typscript, racket', 'the prompt'));
    expect(problems.map((p) => p.message)).toEqual(['unknown language "pyton"', 'unknown language "typscript"', 'unknown language "racket"']);
    expect(problems[0]!.hint).toContain('did you mean "python"?');
    expect(problems[1]!.hint).toContain('did you mean "typescript"?');
    expect(problems[2]!.hint).not.toContain('did you mean');
  });
});

describe('the starter config', () => {
  test.each(initFormats.map((f) => [f]))('%s: loads back through loadConfig and validates, every kind at once', async (format) => {
    const dir = freshDir();
    const file = join(dir, initFileNames[format]);
    writeFileSync(file, renderStarterConfig(starterKinds, format));
    const { config, warnings } = await loadConfig(file);
    expect(warnings).toEqual([]);
    expect(config.kernels.map((k) => [k.kind, k.name])).toEqual(starterKinds.map((k) => [k, kindOf(k)!.example.name]));
    expect(config.frontend).toBe('lab');
  });

  test('the three formats say the same thing', async () => {
    const dir = freshDir();
    const loaded = [];
    for (const format of initFormats) {
      const file = join(dir, `${format}-${initFileNames[format]}`);
      writeFileSync(file, renderStarterConfig(['python', 'r', 'cpp'], format));
      loaded.push((await loadConfig(file)).config);
    }
    expect(loaded[1]).toEqual(loaded[0]);
    expect(loaded[2]).toEqual(loaded[0]);
  });

  test('shows each kind\'s example', () => {
    const yaml = renderStarterConfig(['python', 'cpp', 'haskell'], 'yaml');
    expect(yaml).toMatch(/^# nixlab config/);
    expect(yaml).toContain('- kind: python\n    name: python3\n    packages:\n      - numpy');
    expect(yaml).toContain('std: 17');
    expect(yaml).toContain('packages:\n      - lens');
    const ts = renderStarterConfig(['python'], 'ts');
    expect(ts).toContain("import type { Config } from 'nixlab/config';");
    expect(ts).toContain("{ kind: 'python', name: 'python3', packages: ['numpy'] },");
    expect(ts.trimEnd().endsWith('} satisfies Config;')).toBe(true);
  });
});

describe('initConfig', () => {
  test('writes the file atomically and reports what it wrote', async () => {
    const dir = freshDir();
    const result = await initConfig({ dir, kinds: ['python', 'octave'], format: 'yaml' });
    expect(result).toEqual({ file: join(dir, 'nixlab.yaml'), kernels: ['python3', 'octave'], replaced: false, warnings: [] });
    expect(readdirSync(dir).sort()).toEqual(['nixlab.schema.json', 'nixlab.yaml']);
    expect((await loadConfig(result.file)).config.kernels.map((k) => k.name)).toEqual(['python3', 'octave']);
  });

  test('refuses to overwrite a config, and replaces it with force', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'nixlab.json'), '{"kernels": [{"kind": "go", "name": "mine"}]}\n');
    await expect(initConfig({ dir, kinds: ['r'], format: 'json' })).rejects.toThrow(UserError);
    await initConfig({ dir, kinds: ['r'], format: 'json' }).catch((e: UserError) => {
      expect(e.problems).toEqual([{ where: join(dir, 'nixlab.json'), message: 'a nixlab config already exists here', hint: 'edit it, or pass --force to replace it with a starter config' }]);
    });
    expect(readFileSync(join(dir, 'nixlab.json'), 'utf8')).toContain('"mine"');
    const result = await initConfig({ dir, kinds: ['r'], format: 'json', force: true });
    expect(result.replaced).toBe(true);
    expect((await loadConfig(result.file)).config.kernels.map((k) => k.name)).toEqual(['r']);
    expect(readdirSync(dir).sort()).toEqual(['nixlab.json', 'nixlab.schema.json']);
  });

  test('refuses a second config beside another one; with force, warns which one nixlab reads', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'nixlab.json'), '{"kernels": [{"kind": "go", "name": "go"}]}\n');
    await initConfig({ dir, kinds: ['r'], format: 'yaml' }).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: UserError) => expect(e.problems[0]!.message).toBe('a nixlab config already exists here, so nixlab.yaml would be a second one'),
    );
    const result = await initConfig({ dir, kinds: ['r'], format: 'yaml', force: true });
    expect(result.warnings.map((w) => w.message)).toEqual(['nixlab reads nixlab.json before nixlab.yaml in this directory']);
    // A config nixlab reads first is not shadowed by an older one that comes later.
    const ts = await initConfig({ dir, kinds: ['r'], format: 'ts', force: true });
    expect(ts.warnings).toEqual([]);
  });

  test('makes a missing directory, and refuses a file', async () => {
    const missing = join(freshDir(), 'nope', 'deeper');
    const result = await initConfig({ dir: missing, kinds: ['r'], format: 'yaml' });
    expect(result.file).toBe(join(missing, 'nixlab.yaml'));
    expect(readdirSync(missing).sort()).toEqual(['nixlab.schema.json', 'nixlab.yaml']);
    await expect(initConfig({ dir: result.file, kinds: ['r'], format: 'yaml' })).rejects.toThrow(`${result.file}: is not a directory`);
  });
});

describe('the TypeScript starter config', () => {
  test('type-checks against nixlab/config, every kind at once', async () => {
    const ts = (await import('typescript')).default;
    const dir = freshDir();
    const file = join(dir, 'nixlab.config.ts');
    writeFileSync(file, renderStarterConfig(starterKinds, 'ts'));
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      baseUrl: process.cwd(),
      // What users get: the package's declarations (`npm test` builds them first).
      paths: { 'nixlab/config': ['dist/src/config.d.ts'] },
      types: [],
      skipLibCheck: true,
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
