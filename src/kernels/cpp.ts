// C++ kernels: nixpkgs' xeus-cpp and its kernel definitions
// (pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix: `cpp11-kernel` …
// `cpp23-kernel`, each a plain `{ displayName; argv; language; logo32; logo64; }` — not a
// derivation — whose argv is `[ "${xeus-cpp}/bin/xcpp" "-std=c++NN" "-f" "{connection_file}" ]`;
// pkgs/top-level/all-packages.nix exports them with `xeus-cpp` from the same callPackage). The
// kernel's environment is the derivation argv[0] runs from, `pkgs.xeus-cpp`; the argv is the
// definition's, asserted at evaluation to run that environment's bin/xcpp. (nixos-24.11 had
// xeus-cling's `cpp17-kernel`/`cpp2a-kernel` instead; nixlab emitted the definition itself as
// the environment, which Nix cannot turn into a store path.)
import { describeValue } from '../definitions/rules.js';
import { nix, select, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** The C++ standards offered: each has a nixpkgs kernel definition `cppNN-kernel`. */
export const CPP_STANDARDS = [11, 14, 17, 20, 23] as const;
export type CppStandard = (typeof CPP_STANDARDS)[number];

/** A C++ kernel: nixpkgs' xeus-cpp kernel definitions (`cpp17-kernel`, `cpp20-kernel`, …). */
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

export const cpp = defineKind<CppKernel, NormalizedCppKernel>({
  kind: 'cpp',
  summary: 'xeus-cpp C++ interpreter (clang-repl; nixpkgs cpp11-kernel … cpp23-kernel)',
  language: 'cpp',
  fileExtension: '.cpp',
  aliases: ['c++', 'cxx'],
  rules: {
    cppStd: {
      schema: { type: 'integer', description: `C++ standard as a number: ${list} (xeus-cpp's \`-std=c++NN\`).`, enum: [...CPP_STANDARDS] },
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
    const argv = select(v('pkgs'), `cpp${k.std}-kernel`, 'argv');
    return { env: select(v('pkgs'), 'xeus-cpp'), argv: nix`assert builtins.head ${argv} == ${strParts(envVar, '/bin/xcpp')}; ${argv}` };
  },
  packageAttrs: (k) => ['xeus-cpp', `cpp${k.std}-kernel`],
  example: { name: 'cpp', std: 17 },
  nixpkgs: {
    envs: { 'xeus-cpp': 'xcpp', 'xeus-cling': 'xcpp' },
    definitions: ['cpp11-kernel', 'cpp14-kernel', 'cpp17-kernel', 'cpp20-kernel', 'cpp23-kernel', 'cpp2a-kernel'],
  },
  checkedAgainst: [
    'pkgs/applications/editors/jupyter-kernels/xeus-cpp/default.nix',
    'pkgs/applications/editors/jupyter-kernels/xeus-cpp/xeus-cpp.nix',
    'pkgs/top-level/all-packages.nix',
  ],
  snippet: { code: '#include <iostream>\nstd::cout << 6 * 7 << std::endl;', expect: '42' },
});
