// Every kernel preset nixlab knows, in the order `nixlab kernels` lists them.
import { bash } from './bash.js';
import { clojure } from './clojure.js';
import { cpp } from './cpp.js';
import { custom } from './custom.js';
import { go } from './go.js';
import { haskell } from './haskell.js';
import { javascript } from './javascript.js';
import { octave } from './octave.js';
import { python } from './python.js';
import { r } from './r.js';
import { ruby } from './ruby.js';
import { rust } from './rust.js';
import type { KernelPreset } from './types.js';
import { typescript } from './typescript.js';

export type { KernelPreset, PresetOption } from './types.js';

export const presets: readonly KernelPreset[] = [python, r, octave, bash, javascript, typescript, go, rust, cpp, haskell, ruby, clojure, custom];
