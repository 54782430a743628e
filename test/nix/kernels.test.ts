// The kernel presets, emitted for real: each kind's default.nix is a golden file that Nix parses,
// and the kernel.json nixlab's own kernelspec.nix writes from it is computed by evaluating the
// generated project against a stub `pkgs` (fixtures/stub-pkgs.nix) whose packages are plain
// store-path strings. Stub environments are named after what they were given, so the kernel.json
// shows which packages the emitted code asked for.
// Regenerate the golden files with NIXLAB_UPDATE_GOLDEN=1 after an intended change.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { NormalizedConfig } from '../../src/definitions/types.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { emitDefaultNix, emitProject } from '../../src/nix/emit.js';
import { kindNames } from '../../src/kernels/index.js';
import { DEFAULT_NIX, evalJson, NIX_BINARIES, parseNix, type NixBinary } from '../helpers/nix.js';
import { golden } from '../helpers/golden.js';


/** The stub nixpkgs (see the file's header). */
const STUB_PKGS = resolve('test/nix/fixtures/stub-pkgs.nix');

/** Store hashes made comparable: `/nix/store/<hash>-name`. */
const normalise = (s: string): string => s.replace(/\/nix\/store\/[0-9a-z]{32}-/g, '/nix/store/<hash>-');

const H = '/nix/store/<hash>-';

interface Case {
  kernels: unknown[];
  /** kernel.json of each kernel, store hashes normalised. */
  kernelJson: Record<string, unknown>[];
}

const CASES: Record<string, Case> = {
  python: {
    kernels: [{ kind: 'python', name: 'py', packages: ['numpy'] }],
    kernelJson: [
      { argv: [`${H}python3-env+ipykernel+numpy/bin/python3`, '-m', 'ipykernel_launcher', '-f', '{connection_file}'], display_name: 'Python 3 (py)', interrupt_mode: 'signal', language: 'python' },
    ],
  },
  custom: {
    kernels: [{ kind: 'custom', name: 'scala', language: 'scala', argv: ['almond', '--connection-file', '{connection_file}'], packages: ['jdk17_headless'] }],
    kernelJson: [{ argv: [`${H}kernel-scala-env/bin/almond`, '--connection-file', '{connection_file}'], display_name: 'scala', interrupt_mode: 'signal', language: 'scala' }],
  },
  r: {
    kernels: [{ kind: 'r', name: 'r', packages: ['ggplot2', 'data_table'] }],
    kernelJson: [
      {
        argv: [`${H}R-4.4.1-wrapper+IRkernel+ggplot2+data_table/bin/R`, '--slave', '-e', 'IRkernel::main()', '--args', '{connection_file}'],
        display_name: 'R (r)',
        interrupt_mode: 'signal',
        language: 'R',
      },
    ],
  },
  go: {
    kernels: [{ kind: 'go', name: 'go' }],
    kernelJson: [{ argv: [`${H}gophernotes-0.7.5/bin/gophernotes`, '{connection_file}'], display_name: 'Go (go)', interrupt_mode: 'signal', language: 'go' }],
  },
  cpp: {
    kernels: [
      { kind: 'cpp', name: 'cpp' },
      { kind: 'cpp', name: 'cpp20', std: 20, displayName: 'C++20' },
      { kind: 'cpp', name: 'cpp23', std: 23 },
    ],
    kernelJson: [
      { argv: [`${H}xeus-cpp-0.10.0/bin/xcpp`, '-std=c++17', '-f', '{connection_file}'], display_name: 'C++17 (cpp)', interrupt_mode: 'signal', language: 'cpp' },
      { argv: [`${H}xeus-cpp-0.10.0/bin/xcpp`, '-std=c++20', '-f', '{connection_file}'], display_name: 'C++20', interrupt_mode: 'signal', language: 'cpp' },
      { argv: [`${H}xeus-cpp-0.10.0/bin/xcpp`, '-std=c++23', '-f', '{connection_file}'], display_name: 'C++23 (cpp23)', interrupt_mode: 'signal', language: 'cpp' },
    ],
  },
  rust: {
    kernels: [{ kind: 'rust', name: 'rust' }],
    kernelJson: [
      { argv: [`${H}evcxr-0.17.0/bin/evcxr_jupyter`, '--control_file', '{connection_file}'], display_name: 'Rust (rust)', interrupt_mode: 'message', language: 'rust' },
    ],
  },
  haskell: {
    kernels: [{ kind: 'haskell', name: 'haskell', packages: ['lens'] }],
    kernelJson: [
      {
        argv: [
          `${H}ghc-9.6.6-with-packages+ihaskell+lens/bin/ihaskell`,
          'kernel',
          '{connection_file}',
          '--ghclib',
          `${H}ghc-9.6.6-with-packages+ihaskell+lens/lib/ghc-9.6.6/lib`,
        ],
        display_name: 'Haskell (haskell)',
        interrupt_mode: 'signal',
        language: 'haskell',
      },
    ],
  },
  bash: {
    kernels: [{ kind: 'bash', name: 'bash' }],
    kernelJson: [
      { argv: [`${H}python3-env+bash-kernel/bin/python3`, '-m', 'bash_kernel', '-f', '{connection_file}'], display_name: 'Bash (bash)', interrupt_mode: 'signal', language: 'bash' },
    ],
  },
  javascript: {
    kernels: [{ kind: 'javascript', name: 'js' }],
    kernelJson: [
      { argv: [`${H}deno-2.0.6/bin/deno`, 'jupyter', '--kernel', '--conn', '{connection_file}'], display_name: 'JavaScript (js)', interrupt_mode: 'signal', language: 'javascript' },
    ],
  },
  typescript: {
    kernels: [{ kind: 'typescript', name: 'ts', env: { NO_COLOR: '1' } }],
    kernelJson: [
      {
        argv: [`${H}deno-2.0.6/bin/deno`, 'jupyter', '--kernel', '--conn', '{connection_file}'],
        display_name: 'TypeScript (ts)',
        env: { NO_COLOR: '1' },
        interrupt_mode: 'signal',
        language: 'typescript',
      },
    ],
  },
  octave: {
    kernels: [
      { kind: 'octave', name: 'octave' },
      { kind: 'octave', name: 'octave-signal', packages: ['signal', 'statistics'] },
    ],
    kernelJson: [
      { argv: [`${H}octave-kernel-launcher/bin/octave-kernel`, '-f', '{connection_file}'], display_name: 'Octave (octave)', interrupt_mode: 'signal', language: 'octave' },
      {
        argv: [`${H}octave-kernel-launcher+octave-9.2.0-env+signal+statistics/bin/octave-kernel`, '-f', '{connection_file}'],
        display_name: 'Octave (octave-signal)',
        interrupt_mode: 'signal',
        language: 'octave',
      },
    ],
  },
  ruby: {
    kernels: [{ kind: 'ruby', name: 'ruby' }],
    kernelJson: [{ argv: [`${H}iruby-0.7.4/bin/iruby`, 'kernel', '{connection_file}'], display_name: 'Ruby (ruby)', interrupt_mode: 'signal', language: 'ruby' }],
  },
  clojure: {
    kernels: [{ kind: 'clojure', name: 'clojure' }],
    kernelJson: [{ argv: [`${H}clojupyter/bin/clojupyter`, '{connection_file}'], display_name: 'Clojure (clojure)', interrupt_mode: 'signal', language: 'clojure' }],
  },
  java: {
    kernels: [
      { kind: 'java', name: 'java' },
      { kind: 'java', name: 'java17', jdk: 17, classpath: ['commons-lang'], compilerOpts: ['-Xlint:all', '-g'], timeout: 30000 },
    ],
    kernelJson: [
      { argv: [`${H}jjava+openjdk-headless-21.0.12+2/bin/jjava`, '{connection_file}'], display_name: 'Java (java)', interrupt_mode: 'message', language: 'java' },
      {
        argv: [`${H}jjava+openjdk-headless-17.0.20+2+commons-lang-3.20.0/bin/jjava`, '{connection_file}'],
        display_name: 'Java 17 (java17)',
        env: { JJAVA_COMPILER_OPTS: '-Xlint:all -g', JJAVA_TIMEOUT: '30000' },
        interrupt_mode: 'message',
        language: 'java',
      },
    ],
  },
  julia: {
    kernels: [
      { kind: 'julia', name: 'julia' },
      { kind: 'julia', name: 'julia110', version: '1.10', packages: ['Plots'] },
    ],
    kernelJson: [
      {
        argv: [`${H}julia-1.12.6-env+IJulia/bin/julia`, '-i', '--color=yes', '-e', 'import IJulia; IJulia.run_kernel()', '{connection_file}'],
        display_name: 'Julia (julia)',
        interrupt_mode: 'signal',
        language: 'julia',
      },
      {
        argv: [`${H}julia-1.10.11-env+IJulia+Plots/bin/julia`, '-i', '--color=yes', '-e', 'import IJulia; IJulia.run_kernel()', '{connection_file}'],
        display_name: 'Julia 1.10 (julia110)',
        interrupt_mode: 'signal',
        language: 'julia',
      },
    ],
  },
};

function configOf(kernels: unknown[]): NormalizedConfig {
  const result = validateConfig({ kernels }, 'nixlab.json');
  expect(result.errors).toEqual([]);
  expect(result.warnings).toEqual([]);
  return result.config!;
}

/** Writes the generated project for `config` to a fresh directory; returns the directory. */
function writeProject(config: NormalizedConfig): string {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-kernels-'));
  for (const f of emitProject(config, 'nixlab.json')) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    if ('text' in f) writeFileSync(target, f.text);
    else copyFileSync(f.copyFrom, target);
  }
  return dir;
}

/** kernel.json of every kernel in `config`, as nixlab/kernelspec.nix builds it, hashes normalised. */
async function kernelJsons(config: NormalizedConfig, pkgs = `import ${STUB_PKGS}`, nixBin: NixBinary = DEFAULT_NIX): Promise<unknown[]> {
  const dir = writeProject(config);
  const texts = (await evalJson(`let project = import ${join(dir, 'default.nix')} { pkgs = ${pkgs}; }; in map (spec: spec.kernelJson) project.kernels.paths`, nixBin)) as string[];
  return texts.map((t) => JSON.parse(normalise(t)));
}

test('every case is a kind of the registry, with kernels of that kind only', () => {
  for (const [kind, c] of Object.entries(CASES)) expect([kind, kindNames.includes(kind as never), c.kernels.every((k) => (k as { kind: string }).kind === kind)]).toEqual([kind, true, true]);
});

// Each kind of the registry: a kind with no case here fails (its golden and kernel.json first).
describe.each([...kindNames])('the %s kind', (kind) => {
  const c = CASES[kind];
  it('has a case here (its kernels, their kernel.json, its golden default.nix)', () => {
    expect(c ? [] : [`the ${kind} kind has no case in CASES (test/nix/kernels.test.ts): add its kernels and kernel.json, then write its golden with NIXLAB_UPDATE_GOLDEN=1 and review it`]).toEqual([]);
  });
  if (!c) return;
  const { kernels, kernelJson } = c;
  it('emits the golden default.nix, which Nix parses', async () => {
    const text = emitDefaultNix(configOf(kernels), 'nixlab.json');
    expect(text).toBe(golden(`kernels/${kind}.default.nix`, text));
    for (const n of NIX_BINARIES) await parseNix(text, n);
  });

  it.each(NIX_BINARIES.map((n) => [n.label, n] as const))('gives the kernel.json nixpkgs would run, under %s', async (_label, nixBin) => {
    expect(await kernelJsons(configOf(kernels), undefined, nixBin)).toEqual(kernelJson);
  });
});

describe('many languages in one image', () => {
  it('keeps every kernel apart: one env per kernel, kernel.json as for each preset alone', async () => {
    const all = Object.values(CASES);
    const config = configOf(all.flatMap((c) => c.kernels));
    const text = emitDefaultNix(config, 'nixlab.json');
    expect(text).toBe(golden('kernels/catalogue.default.nix', text));
    await parseNix(text);
    expect(await kernelJsons(config)).toEqual(all.flatMap((c) => c.kernelJson));
    expect(config.kernels.map((_, i) => text.includes(`kernelEnv${i} =`))).toEqual(config.kernels.map(() => true));
  });

  it('puts each package name only where the preset says (no shared package lists)', () => {
    const text = emitDefaultNix(configOf([CASES.r!.kernels[0], CASES.haskell!.kernels[0], CASES.octave!.kernels[1]]), 'nixlab.json');
    expect(text).toContain('pkgs.rWrapper.override {\n    packages = [\n      pkgs.rPackages.IRkernel\n      pkgs.rPackages.ggplot2\n      pkgs.rPackages.data_table\n    ];\n  };');
    expect(text).toContain('pkgs.haskellPackages.ghcWithPackages (ps: [ ps.ihaskell ps.lens ]);');
    expect(text).toContain('(pkgs.octave-kernel.override {\n    octave = pkgs.octave.withPackages (ps: [ ps.signal ps.statistics ]);\n  }).launcher;');
  });
});

// nixpkgs without xeus-cpp has the xeus-cling set (nixpkgs-facts/master-2026-07-14.json:
// xeus-cling, cpp11/14/17/2a-kernel): the same emitted Nix takes it, under every Nix.
describe.each(NIX_BINARIES.map((n) => [n.label, n] as const))('the cpp preset on the xeus-cling set, under %s', (_label, nixBin) => {
  const cling = `let s = import ${STUB_PKGS}; xcpp = "\${builtins.toFile "xeus-cling-0.15.3" ""}/bin/xcpp"; k = std: { argv = [ xcpp "-std=c++\${std}" "-f" "{connection_file}" ]; }; in
    builtins.removeAttrs s [ "xeus-cpp" "cpp20-kernel" "cpp23-kernel" ] // { xeus-cling = builtins.toFile "xeus-cling-0.15.3" ""; cpp17-kernel = k "17"; cpp2a-kernel = k "2a"; }`;
  it('runs xeus-cling\'s bin/xcpp, C++20 from cpp2a-kernel', async () => {
    const specs = (await kernelJsons(configOf(CASES.cpp!.kernels.slice(0, 2)), cling, nixBin)) as { argv: string[] }[];
    expect(specs.map((k) => normalise(k.argv.join(' ')))).toEqual([`${H}xeus-cling-0.15.3/bin/xcpp -std=c++17 -f {connection_file}`, `${H}xeus-cling-0.15.3/bin/xcpp -std=c++2a -f {connection_file}`]);
  });
  it('C++23 stops evaluation with a message saying what the set offers', async () => {
    await expect(kernelJsons(configOf(CASES.cpp!.kernels.slice(2)), cling, nixBin)).rejects.toThrow(/C\+\+23 needs nixpkgs' xeus-cpp \(cpp23-kernel\); this nixpkgs has the xeus-cling set/);
  });
});

describe('the haskell preset with a GHC not built by hadrian', () => {
  it('points --ghclib at lib/ghc-<version> without the /lib hadrian adds (as with-packages-wrapper.nix does)', async () => {
    const pkgs = `let s = import ${STUB_PKGS}; in s // { haskellPackages = s.haskellPackages // { ghc = builtins.removeAttrs s.haskellPackages.ghc [ "hadrian" ]; }; }`;
    const [spec] = (await kernelJsons(configOf(CASES.haskell!.kernels), pkgs)) as { argv: string[] }[];
    expect(spec!.argv.slice(3)).toEqual(['--ghclib', `${H}ghc-9.6.6-with-packages+ihaskell+lens/lib/ghc-9.6.6`]);
  });
});
