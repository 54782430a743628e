// nixlab/config: defineConfig and the kind helpers, as users' nixlab.config.ts files use them.
import { bash, custom, defineConfig, python } from '../src/config.js';
import { loadConfig } from '../src/definitions/load.js';
import { validateConfig } from '../src/definitions/validate.js';
import { kernelKinds } from '../src/kernels/index.js';

test('python() and custom() add the kind; defineConfig returns the config unchanged', () => {
  const py = python({ name: 'py', packages: ['numpy'] });
  const sh = custom({ name: 'sh', language: 'bash', argv: ['bash-kernel', '{connection_file}'] });
  expect(py).toEqual({ kind: 'python', name: 'py', packages: ['numpy'] });
  expect(sh).toEqual({ kind: 'custom', name: 'sh', language: 'bash', argv: ['bash-kernel', '{connection_file}'] });
  const config = { kernels: [py, sh, bash({ name: 'b' })] };
  expect(defineConfig(config)).toBe(config);
  expect(validateConfig(defineConfig(config), 'nixlab.config.ts').errors).toEqual([]);
});

test('every kernel kind declares kernels that validate', () => {
  for (const kind of kernelKinds) {
    const kernel = (kind as (opts: object) => { kind: string })(kind.example);
    expect(kernel.kind).toBe(kind.kind);
    expect([kind.kind, validateConfig(defineConfig({ kernels: [kernel as never] }), 'nixlab.config.ts', { baseDir: '/' }).errors]).toEqual([kind.kind, []]);
  }
});

test('a nixlab.config.ts that imports the helpers loads', async () => {
  const { config } = await loadConfig('test/definitions/fixtures/full/nixlab.config.ts');
  expect(config.kernels.map((k) => k.kind)).toEqual(['python', 'custom']);
});
