import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as helpers from '../../src/definitions/helpers.js';
import { custom, defineConfig, python } from '../../src/definitions/helpers.js';
import { kernelKinds } from '../../src/definitions/schema.js';
import { validateConfig } from '../../src/definitions/validate.js';

const here = path.dirname(fileURLToPath(import.meta.url));

test('python() and custom() add the kind; defineConfig returns the config unchanged', () => {
  const py = python({ name: 'py', packages: ['numpy'] });
  const sh = custom({ name: 'sh', language: 'bash', argv: ['bash-kernel', '{connection_file}'] });
  expect(py).toEqual({ kind: 'python', name: 'py', packages: ['numpy'] });
  expect(sh).toEqual({ kind: 'custom', name: 'sh', language: 'bash', argv: ['bash-kernel', '{connection_file}'] });
  const config = { kernels: [py, sh] };
  expect(defineConfig(config)).toBe(config);
  expect(validateConfig(defineConfig(config), 'nixlab.config.ts').errors).toEqual([]);
});

test('every kernel kind has a helper that adds its kind, and the result validates', () => {
  const byKind = helpers as unknown as Record<string, (opts: { name: string }) => { kind: string }>;
  const minimal: Record<string, Record<string, unknown>> = { custom: { language: 'x', argv: ['x', '{connection_file}'] } };
  for (const kind of kernelKinds) {
    expect([kind, typeof byKind[kind]]).toEqual([kind, 'function']);
    const kernel = byKind[kind]!({ name: `k-${kind}`, ...minimal[kind] });
    expect(kernel.kind).toBe(kind);
    expect([kind, validateConfig(defineConfig({ kernels: [kernel as never] }), 'nixlab.config.ts').errors]).toEqual([kind, []]);
  }
});

test('helpers.ts has no runtime imports (users load it as nixlab/config)', async () => {
  const text = await readFile(path.join(here, '..', '..', 'src', 'definitions', 'helpers.ts'), 'utf8');
  const imports = [...text.matchAll(/^import\s+(?!type\b).*$/gm)].map((m) => m[0]);
  expect(imports).toEqual([]);
});
