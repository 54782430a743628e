// pkgs.bash and pkgs.bashInteractive: Debian 12's GNU Bash 5.2.15 in the store, shaped like
// nixpkgs' (pkgs/shells/bash/5.nix). bashInteractive is what nixpkgs' bash-kernel substitutes
// into bash_kernel (lib.getExe bashInteractive); it is checked the way bash_kernel drives bash --
// pexpect's replwrap over a pty -- chrooted into a root holding only the closures.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { build, closure, evalJson, head, readlinkOrNull } from './helpers.js';
import { Rootfs } from './rootfs.js';

jest.setTimeout(600_000);

const storeName = (p: string) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');

let bash: string;
let bashInteractive: string;
let python: string; // with pexpect, as bash_kernel uses it

beforeAll(async () => {
  bash = await build('pkgs.bash');
  bashInteractive = await build('pkgs.bashInteractive');
  python = await build('pkgs.python3.withPackages (ps: [ ps.pexpect ])');
});

describe('pkgs.bash, pkgs.bashInteractive', () => {
  test('have nixpkgs’ names, versions, shellPath and mainProgram', async () => {
    expect(storeName(bash)).toBe('bash-5.2p15');
    expect(storeName(bashInteractive)).toBe('bash-interactive-5.2p15');
    expect(
      await evalJson(
        'map (p: { inherit (p) pname version shellPath; main = p.meta.mainProgram; exe = lib.getExe p; }) [ pkgs.bash pkgs.bashInteractive ]',
      ),
    ).toEqual([
      { pname: 'bash', version: '5.2p15', shellPath: '/bin/bash', main: 'bash', exe: join(bash, 'bin/bash') },
      { pname: 'bash-interactive', version: '5.2p15', shellPath: '/bin/bash', main: 'bash', exe: join(bashInteractive, 'bin/bash') },
    ]);
  });

  test('bashInteractive’s bin/bash is Debian’s ELF on the store glibc and libtinfo; bash links to it and has bin/sh', async () => {
    expect(readdirSync(join(bashInteractive, 'bin'))).toEqual(['bash']);
    expect(head(join(bashInteractive, 'bin/bash'), 4)).toBe('\u007fELF');
    expect((await closure(bashInteractive)).map(storeName).sort()).toEqual(['bash-interactive-5.2p15', 'glibc-2.36', 'libtinfo6-6.4']);
    expect(readdirSync(join(bash, 'bin')).sort()).toEqual(['bash', 'sh']);
    expect(readlinkOrNull(join(bash, 'bin/bash'))).toBe(join(bashInteractive, 'bin/bash'));
    expect(readlinkOrNull(join(bash, 'bin/sh'))).toBe('bash');
    const r = await execa(join(bash, 'bin/sh'), ['-c', 'echo "$BASH_VERSION"; a=(1 2 3); echo "${#a[@]}"'], { env: {}, extendEnv: false });
    expect(r.stdout).toBe('5.2.15(1)-release\n3');
  });
});

describe('FROM scratch: bashInteractive driven as bash_kernel drives it', () => {
  let root: Rootfs;

  beforeAll(async () => {
    root = await Rootfs.create([bashInteractive, python], 'offline-bash-rootfs-');
    await root.mountPts(); // pexpect needs a pty, which container runtimes provide (/dev/pts)
  });

  afterAll(async () => {
    await root?.remove();
  });

  // Bash features (arithmetic, arrays, [[ ]] globbing), readline's variables, and the user.
  const COMMANDS = ['echo $((6*7))', 'a=(x y z); echo ${#a[@]}', '[[ abc == a* ]] && echo glob', "[[ $(bind -v) == *'editing-mode emacs'* ]] && echo readline", 'echo $UID'];

  test('pexpect.replwrap runs commands in bin/bash over a pty, with readline, as an unprivileged user', async () => {
    const code = [
      'import json',
      'from pexpect import replwrap',
      `b = replwrap.bash(command=${JSON.stringify(join(bashInteractive, 'bin/bash'))})`,
      // bash_kernel turns bracketed paste off through readline's bind
      'b.run_command("bind \'set enable-bracketed-paste off\'")',
      `outs = [b.run_command(c) for c in ${JSON.stringify(COMMANDS)}]`,
      'print(json.dumps([o.replace("\\r\\n", "\\n").strip() for o in outs]))',
    ].join('\n');
    const r = await root.run([join(python, 'bin/python'), '-c', code], { env: { HOME: '/tmp' }, user: true });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual(['42', '3', 'glob', 'readline', '65534']);
  });
});
