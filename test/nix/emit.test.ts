// Golden tests for the emitter: real .nix files, compared byte for byte and parsed by Nix.
// Regenerate with NIXLAB_UPDATE_GOLDEN=1 after an intended change, and review the diff.
import { loadConfig } from '../../src/definitions/load.js';
import { emitDefaultNix, emitProject, emitShellNix, kernelSpecFields } from '../../src/nix/emit.js';
import { packageRoot } from '../../src/paths.js';
import { evalJson, parseNix } from '../helpers/nix.js';
import { golden } from '../helpers/golden.js';

const CASES = {
  demo: 'examples/demo/nixlab.yaml',
  full: 'test/definitions/fixtures/full/nixlab.yaml',
  adversarial: 'test/nix/fixtures/adversarial/nixlab.json',
  mapped: 'test/nix/fixtures/mapped/nixlab.yaml',
};

describe.each(Object.entries(CASES))('emitting %s', (name, configFile) => {
  it('matches the golden default.nix and shell.nix, which Nix parses', async () => {
    const { config } = await loadConfig(configFile);
    for (const [kind, text] of [
      ['default', emitDefaultNix(config, 'nixlab.yaml')],
      ['shell', emitShellNix(config, 'nixlab.yaml')],
    ] as const) {
      expect(text).toBe(golden(`${name}.${kind}.nix`, text));
      await parseNix(text);
    }
  });

  it('is deterministic and free of host paths', async () => {
    const a = emitProject((await loadConfig(configFile)).config, 'nixlab.yaml');
    const b = emitProject((await loadConfig(configFile)).config, 'nixlab.yaml');
    expect(a).toEqual(b);
    for (const f of a) {
      if ('text' in f) {
        expect(f.text).not.toContain(packageRoot());
        expect(f.text).not.toMatch(/\/(tmp|home|root|work|usr)\//);
        expect(f.text.endsWith('\n')).toBe(true);
      }
    }
  });
});

describe('kernel.json text in the emitted Nix', () => {
  it('carries display names, env and metadata exactly (as JSON text Nix never re-encodes)', async () => {
    const { config } = await loadConfig(CASES.adversarial);
    const text = emitDefaultNix(config, 'nixlab.json');
    // Evaluate just the spec strings: replace the project's imports with stand-ins.
    const specs = [...text.matchAll(/spec = ("(?:[^"\\]|\\.)*");/g)].map((m) => m[1]!);
    expect(specs).toHaveLength(2);
    for (const [i, k] of config.kernels.entries()) {
      const back = (await evalJson(specs[i]!)) as string;
      expect(JSON.parse(back)).toEqual(JSON.parse(JSON.stringify(kernelSpecFields(k))));
    }
    const first = JSON.parse((await evalJson(specs[0]!)) as string);
    expect(first.display_name).toBe('Py ${builtins.currentSystem} "quoted" \\ back \'\'x\'\' — ünï 🎉');
    expect(first.metadata.f).toBe(0.30000000000000004);
    expect(first.env.outPath).toBe('x');
  });

  it('never turns user env var names into derivation attributes or code', async () => {
    const { config } = await loadConfig(CASES.adversarial);
    const text = emitDefaultNix(config, 'nixlab.json');
    expect(text).not.toMatch(/^\s*(outPath|__toString|PATH_EXTRA) =/m);
    expect(text).not.toMatch(/builtins\.fetch\w*\s*\{[^}]*\$\{/);
    // The only fetch is the pinned nixpkgs tarball.
    expect([...text.matchAll(/builtins\.fetch\w+/g)].map((m) => m[0])).toEqual(['builtins.fetchTarball']);
  });
});
