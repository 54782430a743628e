// pkgs.git / pkgs.gitMinimal: Debian 12's git in the store (bin/git only), and jupyterlab-git-core
// running it from the store, as nixpkgs' jupyterlab-git-core has git among its
// propagatedBuildInputs. Checked FROM scratch: chrooted into a root holding only the closures,
// where no other git exists, as jupyterlab-git's server extension runs it in an image.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { build, closure, evalJson, head } from './helpers.js';
import { Rootfs } from './rootfs.js';

jest.setTimeout(600_000);

const storeName = (p: string) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');

let git: string;
let python: string; // the server side of jupyterlab-git

beforeAll(async () => {
  git = await build('pkgs.git');
  python = await build('pkgs.python3.withPackages (ps: [ ps.jupyterlab-git-core ])');
});

describe('pkgs.git', () => {
  test('is gitMinimal, with nixpkgs’ pname, mainProgram and licence', async () => {
    expect(await evalJson('map (p: { inherit (p) pname version; main = p.meta.mainProgram; license = p.meta.license.spdxId; exe = lib.getExe p; }) [ pkgs.git pkgs.gitMinimal ]')).toEqual(
      Array(2).fill({ pname: 'git', version: '2.39.5', main: 'git', license: 'GPL-2.0-only', exe: join(git, 'bin/git') }),
    );
    expect(storeName(git)).toBe('git-minimal-2.39.5');
  });

  test('bin/git runs Debian’s ELF (on the store glibc, libpcre2 and zlib) with libexec/git-core, holding git, as its exec path', async () => {
    expect(readdirSync(git).sort()).toEqual(['bin', 'libexec']);
    expect(readdirSync(join(git, 'bin'))).toEqual(['git']);
    expect(readdirSync(join(git, 'libexec/git-core'))).toEqual(['git']);
    const elf = realpathSync(join(git, 'libexec/git-core/git'));
    expect(head(elf, 4)).toBe('\u007fELF');
    expect((await closure(git)).map(storeName).sort()).toEqual(['busybox-1.35.0', 'git-debian-2.39.5', 'git-minimal-2.39.5', 'glibc-2.36', 'libpcre2-8-0-10.42', 'zlib1g-1.2.13.dfsg']);
    const r = await execa(join(git, 'bin/git'), ['--exec-path'], { env: {}, extendEnv: false });
    expect(r.stdout).toBe(join(git, 'libexec/git-core'));
  });

  test('jupyterlab-git-core runs the store git: its closure has it, and its git.py names it', async () => {
    const core = await build('pkgs.python3Packages.jupyterlab-git-core');
    expect(await closure(core)).toContain(git);
    const src = readFileSync(join(core, 'lib/python3.13/site-packages/jupyterlab_git_core/git.py'), 'utf8');
    expect(src.split(`"${git}/bin/git" if cmdline[0] == "git"`).length - 1).toBe(2);
  });
});

describe('FROM scratch: jupyterlab-git-core runs git commands', () => {
  let root: Rootfs;

  beforeAll(async () => {
    root = await Rootfs.create([python], 'offline-git-rootfs-');
    // git's temporary files take random bytes from /dev/urandom (Debian's build), which every
    // container runtime provides (Docker: null, zero, full, random, urandom, tty).
    await execa('mknod', ['-m', '666', join(root.dir, 'dev/urandom'), 'c', '1', '9']);
  });

  afterAll(async () => {
    await root?.remove();
  });

  test('execute(["git", …]) (its one way of running git) makes a repository, commits and reads the log, as an unprivileged user', async () => {
    const code = [
      'import anyio, json',
      'from jupyterlab_git_core.git import execute',
      'async def main():',
      '    out = []',
      '    for cmd in (["git", "--version"], ["git", "init", "-q", "/tmp/repo"], ["git", "-c", "user.name=n", "-c", "user.email=e@x.invalid", "commit", "-q", "--allow-empty", "-m", "first"], ["git", "log", "--format=%s"]):',
      '        out.append(await execute(cmd, cwd="/tmp/repo" if cmd[1] != "init" and cmd[1] != "--version" else "/tmp"))',
      '    print(json.dumps(out))',
      'anyio.run(main)',
    ].join('\n');
    const r = await root.run([join(python, 'bin/python'), '-c', code], { env: { HOME: '/tmp' }, user: true });
    expect(r.stderr).toBe('');
    const [version, init, commit, log] = JSON.parse(r.stdout) as Array<[number, string, string]>;
    expect(version).toEqual([0, 'git version 2.39.5\n', '']);
    expect(init![0]).toBe(0);
    expect(commit).toEqual([0, '', '']);
    expect(log).toEqual([0, 'first\n', '']);
  });
});
