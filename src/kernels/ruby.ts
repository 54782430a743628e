// Ruby kernels: `pkgs.iruby` (pkgs/by-name/ir/iruby/package.nix: `bundlerApp { pname = "iruby";
// exes = [ "iruby" ]; }`, whose definition's argv is `${iruby}/bin/iruby kernel
// {connection_file}`, language "ruby").
import { list, select, str, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Ruby kernel: nixpkgs `iruby`. */
export interface RubyKernel extends KernelBase {
  kind: 'ruby';
}
export interface NormalizedRubyKernel extends NormalizedKernelBase {
  kind: 'ruby';
  language: 'ruby';
}

export const ruby = defineKind<RubyKernel, NormalizedRubyKernel>({
  kind: 'ruby',
  summary: "IRuby (the gems of nixpkgs' iruby bundle)",
  language: 'ruby',
  fileExtension: '.rb',
  aliases: ['rb'],
  normalise: (k, base) => ({ ...base, kind: 'ruby', displayName: k.displayName ?? `Ruby (${k.name})`, language: 'ruby' }),
  emit: (_k, envVar) => ({ env: select(v('pkgs'), 'iruby'), argv: list([strParts(envVar, '/bin/iruby'), str('kernel'), str('{connection_file}')]) }),
  packageAttrs: () => ['iruby'],
  example: { name: 'ruby' },
  nixpkgs: { envs: { iruby: 'iruby' }, definitions: ['iruby.definition'] },
  checkedAgainst: ['pkgs/by-name/ir/iruby/package.nix'],
  snippet: { code: 'puts 6 * 7', expect: '42' },
});
