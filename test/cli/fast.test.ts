// The oclif-free start of `validate` and `generate` (bin/run.js → cli/fast.ts): it understands
// exactly the flags the oclif commands declare (checked against their definitions), hands every
// other command line to oclif, and prints what oclif's run prints, exit codes included.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Generate from '../../src/commands/generate.js';
import Validate from '../../src/commands/validate.js';
import { FAST_FLAGS, parseFast } from '../../src/cli/fast.js';
import { nixlab } from '../helpers/cli.js';

const DEMO = resolve('examples/demo/nixlab.yaml');

describe('FAST_FLAGS', () => {
  it.each([
    ['validate', Validate],
    ['generate', Generate],
  ] as const)('%s: the same flags as the oclif command (names, aliases, values, required)', (name, command) => {
    const declared = Object.entries(command.flags as Record<string, { char?: string; type: string; required?: boolean }>).map(([k, f]) => [k, f.char ?? null, f.type === 'option', f.required === true]);
    const fast = Object.entries(FAST_FLAGS[name]!).map(([k, [char, value, required]]) => [k, char, value, required]);
    expect(fast.sort()).toEqual(declared.sort());
    expect(Object.keys(command.args)).toEqual(['config']);
  });
});

describe('parseFast', () => {
  it.each<[string[], ReturnType<typeof parseFast>]>([
    [['validate'], { command: 'validate', flags: {} }],
    [['validate', 'x.yaml', '--json'], { command: 'validate', flags: { config: 'x.yaml', json: true } }],
    [['validate', '--pkgs', 'offline', 'x.yaml'], { command: 'validate', flags: { pkgs: 'offline', config: 'x.yaml' } }],
    [['validate', '--pkgs=offline'], { command: 'validate', flags: { pkgs: 'offline' } }],
    [['generate', '-o', 'out'], { command: 'generate', flags: { out: 'out' } }],
    [['generate', 'c.yaml', '-oout', '--json'], { command: 'generate', flags: { config: 'c.yaml', out: 'out', json: true } }],
    [['generate', '--out=out'], { command: 'generate', flags: { out: 'out' } }],
  ])('%j → %j', (argv, expected) => {
    expect(parseFast(argv)).toEqual(expected);
  });

  it.each([
    [[]],
    [['build', 'x.yaml']],
    [['validate', '--help']],
    [['validate', '-h']],
    [['validate', '--verbose']],
    [['validate', 'a.yaml', 'b.yaml']],
    [['validate', '--json', '--json']],
    [['validate', '--json=yes']],
    [['validate', '--pkgs']],
    [['validate', '--pkgs', '--json']],
    [['generate']],
    [['generate', 'c.yaml', '--out']],
    [['generate', '-x', 'out']],
  ])('%j → oclif', (argv) => {
    expect(parseFast(argv)).toBeNull();
  });
});

describe('bin/run.js', () => {
  it('validate prints the same without oclif as with it', async () => {
    // `--` (end of flags) means the same to oclif, and the fast path hands it to oclif.
    const fast = await nixlab(['validate', DEMO, '--json']);
    const viaOclif = await nixlab(['validate', '--json', '--', DEMO]);
    expect(parseFast(['validate', '--json', '--', DEMO])).toBeNull();
    expect([fast.exitCode, fast.stdout, fast.stderr]).toEqual([viaOclif.exitCode, viaOclif.stdout, viaOclif.stderr]);
  });

  it('a bad config: the same errors and exit code 2 either way', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-fast-'));
    const config = join(dir, 'nixlab.yaml');
    writeFileSync(config, 'kernels:\n  - {kind: python, name: "a b"}\n');
    const fast = await nixlab(['validate', config]);
    const viaOclif = await nixlab(['validate', '--', config]);
    expect(fast.exitCode).toBe(2);
    expect([fast.exitCode, fast.stdout, fast.stderr]).toEqual([viaOclif.exitCode, viaOclif.stdout, viaOclif.stderr]);
    expect(fast.stderr).toMatch(/^error: .*nixlab\.yaml/m);
  });

  it('generate without oclif writes the project', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nixlab-fast-')), 'gen');
    const r = await nixlab(['generate', DEMO, '-o', out, '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).files).toContain('default.nix');
  });
});
