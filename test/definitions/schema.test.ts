import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  attrNamePattern,
  attrPathPattern,
  configSchema,
  kernelBranches,
  kernelKinds,
  nixKeywords,
  renderSchema,
  schemaDefs,
  schemaId,
  writeSchema,
  type SchemaObject,
} from '../../src/definitions/schema.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const typesFile = path.join(here, '..', '..', 'src', 'definitions', 'types.ts');

type Props = Record<string, SchemaObject>;
const props = (s: SchemaObject): Props => s.properties as Props;

/** Every `properties` map that declares config keys (not the `if` matchers), with its location. */
function allPropertyMaps(schema: unknown, at = '#'): [string, Props][] {
  if (typeof schema !== 'object' || schema === null) return [];
  const out: [string, Props][] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'if') continue;
    if (key === 'properties') out.push([at, value as Props]);
    out.push(...allPropertyMaps(value, `${at}/${key}`));
  }
  return out;
}

/** Fields of each `export interface` in types.ts: name → { field → optional }. */
function interfaces(text: string): Map<string, Map<string, boolean>> {
  const out = new Map<string, Map<string, boolean>>();
  for (const m of text.matchAll(/^export interface (\w+)[^{]*\{\n([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, boolean>();
    for (const f of m[2]!.matchAll(/^ {2}([$\w]+)(\??):/gm)) fields.set(f[1]!, f[2] === '?');
    out.set(m[1]!, fields);
  }
  return out;
}

describe('configSchema', () => {
  test('is a valid draft 2020-12 schema that compiles in strict mode', () => {
    const ajv = new Ajv2020({ strict: true, logger: false });
    expect(ajv.validateSchema(configSchema)).toBe(true);
    expect(() => ajv.compile(configSchema)).not.toThrow();
    expect(configSchema.$id).toBe(schemaId);
    expect(configSchema.$id).toBe('https://nixlab.dev/schema/config.json');
  });

  test('every property has a description', () => {
    const missing = allPropertyMaps(configSchema).flatMap(([at, map]) =>
      Object.entries(map)
        .filter(([, s]) => typeof s.description !== 'string' || s.description.length < 5)
        .map(([name]) => `${at}/${name}`),
    );
    expect(missing).toEqual([]);
  });

  test('every object with fixed keys rejects unknown keys', () => {
    const open: string[] = [];
    const walk = (s: unknown, at: string) => {
      if (typeof s !== 'object' || s === null) return;
      const o = s as SchemaObject;
      // The kernel dispatcher only selects a branch; each branch closes itself.
      if (o.properties && o.additionalProperties !== false && at !== '#/$defs/kernel') open.push(at);
      for (const [k, v] of Object.entries(o)) if (k !== 'if') walk(v, `${at}/${k}`);
    };
    walk(configSchema, '#');
    expect(open).toEqual([]);
  });

  test('every schema property appears in types.ts', async () => {
    const text = await readFile(typesFile, 'utf8');
    const names = new Set(allPropertyMaps(configSchema).flatMap(([, map]) => Object.keys(map)));
    const absent = [...names].filter((name) => {
      const escaped = name.replace(/[$]/g, '\\$');
      return !new RegExp(`^\\s+${escaped}\\??:`, 'm').test(text) && !text.includes(`'${name}'`);
    });
    expect(absent).toEqual([]);
  });

  test('the input interfaces in types.ts have exactly the schema fields, optional where not required', async () => {
    const types = interfaces(await readFile(typesFile, 'utf8'));
    const image = props(configSchema).image!;
    const base = types.get('KernelBase')!;
    const expectations: [string, SchemaObject, Map<string, boolean>][] = [
      ['Config', configSchema, types.get('Config')!],
      ['NixpkgsPin', props(configSchema).nixpkgs!, types.get('NixpkgsPin')!],
      ['ImageSettings', image, types.get('ImageSettings')!],
      ['ImageUser', props(image).user!, types.get('ImageUser')!],
      // One interface per kernel kind: `r` → RKernel, `javascript` → JavascriptKernel.
      ...kernelKinds.map((kind): [string, SchemaObject, Map<string, boolean>] => {
        const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}Kernel`;
        expect([name, types.has(name)]).toEqual([name, true]);
        return [name, kernelBranches[kind], new Map([...base, ...types.get(name)!])];
      }),
    ];
    for (const [name, schema, fields] of expectations) {
      const required = new Set((schema.required ?? []) as string[]);
      const fromSchema = Object.keys(props(schema))
        .sort()
        .map((key) => [key, !required.has(key)]);
      expect([name, [...fields].sort(([a], [b]) => a.localeCompare(b))]).toEqual([name, fromSchema]);
    }
  });

  test('renderSchema is the schema as pretty JSON; writeSchema writes it', async () => {
    const text = renderSchema();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "$id": "https://nixlab.dev/schema/config.json",\n');
    expect(JSON.parse(text)).toEqual(configSchema);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'nixlab-schema-'));
    try {
      await writeSchema(path.join(dir, 'schema.json'));
      expect(await readFile(path.join(dir, 'schema.json'), 'utf8')).toBe(text);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('patterns', () => {
  const matches = (pattern: unknown, value: string) => new RegExp(String(pattern), 'u').test(value);

  test('attribute names: Nix identifiers that are not keywords', () => {
    for (const ok of ['numpy', 'scikit-learn', 'pkg\'', '_private', 'inherits', 'in-x', 'letter', 'python3']) expect([ok, matches(attrNamePattern, ok)]).toEqual([ok, true]);
    for (const bad of [...nixKeywords, '', '3d', '-x', 'a.b', 'a b', '${x}', 'a"b', 'numpy;', 'é']) expect([bad, matches(attrNamePattern, bad)]).toEqual([bad, false]);
  });

  test('attribute paths: dotted attribute names', () => {
    for (const ok of ['busybox', 'python3Packages.bash-kernel', 'a.b.c']) expect([ok, matches(attrPathPattern, ok)]).toEqual([ok, true]);
    for (const bad of ['a..b', '.a', 'a.', 'a.in', 'with.x', 'a.${b}', 'a/b']) expect([bad, matches(attrPathPattern, bad)]).toEqual([bad, false]);
  });

  test('image names: lowercase repository, optional registry host', () => {
    const p = schemaDefs.imageName.pattern;
    for (const ok of ['nixlab', 'nixlab-demo', 'a__b', 'a.b', 'a---b', 'ghcr.io/org/lab', 'localhost:5000/lab', 'registry.example.com:443/a/b/c']) {
      expect([ok, matches(p, ok)]).toEqual([ok, true]);
    }
    for (const bad of ['NixLab', 'a___b', '-a', 'a-', 'a/', '/a', 'a//b', 'lab:v1', 'a b', 'a@sha256']) expect([bad, matches(p, bad)]).toEqual([bad, false]);
  });

  test('absolute paths: no relative paths, no .. segments', () => {
    const p = schemaDefs.absolutePath.pattern;
    for (const ok of ['/', '/data', '/home/jovyan/work', '/a/..b', '/a/b..', '/a/...']) expect([ok, matches(p, ok)]).toEqual([ok, true]);
    for (const bad of ['', 'data', './data', '/..', '/a/..', '/a/../b']) expect([bad, matches(p, bad)]).toEqual([bad, false]);
  });

  test('python versions, revs, hashes, tags', () => {
    expect(['3.10', '3.12', '3.19', '3.9', '3.20', '3.12.1'].map((v) => matches(schemaDefs.pythonVersion.pattern, v))).toEqual([true, true, true, false, false, false]);
    expect(matches(schemaDefs.nixpkgsRev.pattern, '0'.repeat(40))).toBe(true);
    expect(matches(schemaDefs.nixpkgsRev.pattern, '0'.repeat(39))).toBe(false);
    expect(matches(schemaDefs.narHash.pattern, `sha256-${'a+/9'.repeat(10)}abc=`)).toBe(true);
    expect(matches(schemaDefs.narHash.pattern, `sha256-${'a'.repeat(44)}`)).toBe(false);
    expect(matches(schemaDefs.imageTag.pattern, 'v1.2_3-rc')).toBe(true);
    expect(matches(schemaDefs.imageTag.pattern, 'a'.repeat(129))).toBe(false);
  });
});
