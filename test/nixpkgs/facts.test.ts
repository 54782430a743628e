// The committed facts of real nixpkgs (nixpkgs-facts/) and what validate, `nixlab kernels` and
// the README make of them. The facts themselves were evaluated by scripts/nixpkgs-facts.mjs.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kernelKinds } from '../../src/kernels/index.js';
import { nixpkgsNeeds } from '../../src/nixpkgs/needs.js';
import { factsDir, pinFacts, PIN_FACTS_SOURCE, unpackedNamesFile } from '../../src/nixpkgs/facts.js';
import { pythonVersionsWithIpykernel } from '../../src/kernels/python.js';
import { cppStandardsOffered } from '../../src/kernels/cpp.js';
import { nixlab } from '../helpers/cli.js';

const facts = pinFacts();

describe(`the pin's facts (nixpkgs-facts/${PIN_FACTS_SOURCE}.json)`, () => {
  it('record every attribute path and package set that nixlab declares it relies on', () => {
    const needs = nixpkgsNeeds();
    const paths = [...Object.keys(needs.envs), ...needs.definitions, ...needs.instantiable];
    expect(paths.filter((p) => facts.attr(p) === undefined)).toEqual([]);
    expect(needs.packageSets.filter((s) => facts.file.packageSets[s === '' ? 'top-level' : s] === undefined)).toEqual([]);
    expect(facts.file.needs.envs).toEqual(needs.envs);
  });

  it.each(kernelKinds.map((k) => [k.kind, k] as const))('%s: each declared environment is recorded, with its bin/ program where a definition says', (_kind, k) => {
    for (const [attr, bin] of Object.entries(k.nixpkgs?.envs ?? {})) {
      const f = facts.attr(attr)!;
      expect([attr, f.present === undefined]).toEqual([attr, false]);
      for (const d of k.nixpkgs?.definitions ?? []) {
        const def = facts.attr(d)!;
        if (def.argvHead?.env === attr) expect([d, def.argvHead.bin]).toEqual([d, bin]);
      }
    }
  });

  it('name files are the sorted names their sha256 says, and the JSON is sorted', () => {
    for (const [set, entry] of Object.entries(facts.file.packageSets)) {
      if (!('file' in entry)) continue;
      const text = gunzipSync(readFileSync(join(factsDir(), entry.file))).toString('utf8');
      const names = text.split('\n').filter(Boolean);
      expect([set, createHash('sha256').update(text).digest('hex'), names.length]).toEqual([set, entry.sha256, entry.count]);
      expect(names).toEqual([...names].sort());
    }
    const raw = readFileSync(join(factsDir(), `${PIN_FACTS_SOURCE}.json`), 'utf8');
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
    expect(raw).toBe(JSON.stringify(sortKeys(JSON.parse(raw)), null, 2) + '\n');
  });

  it('the name files npm run build unpacked into dist/ are the committed text (run `npm run build` when this fails)', () => {
    for (const entry of Object.values(facts.file.packageSets)) {
      if (!('file' in entry)) continue;
      const unpacked = readFileSync(unpackedNamesFile(entry.file), 'utf8');
      expect([entry.file, unpacked === gunzipSync(readFileSync(join(factsDir(), entry.file))).toString('utf8')]).toEqual([entry.file, true]);
    }
  });

  it('has(set, name) agrees with the list of names, and is undefined for a set whose names are unknown', () => {
    for (const set of ['python3Packages', '']) {
      const names = facts.names(set)!;
      expect(names.length).toBeGreaterThan(10_000);
      for (const name of [names[0]!, names[names.length - 1]!, names[names.length >> 1]!]) expect([set, name, facts.has(set, name)]).toEqual([set, name, true]);
    }
    expect(facts.has('python3Packages', 'numpy')).toBe(true);
    for (const name of ['nompy', 'numpy\nscipy', '', 'nump', 'numpy ']) expect([name, facts.has('python3Packages', name)]).toEqual([name, false]);
    expect(facts.has('rPackages', 'ggplot2')).toBeUndefined();
    expect(facts.has('noSuchPackages', 'x')).toBeUndefined();
  });

  it('the configuration docs state the defaults the facts give', () => {
    const readme = readFileSync(join(factsDir(), '..', 'docs', 'configuration.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(`\`python3\` is ${facts.attr('python3')!.version}`);
    expect(readme).toContain(`jupyterhub is ${facts.attr('python3Packages.jupyterhub')!.version}`);
    const { set, standards } = cppStandardsOffered(facts);
    expect(readme).toContain(`the C++ kernels are the ${set} set (C++ ${standards.slice(0, -1).join(', ')}`);
    const work = pythonVersionsWithIpykernel(facts);
    expect(readme).toContain(`${work[0]}–${work[work.length - 1]} do`);
  });
});

const work = mkdtempSync(join(tmpdir(), 'nixlab-facts-'));
let n = 0;
async function validate(yaml: string, extra: string[] = []) {
  const dir = join(work, `c${n++}`);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(dir);
  writeFileSync(join(dir, 'nixlab.yaml'), yaml);
  return nixlab(['validate', 'nixlab.yaml', ...extra], { cwd: dir });
}

describe("nixlab validate against the pin's facts", () => {
  it('accepts what the pin has: the default Python with numpy, C++20 (cpp2a-kernel), a lab extension, a custom kernel of top-level packages', async () => {
    const r = await validate(
      'frontend: lab\nlab: { extensions: [jupyterlab-git] }\nkernels:\n  - { kind: python, name: py, packages: [numpy] }\n  - { kind: python, name: py312, version: "3.12" }\n  - { kind: cpp, name: cpp, std: 20 }\n  - { kind: custom, name: sh, language: sh, argv: [sh, "{connection_file}"], packages: [busybox, python3Packages.bash-kernel] }\n',
    );
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
  });

  it('refuses, at once and at their config paths, what the pin lacks: exit 2, close names, what it offers', async () => {
    const r = await validate(
      'frontend: lab\nlab: { extensions: [jupyterlab-gti] }\nhub: { version: "6.1" }\nimage: { volumes: [/home/jovyan/work] }\nkernels:\n  - { kind: python, name: py, version: "3.11" }\n  - { kind: python, name: py2, packages: [numpy, numpyy] }\n  - { kind: cpp, name: cpp, std: 23 }\n  - { kind: custom, name: sh, language: sh, argv: [sh, "{connection_file}"], packages: [busyboxx, python3Packages.bash-kernell] }\n',
    );
    expect(r.exitCode).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    const at = (where: string) => errors.find((l) => l.startsWith(`error: nixlab.yaml:${where}: `)) ?? `(no error at ${where})`;
    const py = facts.attr('python3')!.pythonVersion!;
    expect(at('$.kernels[0].version')).toMatch(new RegExp(`python311Packages\\.ipykernel \\(sphinx-[0-9.]+ not supported for interpreter python3\\.11\\).*Fix: use one of "3\\.12", "3\\.13", "3\\.14", or leave version out for the pin's python3 \\(${py.replace('.', '\\.')}\\)`));
    expect(at('$.kernels[1].packages[1]')).toMatch(/has no python3Packages\.numpyy\. Fix: close names there: "numpy"/);
    expect(at('$.kernels[2].std')).toMatch(/has the xeus-cling set, which offers C\+\+ 11, 14, 17, 20, not C\+\+23\. Fix: use std: 17/);
    expect(at('$.kernels[3].packages[0]')).toMatch(/has no top-level attribute "busyboxx".*"busybox"/);
    expect(at('$.kernels[3].packages[1]')).toMatch(/has no python3Packages\.bash-kernell.*"python3Packages\.bash-kernel"/);
    expect(at('$.lab.extensions[0]')).toMatch(/has no python3Packages\.jupyterlab-gti.*"jupyterlab-git"/);
    expect(at('$.hub.version')).toMatch(new RegExp(`has jupyterhub ${facts.attr('python3Packages.jupyterhub')!.version!.replace(/\./g, '\\.')}.*Fix: declare hub: \\{ version: "5\\.5" \\}`));
    expect(errors).toHaveLength(7);
  });

  it.each([['build'], ['shell']])('nixlab %s refuses the same before Nix runs: exit 2 at the config path, no Nix trace, nothing built', async (command) => {
    const dir = join(work, `c${n++}`);
    const { mkdirSync, existsSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'nixlab.yaml'), 'kernels:\n  - { kind: python, name: py, version: "3.11" }\n  - { kind: cpp, name: cpp, std: 23 }\n');
    const r = await nixlab([command, 'nixlab.yaml'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors.map((l) => l.split(': ')[1])).toEqual(['nixlab.yaml:$.kernels[0].version', 'nixlab.yaml:$.kernels[1].std']);
    expect(r.stderr).not.toMatch(/nix-build|nix-shell|trace|download/);
    expect(existsSync(join(dir, 'result'))).toBe(false);
  });

  it('checks the offline set, not the pin, with --pkgs offline, and nothing of the pin for a config with its own nixpkgs.rev', async () => {
    const cpp23 = 'kernels:\n  - { kind: cpp, name: cpp, std: 23 }\n';
    expect((await validate(cpp23, ['--pkgs', 'offline'])).exitCode).toBe(0);
    const own = await validate(`nixpkgs: { rev: "${'a'.repeat(40)}", narHash: "sha256-${'A'.repeat(43)}=" }\n${cpp23}`);
    expect([own.exitCode, own.stderr]).toEqual([0, '']);
  });

  it('nixlab kernels prints what the pin offers, from the facts', async () => {
    const r = await nixlab(['kernels']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`pin:  default python3: ${facts.attr('python3')!.pythonVersion} (${facts.attr('python3')!.version})`);
    expect(r.stdout).toContain(`pin:  ipykernel evaluates on ${pythonVersionsWithIpykernel(facts).join(', ')}`);
    expect(r.stdout).toContain('pin:  xeus-cling set: C++ 11, 14, 17, 20');
    expect(r.stdout).toContain(`pin: facts of ${facts.label}`);
  });
});
