// Go kernels: `pkgs.gophernotes` (pkgs/by-name/go/gophernotes/package.nix, buildGoModule, which
// installs bin/gophernotes). argv is gophernotes' own kernelspec (gopherdata/gophernotes
// kernel/kernel.json.in: `gophernotes {connection_file}`, language "go").
import { list, select, str, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Go kernel: nixpkgs `gophernotes`. */
export interface GoKernel extends KernelBase {
  kind: 'go';
}
export interface NormalizedGoKernel extends NormalizedKernelBase {
  kind: 'go';
  language: 'go';
}

export const go = defineKind<GoKernel, NormalizedGoKernel>({
  kind: 'go',
  summary: 'gophernotes (Go interpreted by gomacro)',
  language: 'go',
  fileExtension: '.go',
  aliases: ['golang'],
  normalise: (k, base) => ({ ...base, kind: 'go', displayName: k.displayName ?? `Go (${k.name})`, language: 'go' }),
  emit: (_k, envVar) => ({ env: select(v('pkgs'), 'gophernotes'), argv: list([strParts(envVar, '/bin/gophernotes'), str('{connection_file}')]) }),
  packageAttrs: () => ['gophernotes'],
  example: { name: 'go' },
  nixpkgs: { envs: { gophernotes: 'gophernotes' } },
  checkedAgainst: ['pkgs/by-name/go/gophernotes/package.nix', 'gopherdata/gophernotes kernel/kernel.json.in'],
  notes: ["the Go toolchain is not on the kernel's PATH: importing third-party packages (which gophernotes compiles as plugins) needs a custom kernel"],
  snippet: { code: 'import "fmt"\nfmt.Println(6 * 7)', expect: '42' },
});
