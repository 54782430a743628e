// The typed API for `nixlab.config.ts` (published as `nixlab/config`). Identity functions that
// give editors completion and type errors; validation happens when nixlab loads the file.
// Keep this file free of runtime imports: users' configs load it.
import type { Config, CustomKernel, PythonKernel } from './types.js';

export type {
  Config,
  CustomKernel,
  Frontend,
  ImageSettings,
  ImageUser,
  InterruptMode,
  JsonValue,
  KernelBase,
  KernelDef,
  NixpkgsPin,
  PythonKernel,
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
