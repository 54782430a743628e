// R kernels (IRkernel). nixpkgs: pkgs/development/r-modules/wrapper.nix (`rWrapper`: R's programs
// wrapped with R_LIBS_SITE covering the `packages` it is overridden with; usage in
// doc/languages-frameworks/r.section.md: `rWrapper.override { packages = with rPackages; [ … ]; }`).
// argv is IRkernel's own kernelspec (IRkernel/IRkernel inst/kernelspec/kernel.json:
// `R --slave -e IRkernel::main() --args {connection_file}`, language "R"). rPackages names R's
// `data.table` `data_table`.
import { apply, attrs, list, select, str, strParts, v } from '../nix/ast.js';
import { ATTR_NAME_PATTERN, attrNameRule } from '../definitions/rules.js';
import { checkPackages, missingPackages, presetPackages } from './checks.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** An R kernel (IRkernel): `rWrapper.override { packages = [ rPackages.IRkernel … ]; }`. */
export interface RKernel extends KernelBase {
  kind: 'r';
  /** nixpkgs `rPackages` attribute names (`ggplot2`; R's `data.table` is `data_table`). IRkernel is always included. */
  packages?: string[];
}

export interface NormalizedRKernel extends NormalizedKernelBase {
  kind: 'r';
  language: 'R';
  packages: string[];
}

const q = (s: unknown) => JSON.stringify(s);
const plain = new RegExp(ATTR_NAME_PATTERN, 'u');

export const r = defineKind<RKernel, NormalizedRKernel>({
  kind: 'r',
  summary: 'IRkernel in an R environment with the R packages you list',
  language: 'R',
  fileExtension: '.r',
  rules: {
    rPackage: attrNameRule("An R package attribute name in nixpkgs `rPackages` (`ggplot2`; R's `data.table` is `data_table`).", '"ggplot2" or "data_table"', {
      explain(s) {
        if (s.startsWith('rPackages.') && plain.test(s.slice('rPackages.'.length))) {
          return { message: `${q(s)} is an attribute path; R kernel packages are names in rPackages`, hint: `write ${q(s.slice('rPackages.'.length))}` };
        }
        const underscored = s.replace(/\./g, '_');
        if (s.includes('.') && plain.test(underscored)) {
          return { message: `${q(s)} is the R name; nixpkgs' rPackages writes the dots in R package names as underscores`, hint: `write ${q(underscored)}` };
        }
        return undefined;
      },
    }),
  },
  options: {
    packages: {
      type: 'array',
      description: 'R package attribute names from nixpkgs `rPackages` (`ggplot2`, `data_table`); IRkernel is always included.',
      items: { $ref: '#/$defs/rPackage' },
    },
  },
  check: (kernel, at, report) => checkPackages(kernel, at, report, { name: 'IRkernel', kernels: 'R kernels' }),
  normalise: (k, base) => ({ ...base, kind: 'r', displayName: k.displayName ?? `R (${k.name})`, language: 'R', packages: presetPackages(k.packages, 'IRkernel') }),
  emit(k, envVar) {
    const packages = ['IRkernel', ...k.packages].map((p) => select(v('pkgs'), 'rPackages', p));
    const env = apply(select(v('pkgs'), 'rWrapper', 'override'), attrs({ packages: list(packages) }));
    const argv = list([strParts(envVar, '/bin/R'), str('--slave'), str('-e'), str('IRkernel::main()'), str('--args'), str('{connection_file}')]);
    return { env, argv };
  },
  checkFacts: (_k, written, facts) => missingPackages(written, facts, 'rPackages'),
  packageAttrs: (k) => ['R', ...['IRkernel', ...k.packages].map((p) => `rPackages.${p}`)],
  example: { name: 'r', packages: ['jsonlite'] },
  nixpkgs: { envs: { rWrapper: 'R' }, instantiable: ['rPackages.IRkernel'], packageSets: ['rPackages'] },
  checkedAgainst: ['pkgs/development/r-modules/wrapper.nix', 'doc/languages-frameworks/r.section.md', 'IRkernel/IRkernel inst/kernelspec/kernel.json'],
  snippet: { code: 'cat(6 * 7, "\\n")', expect: '42' },
});
