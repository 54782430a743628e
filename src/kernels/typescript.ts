// TypeScript kernels: Deno's built-in kernel (kernel.json language "typescript", as Deno writes
// it; see ./deno.ts).
import { denoCheckedAgainst, denoNotes, emitDeno } from './deno.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A TypeScript kernel: Deno's built-in kernel (`deno jupyter --kernel`). */
export interface TypescriptKernel extends KernelBase {
  kind: 'typescript';
}
export interface NormalizedTypescriptKernel extends NormalizedKernelBase {
  kind: 'typescript';
  language: 'typescript';
}

export const typescript = defineKind<TypescriptKernel, NormalizedTypescriptKernel>({
  kind: 'typescript',
  summary: "Deno's built-in kernel (TypeScript)",
  language: 'typescript',
  fileExtension: '.ts',
  aliases: ['ts', 'deno'],
  normalise: (k, base) => ({ ...base, kind: 'typescript', displayName: k.displayName ?? `TypeScript (${k.name})`, language: 'typescript' }),
  emit: (_k, envVar) => emitDeno(envVar),
  packageAttrs: () => ['deno'],
  example: { name: 'ts' },
  nixpkgs: { envs: { deno: 'deno' } },
  checkedAgainst: denoCheckedAgainst,
  notes: denoNotes,
  snippet: { code: 'const n: number = 6 * 7;\nconsole.log(n)', expect: '42' },
});
