// Julia kernels (IJulia): `pkgs.julia.withPackages [ "IJulia" … ]`
// (pkgs/development/julia-modules/default.nix: `packageNames:` resolved against nixpkgs' snapshot
// of the General registry, pkgs/development/julia-modules/registry.nix, CodeDownIO/General
// 4b19a1dc of 2025-08-12, by import-from-derivation at build time; the result is
// runCommand "julia-<version>-env" with bin/julia wrapped so JULIA_PROJECT and JULIA_DEPOT_PATH
// hold the packages). nixpkgs packages no IJulia kernelspec: argv is the one IJulia's own
// installkernel writes (JuliaLang/IJulia.jl deps/kspec.jl, since 1.28: `julia -i --color=yes -e
// "import IJulia; IJulia.run_kernel()" {connection_file}`; the registry snapshot's newest IJulia is
// 1.29.2), without installkernel's default `--project=@.`, which would replace the environment's
// JULIA_PROJECT by the notebook directory's. Evaluated against nixpkgs 26.11 (julia 1.12.6;
// julia_110 1.10.11, julia_111 1.11.9, julia_112 1.12.6), never built or run here: no Julia
// binary is reachable from these machines.
import { apply, list, select, str, strParts, v } from '../nix/ast.js';
import { checkPackages, presetPackages } from './checks.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';
import type { Verdict } from '../definitions/rules.js';

/** The Julia versions offered: nixpkgs' `julia_110` … `julia_112` (source builds). */
export const JULIA_VERSIONS = ['1.10', '1.11', '1.12'] as const;
export type JuliaVersion = (typeof JULIA_VERSIONS)[number];

/** The nixpkgs attribute of a Julia version: `1.11` → `julia_111`, none → `julia` (julia-stable, 1.12 in nixpkgs 26.11). */
export function juliaAttr(version: JuliaVersion | null): string {
  return version === null ? 'julia' : `julia_${version.replace('.', '')}`;
}

/** IJulia's kernel command after `julia` (IJulia.jl deps/kspec.jl, 1.28 and later). */
export const IJULIA_ARGS = ['-i', '--color=yes', '-e', 'import IJulia; IJulia.run_kernel()', '{connection_file}'] as const;

/** A Julia kernel (IJulia): `julia.withPackages [ "IJulia" … ]`. */
export interface JuliaKernel extends KernelBase {
  kind: 'julia';
  /** Julia version: `1.10`, `1.11` or `1.12`. Default: the pinned nixpkgs' `julia` (1.12 in nixpkgs 26.11). */
  version?: JuliaVersion;
  /** Julia package names from the General registry (`Plots`, `DataFrames`). IJulia is always included. */
  packages?: string[];
}

export interface NormalizedJuliaKernel extends NormalizedKernelBase {
  kind: 'julia';
  language: 'julia';
  /** null: the pinned nixpkgs' `julia`. */
  version: JuliaVersion | null;
  packages: string[];
}

const q = (s: unknown) => JSON.stringify(s);
const JULIA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/u;

export const julia = defineKind<JuliaKernel, NormalizedJuliaKernel>({
  kind: 'julia',
  summary: 'IJulia in a julia.withPackages environment with the Julia packages you list (evaluated against nixpkgs, not run here)',
  language: 'julia',
  fileExtension: '.jl',
  aliases: ['jl', 'ijulia'],
  rules: {
    juliaVersion: {
      schema: { type: 'string', description: `Julia version as a string: ${JULIA_VERSIONS.map((x) => `\`${x}\``).join(', ')}.`, enum: [...JULIA_VERSIONS] },
      explain: (value): Verdict | undefined => {
        if ((JULIA_VERSIONS as readonly unknown[]).includes(value)) return undefined;
        if (typeof value === 'number') return { message: `must be a string, got the number ${value}`, hint: `put it in quotes: "${value === 1.1 ? '1.10' : value}" (unquoted in YAML, 1.10 reads as the number 1.1)` };
        return { message: `${q(value)} is not a Julia version nixlab offers`, hint: `use one of ${JULIA_VERSIONS.map(q).join(', ')}, or leave it out for the pinned nixpkgs' julia` };
      },
    },
    juliaPackage: {
      schema: { type: 'string', description: 'A Julia package name from the General registry (`Plots`, `DataFrames`), without `.jl`.', pattern: JULIA_NAME.source },
      explain: (value): Verdict | undefined => {
        if (typeof value !== 'string') return { message: `must be a string, got ${JSON.stringify(value)}`, hint: 'write the package name in quotes: "Plots"' };
        if (JULIA_NAME.test(value)) return undefined;
        if (/\.jl$/u.test(value) && JULIA_NAME.test(value.slice(0, -3))) return { message: `${q(value)} is the repository name; julia.withPackages takes the package name`, hint: `write ${q(value.slice(0, -3))}` };
        const tokens = value.split(/[\s,;]+/u).filter(Boolean);
        if (tokens.length > 1 && tokens.every((t) => JULIA_NAME.test(t))) return { message: `${q(value)} is several names in one item`, hint: `put each package in its own list item: ${tokens.map(q).join(', ')}` };
        if (value.includes('@') || value.includes('=')) return { message: `${q(value)} pins a version; julia.withPackages takes names only and resolves versions from nixpkgs' registry snapshot`, hint: `write the name alone: ${q(value.split(/[@=]/u)[0])}` };
        return { message: `${q(value)} is not a Julia package name (letters, digits and _, not starting with a digit)`, hint: 'check the name on juliahub.com or in the General registry' };
      },
    },
  },
  options: {
    version: { $ref: '#/$defs/juliaVersion', description: "Julia version as a string (`\"1.11\"`). Default: the pinned nixpkgs' `julia` (1.12 in nixpkgs 26.11)." },
    packages: {
      type: 'array',
      description: 'Julia package names from the General registry (`Plots`, `DataFrames`), resolved by nixpkgs\' julia.withPackages; IJulia is always included.',
      items: { $ref: '#/$defs/juliaPackage' },
    },
  },
  check: (kernel, at, report) => checkPackages(kernel, at, report, { name: 'IJulia', kernels: 'Julia kernels' }),
  normalise(k, base) {
    const version = k.version ?? null;
    return { ...base, kind: 'julia', displayName: k.displayName ?? `Julia${version === null ? '' : ` ${version}`} (${k.name})`, language: 'julia', version, packages: presetPackages(k.packages, 'IJulia') };
  },
  emit(k, envVar) {
    const env = apply(select(v('pkgs'), juliaAttr(k.version), 'withPackages'), list(['IJulia', ...k.packages].map((p) => str(p))));
    return { env, argv: list([strParts(envVar, '/bin/julia'), ...IJULIA_ARGS.map((a) => str(a))]) };
  },
  // Julia packages are not nixpkgs attributes (julia.withPackages resolves them from its registry snapshot).
  packageAttrs: (k) => [juliaAttr(k.version)],
  // Each Julia's bin/julia; its withPackages env needs import-from-derivation (the registry), so
  // only the interpreters are recorded, not an instantiated env.
  nixpkgs: { envs: Object.fromEntries([null, ...JULIA_VERSIONS].map((v) => [juliaAttr(v), 'julia'])) },
  example: { name: 'julia', packages: ['DataFrames'] },
  checkedAgainst: [
    'pkgs/development/julia-modules/default.nix',
    'pkgs/development/julia-modules/registry.nix',
    'pkgs/development/compilers/julia/default.nix',
    'pkgs/top-level/all-packages.nix',
    'JuliaLang/IJulia.jl deps/kspec.jl',
  ],
  notes: [
    'evaluated, not run: no Julia binary is reachable here, so nixlab checks the Nix against real nixpkgs but has never started this kernel',
    "julia.withPackages resolves packages by import-from-derivation: building needs the NixOS binary cache or a long build, and network access for the registry's packages",
  ],
  snippet: { code: 'println(6 * 7)', expect: '42' },
});
