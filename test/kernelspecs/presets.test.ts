// The preset descriptors `nixlab kernels` lists, checked against what nixlab really does: the
// schema's kinds and options, the normalised defaults, the nixpkgs attributes the emitted code
// uses, and the nixpkgs files cited in the sources.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { presets, type KernelPreset } from '../../kernelspecs/index.js';
import { kernelBranches, kernelKinds, schemaDefs, type SchemaObject } from '../../src/definitions/schema.js';
import type { NormalizedKernel } from '../../src/definitions/types.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { v } from '../../src/nix/ast.js';
import { emitKernel } from '../../src/nix/kernels/index.js';
import { renderInline } from '../../src/nix/render.js';

const byKind = new Map(presets.map((p) => [p.kind, p]));
const props = (s: SchemaObject): Record<string, SchemaObject> => s.properties as Record<string, SchemaObject>;
const commonKeys = new Set(Object.keys(props(kernelBranches.python)).filter((k) => k in props(kernelBranches.go)));

function normalised(kernel: Record<string, unknown>): NormalizedKernel {
  const result = validateConfig({ kernels: [kernel] }, 'nixlab.json');
  expect(result.errors).toEqual([]);
  return result.config!.kernels[0]!;
}

/** The comments of a source file as one line of text (`//` lines joined with spaces). */
function comments(file: string): string {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => /^\s*(\/\/|\/?\*)/.test(l))
    .map((l) => l.replace(/^\s*(\/\/|\/?\*+\/?)\s?/, ''))
    .join(' ');
}

/** A nixpkgs path, or the path part of an upstream `owner/repo path` entry. */
const citedPath = (entry: string): string => entry.split(' ').pop()!;

/** The kernelspecs/ sources of a preset: its own file and the local files it imports. */
function presetSources(kind: string): string[] {
  const own = join('kernelspecs', `${kind}.ts`);
  const imports = [...readFileSync(own, 'utf8').matchAll(/from '\.\/(\w+)\.js'/g)].map((m) => m[1]!).filter((f) => f !== 'types');
  return [own, ...imports.map((f) => join('kernelspecs', `${f}.ts`))];
}

describe('the presets', () => {
  test('are exactly the kernel kinds, each once', () => {
    expect(presets.map((p) => p.kind).sort()).toEqual([...kernelKinds].sort());
  });

  test.each(presets.map((p) => [p.kind, p] as const))('%s: options are the schema branch\'s own keys, with its types and choices', (kind, preset) => {
    const branch = props(kernelBranches[kind as (typeof kernelKinds)[number]]);
    const own = Object.keys(branch).filter((k) => k !== 'kind' && !commonKeys.has(k));
    expect(preset.options.map((o) => o.name).sort()).toEqual(own.sort());
    for (const o of preset.options) {
      const schema = branch[o.name]!;
      const target = (schema.$ref ? kernelSchemaDef(String(schema.$ref)) : schema) as SchemaObject;
      const type = target.type === 'array' ? 'string[]' : target.type === 'integer' ? 'number' : target.type;
      expect([o.name, o.type]).toEqual([o.name, type]);
      expect([o.name, o.values]).toEqual([o.name, target.enum]);
    }
  });

  test.each(presets.filter((p) => p.kind !== 'custom').map((p) => [p.kind, p] as const))('%s: language and option defaults are what validation fills in', (kind, preset) => {
    const k = normalised({ kind, name: 'k' }) as unknown as Record<string, unknown>;
    expect(k.language).toBe(preset.language);
    for (const o of preset.options) expect([o.name, k[o.name]]).toEqual([o.name, o.default]);
  });

  test.each(presets.map((p) => [p.kind, p] as const))('%s: cites every file it was checked against, in the preset and in its emitter', (kind, preset) => {
    expect(preset.checkedAgainst.length).toBeGreaterThan(0);
    const presetComments = presetSources(kind).map(comments).join(' ');
    for (const entry of preset.checkedAgainst) expect([entry, presetComments.includes(citedPath(entry))]).toEqual([entry, true]);
    const emitterComments = comments(join('src/nix/kernels', `${kind}.ts`)) + ' ' + (['javascript', 'typescript'].includes(kind) ? comments('src/nix/kernels/deno.ts') : '');
    const nixpkgsFiles = preset.checkedAgainst.filter((e) => e.startsWith('pkgs/'));
    expect([kind, nixpkgsFiles.some((f) => emitterComments.includes(f))]).toEqual([kind, true]);
  });
});

/** The named schema a `#/$defs/<name>` reference points at. */
function kernelSchemaDef(ref: string): unknown {
  return (schemaDefs as Record<string, unknown>)[ref.replace('#/$defs/', '')];
}

/**
 * The nixpkgs attribute paths an emitted kernel uses: `pkgs.a.b` selects (and `pkgs.a ? b`
 * tests), with `ps.<name>` mapped to the package set `ps` stands for and the test's package
 * names replaced by `<package>`.
 */
function usedAttributes(k: NormalizedKernel, psSet: string | undefined, packages: string[]): Set<string> {
  const { env, argv } = emitKernel(k, v('kernelEnv'));
  const envText = renderInline(env);
  // When the env is itself a nixpkgs attribute, argv's references to it are uses of that attribute.
  const argvText = /^pkgs\.[\w'.-]+$/.test(envText) ? renderInline(argv).replaceAll('kernelEnv', envText) : renderInline(argv);
  const out = new Set<string>();
  const name = "[A-Za-z_][A-Za-z0-9_'-]*";
  for (const m of `${envText}\n${argvText}`.matchAll(new RegExp(`\\b(pkgs|ps)((?:\\.${name})+)(?: \\? (${name}))?`, 'g'))) {
    const path = (m[1] === 'ps' ? psSet! : '') + m[2]! + (m[3] ? `.${m[3]}` : '');
    const parts = path.replace(/^\./, '').split('.');
    out.add(parts.map((p, i) => (i > 0 && packages.includes(p) ? '<package>' : p)).join('.'));
  }
  return out;
}

/** Kernels of each kind covering every branch of its emitter; `ps` is the package set `ps.` means. */
const VARIANTS: Record<string, { kernels: Record<string, unknown>[]; ps?: string }> = {
  r: { kernels: [{ packages: ['pkgA'] }] },
  go: { kernels: [{}] },
  cpp: { kernels: [{}, { std: 20 }] },
  rust: { kernels: [{}] },
  haskell: { kernels: [{ packages: ['pkgA'] }], ps: 'haskellPackages' },
  bash: { kernels: [{}], ps: 'python3Packages' },
  javascript: { kernels: [{}] },
  typescript: { kernels: [{}] },
  octave: { kernels: [{}, { packages: ['pkgA'] }], ps: 'octavePackages' },
  ruby: { kernels: [{}] },
  clojure: { kernels: [{}] },
};

describe('nixpkgsAttributes', () => {
  test('every preset but python and custom (whose attributes depend on the config) has its emitter variants here', () => {
    expect(Object.keys(VARIANTS).sort()).toEqual(kernelKinds.filter((k) => k !== 'python' && k !== 'custom').sort());
  });

  test.each(Object.entries(VARIANTS))('%s: lists exactly the nixpkgs attributes the emitted code uses', (kind, { kernels, ps }) => {
    const preset = byKind.get(kind) as KernelPreset;
    const used = new Set<string>();
    for (const extra of kernels) for (const a of usedAttributes(normalised({ kind, name: 'k', ...extra }), ps, ['pkgA'])) used.add(a);
    // A used attribute may be a prefix of a listed one (`cpp17-kernel` of `cpp17-kernel.argv`).
    for (const a of used) expect([a, preset.nixpkgsAttributes.some((listed) => listed === a || listed.startsWith(`${a}.`))]).toEqual([a, true]);
    for (const listed of preset.nixpkgsAttributes) expect([listed, used.has(listed)]).toEqual([listed, true]);
  });
});
