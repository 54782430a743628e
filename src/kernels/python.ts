// Python kernels: `pkgs.pythonXY.withPackages (ps: [ ps.ipykernel ps.… ])`, started the way
// nixpkgs starts ipykernel (pkgs/applications/editors/jupyter/kernel.nix: `${env.interpreter}
// -m ipykernel_launcher -f {connection_file}`). wrapper.nix
// (pkgs/development/interpreters/python/wrapper.nix) links bin/python3 into the env and wraps it
// so the env's site-packages are on sys.path; package names are those of
// pkgs/top-level/python-packages.nix.
import { apply, lambda, list, select, str, strParts, v } from '../nix/ast.js';
import { attrNameRule, type Verdict } from '../definitions/rules.js';
import { checkPackages, missingPackages, presetPackages } from './checks.js';
import { defineKind, type FactProblem, type KernelBase, type NixpkgsFacts, type NormalizedKernelBase } from './types.js';

/** The offered versions whose ipykernel the revision can evaluate. */
export function pythonVersionsWithIpykernel(facts: NixpkgsFacts): string[] {
  return PYTHON_VERSIONS.filter((x) => facts.attr(`${pythonAttr(x)}Packages.ipykernel`)?.instantiates === true);
}

/** The revision's default `python3` as `major.minor`, when its facts say. */
export function defaultPythonVersion(facts: NixpkgsFacts): string | undefined {
  return facts.attr(DEFAULT_PYTHON_ATTR)?.pythonVersion;
}

/** The interpreter versions offered (python311 … python314: pkgs/development/interpreters/python/default.nix); which can carry ipykernel is a fact of the pin (validate checks it). */
export const PYTHON_VERSIONS = ['3.11', '3.12', '3.13', '3.14'] as const;
export type PythonVersion = (typeof PYTHON_VERSIONS)[number];

/**
 * Without a version a kernel uses the pinned nixpkgs' `python3` (`nixlab kernels` says which, from the pin's facts),
 * the one interpreter whose packages the NixOS binary cache has prebuilt; the server
 * environment uses it too, so the image holds one Python.
 */
export const DEFAULT_PYTHON_ATTR = 'python3';

/** A Python kernel: `pythonXY.withPackages (ps: [ ps.ipykernel … ])`. */
export interface PythonKernel extends KernelBase {
  kind: 'python';
  /** Interpreter version: `3.11` … `3.14`. Default: the pinned nixpkgs' `python3`. */
  version?: PythonVersion;
  /** nixpkgs Python package attribute names (`numpy`, `scikit-learn`). ipykernel is always included. */
  packages?: string[];
}

export interface NormalizedPythonKernel extends NormalizedKernelBase {
  kind: 'python';
  language: 'python';
  /** null: the pinned nixpkgs' default `python3`. */
  version: PythonVersion | null;
  packages: string[];
}

/** The nixpkgs Python attribute for an interpreter version: `3.11` → `python311`, none → `python3`. */
export function pythonAttr(version: string | null): string {
  return version === null ? DEFAULT_PYTHON_ATTR : 'python' + version.replace('.', '');
}

const q = (s: unknown) => JSON.stringify(s);

export const python = defineKind<PythonKernel, NormalizedPythonKernel>({
  kind: 'python',
  summary: 'IPython kernel in a Python environment with the packages you list',
  language: 'python',
  fileExtension: '.py',
  aliases: ['py', 'python3'],
  rules: {
    pythonVersion: {
      schema: { type: 'string', description: `Python interpreter version as a string: ${PYTHON_VERSIONS.map((x) => `\`${x}\``).join(', ')}.`, enum: [...PYTHON_VERSIONS] },
      explain: (value): Verdict | undefined => {
        if ((PYTHON_VERSIONS as readonly unknown[]).includes(value)) return undefined;
        if (typeof value === 'number') return { message: `must be a string, got the number ${value}`, hint: `put it in quotes: "${value}" (unquoted in YAML, 3.10 reads as the number 3.1)` };
        return { message: `${q(value)} is not a Python version nixlab offers`, hint: `use one of ${PYTHON_VERSIONS.map(q).join(', ')}, or leave it out for the pinned nixpkgs' python3` };
      },
    },
    pythonPackage: attrNameRule('A Python package attribute name in nixpkgs `python3XXPackages` (`numpy`, `scikit-learn`).', '"numpy" or "scikit-learn"', {
      explain: (s) =>
        s.includes('.') && s.split('.').every((p) => /^[A-Za-z_][A-Za-z0-9_'-]*$/.test(p))
          ? { message: `${q(s)} is a dotted attribute path; Python kernel packages are plain names from the Python package set`, hint: `write ${q(s.split('.').pop())}, or use a custom kernel for packages from elsewhere in nixpkgs` }
          : undefined,
    }),
  },
  options: {
    version: { $ref: '#/$defs/pythonVersion', description: "Python version as a string (`\"3.13\"`). Default: the pinned nixpkgs' `python3` (which one: `nixlab kernels`), prebuilt in the binary cache." },
    packages: {
      type: 'array',
      description: 'Python package attribute names from nixpkgs (`numpy`, `scikit-learn`); ipykernel is always included.',
      items: { $ref: '#/$defs/pythonPackage' },
    },
  },
  check: (kernel, at, report) => checkPackages(kernel, at, report, { name: 'ipykernel', kernels: 'Python kernels' }),
  normalise(k, base) {
    const version = k.version ?? null;
    return { ...base, kind: 'python', displayName: k.displayName ?? `Python ${version ?? '3'} (${k.name})`, language: 'python', version, packages: presetPackages(k.packages, 'ipykernel') };
  },
  emit(k, envVar) {
    const pkgs = ['ipykernel', ...k.packages];
    const env = apply(select(v('pkgs'), pythonAttr(k.version), 'withPackages'), lambda('ps', list(pkgs.map((p) => select(v('ps'), p)))));
    const argv = list([strParts(envVar, '/bin/python3'), str('-m'), str('ipykernel_launcher'), str('-f'), str('{connection_file}')]);
    return { env, argv };
  },
  describeFacts(facts) {
    const work = pythonVersionsWithIpykernel(facts);
    const not = PYTHON_VERSIONS.filter((x) => !work.includes(x));
    return [
      `default python3: ${defaultPythonVersion(facts) ?? 'unknown'} (${facts.attr(DEFAULT_PYTHON_ATTR)?.version ?? '?'})`,
      `ipykernel evaluates on ${work.join(', ')}${not.length ? `; not on ${not.join(', ')}` : ''}`,
    ];
  },
  checkFacts(k, written, facts) {
    const problems: FactProblem[] = [];
    const attr = pythonAttr(k.version);
    const ipykernel = facts.attr(`${attr}Packages.ipykernel`);
    if (k.version !== null && ipykernel?.instantiates === false) {
      const work = pythonVersionsWithIpykernel(facts);
      problems.push({
        at: ['version'],
        message: `${facts.label} cannot evaluate ${attr}Packages.ipykernel (${ipykernel.error ?? 'its evaluation fails'}), so a Python ${k.version} kernel cannot be built`,
        hint: `use one of ${work.map(q).join(', ')}, or leave version out for the pin's python3 (${defaultPythonVersion(facts) ?? 'its default'})`,
      });
    }
    if (ipykernel?.instantiates !== false) problems.push(...missingPackages(written, facts, `${attr}Packages`));
    return problems;
  },
  packageAttrs: (k) => [pythonAttr(k.version), ...['ipykernel', ...k.packages].map((p) => `${pythonAttr(k.version)}Packages.${p}`)],
  example: { name: 'python3', packages: ['numpy'] },
  nixpkgs: {
    envs: Object.fromEntries([DEFAULT_PYTHON_ATTR, ...PYTHON_VERSIONS.map(pythonAttr)].map((a) => [a, 'python3'])),
    instantiable: [DEFAULT_PYTHON_ATTR, ...PYTHON_VERSIONS.map(pythonAttr)].map((a) => `${a}Packages.ipykernel`),
    packageSets: [DEFAULT_PYTHON_ATTR, ...PYTHON_VERSIONS.map(pythonAttr)].map((a) => `${a}Packages`),
  },
  checkedAgainst: ['pkgs/development/interpreters/python/default.nix', 'pkgs/development/interpreters/python/wrapper.nix', 'pkgs/applications/editors/jupyter/kernel.nix', 'pkgs/top-level/python-packages.nix'],
  snippet: { code: 'print(6 * 7)', expect: '42' },
});
