// `generate`: a config file → a self-contained Nix project directory (default.nix, the nixlab
// Nix library, assets), replaced atomically.
import { basename, resolve } from 'node:path';
import { loadConfig } from '../definitions/load.js';
import type { NormalizedConfig } from '../definitions/types.js';
import type { Problem } from '../errors.js';
import { replaceDir } from '../fsutil.js';
import { emitProject } from '../nix/emit.js';

export interface GenerateResult {
  /** The config file as the user named it. */
  file: string;
  config: NormalizedConfig;
  /** The generated project directory (absolute). */
  outDir: string;
  /** Paths of the files written, relative to outDir, sorted. */
  files: string[];
  warnings: Problem[];
}

/** Loads and validates `configPath`, emits the Nix project, and writes it to `outDir`. */
export async function generate(configPath: string, outDir: string): Promise<GenerateResult> {
  const { file, config, warnings, data } = await loadConfig(configPath);
  const files = emitProject(config, basename(file), data);
  const abs = resolve(outDir);
  await replaceDir(abs, files);
  return { file, config, outDir: abs, files: files.map((f) => f.path), warnings };
}
