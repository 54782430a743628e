// The typed API for `nixlab.config.ts` (published as `nixlab/config`). Identity functions that
// give editors completion and type errors; validation happens when nixlab loads the file.
// Keep this file free of runtime imports: users' configs load it.
import type {
  BashKernel,
  ClojureKernel,
  Config,
  CppKernel,
  CustomKernel,
  GoKernel,
  HaskellKernel,
  JavascriptKernel,
  OctaveKernel,
  PythonKernel,
  RKernel,
  RubyKernel,
  RustKernel,
  TypescriptKernel,
} from './types.js';

export type {
  BashKernel,
  ClojureKernel,
  Config,
  CppKernel,
  CustomKernel,
  Frontend,
  GoKernel,
  HaskellKernel,
  ImageSettings,
  ImageUser,
  InterruptMode,
  JavascriptKernel,
  JsonValue,
  KernelBase,
  KernelDef,
  NixpkgsPin,
  OctaveKernel,
  PythonKernel,
  RKernel,
  RubyKernel,
  RustKernel,
  TypescriptKernel,
} from './types.js';

/** Declares a config (returns it unchanged; the type checks it). */
export function defineConfig(config: Config): Config {
  return config;
}

/** Declares a Python kernel: `python({ name: 'py', packages: ['numpy'] })`. */
export function python(opts: Omit<PythonKernel, 'kind'>): PythonKernel {
  return { kind: 'python', ...opts };
}

/** Declares a kernel from any command line: `custom({ name, language, argv, packages })`. */
export function custom(opts: Omit<CustomKernel, 'kind'>): CustomKernel {
  return { kind: 'custom', ...opts };
}

/** Declares an R kernel (IRkernel): `r({ name: 'r', packages: ['ggplot2', 'data_table'] })`. */
export function r(opts: Omit<RKernel, 'kind'>): RKernel {
  return { kind: 'r', ...opts };
}

/** Declares a Go kernel (gophernotes): `go({ name: 'go' })`. */
export function go(opts: Omit<GoKernel, 'kind'>): GoKernel {
  return { kind: 'go', ...opts };
}

/** Declares a C++ kernel (xeus-cling): `cpp({ name: 'cpp', std: 20 })`; std 17 (default) or 20. */
export function cpp(opts: Omit<CppKernel, 'kind'>): CppKernel {
  return { kind: 'cpp', ...opts };
}

/** Declares a Rust kernel (evcxr): `rust({ name: 'rust' })`. */
export function rust(opts: Omit<RustKernel, 'kind'>): RustKernel {
  return { kind: 'rust', ...opts };
}

/** Declares a Haskell kernel (IHaskell): `haskell({ name: 'haskell', packages: ['lens'] })`. */
export function haskell(opts: Omit<HaskellKernel, 'kind'>): HaskellKernel {
  return { kind: 'haskell', ...opts };
}

/** Declares a Bash kernel (bash_kernel): `bash({ name: 'bash' })`. */
export function bash(opts: Omit<BashKernel, 'kind'>): BashKernel {
  return { kind: 'bash', ...opts };
}

/** Declares a JavaScript kernel (Deno): `javascript({ name: 'js' })`. */
export function javascript(opts: Omit<JavascriptKernel, 'kind'>): JavascriptKernel {
  return { kind: 'javascript', ...opts };
}

/** Declares a TypeScript kernel (Deno): `typescript({ name: 'ts' })`. */
export function typescript(opts: Omit<TypescriptKernel, 'kind'>): TypescriptKernel {
  return { kind: 'typescript', ...opts };
}

/** Declares an Octave kernel (octave_kernel): `octave({ name: 'octave', packages: ['signal'] })`. */
export function octave(opts: Omit<OctaveKernel, 'kind'>): OctaveKernel {
  return { kind: 'octave', ...opts };
}

/** Declares a Ruby kernel (IRuby): `ruby({ name: 'ruby' })`. */
export function ruby(opts: Omit<RubyKernel, 'kind'>): RubyKernel {
  return { kind: 'ruby', ...opts };
}

/** Declares a Clojure kernel (clojupyter): `clojure({ name: 'clojure' })`. */
export function clojure(opts: Omit<ClojureKernel, 'kind'>): ClojureKernel {
  return { kind: 'clojure', ...opts };
}
