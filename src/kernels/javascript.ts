// JavaScript kernels: Deno's built-in kernel, declared as JavaScript (see ./deno.ts).
import { denoCheckedAgainst, denoNotes, emitDeno } from './deno.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A JavaScript kernel: Deno's built-in kernel (`deno jupyter --kernel`). */
export interface JavascriptKernel extends KernelBase {
  kind: 'javascript';
}
export interface NormalizedJavascriptKernel extends NormalizedKernelBase {
  kind: 'javascript';
  language: 'javascript';
}

export const javascript = defineKind<JavascriptKernel, NormalizedJavascriptKernel>({
  kind: 'javascript',
  summary: "Deno's built-in kernel, declared as JavaScript",
  language: 'javascript',
  fileExtension: '.js',
  aliases: ['js'],
  normalise: (k, base) => ({ ...base, kind: 'javascript', displayName: k.displayName ?? `JavaScript (${k.name})`, language: 'javascript' }),
  emit: (_k, envVar) => emitDeno(envVar),
  packageAttrs: () => ['deno'],
  example: { name: 'js' },
  nixpkgs: { envs: { deno: 'deno' } },
  checkedAgainst: denoCheckedAgainst,
  notes: denoNotes,
  snippet: { code: 'console.log(6 * 7)', expect: '42' },
});
