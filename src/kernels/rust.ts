// Rust kernels: `pkgs.evcxr` (pkgs/by-name/ev/evcxr/package.nix). Its postInstall wraps
// bin/evcxr_jupyter with cargo, gcc and rustc on PATH and RUST_SRC_PATH set. argv and
// `interrupt_mode: message` are evcxr_jupyter's own kernelspec (evcxr/evcxr
// evcxr_jupyter/src/install.rs: `[exe, "--control_file", "{connection_file}"]`, language "rust").
import { list, select, str, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Rust kernel: nixpkgs `evcxr` (`evcxr_jupyter`). */
export interface RustKernel extends KernelBase {
  kind: 'rust';
}
export interface NormalizedRustKernel extends NormalizedKernelBase {
  kind: 'rust';
  language: 'rust';
}

export const rust = defineKind<RustKernel, NormalizedRustKernel>({
  kind: 'rust',
  summary: 'evcxr (evcxr_jupyter), with cargo on its PATH; interrupt mode "message" by default',
  language: 'rust',
  fileExtension: '.rs',
  aliases: ['rs'],
  // evcxr_jupyter's own kernelspec asks for message interrupts.
  normalise: (k, base) => ({ ...base, kind: 'rust', displayName: k.displayName ?? `Rust (${k.name})`, interruptMode: k.interruptMode ?? 'message', language: 'rust' }),
  emit: (_k, envVar) => ({ env: select(v('pkgs'), 'evcxr'), argv: list([strParts(envVar, '/bin/evcxr_jupyter'), str('--control_file'), str('{connection_file}')]) }),
  packageAttrs: () => ['evcxr'],
  example: { name: 'rust' },
  nixpkgs: { envs: { evcxr: 'evcxr_jupyter' } },
  checkedAgainst: ['pkgs/by-name/ev/evcxr/package.nix', 'evcxr/evcxr evcxr_jupyter/src/install.rs'],
  notes: ['cells that add crates (`:dep`) fetch them from crates.io at run time'],
  snippet: { code: 'println!("{}", 6 * 7);', expect: '42' },
});
