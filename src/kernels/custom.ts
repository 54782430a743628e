// Custom kernels: any command line. `pkgs.buildEnv` (pkgs/build-support/buildenv/default.nix:
// `name`, `paths`) of the named nixpkgs attributes and the user's own Nix file, with the user's
// argv, in which `{env}` is the environment's store path.
import { readdirSync, statSync } from 'node:fs';
import path, { basename, dirname, join } from 'node:path';
import { filesUnder, type DirEntry } from '../fsutil.js';
import { apply, attrs, list, relPath, select, str, strParts, v, type StrPart } from '../nix/ast.js';
import { attrNameRule, unrepresentable } from '../definitions/rules.js';
import { checkDuplicates, stringItems } from './checks.js';
import { nearest } from '../suggest.js';
import { defineKind, type KernelBase, type NixpkgsFacts, type NormalizedKernelBase, type PathSegment, type Reporter } from './types.js';

/** Any kernel: an argv, a language, and the nixpkgs attributes it needs. */
export interface CustomKernel extends KernelBase {
  kind: 'custom';
  language: string;
  /** Must contain `{connection_file}`. argv[0] without `/` is looked up in the kernel env's bin/. */
  argv: string[];
  /** nixpkgs attribute paths (`python3Packages.bash-kernel`, `busybox`) joined into the kernel env. */
  packages?: string[];
  /** File extension for notebooks' language_info (`.sh`). */
  fileExtension?: string;
  /**
   * A `.nix` file relative to the config, `{ pkgs }: <derivation>`, joined into the kernel env.
   * Its directory is copied into the generated project.
   */
  nix?: string;
}

export interface NormalizedCustomKernel extends NormalizedKernelBase {
  kind: 'custom';
  argv: string[];
  packages: string[];
  fileExtension?: string;
  /** Absolute path of the kernel's Nix file (resolved against the config's directory). */
  nixFile?: string;
}

/** The derivation name of a custom kernel's environment (its `buildEnv`). */
const envDerivationName = (kernel: string): string => `kernel-${kernel}-env`;

/** Largest directory of a kernel's Nix file that nixlab copies into the generated project. */
const NIX_DIR_MAX_BYTES = 16 * 1024 * 1024;
const NIX_FILE = /^([^/].*\/)?[A-Za-z0-9_+-][A-Za-z0-9._+-]*\.nix$/;
const FILE_EXTENSION = /^\.[A-Za-z0-9_+-]+$/;
const q = (s: unknown) => JSON.stringify(s);

/** Where a custom kernel's Nix file lands in the generated project. */
export function nixFileAsset(kernel: string, nixFile: string): string {
  return `assets/${kernel}/nix/${basename(nixFile)}`;
}

/** Bytes under `dir` (regular files, not following links), stopping early past `limit`. */
function dirSize(dir: string, limit: number): number {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const d = stack.pop()!;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) total += statSync(p).size;
    }
  }
  return total;
}

function checkNixFile(rel: unknown, at: PathSegment[], report: Reporter): void {
  if (typeof rel !== 'string' || !NIX_FILE.test(rel) || unrepresentable(rel)) return;
  const abs = path.resolve(report.baseDir, rel);
  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    return report.error(at, { message: `Nix file ${q(rel)} does not exist`, hint: `the path is relative to the directory of ${report.file}; check the spelling or add the file` });
  }
  if (!isFile) return report.error(at, { message: `${q(rel)} is not a regular file`, hint: 'point it at a .nix file' });
  if (dirSize(path.dirname(abs), NIX_DIR_MAX_BYTES) > NIX_DIR_MAX_BYTES) {
    report.error(at, { message: `the directory of ${q(rel)} holds more than ${NIX_DIR_MAX_BYTES >> 20} MiB; nixlab copies that whole directory into the generated project`, hint: 'move the Nix file and what it needs into a small directory of their own' });
  }
}

const EXAMPLE_ARGV = ['python3', '-m', 'bash_kernel', '-f', '{connection_file}'];

function miss(i: number, written: string, name: string, set: string, facts: NixpkgsFacts) {
  const close = nearest(name, facts.names(set) ?? [], 3).map((c) => (set ? `${set}.${c}` : c));
  return [
    {
      at: ['packages', i] as PathSegment[],
      message: `${facts.label} has no ${set ? `${set}.${name}` : `top-level attribute ${JSON.stringify(name)}`} (in ${JSON.stringify(written)})`,
      hint: close.length ? `close names there: ${close.map((c) => JSON.stringify(c)).join(', ')}` : 'check the attribute path in nixpkgs, or remove it',
    },
  ];
}

export const custom = defineKind<CustomKernel, NormalizedCustomKernel>({
  kind: 'custom',
  summary: 'any kernel: your argv (with {connection_file}) and the nixpkgs attributes it needs',
  language: '(any)',
  fileExtension: '(any)',
  rules: {
    attrPath: attrNameRule('A nixpkgs attribute path (`busybox`, `python3Packages.bash-kernel`).', '"busybox" or "python3Packages.bash-kernel"', { dotted: true }),
    language: { schema: { type: 'string', description: 'Language name reported to Jupyter (`bash`, `julia`).', minLength: 1 }, explain: (v) => (v === '' ? { message: 'must not be empty', hint: 'name the language, e.g. "bash"' } : undefined) },
    argvItem: { schema: { type: 'string', description: 'One argument of the kernel command line.' }, explain: () => undefined },
    argv: {
      schema: {
        type: 'array',
        description: "Kernel command line; must contain `{connection_file}`. A first element without `/` is looked up in the kernel environment's `bin/`; `{env}` is the environment's store path.",
        minItems: 1,
        items: { $ref: '#/$defs/argvItem' },
      },
      explain: (value) => (Array.isArray(value) && value.length === 0 ? { message: 'argv is empty', hint: `give the kernel's command line, e.g. ${JSON.stringify(EXAMPLE_ARGV)}` } : undefined),
    },
    fileExtension: {
      schema: { type: 'string', description: 'Notebook `language_info.file_extension`, starting with a dot (`.sh`).', pattern: FILE_EXTENSION.source },
      explain: (value) => {
        if (typeof value !== 'string' || FILE_EXTENSION.test(value)) return undefined;
        const fixed = `.${value.replace(/^\.+/, '')}`;
        return { message: `${q(value)} is not a file extension`, hint: FILE_EXTENSION.test(fixed) ? `write ${q(fixed)}` : 'write a dot and letters, e.g. ".sh"' };
      },
    },
    nixFile: {
      schema: { type: 'string', description: 'Path of a `.nix` file, relative to the config file.', minLength: 1, pattern: NIX_FILE.source },
      explain: (value) => {
        if (typeof value !== 'string' || NIX_FILE.test(value)) return undefined;
        if (value.startsWith('/')) return { message: `${q(value)} is an absolute path; the Nix file's path is relative to the config file`, hint: 'put the file near the config and write e.g. "kernels/mine.nix"' };
        return { message: `${q(value)} is not the path of a .nix file`, hint: 'name a file ending in .nix, relative to the config file, e.g. "kernels/mine.nix"' };
      },
    },
  },
  options: {
    language: { $ref: '#/$defs/language', description: 'Language name reported to Jupyter (`bash`).' },
    argv: { $ref: '#/$defs/argv', description: 'Kernel command line; must contain `{connection_file}`.' },
    packages: {
      type: 'array',
      description: 'nixpkgs attribute paths joined into the kernel environment (`python3Packages.bash-kernel`, `busybox`).',
      items: { $ref: '#/$defs/attrPath' },
    },
    fileExtension: { $ref: '#/$defs/fileExtension', description: 'Notebook `language_info.file_extension` (`.sh`).' },
    nix: {
      $ref: '#/$defs/nixFile',
      description: 'A Nix file in your repository, `{ pkgs }: <derivation>`, joined into the kernel environment (for kernels nixpkgs does not package). Its directory is copied into the generated project, so keep that directory small.',
    },
  },
  required: ['language', 'argv'],
  requiredExamples: { language: '"bash"', argv: JSON.stringify(EXAMPLE_ARGV) },
  check(kernel, at, report) {
    const argv = kernel.argv;
    if (Array.isArray(argv) && argv.length > 0 && !stringItems(argv).some(([, a]) => a.includes('{connection_file}'))) {
      report.error([...at, 'argv'], { message: 'argv has no "{connection_file}" argument, so the kernel cannot find its connection file', hint: 'add the argument Jupyter replaces with the connection file path, e.g. "-f", "{connection_file}"' });
    }
    checkDuplicates(kernel.packages, [...at, 'packages'], report, 'warn', 'package');
    checkNixFile(kernel.nix, [...at, 'nix'], report);
  },
  normalise(k, base, baseDir) {
    return {
      ...base,
      kind: 'custom',
      displayName: k.displayName ?? k.name,
      language: k.language,
      argv: [...k.argv],
      packages: [...new Set(k.packages ?? [])],
      ...(k.fileExtension === undefined ? {} : { fileExtension: k.fileExtension }),
      ...(k.nix === undefined ? {} : { nixFile: path.resolve(baseDir, k.nix) }),
    };
  },
  emit(k, envVar) {
    const paths = k.packages.map((p) => select(v('pkgs'), ...p.split('.')));
    // The user's file, copied with its directory into the project: `{ pkgs }: derivation`.
    if (k.nixFile) paths.push(apply(v('import'), relPath(`./${nixFileAsset(k.name, k.nixFile)}`), attrs({ pkgs: v('pkgs') })));
    const env = apply(select(v('pkgs'), 'buildEnv'), attrs({ name: str(envDerivationName(k.name)), paths: list(paths) }));
    const argv = k.argv.map((arg, i) => {
      if (i === 0 && !arg.includes('/') && !arg.includes('{env}')) return strParts(envVar, '/bin/', arg);
      const parts: StrPart[] = [];
      arg.split('{env}').forEach((piece, j) => {
        if (j > 0) parts.push(envVar);
        parts.push(piece);
      });
      return strParts(...parts);
    });
    return { env, argv: list(argv) };
  },
  files(k): DirEntry[] {
    if (!k.nixFile) return [];
    const dir = dirname(k.nixFile);
    return filesUnder(dir).map((f) => ({ path: `assets/${k.name}/nix/${f}`, copyFrom: join(dir, f) }));
  },
  checkFacts(_k, written, facts) {
    // An attribute path: its first name must be at the top level; below a package set whose
    // names are recorded (`python3Packages.bash-kernel`), the second too.
    return stringItems(written.packages).flatMap(([i, p]) => {
      const [head, second] = p.split('.');
      const set = second === undefined ? '' : head!;
      const name = second === undefined ? head! : second;
      if (second !== undefined && !facts.has('', head!)) return miss(i, p, head!, '', facts);
      if (facts.has(set, name) !== false) return [];
      return miss(i, p, name, set, facts);
    });
  },
  packageAttrs: (k) => [...k.packages],
  languageFromConfig: true,
  derivationNames: { env: envDerivationName },
  unknownKindHint: 'a custom kernel runs any command line',
  initRefusal: { message: '"custom" kernels need a command line, which init cannot guess', hint: 'start with a preset, then add a custom kernel by hand (see examples/custom-kernels.md)' },
  argvKey: 'argv',
  nixFileAsset: (k) => (k.nixFile ? nixFileAsset(k.name, k.nixFile) : undefined),
  example: { name: 'scala', language: 'scala', argv: ['almond', '--connection-file', '{connection_file}'], packages: ['jdk17_headless'] },
  nixpkgs: { packageSets: [''] },
  checkedAgainst: ['pkgs/build-support/buildenv/default.nix'],
});
