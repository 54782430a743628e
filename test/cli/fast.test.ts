// The oclif-free start of `validate`, `generate` and `pack` (bin/run.js → cli/fast.ts): it
// understands exactly the flags the oclif commands declare (checked against their definitions
// and against oclif's own parser), hands every other command line to oclif, and prints and
// writes what oclif's run does, exit codes included.
import { Parser } from '@oclif/core';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import Generate from '../../src/commands/generate.js';
import Pack from '../../src/commands/pack.js';
import Validate from '../../src/commands/validate.js';
import { FAST_ARGS, FAST_FLAGS, parseFast } from '../../src/cli/fast.js';
import { nixlab } from '../helpers/cli.js';
import { buildFixture } from '../image/fixtures.js';

const DEMO = resolve('examples/demo/nixlab.yaml');

const COMMANDS = { validate: Validate, generate: Generate, pack: Pack } as const;

interface OclifFlag {
  char?: string;
  type: string;
  required?: boolean;
  multiple?: boolean;
  options?: string[];
  default?: unknown;
  allowNo?: boolean;
  parse: (input: string, ctx: unknown, opts: unknown) => Promise<unknown>;
}

describe('FAST_FLAGS', () => {
  it.each(Object.keys(COMMANDS) as (keyof typeof COMMANDS)[])('%s: the same flags as the oclif command (names, aliases, values, required, repeatable, options, defaults, --no-)', async (name) => {
    const command = COMMANDS[name];
    const flags = command.flags as unknown as Record<string, OclifFlag>;
    // An integer flag is told by what its parser makes of a number.
    const isInteger = async (f: OclifFlag) => f.type === 'option' && (await f.parse('7', {}, f)) === 7;
    const declared = await Promise.all(
      Object.entries(flags).map(async ([k, f]) => [
        k,
        f.char ?? null,
        f.type === 'option',
        f.required === true,
        { multiple: f.multiple === true, integer: await isInteger(f), options: f.options ?? null, default: f.default ?? null, allowNo: f.allowNo === true },
      ]),
    );
    const fast = Object.entries(FAST_FLAGS[name]!).map(([k, [char, value, required, more = {}]]) => [
      k,
      char,
      value,
      required,
      { multiple: more.multiple === true, integer: more.integer === true, options: more.options ?? null, default: more.default ?? null, allowNo: more.allowNo === true },
    ]);
    expect(fast.sort()).toEqual(declared.sort());
    const args = Object.entries(command.args as Record<string, { required?: boolean }>);
    expect(args.map(([k, a]) => [k, a.required === true])).toEqual([[FAST_ARGS[name]!.name, FAST_ARGS[name]!.required]]);
    // A variadic argument is a command that is not strict: every plain word is one.
    expect(command.strict === false).toBe(FAST_ARGS[name]!.variadic);
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
    [['pack', '/nix/store/a', '-o', 'x.tar'], { command: 'pack', flags: { paths: ['/nix/store/a'], output: 'x.tar', format: 'docker', 'max-layers': 100, cache: true } }],
    [
      ['pack', '-o', '-', 'a', '--no-cache', 'b', '--env', 'A=1', '-eB=2', '--max-layers=7', '--format', 'oci', '--json', '--prune', '-t', 'x:1'],
      { command: 'pack', flags: { paths: ['a', 'b'], output: '-', format: 'oci', 'max-layers': 7, cache: false, env: ['A=1', 'B=2'], json: true, prune: true, tag: 'x:1' } },
    ],
    [['pack', 'b', 'a', 'b', '-o', 'x', '--cache'], { command: 'pack', flags: { paths: ['b', 'b', 'a'], output: 'x', format: 'docker', 'max-layers': 100, cache: true } }],
    [
      ['pack', 'a', '--cmd', '["sh","-c","x"]', '--entrypoint', 'tini', '--entrypoint', '--', '--port=8888', '--volume', '/v', '--group', 'py=/nix/store/p', '--workdir', '/w', '-o', 'x'],
      null,
    ],
    [
      ['pack', 'a', '--cmd', '["sh","-c","x"]', '--entrypoint', 'tini', '--port=8888', '--volume', '/v', '--group', 'py=/nix/store/p', '--workdir', '/w', '-o', 'x'],
      {
        command: 'pack',
        flags: { paths: ['a'], cmd: ['["sh","-c","x"]'], entrypoint: ['tini'], port: ['8888'], volume: ['/v'], group: ['py=/nix/store/p'], workdir: '/w', output: 'x', format: 'docker', 'max-layers': 100, cache: true },
      },
    ],
  ])('%j → %j', (argv, expected) => {
    expect(parseFast(argv)).toEqual(expected);
    if (!expected) return;
    // What oclif's own parser makes of the same command line (the argument as the command reads it).
    const command = COMMANDS[argv[0] as keyof typeof COMMANDS] as unknown as { flags: Parameters<typeof Parser.parse>[1]['flags']; args: Parameters<typeof Parser.parse>[1]['args']; strict?: boolean };
    return Parser.parse(argv.slice(1), { flags: command.flags, args: command.args, strict: command.strict !== false }).then((parsed) => {
      const oclif = parsed as unknown as { flags: Record<string, unknown>; args: Record<string, unknown>; argv: string[] };
      const arg = FAST_ARGS[argv[0]!]!;
      const fromOclif = { ...oclif.flags, ...(arg.variadic ? { [arg.name]: oclif.argv } : oclif.args[arg.name] === undefined ? {} : { [arg.name]: oclif.args[arg.name] }) };
      expect(expected.flags).toEqual(fromOclif);
    });
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
    [['pack', '-o', 'x']],
    [['pack', 'a']],
    [['pack', 'a', '-o', 'x', '-o', 'y']],
    [['pack', 'a', '-o', 'x', '--format', 'tar']],
    [['pack', 'a', '-o', 'x', '--max-layers', 'many']],
    [['pack', 'a', '-o', 'x', '--max-layers', '-3']],
    [['pack', 'a', '-o', 'x', '--no-cache', '--cache']],
    [['pack', 'a', '-o', 'x', '--no-prune']],
    [['pack', 'a', '-o', 'x', '--no-cache=1']],
    [['pack', 'a', '-o', '--json']],
    [['pack', 'a', '-o', 'x', '--help']],
    [['pack', 'a', '-o', 'x', '--unknown']],
    // oclif gives `b` to --env (a repeatable flag takes the plain words after it, a boolean between or not).
    [['pack', '-o', 'x', '--env', 'A=1', 'b']],
    [['pack', '-o', 'x', '--env', 'A=1', '--json', 'b']],
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

  describe('pack: the same image bytes and messages without oclif as with it', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'nixlab-fast-pack-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    let runtime: string;
    beforeAll(async () => {
      runtime = await buildFixture('runtime');
    });

    /** Runs `pack …args` both ways (the oclif one through `--`, which the fast path refuses), writing `out` in turn. */
    async function both(args: string[], out: string) {
      const runs = [];
      for (const argv of [['pack', runtime, ...args], ['pack', ...args, '--', runtime]]) {
        rmSync(out, { force: true });
        const r = await nixlab(argv, { env: { NIXLAB_CACHE_DIR: join(tmp, 'cache') } });
        runs.push({ ...r, bytes: out === '-' ? undefined : readFileSync(out) });
      }
      expect(parseFast(['pack', runtime, ...args])).not.toBeNull();
      return runs;
    }

    it('a docker-archive (with the repeatable, integer, options and --no- flags), and --json', async () => {
      const out = join(tmp, 'image.tar');
      const flags = ['-o', out, '-t', 'fast/pack:1', '--cmd', '["sh","-c","id -u"]', '-e', 'A=1', '--env', 'B=2', '--volume', '/home/jovyan/work', '--port', '8888', '--max-layers', '3', '--format', 'docker', '--no-cache'];
      const [fast, viaOclif] = await both(flags, out);
      expect(fast!.exitCode).toBe(0);
      expect(fast!.bytes!.length).toBeGreaterThan(10240);
      expect(fast!.bytes!.equals(viaOclif!.bytes!)).toBe(true);
      expect([fast!.stdout, fast!.stderr]).toEqual([viaOclif!.stdout, viaOclif!.stderr]);
      expect(fast!.stdout).toMatch(/docker-archive, 3 layers/);
      const [fastJson, oclifJson] = await both([...flags, '--json'], out);
      expect(fastJson!.bytes!.equals(fast!.bytes!)).toBe(true);
      expect([fastJson!.exitCode, fastJson!.stdout, fastJson!.stderr]).toEqual([0, oclifJson!.stdout, oclifJson!.stderr]);
      expect(JSON.parse(fastJson!.stdout).layers).toHaveLength(3);
    });

    it('-o - (the tar on stdout, the summary on stderr)', async () => {
      // Each with a cache of its own (the default --cache), so that both hash every layer.
      const run = async (argv: string[]) => {
        const r = await execa('node', [resolve('bin/run.js'), ...argv], { encoding: 'buffer', reject: false, env: { NIXLAB_CACHE_DIR: mkdtempSync(join(tmp, 'cache-')) } });
        return { exitCode: r.exitCode, stdout: Buffer.from(r.stdout), stderr: Buffer.from(r.stderr).toString() };
      };
      expect(parseFast(['pack', runtime, '-o', '-'])).not.toBeNull();
      const fast = await run(['pack', runtime, '-o', '-']);
      const viaOclif = await run(['pack', '-o', '-', '--', runtime]);
      expect(fast.exitCode).toBe(0);
      expect(fast.stdout.length).toBeGreaterThan(10240);
      expect(fast.stdout.equals(viaOclif.stdout)).toBe(true);
      expect(fast.stderr).toBe(viaOclif.stderr);
      expect(fast.stderr).toMatch(/^stdout: docker-archive/);
    });

    it('-o - into a reader that stops early: the same EPIPE error and exit code (oclif swallows stdout EPIPE events; the fast path must not crash on one)', async () => {
      const run = async (argv: string[]) => {
        const script = `node "$0" "$@" 2>"$ERR" | head -c 1000 >/dev/null; echo "\${PIPESTATUS[0]}"`;
        const err = join(mkdtempSync(join(tmp, 'epipe-')), 'stderr');
        const r = await execa('bash', ['-c', script, resolve('bin/run.js'), ...argv], { env: { ERR: err, NIXLAB_CACHE_DIR: mkdtempSync(join(tmp, 'cache-')) } });
        return [r.stdout.trim(), readFileSync(err, 'utf8')];
      };
      const fast = await run(['pack', runtime, '-o', '-']);
      const viaOclif = await run(['pack', '-o', '-', '--', runtime]);
      expect(fast).toEqual(viaOclif);
      expect(fast[0]).toBe('2');
      expect(fast[1]).toMatch(/^error: stdout: .*EPIPE/);
    });

    it.each([
      ['a --cmd that is not a JSON array', (path: string) => [path, '--cmd', '[nope']],
      ['a path that is not a store path', () => ['/etc']],
    ])('bad input (%s): the same error, exit code 2, no file either way', async (_, args) => {
      const out = join(tmp, 'bad.tar');
      const [first, ...rest] = args(runtime);
      const fast = await nixlab(['pack', first!, ...rest, '-o', out]);
      expect(parseFast(['pack', first!, ...rest, '-o', out])).not.toBeNull();
      const viaOclif = await nixlab(['pack', ...rest, '-o', out, '--', first!]);
      expect(fast.exitCode).toBe(2);
      expect([fast.exitCode, fast.stdout, fast.stderr]).toEqual([viaOclif.exitCode, viaOclif.stdout, viaOclif.stderr]);
      expect(fast.stderr).toMatch(/^error: /m);
      expect(existsSync(out)).toBe(false);
    });
  });
});
