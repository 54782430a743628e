import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../../src/errors.js';
import { configFileNames, findConfig, loadConfig, parseJson, resolveConfigArg } from '../../src/definitions/load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const full = path.join(here, 'fixtures', 'full');
const helpersUrl = path.join(here, '..', '..', 'src', 'config.js');

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'nixlab-definitions-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes `text` to `name` in the temp dir and returns its path. */
async function write(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

/** The problems of the UserError that `promise` rejects with. */
async function problemsOf(promise: Promise<unknown>) {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).problems;
}

describe('loadConfig', () => {
  test('TS, JSON and YAML forms of one config load to the same normalised config', async () => {
    const [ts, json, yaml] = await Promise.all(
      ['nixlab.config.ts', 'nixlab.json', 'nixlab.yaml'].map((name) => loadConfig(path.join(full, name))),
    );
    expect(json!.config).toEqual(ts!.config);
    expect(yaml!.config).toEqual(ts!.config);
    for (const loaded of [ts, json, yaml]) expect(loaded!.warnings).toEqual([]);
    expect(ts!.config.kernels[0]).toMatchObject({
      kind: 'python',
      name: 'py-data',
      displayName: 'Python 3.11 (py-data)',
      version: '3.11',
      packages: ['numpy', 'scikit-learn'],
      logos: { '64x64': path.join(full, 'logo-64x64.png'), svg: path.join(full, 'logo.svg') },
    });
    expect(ts!.config.image).toEqual({
      name: 'ghcr.io/example/lab',
      tag: 'v1',
      user: { name: 'ada', uid: 1001, gid: 1001 },
      port: 9999,
      volumes: ['/data'],
      env: { TZ: 'UTC' },
      workdir: '/data',
      maxLayers: 50,
      files: [],
      startHooks: [],
    });
  });

  test('file is reported as given (relative stays relative)', async () => {
    const rel = path.relative(process.cwd(), path.join(full, 'nixlab.yaml'));
    expect((await loadConfig(rel)).file).toBe(rel);
    const bad = path.relative(process.cwd(), await write('nixlab.json', '{"kernels": [{"kind": "python", "name": "a b"}]}'));
    const problems = await problemsOf(loadConfig(bad));
    expect(problems.map((p) => p.where)).toEqual([`${bad}:$.kernels[0].name`]);
  });

  test('all validation problems come back in one UserError', async () => {
    const file = await write('nixlab.yaml', 'kernels:\n  - kind: python\n    name: ..\n    version: 3.10\nimage:\n  port: 0\n');
    const problems = await problemsOf(loadConfig(file));
    expect(problems.map((p) => [p.where.slice(file.length), p.message])).toEqual([
      [':$.kernels[0].name', '".." cannot be a kernel name: it is a special directory name'],
      [':$.kernels[0].version', 'must be a string, got the number 3.1'],
      [':$.image.port', 'port must be between 1 and 65535, got 0'],
    ]);
  });

  test('warnings are returned with the config', async () => {
    const file = await write('nixlab.json', '{"kernels": [{"kind": "python", "name": "py", "packages": ["ipykernel"]}]}');
    const loaded = await loadConfig(file);
    expect(loaded.warnings.map((w) => w.where)).toEqual([`${file}:$.kernels[0].packages[0]`]);
  });

  describe('JSON', () => {
    test.each([
      ['trailing comma', '{\n  "kernels": [],\n}', '3:1', 'expected a key in double quotes, found "}"', 'comma before }'],
      ['missing comma', '{\n  "frontend": "lab"\n  "kernels": []\n}', '3:3', 'expected "," or "}" after a value, found "\\""', 'add a comma'],
      ['single quotes', "{\n  'kernels': []\n}", '2:3', "expected a key in double quotes, found \"'\"", 'double quotes'],
      ['a comment', '{\n  // kernels\n  "kernels": []\n}', '2:3', 'expected a key in double quotes, found "/"', 'no comments'],
      ['unclosed object', '{\n  "kernels": [\n', '3:1', 'expected a value', 'ends too early'],
      ['unclosed string', '{"kernels": "abc', '1:13', 'string is not closed', 'closing double quote'],
      ['raw line break in a string', '{"a": "x\ny"}', '1:9', 'control character', '\\n'],
      ['bad escape', '{"a": "\\x"}', '1:8', 'unknown escape \\x', 'valid escapes'],
      ['leading zero', '{"a": 01}', '1:8', 'expected "," or "}" after a value, found "1"', 'fix the JSON'],
      ['text after the value', '{"kernels": []} x', '1:17', 'expected the end of the file', 'remove the extra text'],
      ['duplicate key', '{\n  "kernels": [],\n  "kernels": []\n}', '3:3', 'duplicate key "kernels" (first on line 2)', 'remove or rename'],
      ['empty file', '', '1:1', 'expected a value', 'ends too early'],
    ])('%s → line:column', async (_name, text, position, message, hint) => {
      const file = await write('nixlab.json', text);
      const [problem, ...rest] = await problemsOf(loadConfig(file));
      expect(rest).toEqual([]);
      expect(problem!.where).toBe(`${file}:${position}`);
      expect(problem!.message).toContain(message);
      expect(problem!.hint).toContain(hint);
    });

    test('parseJson agrees with JSON.parse on valid JSON', () => {
      const text = '\ufeff{"a": [1, -2.5e3, true, false, null, "\\u00e9\\n\\"\\\\"], "b": {}, "c": [], "d": 0}';
      expect(parseJson(text)).toEqual(JSON.parse(text.slice(1)));
    });
  });

  describe('YAML', () => {
    test('duplicate keys are errors with line:column', async () => {
      const file = await write('nixlab.yaml', 'kernels:\n  - kind: python\n    name: a\n    name: b\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([{ where: `${file}:4:5`, message: 'Map keys must be unique', hint: 'remove or rename one of the two keys' }]);
    });

    test('syntax errors have line:column', async () => {
      const file = await write('nixlab.yaml', 'kernels: [\n  {kind: python, name: a}\nimage: {}\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems[0]!.where).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+$`));
    });

    test('several documents are an error', async () => {
      const file = await write('nixlab.yml', 'kernels: []\n---\nkernels: []\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems[0]).toMatchObject({ where: `${file}:2:1`, hint: expect.stringContaining('single YAML document') });
    });

    test('an empty file says what the config must be', async () => {
      const file = await write('nixlab.yaml', '# nothing yet\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([expect.objectContaining({ where: `${file}:$`, message: 'must be an object (keys and values), got null' })]);
    });
  });

  describe('TS and JS', () => {
    const kernel = "{ kind: 'python', name: 'py' }";

    test('a `config` export', async () => {
      const file = await write('nixlab.config.ts', `export const config = { kernels: [${kernel}] };\n`);
      expect((await loadConfig(file)).config.kernels[0]!.name).toBe('py');
    });

    test('a function export (async too) is called', async () => {
      const file = await write('nixlab.config.mts', `export default async () => ({ kernels: [${kernel}] });\n`);
      expect((await loadConfig(file)).config.kernels[0]!.name).toBe('py');
    });

    test('helpers imported by path, type annotations stripped', async () => {
      const file = await write(
        'nixlab.config.ts',
        `import { defineConfig, python } from ${JSON.stringify(helpersUrl)};\nconst n: string = 'typed';\nexport default defineConfig({ kernels: [python({ name: n })] });\n`,
      );
      expect((await loadConfig(file)).config.kernels[0]).toMatchObject({ kind: 'python', name: 'typed' });
    });

    test('a JS config', async () => {
      const file = await write('nixlab.config.js', `export default { kernels: [${kernel}], frontend: 'lab' };\n`);
      expect((await loadConfig(file)).config.frontend).toBe('lab');
    });

    test('edits are picked up by the next load', async () => {
      const file = await write('nixlab.config.ts', `export default { kernels: [{ kind: 'python', name: 'one' }] };\n`);
      expect((await loadConfig(file)).config.kernels[0]!.name).toBe('one');
      await write('nixlab.config.ts', `export default { kernels: [{ kind: 'python', name: 'two' }] };\n`);
      expect((await loadConfig(file)).config.kernels[0]!.name).toBe('two');
    });

    test('no export', async () => {
      const file = await write('nixlab.config.ts', 'const x = 1;\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([expect.objectContaining({ where: file, message: expect.stringContaining('exports no config') })]);
    });

    test('a module that throws', async () => {
      const file = await write('nixlab.config.ts', "throw new Error('boom');\n");
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([expect.objectContaining({ where: file, message: 'the config module failed to load: boom' })]);
    });

    test('a config function that throws', async () => {
      const file = await write('nixlab.config.ts', "export default () => { throw new Error('nope'); };\n");
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([expect.objectContaining({ where: file, message: 'the exported config function threw: nope' })]);
    });

    test('a syntax error', async () => {
      const file = await write('nixlab.config.ts', 'const a = 1;\nexport default { kernels: [ ;\n');
      const problems = await problemsOf(loadConfig(file));
      expect(problems).toEqual([expect.objectContaining({ where: `${file}:2:28`, message: expect.stringContaining('failed to load: ParseError') })]);
    });

    test('non-JSON values are reported by path', async () => {
      const file = await write('nixlab.config.ts', `export default { kernels: [{ kind: 'python', name: 'py', metadata: { at: new Date(0) } }] };\n`);
      const problems = await problemsOf(loadConfig(file));
      expect(problems.map((p) => p.where)).toEqual([`${file}:$.kernels[0].metadata.at`]);
    });
  });

  test('a missing file', async () => {
    for (const name of ['nope.json', 'nope.yaml', 'nope.config.ts']) {
      const problems = await problemsOf(loadConfig(path.join(tmp, name)));
      expect(problems).toEqual([expect.objectContaining({ message: 'config file does not exist' })]);
    }
  });

  test('an unknown extension', async () => {
    const file = await write('nixlab.toml', 'kernels = []\n');
    expect((await problemsOf(loadConfig(file)))[0]!.message).toBe('unknown config file type');
  });
});

describe('findConfig', () => {
  test('prefers names in the documented order', async () => {
    for (const name of [...configFileNames].reverse()) {
      await write(name, '');
      expect(findConfig(tmp)).toBe(path.join(tmp, name));
    }
  });

  test('keeps a relative directory relative', () => {
    const rel = path.relative(process.cwd(), full);
    expect(findConfig(rel)).toBe(path.join(rel, 'nixlab.config.ts'));
  });

  test('ignores directories with a config name', async () => {
    await mkdir(path.join(tmp, 'nixlab.json'));
    await write('nixlab.yaml', '');
    expect(findConfig(tmp)).toBe(path.join(tmp, 'nixlab.yaml'));
  });

  test('none found: a UserError listing the names', () => {
    let error: unknown;
    try {
      findConfig(tmp);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    const [problem] = (error as UserError).problems;
    expect(problem!.where).toBe(tmp);
    for (const name of configFileNames) expect(problem!.message).toContain(name);
    expect(problem!.hint).toContain('nixlab.json');
  });
});

describe('resolveConfigArg', () => {
  test('a file is used as given, a directory is searched', async () => {
    const file = await write('custom-name.yaml', '');
    expect(resolveConfigArg(file)).toBe(file);
    expect(resolveConfigArg(full)).toBe(path.join(full, 'nixlab.config.ts'));
  });

  test('a path that does not exist says so (not "unknown config file type")', () => {
    for (const missing of [path.join(tmp, 'missing.json'), path.join(tmp, 'some', 'missing-dir')]) {
      expect(() => resolveConfigArg(missing)).toThrow(UserError);
      expect(() => resolveConfigArg(missing)).toThrow(`${missing}: no such file or directory. Fix: check the path`);
    }
  });

  test('no argument: the config in the current directory', () => {
    const cwd = process.cwd();
    try {
      process.chdir(full);
      expect(resolveConfigArg()).toBe('nixlab.config.ts');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('issue 23 low: YAML aliases and merge keys, the "no config" hint', () => {
  test('a YAML alias bomb is an error naming the file (no bare ReferenceError)', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const file = await write('nixlab.yaml', `${lines.join('\n')}\nkernels: [{kind: python, name: py}]\n`);
    const error: unknown = await loadConfig(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).problems).toEqual([expect.objectContaining({ where: file, message: expect.stringContaining('looks like an alias bomb') })]);
  });

  test('YAML merge keys (<<: *base) merge, and the keys beside them win', async () => {
    const file = await write('nixlab.yaml', 'kernels:\n  - &py {kind: python, name: py, packages: [numpy]}\n  - <<: *py\n    name: py2\n');
    const { config } = await loadConfig(file);
    expect(config.kernels.map((k) => [k.name, k.kind, (k as { packages?: string[] }).packages])).toEqual([
      ['py', 'python', ['numpy']],
      ['py2', 'python', ['numpy']],
    ]);
  });

  test('the "no config found" hint suggests a config that validates', async () => {
    const error: unknown = (() => {
      try {
        return findConfig(tmp);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    const hint = (error as UserError).problems[0]!.hint!;
    const json = /nixlab\.json containing (\{.*\})$/.exec(hint)?.[1];
    expect(json).toBeDefined();
    const file = await write('nixlab.json', json!);
    expect((await loadConfig(file)).config.kernels).toHaveLength(1);
  });
});
