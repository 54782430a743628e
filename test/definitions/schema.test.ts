import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { configSchema, kernelBranches, renderSchema, schemaId, type SchemaObject } from '../../src/definitions/schema.js';
import { kindNames } from '../../src/kernels/index.js';
import { targetNames } from '../../src/deploy/targets/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(here, '..', '..', 'src');
const typesFile = path.join(src, 'definitions', 'types.ts');
const kindFile = (kind: string) => path.join(src, 'kernels', `${kind}.ts`);
const kernelTypesFile = path.join(src, 'kernels', 'types.ts');
// A deployment target's settings (`hub.<target>`) are typed in its module (src/deploy/targets).
const targetFile = (target: string) => path.join(src, 'deploy', 'targets', `${target}.ts`);

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

  test('every schema property appears in types.ts, a kind module or a deployment target module', async () => {
    const text = (await Promise.all([typesFile, kernelTypesFile, ...kindNames.map(kindFile), ...targetNames.map(targetFile)].map((f) => readFile(f, 'utf8')))).join('\n');
    const names = new Set(allPropertyMaps(configSchema).flatMap(([, map]) => Object.keys(map)));
    const absent = [...names].filter((name) => {
      // hub.<target>: typed from the target registry (TargetSettings).
      if (targetNames.includes(name)) return false;
      const escaped = name.replace(/[$]/g, '\\$');
      return !new RegExp(`^\\s+${escaped}\\??:`, 'm').test(text) && !text.includes(`'${name}'`);
    });
    expect(absent).toEqual([]);
  });

  test('the input interfaces have exactly the schema fields, optional where not required', async () => {
    const types = interfaces((await Promise.all([typesFile, kernelTypesFile, ...kindNames.map(kindFile)].map((f) => readFile(f, 'utf8')))).join('\n'));
    const image = props(configSchema).image!;
    const base = types.get('KernelBase')!;
    const expectations: [string, SchemaObject, Map<string, boolean>][] = [
      ['Config', configSchema, types.get('Config')!],
      ['NixpkgsSettings', props(configSchema).nixpkgs!, types.get('NixpkgsSettings')!],
      ['ImageSettings', image, types.get('ImageSettings')!],
      ['ImageUser', props(image).user!, types.get('ImageUser')!],
      // One interface per kernel kind: `r` → RKernel, `javascript` → JavascriptKernel.
      ...kindNames.map((kind): [string, SchemaObject, Map<string, boolean>] => {
        const name = `${kind[0]!.toUpperCase()}${kind.slice(1)}Kernel`;
        expect([name, types.has(name)]).toEqual([name, true]);
        return [name, kernelBranches[kind]!, new Map([...base, ...types.get(name)!])];
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

  test('renderSchema is the schema as pretty JSON', () => {
    const text = renderSchema();
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "$id": "https://nixlab.dev/schema/config.json",\n');
    expect(JSON.parse(text)).toEqual(configSchema);
  });
});
