// C++ kernels: nixpkgs' xeus kernel definitions, each a plain `{ displayName; argv; language;
// logo32; logo64; }` (not a derivation) whose argv is `[ "${env}/bin/xcpp" "-std=c++NN" "-f"
// "{connection_file}" ]`. Which set a nixpkgs has depends on its revision, so the emitted Nix
// chooses (`pkgs ? xeus-cpp`), and one generated project works on both:
//  - the xeus-cpp set (pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix, added by
//    nixpkgs PR #537184 after Cling 1.3 broke xeus-cling): `xeus-cpp`, `cpp11-kernel` …
//    `cpp23-kernel`;
//  - the xeus-cling set (pkgs/applications/editors/jupyter-kernels/xeus-cling/default.nix), which
//    nixpkgs master of 2026-07-14 evaluates to (nixpkgs-facts/master-2026-07-14.json):
//    `xeus-cling`, `cpp11-kernel`, `cpp14-kernel`, `cpp17-kernel`, `cpp2a-kernel` (C++20).
// The kernel's environment is the derivation argv[0] runs from; the argv is the definition's,
// asserted at evaluation to run that environment's bin/xcpp. Validate refuses a standard the
// pin's facts do not offer (C++23 on xeus-cling: src/nixpkgs/facts.ts).
import { describeValue } from '../definitions/rules.js';
import { nix, select, str, strParts, v, type NixExpr } from '../nix/ast.js';
import { defineKind, type KernelBase, type NixpkgsFacts, type NormalizedKernelBase } from './types.js';

/** The C++ standards offered: each has a nixpkgs kernel definition `cppNN-kernel`. */
export const CPP_STANDARDS = [11, 14, 17, 20, 23] as const;
export type CppStandard = (typeof CPP_STANDARDS)[number];

/** A C++ kernel: nixpkgs' xeus-cpp or xeus-cling kernel definitions (`cpp17-kernel`, …). */
export interface CppKernel extends KernelBase {
  kind: 'cpp';
  /** C++ standard: 11, 14, 17 (default), 20 or 23. */
  std?: CppStandard;
}
export interface NormalizedCppKernel extends NormalizedKernelBase {
  kind: 'cpp';
  language: 'cpp';
  std: CppStandard;
}

const list = CPP_STANDARDS.join(', ');

/** The kernel definitions a standard maps to: the xeus-cpp set's, then the xeus-cling set's (none for 23). */
export const CPP_DEFINITIONS: Record<CppStandard, { xeusCpp: string; xeusCling: string | null }> = {
  11: { xeusCpp: 'cpp11-kernel', xeusCling: 'cpp11-kernel' },
  14: { xeusCpp: 'cpp14-kernel', xeusCling: 'cpp14-kernel' },
  17: { xeusCpp: 'cpp17-kernel', xeusCling: 'cpp17-kernel' },
  20: { xeusCpp: 'cpp20-kernel', xeusCling: 'cpp2a-kernel' },
  23: { xeusCpp: 'cpp23-kernel', xeusCling: null },
};

function definitionAttrs(std: CppStandard): string[] {
  const d = CPP_DEFINITIONS[std];
  return [...new Set([d.xeusCpp, ...(d.xeusCling ? [d.xeusCling] : [])])];
}

/** The standards a revision offers, from its facts: the set it has (xeus-cpp first), then each standard's definition there. */
export function cppStandardsOffered(facts: NixpkgsFacts): { set: 'xeus-cpp' | 'xeus-cling' | null; standards: CppStandard[] } {
  const set = facts.attr('xeus-cpp')?.present ? 'xeus-cpp' : facts.attr('xeus-cling')?.present ? 'xeus-cling' : null;
  if (set === null) return { set, standards: [] };
  const standards = CPP_STANDARDS.filter((s) => {
    const def = set === 'xeus-cpp' ? CPP_DEFINITIONS[s].xeusCpp : CPP_DEFINITIONS[s].xeusCling;
    return def !== null && facts.attr(def)?.present === true && facts.attr(def)?.argvHead?.env === set;
  });
  return { set, standards };
}

/** The definition of `std` in whichever set `pkgs` has. */
function definition(std: CppStandard): NixExpr {
  const d = CPP_DEFINITIONS[std];
  if (d.xeusCling === d.xeusCpp) return select(v('pkgs'), d.xeusCpp);
  const fallback = d.xeusCling
    ? select(v('pkgs'), d.xeusCling)
    : nix`throw ${str(`nixlab: C++${std} needs nixpkgs' xeus-cpp (${d.xeusCpp}); this nixpkgs has the xeus-cling set (C++ 11, 14, 17 and 20): choose another std or pin a nixpkgs with xeus-cpp`)}`;
  return nix`if ${v("pkgs")} ? xeus-cpp then ${select(v("pkgs"), d.xeusCpp)} else ${fallback}`;
}

export const cpp = defineKind<CppKernel, NormalizedCppKernel>({
  kind: 'cpp',
  summary: 'xeus-cpp or xeus-cling C++ interpreter, whichever the nixpkgs has (cpp11-kernel … cpp23-kernel)',
  language: 'cpp',
  fileExtension: '.cpp',
  aliases: ['c++', 'cxx'],
  rules: {
    cppStd: {
      schema: { type: 'integer', description: `C++ standard as a number: ${list} (xcpp's \`-std=c++NN\`; 23 needs nixpkgs' xeus-cpp).`, enum: [...CPP_STANDARDS] },
      explain: (value) => {
        if ((CPP_STANDARDS as readonly unknown[]).includes(value)) return undefined;
        if (typeof value === 'string' && /^[0-9]+$/.test(value)) return { message: `must be a whole number, got the string ${JSON.stringify(value)}`, hint: `write it without quotes: ${value}` };
        if (typeof value !== 'number' || !Number.isInteger(value)) return { message: `must be a whole number, got ${describeValue(value)}`, hint: `use one of ${list}` };
        return { message: `C++ standard ${value} is not offered by the cpp kernel`, hint: `use one of ${list} (17 is the default); for others declare a custom kernel` };
      },
    },
  },
  options: { std: { $ref: '#/$defs/cppStd', description: `C++ standard: ${list}; default 17.` } },
  normalise(k, base) {
    const std = k.std ?? 17;
    return { ...base, kind: 'cpp', displayName: k.displayName ?? `C++${std} (${k.name})`, language: 'cpp', std };
  },
  emit(k, envVar) {
    const argv = select(definition(k.std), 'argv');
    return { env: nix`if ${v('pkgs')} ? xeus-cpp then ${select(v('pkgs'), 'xeus-cpp')} else ${select(v('pkgs'), 'xeus-cling')}`, argv: nix`assert builtins.head ${argv} == ${strParts(envVar, '/bin/xcpp')}; ${argv}` };
  },
  describeFacts(facts) {
    const { set, standards } = cppStandardsOffered(facts);
    return [set ? `${set} set: C++ ${standards.join(', ')}` : 'no C++ kernel set'];
  },
  checkFacts(k, written, facts) {
    const { set, standards } = cppStandardsOffered(facts);
    if (standards.includes(k.std)) return [];
    return [
      {
        at: written.std === undefined ? [] : ['std'],
        message: set === null ? `${facts.label} has neither xeus-cpp nor xeus-cling, so it has no C++ kernel` : `${facts.label} has the ${set} set, which offers C++ ${standards.join(', ')}, not C++${k.std}`,
        hint: set === null ? 'remove the cpp kernel, or pin a nixpkgs with xeus-cpp or xeus-cling' : `use std: ${standards.includes(17) ? 17 : standards[standards.length - 1]} (one of ${standards.join(', ')}), or pin a nixpkgs whose xeus-cpp has cpp${k.std}-kernel`,
      },
    ];
  },
  packageAttrs: (k) => ['xeus-cpp', 'xeus-cling', ...definitionAttrs(k.std)],
  example: { name: 'cpp', std: 17 },
  nixpkgs: {
    envs: { 'xeus-cpp': 'xcpp', 'xeus-cling': 'xcpp' },
    definitions: ['cpp11-kernel', 'cpp14-kernel', 'cpp17-kernel', 'cpp20-kernel', 'cpp23-kernel', 'cpp2a-kernel'],
  },
  checkedAgainst: [
    'pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix',
    'pkgs/applications/editors/jupyter-kernels/xeus-cpp/xeus-cpp.nix',
    'pkgs/applications/editors/jupyter-kernels/xeus-cling/default.nix',
    'pkgs/top-level/all-packages.nix',
  ],
  snippet: { code: '#include <iostream>\nstd::cout << 6 * 7 << std::endl;', expect: '42' },
});
