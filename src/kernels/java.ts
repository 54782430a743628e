// Java kernels: JJava (github.com/dflib/jjava, IJava's maintained successor; JShell underneath) on
// a nixpkgs JDK. nixpkgs has no JJava: nix/jjava.nix, copied into the project beside the kernel,
// builds it from PyPI's wheel (nix/pypi-wheel.nix, copied beside it: buildPythonPackage +
// fetchPypi, as for NativeAuthenticator) and writes bin/jjava, which runs `java … -jar jjava.jar`
// as JJava's launcher would, on the JDK named here (pkgs/development/compilers/openjdk:
// jdk17_headless, jdk21_headless, and jdk_headless, nixpkgs' default, 21 in nixpkgs 26.11).
// JJava's own options are environment variables (org.dflib.jjava.distro.Env in jjava.jar):
// JJAVA_CLASSPATH comes from `classpath` (store paths, set by bin/jjava), JJAVA_COMPILER_OPTS and
// JJAVA_TIMEOUT from `compilerOpts` and `timeout` (kernel.json `env`).
import { join } from 'node:path';
import { apply, attrs, list, relPath, select, str, strParts, v } from '../nix/ast.js';
import { attrNameRule, describeValue, type Verdict } from '../definitions/rules.js';
import { packageRoot } from '../paths.js';
import { checkDuplicates, presetPackages, stringItems } from './checks.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** The JDKs offered: nixpkgs' `jdkNN_headless`. */
export const JDK_VERSIONS = [17, 21] as const;
export type JdkVersion = (typeof JDK_VERSIONS)[number];

/** The JJava release nix/jjava.nix builds (PyPI `jjava`). */
export const JJAVA_VERSION = '1.0a8';

/** JJava's environment variables that the kind's options set (so `env` must not). */
const OPTION_ENV: Record<string, string> = { JJAVA_CLASSPATH: 'classpath', JJAVA_COMPILER_OPTS: 'compilerOpts', JJAVA_TIMEOUT: 'timeout' };

/** A Java kernel: JJava on a nixpkgs JDK. */
export interface JavaKernel extends KernelBase {
  kind: 'java';
  /** JDK feature version: 17 or 21. Default: the pinned nixpkgs' `jdk_headless` (21 in nixpkgs 26.11). */
  jdk?: JdkVersion;
  /** nixpkgs attribute paths of Java libraries whose `share/java/*.jar` go on the class path (`commons-lang`, `commons-math`). */
  classpath?: string[];
  /** Options for JShell's compiler (JJAVA_COMPILER_OPTS), one per item: `["-Xlint:all"]`. */
  compilerOpts?: string[];
  /** Milliseconds a cell's statement may run before it is interrupted (JJAVA_TIMEOUT); -1: no limit. */
  timeout?: number;
}

export interface NormalizedJavaKernel extends NormalizedKernelBase {
  kind: 'java';
  language: 'java';
  /** null: the pinned nixpkgs' default `jdk_headless`. */
  jdk: JdkVersion | null;
  classpath: string[];
}

/** The nixpkgs attribute of a JDK: 17 → `jdk17_headless`, none → `jdk_headless`. */
export function jdkAttr(jdk: JdkVersion | null): string {
  return jdk === null ? 'jdk_headless' : `jdk${jdk}_headless`;
}

/** The kernel's Nix files (nix/), copied into the generated project beside each other: jjava.nix imports ./pypi-wheel.nix. */
const NIX_FILES = ['jjava.nix', 'pypi-wheel.nix'] as const;

/** Where one of them goes in the generated project. */
const nixAsset = (kernel: string, file: (typeof NIX_FILES)[number]): string => `assets/${kernel}/${file}`;

const q = (s: unknown) => JSON.stringify(s);
const jdkList = JDK_VERSIONS.join(', ');

export const java = defineKind<JavaKernel, NormalizedJavaKernel>({
  kind: 'java',
  summary: 'JJava (JShell) on a nixpkgs JDK, with Java libraries from nixpkgs on the class path',
  language: 'java',
  fileExtension: '.jshell',
  aliases: ['jshell', 'jjava', 'ijava'],
  rules: {
    jdkVersion: {
      schema: { type: 'integer', description: `JDK feature version as a number: ${jdkList} (nixpkgs' \`jdkNN_headless\`).`, enum: [...JDK_VERSIONS] },
      explain: (value): Verdict | undefined => {
        if ((JDK_VERSIONS as readonly unknown[]).includes(value)) return undefined;
        if (typeof value === 'string' && /^[0-9]+$/.test(value)) return { message: `must be a whole number, got the string ${q(value)}`, hint: `write it without quotes: ${value}` };
        if (typeof value !== 'number' || !Number.isInteger(value)) return { message: `must be a whole number, got ${describeValue(value)}`, hint: `use one of ${jdkList}` };
        return { message: `JDK ${value} is not offered by the java kernel`, hint: `use one of ${jdkList}, or leave it out for the pinned nixpkgs' jdk_headless (21)` };
      },
    },
    javaClasspathEntry: attrNameRule('A nixpkgs attribute path of a Java library whose `share/java/*.jar` go on the class path (`commons-lang`, `commons-math`).', '"commons-lang" or "commons-math"', {
      dotted: true,
      explain: (s): Verdict | undefined => {
        if (s.includes('/') || /\.(jar|zip|class)$/i.test(s) || s.includes('*')) {
          return { message: `${q(s)} is a file path; classpath entries are nixpkgs packages, whose share/java/*.jar nixlab puts on the class path`, hint: 'name the nixpkgs package that installs the jar (search.nixos.org), or package the jar with a custom kernel\'s nix file; in a notebook, %jars adds a jar at run time' };
        }
        return undefined;
      },
    }),
    javaCompilerOpt: {
      schema: { type: 'string', description: 'One javac option for JShell (`-Xlint:all`), without spaces.', pattern: '^-[^\\s"\'\\\\]*$' },
      explain: (value): Verdict | undefined => {
        if (typeof value !== 'string') return { message: `must be a string, got ${describeValue(value)}`, hint: 'write the option in quotes: "-Xlint:all"' };
        if (/^-[^\s"'\\]*$/u.test(value)) return undefined;
        const parts = value.trim().split(/\s+/u);
        if (parts.length > 1 && parts.every((p) => /^[^\s"'\\]+$/u.test(p))) return { message: `${q(value)} is several options in one item`, hint: `put each in its own item: ${parts.map(q).join(', ')}` };
        if (!value.startsWith('-')) return { message: `${q(value)} is not a compiler option (they start with "-")`, hint: 'write options such as "-Xlint:all"; an option\'s value is its own item ("--release", "17")' };
        return { message: `${q(value)} has spaces, quotes or backslashes, which JJava's option splitting does not keep`, hint: 'write the option without them' };
      },
    },
    javaTimeout: {
      schema: { type: 'integer', description: 'Milliseconds a statement may run before JJava interrupts it; -1 for no limit (JJAVA_TIMEOUT).', minimum: -1, not: { const: 0 } },
      explain: (value): Verdict | undefined => {
        if (Number.isInteger(value) && (value as number) >= -1 && value !== 0) return undefined;
        if (typeof value === 'string' && /^-?[0-9]+$/u.test(value)) return { message: `must be a whole number, got the string ${q(value)}`, hint: `write it without quotes: ${value}` };
        if (typeof value === 'string' && /^[0-9.]+\s*(ms|s|m)$/u.test(value)) return { message: `must be a number of milliseconds, got ${q(value)}`, hint: 'write milliseconds as a number: 30000 for 30 s' };
        if (value === 0) return { message: 'a timeout of 0 ms would interrupt every statement', hint: 'give milliseconds (30000 for 30 s), or -1 for no limit' };
        return { message: `must be a whole number of milliseconds or -1, got ${describeValue(value)}`, hint: 'write milliseconds as a number (30000 for 30 s), or -1 for no limit' };
      },
    },
  },
  options: {
    jdk: { $ref: '#/$defs/jdkVersion', description: `JDK feature version: ${jdkList}. Default: the pinned nixpkgs' \`jdk_headless\` (21 in nixpkgs 26.11).` },
    classpath: {
      type: 'array',
      description: 'nixpkgs attribute paths of Java libraries; their `share/java/*.jar` go on the kernel\'s class path (JJAVA_CLASSPATH).',
      items: { $ref: '#/$defs/javaClasspathEntry' },
    },
    compilerOpts: { type: 'array', description: "JShell's compiler options, one per item (JJAVA_COMPILER_OPTS): `[\"-Xlint:all\"]`.", items: { $ref: '#/$defs/javaCompilerOpt' } },
    timeout: { $ref: '#/$defs/javaTimeout', description: 'Milliseconds a statement may run before JJava interrupts it; -1 (JJava\'s default) for no limit (JJAVA_TIMEOUT).' },
  },
  check(kernel, at, report) {
    checkDuplicates(kernel.classpath, [...at, 'classpath'], report, 'warn', 'classpath entry');
    const env = kernel.env;
    if (env && typeof env === 'object' && !Array.isArray(env)) {
      for (const key of Object.keys(env)) {
        const option = OPTION_ENV[key];
        if (option) report.error([...at, 'env', key], { message: `${key} is set by the java kernel from its \`${option}\` option`, hint: `give it as \`${option}\` instead (${option === 'classpath' ? 'nixpkgs packages holding the jars' : option === 'timeout' ? 'milliseconds as a number' : 'one option per item'})` }, true);
      }
    }
    for (const [i, s] of stringItems(kernel.classpath)) {
      if (/^jdk[0-9]*(_headless)?$|^openjdk[0-9]*(_headless)?$/u.test(s)) report.error([...at, 'classpath', i], { message: `${q(s)} is a JDK, not a library`, hint: 'choose the JDK with `jdk` (17 or 21)' });
    }
  },
  normalise(k, base) {
    const jdk = k.jdk ?? null;
    const env = { ...base.env };
    if (k.compilerOpts?.length) env.JJAVA_COMPILER_OPTS = k.compilerOpts.join(' ');
    if (k.timeout !== undefined) env.JJAVA_TIMEOUT = String(k.timeout);
    // JJava's own kernelspec asks for message interrupts (a SIGINT would end the JVM).
    return { ...base, env, interruptMode: k.interruptMode ?? 'message', kind: 'java', displayName: k.displayName ?? `Java${jdk === null ? '' : ` ${jdk}`} (${k.name})`, language: 'java', jdk, classpath: presetPackages(k.classpath) };
  },
  emit(k, envVar) {
    const classpath = k.classpath.map((p) => select(v('pkgs'), ...p.split('.')));
    const env = apply(apply(select(v('pkgs'), 'callPackage'), relPath(`./${nixAsset(k.name, 'jjava.nix')}`)), attrs({ jdk: select(v('pkgs'), jdkAttr(k.jdk)), classpath: list(classpath) }));
    return { env, argv: list([strParts(envVar, '/bin/jjava'), str('{connection_file}')]) };
  },
  files: (k) => NIX_FILES.map((f) => ({ path: nixAsset(k.name, f), copyFrom: join(packageRoot(), 'nix', f) })),
  packageAttrs: (k) => [jdkAttr(k.jdk), ...k.classpath],
  // Each JDK's bin/java runs JJava; classpath entries are top-level attribute names.
  nixpkgs: { envs: Object.fromEntries([null, ...JDK_VERSIONS].map((v) => [jdkAttr(v), 'java'])), packageSets: [''] },
  example: { name: 'java', jdk: 17 },
  // bin/jjava (nix/jjava.nix) also reads JJAVA_JVM_OPTS, JJava launcher's own.
  variables: [...Object.keys(OPTION_ENV), 'JJAVA_JVM_OPTS'],
  checkedAgainst: [
    'pkgs/development/compilers/openjdk/generic.nix',
    'pkgs/top-level/all-packages.nix',
    'pkgs/development/interpreters/python/mk-python-derivation.nix',
    'pkgs/build-support/fetchpypi/default.nix',
    'dflib/jjava jjava-launcher/src/main/java/org/dflib/jjava/launcher/KernelLauncher.java',
  ],
  notes: [
    "nixpkgs has no JJava: nixlab builds JJava 1.0a8 from PyPI's wheel (nix/jjava.nix)",
    'offline, only JDK 17 is available (Debian 12 has OpenJDK 17): set `jdk: 17`',
  ],
  snippet: { code: 'System.out.println(6 * 7);', expect: '42' },
});
