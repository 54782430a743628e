// What `nixlab kernels` shows of each kind: its options (from its schema fragment) and the Nix
// its emitter writes for its example kernel, rendered by the real renderer so that the listing
// cannot drift from what `nixlab generate` emits.
import { validateConfig } from '../definitions/validate.js';
import { InternalError } from '../errors.js';
import { renderInline } from '../nix/render.js';
import { v } from '../nix/ast.js';
import { emitKernel, kernelKinds } from './index.js';
import type { NixpkgsFacts } from './types.js';

/** One kind as `nixlab kernels` lists it. */
export interface KindDescription {
  kind: string;
  language: string;
  summary: string;
  fileExtension: string;
  options: { name: string; description: string }[];
  /** The example kernel of the kind, as a config writes it. */
  example: Record<string, unknown>;
  /** Its environment's Nix expression, as emitted. */
  env: string;
  /** Its kernel.json argv, as emitted (`kernelEnv` is the environment). */
  argv: string;
  checkedAgainst: string[];
  /** What the pin's facts say of the kind (nixpkgs-facts/, src/nixpkgs/facts.ts). */
  pin: string[];
  notes: string[];
  snippet: { code: string; expect: string } | null;
}

/** Every kind, in registry order. */
export function describeKinds(facts?: NixpkgsFacts): KindDescription[] {
  return kernelKinds.map((kind) => {
    const example = { kind: kind.kind, ...kind.example };
    const result = validateConfig({ kernels: [example] }, `the ${kind.kind} example`, { baseDir: '/' });
    const kernel = result.config?.kernels[0];
    if (!kernel) throw new InternalError(`the ${kind.kind} kind's example does not validate: ${result.errors.map((e) => e.message).join('; ')}`);
    const parts = emitKernel(kernel, v('kernelEnv'));
    const options = Object.entries(kind.options ?? {}).map(([name, schema]) => ({ name, description: String(schema.description ?? '') }));
    return {
      kind: kind.kind,
      language: kind.language,
      summary: kind.summary,
      fileExtension: kind.fileExtension,
      options,
      example,
      env: renderInline(parts.env).replace(/\s*\n\s*/g, ' '),
      argv: renderInline(parts.argv).replace(/\s*\n\s*/g, ' '),
      checkedAgainst: [...kind.checkedAgainst],
      pin: facts && kind.describeFacts ? (kind.describeFacts as (f: NixpkgsFacts) => string[])(facts) : [],
      notes: [...(kind.notes ?? [])],
      snippet: kind.snippet ?? null,
    };
  });
}
