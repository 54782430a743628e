// Every kernel preset nixlab knows, in the order `nixlab kernels` lists them.
import { custom } from './custom.js';
import { python } from './python.js';
import type { KernelPreset } from './types.js';

export type { KernelPreset, PresetOption } from './types.js';

export const presets: readonly KernelPreset[] = [python, custom];
