// Bash kernels: `pkgs.python3.withPackages (ps: [ ps.bash-kernel ])`
// (pkgs/development/python-modules/bash-kernel/default.nix: bash_kernel with bashInteractive's
// path patched in, so no bash on PATH is needed). argv is the one that file's checkPhase writes:
// `python -m bash_kernel -f {connection_file}`, language "bash".
import { apply, lambda, list, select, str, strParts, v } from '../nix/ast.js';
import { defineKind, type KernelBase, type NormalizedKernelBase } from './types.js';

/** A Bash kernel: `python3.withPackages (ps: [ ps.bash-kernel ])`, run as `python3 -m bash_kernel`. */
export interface BashKernel extends KernelBase {
  kind: 'bash';
}
export interface NormalizedBashKernel extends NormalizedKernelBase {
  kind: 'bash';
  language: 'bash';
}

export const bash = defineKind<BashKernel, NormalizedBashKernel>({
  kind: 'bash',
  summary: 'bash_kernel (bash driven through pexpect)',
  language: 'bash',
  fileExtension: '.sh',
  aliases: ['sh', 'shell'],
  normalise: (k, base) => ({ ...base, kind: 'bash', displayName: k.displayName ?? `Bash (${k.name})`, language: 'bash' }),
  emit: (_k, envVar) => ({
    env: apply(select(v('pkgs'), 'python3', 'withPackages'), lambda('ps', list([select(v('ps'), 'bash-kernel')]))),
    argv: list([strParts(envVar, '/bin/python3'), str('-m'), str('bash_kernel'), str('-f'), str('{connection_file}')]),
  }),
  packageAttrs: () => ['python3', 'python3Packages.bash-kernel'],
  example: { name: 'bash' },
  nixpkgs: { envs: { python3: 'python3' }, instantiable: ['python3Packages.bash-kernel'] },
  checkedAgainst: ['pkgs/development/python-modules/bash-kernel/default.nix'],
  notes: ["only the image's own tools are on the shell's PATH; for more, use a custom kernel"],
  snippet: { code: 'echo $((6 * 7))', expect: '42' },
});
