// The kernel kinds and their registry: each kind is one module holding its schema fragment,
// checks, normalisation, emitter, citations and test snippet; the schema, the validator, the
// helpers and `nixlab kernels` are built from them, so they cannot disagree.
import { kernelBranches, namedRules, renderSchema } from '../../src/definitions/schema.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { describeKinds } from '../../src/kernels/describe.js';
import { emitKernel, kernelKinds, kindNames, kindOf } from '../../src/kernels/index.js';
import { KERNEL_DERIVATION_NAMES, KERNEL_NAME_MAX } from '../../src/definitions/kernel-name.js';
import { NIX_DERIVATION_NAME_MAX } from '../../src/definitions/rules.js';
import { v } from '../../src/nix/ast.js';
import { renderInline } from '../../src/nix/render.js';
import * as config from '../../src/config.js';

describe('the registry', () => {
  test('has each kind once, and the schema has exactly one branch per kind', () => {
    expect(new Set(kindNames).size).toBe(kindNames.length);
    expect(Object.keys(kernelBranches).sort()).toEqual([...kindNames].sort());
  });

  test('each kind is also its config helper, exported by nixlab/config under its own name', () => {
    for (const kind of kernelKinds) {
      const helper = (config as Record<string, unknown>)[kind.kind];
      expect([kind.kind, helper]).toEqual([kind.kind, kind]);
      expect(kind({ name: 'x' } as never)).toEqual({ kind: kind.kind, name: 'x' });
    }
  });

  test('an unknown kind is answered with every kind, and what each says of when to choose it', () => {
    const errors = validateConfig({ kernels: [{ kind: 'racket', name: 'rkt' }] }, 'c.json', { baseDir: '/' }).errors;
    expect(errors.map((e) => e.message)).toEqual(['unknown kernel kind "racket"']);
    const hint = errors[0]!.hint;
    expect(hint).toBe(`use ${kindNames.map((k) => JSON.stringify(k)).join(', ')} (a custom kernel runs any command line)`);
    for (const kind of kernelKinds) if (kind.unknownKindHint) expect(hint).toContain(kind.unknownKindHint);
  });

  test('rule names of different kinds never collide, and every rule is in the schema', () => {
    const schema = JSON.parse(renderSchema());
    for (const name of Object.keys(namedRules)) expect([name, name in schema.$defs]).toEqual([name, true]);
  });
});

describe.each(kernelKinds.map((k) => [k.kind, k] as const))('the %s kind', (name, kind) => {
  test('its example validates, and normalises to its own kind and language', () => {
    const result = validateConfig({ kernels: [{ kind: name, ...kind.example }] }, 'c.json', { baseDir: '/' });
    expect(result.errors).toEqual([]);
    const k = result.config!.kernels[0]!;
    expect(k.kind).toBe(name);
    if (!kind.languageFromConfig) expect(k.language).toBe(kind.language);
  });

  test('cites the nixpkgs files it was checked against (paths in NixOS/nixpkgs, or owner/repo path upstream)', () => {
    expect(kind.checkedAgainst.length).toBeGreaterThan(0);
    expect(kind.checkedAgainst.some((f) => /^pkgs\/[\w./-]+\.nix$/.test(f))).toBe(true);
    for (const f of kind.checkedAgainst) expect(f).toMatch(/^(pkgs|doc)\/[\w./-]+$|^[\w.-]+\/[\w.-]+ [\w./-]+$/);
  });

  test(kind.languageFromConfig ? 'has no snippet (its language is the config\'s)' : 'has a snippet that prints 42, for `nixlab test`', () => {
    if (kind.languageFromConfig) expect(kind.snippet).toBeUndefined();
    else expect(kind.snippet).toEqual({ code: expect.stringMatching(/6.*7|7.*6/), expect: '42' });
  });

  test('declares what its emitted Nix relies on in nixpkgs (checked against the recorded facts: test/nixpkgs/facts.test.ts)', () => {
    const needs = kind.nixpkgs ?? {};
    expect([name, Object.keys(needs.envs ?? {}).length + (needs.definitions ?? []).length + (needs.instantiable ?? []).length + (needs.packageSets ?? []).length > 0]).toEqual([name, true]);
  });

  test('declares every derivation its emitter names after the kernel, which the kernel-name limit leaves room for', () => {
    const kernelName = 'k'.repeat(KERNEL_NAME_MAX);
    const k = validateConfig({ kernels: [{ kind: name, ...kind.example, name: kernelName }] }, 'c.json', { baseDir: '/' }).config!.kernels[0]!;
    const env = renderInline(emitKernel(k, v('kernelEnv')).env);
    // The Nix strings of the environment that carry the kernel's name: derivation names.
    const named = [...env.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!).filter((s) => s.includes(kernelName));
    const declared = Object.values(kind.derivationNames ?? {});
    expect(named.sort()).toEqual(declared.map((d) => d(kernelName)).sort());
    for (const d of declared) {
      expect(KERNEL_DERIVATION_NAMES).toContain(d);
      expect(d(kernelName).length).toBeLessThanOrEqual(NIX_DERIVATION_NAME_MAX);
    }
  });

  test('is found by name', () => {
    expect(kindOf(name)).toBe(kind);
  });
});

describe('nixlab kernels', () => {
  test('shows what the emitter writes for each example: the env expression and argv, rendered', () => {
    const described = new Map(describeKinds().map((d) => [d.kind, d]));
    expect([...described.keys()]).toEqual([...kindNames]);
    expect(described.get('python')!.env).toBe('pkgs.python3.withPackages (ps: [ ps.ipykernel ps.numpy ])');
    expect(described.get('python')!.argv).toBe('[ "${kernelEnv}/bin/python3" "-m" "ipykernel_launcher" "-f" "{connection_file}" ]');
    expect(described.get('r')!.env).toBe('pkgs.rWrapper.override { packages = [ pkgs.rPackages.IRkernel pkgs.rPackages.jsonlite ]; }');
    expect(described.get('custom')!.argv).toContain('"${kernelEnv}/bin/almond"');
    for (const d of described.values()) expect(d.options.every((o) => o.description.length > 0)).toBe(true);
  });
});
