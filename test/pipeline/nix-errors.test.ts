// Nix's errors told in the config's terms, for real: `nixlab build` (and `shell`) of broken
// configs against the offline package set, through the compiled CLI. Each case asserts the
// config path and the kernel in the message, the exit code (2: the config's mistake; 1: a build
// or Nix itself failed), and that nothing was written. The parser is also checked on output
// forms this machine's Nix (2.8) does not print.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { locate, nixpkgsSetting, parseNixLog, parseRefusal } from '../../src/pipeline/nix-errors.js';
import { loadConfig } from '../../src/definitions/load.js';
import { emitMappedFiles } from '../../src/nix/emit.js';
import { execa } from 'execa';
import { readSourceMap } from '../../src/pipeline/nix-build.js';
import { nixlab, type CliResult } from '../helpers/cli.js';
import { NIX_BINARIES, nixCommand, type NixBinary } from '../helpers/nix.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-nix-errors-'));
let n = 0;

/** A fresh directory holding `files` (path → text); returns it. */
function project(files: Record<string, string>): string {
  const dir = join(work, `p${n++}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** `nixlab build CONFIG --pkgs offline -q` in `dir`, with an image output and a GC root there. */
async function build(dir: string, config = 'nixlab.yaml', extra: string[] = [], env?: Record<string, string>): Promise<CliResult> {
  return nixlab(['build', config, '--pkgs', 'offline', '-q', '-o', join(dir, 'image.tar'), '--out-link', join(dir, 'result'), '--generated-dir', join(dir, 'gen'), ...extra], { cwd: dir, env });
}

const errorLines = (r: CliResult): string[] => r.stderr.split('\n').filter((l) => l.startsWith('error: '));

const yaml = (kernels: string, top = ''): string => `${top}kernels:\n${kernels}`;
const custom = (name: string, extra: string): string => `  - kind: custom\n    name: ${name}\n    language: sh\n    argv: [sh, "{connection_file}"]\n${extra}`;

// A user's Nix file with a syntax error on line 4, column 6, and one with a type error at 4:8.
const SYNTAX_ERROR = '{ pkgs }:\npkgs.runCommand "syn" { } \'\'\n  mkdir $out\n\'\' + ;\n';
const TYPE_ERROR = '{ pkgs }:\npkgs.runCommand "bad" { } \'\'\n  mkdir $out\n  echo ${ { a = 1; } } > $out/x\n\'\'\n';
const ASSERTION = '{ pkgs }:\nassert pkgs ? no-such-package;\npkgs.busybox\n';

interface Case {
  name: string;
  files: Record<string, string>;
  config?: string;
  /** The first error line starts with this `where`. */
  where: string;
  /** …and contains each of these. */
  says: string[];
}

const CASES: Case[] = [
  {
    name: 'a package typo in a python kernel',
    files: { 'nixlab.yaml': yaml('  - kind: python\n    name: py\n    packages: [numpyy]\n') },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "py"', 'package "numpyy" is not in python3Packages', "Nix: attribute 'numpyy' missing", 'did you mean numpy?', 'Fix: python3Packages has no "numpyy"; close names there: "numpy"'],
  },
  {
    name: 'a typo in an R kernel (rPackages)',
    files: { 'nixlab.yaml': yaml('  - kind: r\n    name: stats\n    packages: [jsonlitee]\n') },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "stats"', 'is not in rPackages', "attribute 'jsonlitee' missing", 'rPackages has no "jsonlitee"; close names there: "jsonlite"'],
  },
  {
    name: 'a typo in an Octave kernel (octavePackages)',
    files: { 'nixlab.yaml': yaml('  - kind: octave\n    name: oct\n    packages: [signall]\n') },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "oct"', "attribute 'signall' missing", 'octavePackages has no "signall"; close names there: "signal"'],
  },
  {
    name: "a typo in a custom kernel's packages (pkgs)",
    files: { 'nixlab.yaml': yaml(custom('sh', '    packages: [busyboxx]\n')) },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "sh"', "attribute 'busyboxx' missing", 'pkgs has no "busyboxx"; close names there: "busybox"'],
  },
  {
    name: "a syntax error in a custom kernel's Nix file: the user's file and line",
    files: { 'nixlab.yaml': yaml(custom('syn', '    nix: k/syn.nix\n')), 'k/syn.nix': SYNTAX_ERROR },
    where: 'k/syn.nix:4:6',
    says: ['kernel "syn" (nixlab.yaml:$.kernels[0].nix)', "Nix: syntax error, unexpected ';'", 'fix your Nix file at that line'],
  },
  {
    name: "a type error in a custom kernel's Nix file: the user's file and line",
    files: { 'nixlab.yaml': yaml(custom('bad', '    nix: k/bad.nix\n')), 'k/bad.nix': TYPE_ERROR },
    where: 'k/bad.nix:4:8',
    says: ['kernel "bad" (nixlab.yaml:$.kernels[0].nix)', 'Nix: cannot coerce a set to a string'],
  },
  {
    name: "a failed assertion in a custom kernel's Nix file",
    files: { 'nixlab.yaml': yaml(custom('as', '    nix: k/as.nix\n')), 'k/as.nix': ASSERTION },
    where: 'k/as.nix:2:1',
    says: ['kernel "as"', "Nix: assertion '((pkgs) ? no-such-package)' failed"],
  },
  {
    name: "an undefined variable in a custom kernel's Nix file",
    files: { 'nixlab.yaml': yaml(custom('uv', '    nix: k/uv.nix\n')), 'k/uv.nix': '{ pkgs }:\npkgs.symlinkJoin { name = "uv"; paths = [ busybox ]; }\n' },
    where: 'k/uv.nix:2:43',
    says: ['kernel "uv"', "Nix: undefined variable 'busybox'"],
  },
  {
    name: "an abort in a custom kernel's Nix file (found by evaluating the file alone)",
    files: { 'nixlab.yaml': yaml(`  - kind: python\n    name: py\n${custom('ab', '    nix: k/ab.nix\n')}`), 'k/ab.nix': '{ pkgs }:\nabort "this kernel is not ready"\n' },
    where: 'k/ab.nix:1:1',
    says: ['kernel "ab" (nixlab.yaml:$.kernels[1].nix)', "Nix: evaluation aborted with the following error message: 'this kernel is not ready'"],
  },
  {
    name: 'an unfree Python package without allowUnfree (gurobipy)',
    files: { 'nixlab.yaml': yaml('  - kind: python\n    name: opt\n    packages: [numpy, gurobipy]\n') },
    where: 'nixlab.yaml:$.kernels[0].packages[1]',
    says: ['kernel "opt"', 'package "gurobipy" is refused by nixpkgs', "Refusing to evaluate package 'python3.", "-gurobipy-11.0.3' in ", 'has an unfree license', 'write in nixlab.yaml: nixpkgs: { allowUnfree: true }'],
  },
  {
    name: 'an unfree top-level package in a custom kernel (unrar)',
    files: { 'nixlab.yaml': yaml(custom('rar', '    packages: [busybox, unrar]\n')) },
    where: 'nixlab.yaml:$.kernels[0].packages[1]',
    says: ['kernel "rar"', "Refusing to evaluate package 'unrar-7.3.1'", 'nixpkgs: { allowUnfree: true }'],
  },
  {
    name: 'a broken package (tebreak)',
    files: { 'nixlab.yaml': yaml(custom('tb', '    packages: [tebreak]\n')) },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "tb"', 'has problems: - broken: This package is broken.', 'nixpkgs marks tebreak-1.1 as broken', 'nixpkgs: { allowBroken: true }'],
  },
  {
    name: 'an insecure package (olm)',
    files: { 'nixlab.yaml': yaml(custom('crypto', '    packages: [olm]\n')) },
    where: 'nixlab.yaml:$.kernels[0].packages[0]',
    says: ['kernel "crypto"', 'is marked as insecure', 'nixpkgs: { permittedInsecurePackages: ["olm-3.2.13"] }'],
  },
  {
    name: "a custom kernel's Nix file that needs an unfree package",
    files: { 'nixlab.yaml': yaml(custom('rar', '    nix: k/rar.nix\n')), 'k/rar.nix': '{ pkgs }:\npkgs.symlinkJoin { name = "rar"; paths = [ pkgs.unrar ]; }\n' },
    where: 'nixlab.yaml:$.kernels[0].nix',
    says: ['kernel "rar": its Nix file k/rar.nix needs unrar-7.3.1, which nixpkgs refuses', 'nixpkgs: { allowUnfree: true }'],
  },
  {
    name: 'the allowing line in JSON syntax, beside existing nixpkgs settings',
    files: { 'nixlab.json': JSON.stringify({ nixpkgs: { allowBroken: true }, kernels: [{ kind: 'custom', name: 'rar', language: 'sh', argv: ['sh', '{connection_file}'], packages: ['unrar'] }] }) },
    config: 'nixlab.json',
    where: 'nixlab.json:$.kernels[0].packages[0]',
    says: ['"nixpkgs": { …, "allowUnfree": true }'],
  },
  {
    name: 'the allowing line in TypeScript syntax',
    files: { 'nixlab.config.ts': "export default { kernels: [{ kind: 'custom', name: 'crypto', language: 'sh', argv: ['sh', '{connection_file}'], packages: ['olm'] }] };\n" },
    config: 'nixlab.config.ts',
    where: 'nixlab.config.ts:$.kernels[0].packages[0]',
    says: ["nixpkgs: { permittedInsecurePackages: ['olm-3.2.13'] }"],
  },
  {
    name: "a kernel whose environment the package set cannot provide (a throw, traced by evaluating each part)",
    files: { 'nixlab.yaml': yaml('  - kind: python\n    name: py\n  - kind: go\n    name: golang\n') },
    where: 'nixlab.yaml:$.kernels[1]',
    says: ['kernel "golang"', 'its environment does not evaluate with this package set', 'gophernotes is not available in the offline package set'],
  },
];

describe('nixlab build: evaluation errors point at the config (exit 2, nothing written)', () => {
  it.each(CASES.map((c) => [c.name, c]))('%s', async (_name, c) => {
    const dir = project(c.files);
    const r = await build(dir, c.config);
    expect([r.exitCode, r.stderr]).toEqual([2, expect.any(String)]);
    const first = errorLines(r)[0] ?? '';
    expect(first.startsWith(`error: ${c.where}: `)).toBe(true);
    for (const s of c.says) expect([s, first.includes(s)]).toEqual([s, true]);
    expect(first).toContain('. Fix: ');
    expect(r.stderr).not.toContain('.nixlab/default.nix');
    expect(r.stderr).not.toContain('/gen/default.nix');
    // Nothing is written: no image, no GC root.
    expect(existsSync(join(dir, 'image.tar'))).toBe(false);
    expect(existsSync(join(dir, 'result'))).toBe(false);
  });

  it('reports every package that fails at once, the one Nix stopped at first', async () => {
    const dir = project({ 'nixlab.yaml': yaml(`${custom('c', '    packages: [busybox, unrar]\n')}  - kind: r\n    name: r\n    packages: [jsonlite, jsonlitee]\n  - kind: python\n    name: py\n    packages: [polars]\n`) });
    const r = await build(dir);
    expect(r.exitCode).toBe(2);
    const where = errorLines(r).map((l) => l.split(': ')[1]);
    expect(where.sort()).toEqual(['nixlab.yaml:$.kernels[0].packages[1]', 'nixlab.yaml:$.kernels[1].packages[1]', 'nixlab.yaml:$.kernels[2].packages[0]']);
    expect(r.stderr).toContain('python313Packages.polars is not available in the offline package set');
  });

  it('keeps Nix’s own output for --verbose and DEBUG=1, below the explanation', async () => {
    const dir = project({ 'nixlab.yaml': yaml('  - kind: python\n    name: py\n    packages: [numpyy]\n') });
    const plain = await build(dir);
    expect(plain.stderr).not.toContain('--- raw output ---');
    for (const r of [await build(dir, 'nixlab.yaml', ['--verbose']), await build(dir, 'nixlab.yaml', [], { DEBUG: '1' })]) {
      expect(r.exitCode).toBe(2);
      const raw = r.stderr.indexOf('--- raw output ---');
      expect(raw).toBeGreaterThan(r.stderr.indexOf('error: nixlab.yaml:$.kernels[0].packages[0]'));
      expect(r.stderr.slice(raw)).toMatch(/error: attribute 'numpyy' missing\n\n\s+at \/\S+\/gen\/default\.nix:\d+:\d+:/);
    }
  });
});

describe('nixlab build: the same configs build once nixpkgs is allowed to', () => {
  it('allowUnfree: true builds gurobipy (python) and unrar (custom)', async () => {
    const dir = project({
      'nixlab.yaml': yaml(`  - kind: python\n    name: opt\n    packages: [gurobipy]\n${custom('rar', '    packages: [busybox, unrar]\n')}`, 'nixpkgs:\n  allowUnfree: true\n'),
    });
    const r = await build(dir, 'nixlab.yaml', []);
    expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('error'))]).toEqual([0, []]);
    expect(existsSync(join(dir, 'result'))).toBe(true);
  });

  it('allowBroken and permittedInsecurePackages build tebreak and olm', async () => {
    const dir = project({ 'nixlab.yaml': yaml(custom('c', '    packages: [tebreak, olm]\n'), 'nixpkgs:\n  allowBroken: true\n  permittedInsecurePackages: [olm-3.2.13]\n') });
    const r = await build(dir);
    expect([r.exitCode, errorLines(r)]).toEqual([0, []]);
  });
});

describe('nixlab build: failures that are not the config’s (exit 1)', () => {
  it('a derivation that fails to build names the kernel, shows its last log lines and the `nix log` command', async () => {
    const failing = '{ pkgs }:\npkgs.runCommand "failing-kernel" { } \'\'\n  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do echo "build line $i"; done\n  echo "the last words of the builder" >&2\n  exit 1\n\'\'\n';
    const dir = project({ 'nixlab.yaml': yaml(`  - kind: python\n    name: py\n${custom('fails', '    nix: k/fail.nix\n')}`), 'k/fail.nix': failing });
    const r = await build(dir);
    expect(r.exitCode).toBe(1);
    const first = errorLines(r)[0]!;
    expect(first).toMatch(/^error: building the environment of kernel "fails" \(nixlab\.yaml:\$\.kernels\[1\]\): \/nix\/store\/[a-z0-9]{32}-failing-kernel\.drv failed to build/);
    expect(first).toContain('it is the derivation of your Nix file k/fail.nix (nixlab.yaml:$.kernels[1].nix)');
    expect(r.stderr).toMatch(/`nix-build .*` exited with code \d+/);
    expect(r.stderr).toContain('--- last 20 log lines ---');
    expect(r.stderr).toContain('build line 25\nthe last words of the builder');
    expect(r.stderr).not.toContain('build line 5\n');
    expect(r.stderr).toMatch(/Try this: `nix log \/nix\/store\/[a-z0-9]{32}-failing-kernel\.drv`/);
    expect(existsSync(join(dir, 'image.tar'))).toBe(false);
    expect(existsSync(join(dir, 'result'))).toBe(false);
  });

  it('Nix itself failing (no store daemon) stays a tool error with the command', async () => {
    const dir = project({ 'nixlab.yaml': yaml('  - kind: python\n    name: py\n    packages: [numpyy]\n') });
    const r = await build(dir, 'nixlab.yaml', [], { NIX_REMOTE: `unix://${join(work, 'no-such-socket')}` });
    expect(r.exitCode).toBe(1);
    expect(errorLines(r)[0]).toMatch(/^error: building imageRoot: `nix-build .*` exited with code 1$/);
    expect(r.stderr).toContain('cannot connect to socket');
    expect(r.stderr).not.toContain('$.kernels');
  });
});

describe('nixlab shell explains Nix’s errors too', () => {
  it('a package typo: exit 2 at the config path, no shell started', async () => {
    const dir = project({ 'nixlab.yaml': yaml('  - kind: python\n    name: py\n    packages: [pandass]\n') });
    const r = await nixlab(['shell', '--pkgs', 'offline', '--', 'sh', '-c', 'echo started'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(errorLines(r)[0]).toMatch(/^error: nixlab\.yaml:\$\.kernels\[0\]\.packages\[0\]: kernel "py": package "pandass".*close names there: "pandas"/);
    expect(r.stdout).not.toContain('started');
  });
});

// Each Nix prints its errors its own way (2.8: the message first and the trace innermost first;
// 2.18 and later: a bare `error:`, frames outermost first). The positions nixlab traces to the
// config must come out of both: the generated project of each case, instantiated with each Nix
// against the offline set, read with parseNixLog and located with the project's source map.
// (The other cases are traced by nixlab's probes, evaluations of its own, after the first error.)
const BY_POSITION = CASES.filter((c) => !/abort|unfree|broken|insecure|allowing line|cannot provide/.test(c.name));

describe.each(NIX_BINARIES.map((n) => [n.label, n] as const))('evaluation errors under %s point at the config', (_label, nixBin: NixBinary) => {
  it.each(BY_POSITION.map((c) => [c.name, c]))('%s', async (_name, c) => {
    const dir = project(c.files);
    const gen = join(dir, 'gen');
    const g = await nixlab(['generate', c.config ?? 'nixlab.yaml', '--out', gen], { cwd: dir });
    expect([g.exitCode, g.stderr]).toEqual([0, '']);
    const [cmd, args] = nixCommand(nixBin, 'nix-instantiate');
    const offline = join(process.cwd(), 'offline');
    // --show-trace as nixBuild passes it: Nix 2.18 and later print no position without it.
    const r = await execa(cmd, [...args, gen, '-A', 'imageRoot', '--arg', 'pkgs', `import ${offline} { }`, '--show-trace'], { reject: false, cwd: dir });
    expect(r.exitCode).not.toBe(0);
    const failure = parseNixLog(r.stderr);
    expect(failure.kind).not.toBe('none');
    const located = locate(failure.positions, await readSourceMap(gen), gen, c.config ?? 'nixlab.yaml');
    if (located?.userFile) expect([located.userFile.line, located.userFile.column]).toEqual(c.where.split(':').slice(1).map(Number));
    else expect(`${c.config ?? 'nixlab.yaml'}:${located?.entry.at}`).toBe(c.where);
  });
});

describe('locate', () => {
  it('takes the first position inside the map, and the innermost expression holding it', async () => {
    const { config, data } = await loadConfig('test/nix/fixtures/mapped/nixlab.yaml');
    const { sourceMap: map } = emitMappedFiles(config, 'nixlab.yaml', data);
    const numpy = map.entries.find((e) => e.at === '$.kernels[0].packages[1]')!;
    const kernel = map.entries.find((e) => e.at === '$.kernels[0]' && e.role === 'kernel')!;
    const gen = '/p/gen';
    const at = (file: string, [line, column]: [number, number]) => ({ file: `${gen}/${file}`, line, column });
    // Inside the package: the package, not the kernel around it.
    expect(locate([at('default.nix', numpy.start)], map, gen, 'nixlab.yaml')?.entry).toBe(numpy);
    expect(locate([at('default.nix', [numpy.end[0], numpy.end[1] - 1])], map, gen, 'nixlab.yaml')?.entry).toBe(numpy);
    // Its end is outside it (ranges end before `end`); the kernel's own start is the kernel.
    expect(locate([at('default.nix', numpy.end)], map, gen, 'nixlab.yaml')?.entry).not.toBe(numpy);
    expect(locate([at('default.nix', kernel.start)], map, gen, 'nixlab.yaml')?.entry).toBe(kernel);
    // Positions outside the map (nixpkgs, nixlab's library, the header comment) are passed over.
    const first = locate([{ file: '/o/python/default.nix', line: 70, column: 21 }, at('nixlab/lib.nix', [20, 3]), at('default.nix', [1, 1]), at('default.nix', numpy.start)], map, gen, 'nixlab.yaml');
    expect(first?.entry).toBe(numpy);
    // A custom kernel's Nix file: the user's file (relative to the config), same line and column.
    const user = locate([at('assets/c/nix/kernel.nix', [2, 3])], map, gen, 'conf/nixlab.yaml');
    expect([user?.entry.at, user?.userFile]).toEqual(['$.kernels[5].nix', { file: 'conf/k/kernel.nix', line: 2, column: 3 }]);
    expect(locate([{ file: '«string»', line: 1, column: 1 }], map, gen, 'nixlab.yaml')).toBeUndefined();
  });
});

describe('parseNixLog', () => {
  it('reads Nix 2.8: the message, its position, the suggestion, the trace innermost first', () => {
    const log = [
      "error: attribute 'numpyy' missing",
      '',
      '       at /p/gen/default.nix:18:62:',
      '',
      '           17|   # kernel "py" (python)',
      '           18|   kernelEnv0 = pkgs.python3.withPackages (ps: [ ps.ipykernel ps.numpyy ]);',
      '             |                                                              ^',
      '       Did you mean numpy?',
      '',
      '       … while evaluating anonymous lambda',
      '',
      '       at /o/python/default.nix:70:21:',
      '',
      '       … from call site',
    ].join('\n');
    const f = parseNixLog(log);
    expect(f).toMatchObject({ kind: 'evaluation', message: ["attribute 'numpyy' missing"], didYouMean: 'numpy', failedBuilds: [] });
    expect(f.positions).toEqual([
      { file: '/p/gen/default.nix', line: 18, column: 62 },
      { file: '/o/python/default.nix', line: 70, column: 21 },
    ]);
  });

  it('reads newer Nix: a bare `error:`, frames outermost first, then the message', () => {
    const log = [
      'error:',
      "       … while evaluating the attribute 'drvPath'",
      '         at /nix/store/x-source/lib/customisation.nix:365:7:',
      '          364|     in commonAttrs // {',
      '             |       ^',
      "       … while calling the 'throw' builtin",
      '         at «github:NixOS/nixpkgs/abc»/pkgs/top-level/aliases.nix:12:3:',
      '       … while evaluating the kernel',
      '         at /p/gen/default.nix:18:64:',
      '',
      '       error: polars has been removed',
      '       (and a second line of the message)',
    ].join('\n');
    const f = parseNixLog(log);
    expect(f.message).toEqual(['polars has been removed', '(and a second line of the message)']);
    expect(f.positions.map((p) => `${p.file}:${p.line}`)).toEqual(['/p/gen/default.nix:18', '«github:NixOS/nixpkgs/abc»/pkgs/top-level/aliases.nix:12', '/nix/store/x-source/lib/customisation.nix:365']);
  });

  it('finds failed builders in both wordings, and positions without a column', () => {
    expect(parseNixLog("building '/nix/store/a-x.drv'...\nerror: builder for '/nix/store/a-x.drv' failed with exit code 1;\n       last 10 log lines:\n       > oops\nerror: 1 dependencies of derivation '/nix/store/b-y.drv' failed to build").failedBuilds).toEqual(['/nix/store/a-x.drv']);
    expect(parseNixLog("error: Cannot build '/nix/store/a-x.drv'.\n       Reason: builder failed with exit code 2.\nerror: Cannot build '/nix/store/b-y.drv'.\n       Reason: 1 dependency failed.").failedBuilds).toEqual(['/nix/store/a-x.drv']);
    expect(parseNixLog('error: boom\n\n       at /p/f.nix:3:').positions).toEqual([{ file: '/p/f.nix', line: 3 }]);
    expect(parseNixLog('warning: only a warning').kind).toBe('none');
  });

  it('recognises nixpkgs’ refusals in the current and the older wording', () => {
    expect(parseRefusal(["Refusing to evaluate package 'unrar-7.3.1' in /o/refusals.nix:77 because it has an unfree license (‘unfreeRedistributable’)"])).toEqual({ name: 'unrar-7.3.1', reason: 'unfree' });
    expect(parseRefusal(["Refusing to evaluate package 'tebreak-1.1' in /o/refusals.nix:89 because it has problems:", '- broken: This package is broken.'])).toEqual({ name: 'tebreak-1.1', reason: 'broken' });
    expect(parseRefusal(["Refusing to evaluate package 'olm-3.2.13' in /o/r.nix:71 because it is marked as insecure"])).toEqual({ name: 'olm-3.2.13', reason: 'insecure' });
    expect(parseRefusal(['Package ‘unrar-6.2.12’ in /nix/store/x/pkgs/tools/archivers/unrar/default.nix:61 has an unfree license (‘unfreeRedistributable’), refusing to evaluate.'])).toEqual({ name: 'unrar-6.2.12', reason: 'unfree' });
    expect(parseRefusal(['Package ‘tebreak-1.1’ in /n/default.nix:45 is marked as broken, refusing to evaluate.'])).toEqual({ name: 'tebreak-1.1', reason: 'broken' });
    expect(parseRefusal(["attribute 'x' missing"])).toBeUndefined();
  });

  it('writes the allowing line in the config file’s own syntax', () => {
    expect(nixpkgsSetting('nixlab.yaml', 'allowUnfree', true, false)).toBe('nixpkgs: { allowUnfree: true }');
    expect(nixpkgsSetting('x/nixlab.json', 'allowBroken', true, true)).toBe('"nixpkgs": { …, "allowBroken": true }');
    expect(nixpkgsSetting('nixlab.config.ts', 'permittedInsecurePackages', ['olm-3.2.13'], false)).toBe("nixpkgs: { permittedInsecurePackages: ['olm-3.2.13'] }");
    expect(nixpkgsSetting('nixlab.yml', 'permittedInsecurePackages', ['a-1', 'olm-3.2.13'], true)).toBe('nixpkgs: { …, permittedInsecurePackages: ["a-1", "olm-3.2.13"] }');
  });
});
