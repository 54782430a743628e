// The offline package set's generic builders and evaluation behaviour, checked with real
// nix-build / nix-instantiate runs (see README.md in this directory).
import { describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CPYTHON,
  build,
  buildFails,
  evalFails,
  evalJson,
  existsSync,
  read,
  readlinkOrNull,
  showDerivation,
  tree,
} from './helpers.js';

jest.setTimeout(300_000);

describe('bootstrap attributes', () => {
  test('busybox is a store copy of the static binary with applet links in bin/', async () => {
    const out = await build('pkgs.busybox');
    expect(lstatSync(join(out, 'bin/busybox')).isFile()).toBe(true);
    expect(readlinkOrNull(join(out, 'bin/sh'))).toBe('busybox');
    expect(readlinkOrNull(join(out, 'bin/awk'))).toBe('busybox');
    const { stdout } = await execa(join(out, 'bin/sh'), ['-c', 'echo $((6 * 7))']);
    expect(stdout).toBe('42');
    expect(read(join(out, 'bin/busybox'))).toEqual(read('/bin/busybox'));
  });

  test('tini is Debian tini-static at bin/tini and runs', async () => {
    const out = await build('pkgs.tini');
    const { stdout } = await execa(join(out, 'bin/tini'), ['--version']);
    expect(stdout).toMatch(/^tini version \d+\.\d+\.\d+/);
  });

  test('cacert has etc/ssl/certs/ca-bundle.crt made of Debian’s Mozilla certificates', async () => {
    const out = await build('pkgs.cacert');
    const bundle = read(join(out, 'etc/ssl/certs/ca-bundle.crt'));
    const certs = bundle.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    expect(certs.length).toBeGreaterThan(100);
    expect((bundle.match(/-----END CERTIFICATE-----/g) ?? []).length).toBe(certs.length);
  });
});

describe('runCommand and friends', () => {
  test('runCommand passes attributes as nixpkgs does and runs under the store busybox sh', async () => {
    const expr = `pkgs.runCommand "rc-test" {
        list = [ "a" "b" ];
        yes = true;
        no = false;
        big = "from a file";
        passAsFile = [ "big" ];
        nativeBuildInputs = [ (pkgs.writeScriptBin "hello-tool" "#!\${pkgs.runtimeShell}\\necho tool-ran") ];
      } ''
        mkdir $out
        echo "$list|$yes|$no|$(cat $bigPath)|''\${big:-unset}" > $out/vars
        hello-tool > $out/tool
        echo "$PATH" > $out/path
      ''`;
    const out = await build(expr);
    expect(read(join(out, 'vars'))).toBe('a b|1||from a file|unset\n');
    expect(read(join(out, 'tool'))).toBe('tool-ran\n');
    const path = read(join(out, 'path')).trim().split(':');
    expect(path[path.length - 1]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-busybox-[\d.]+\/bin$/);

    const drv = await showDerivation(expr);
    expect(drv.builder).toMatch(/^\/nix\/store\/[a-z0-9]{32}-busybox-[\d.]+\/bin\/sh$/);
    expect(drv.env.passAsFile).toBe('buildCommand big');
    // the builder saw no $big (it was passed as a file: "unset" above), as in nixpkgs
  });

  test('a failing build command fails the build', async () => {
    const stderr = await buildFails('pkgs.runCommand "fails" {} "echo about-to-fail >&2; false"');
    expect(stderr).toContain('about-to-fail');
  });

  test('runCommandLocal sets preferLocalBuild and allowSubstitutes like nixpkgs', async () => {
    const drv = await showDerivation('pkgs.runCommandLocal "local" {} "touch $out"');
    expect(drv.env.preferLocalBuild).toBe('1');
    expect(drv.env.allowSubstitutes).toBe('');
  });

  test('writeText, writeTextFile, writeTextDir, writeScript produce nixpkgs’ trees', async () => {
    const text = await build('pkgs.writeText "note.txt" "hello\\n"');
    expect(statSync(text).isFile()).toBe(true);
    expect(read(text)).toBe('hello\n');

    const dir = await build('pkgs.writeTextDir "share/jupyter/kernels/k1/kernel.json" "{}"');
    expect(tree(dir)).toEqual(['share', 'share/jupyter', 'share/jupyter/kernels', 'share/jupyter/kernels/k1', 'share/jupyter/kernels/k1/kernel.json']);
    expect(read(join(dir, 'share/jupyter/kernels/k1/kernel.json'))).toBe('{}');

    const file = await build(
      'pkgs.writeTextFile { name = "tool"; text = "#!${pkgs.runtimeShell}\\necho ok\\n"; executable = true; destination = "/bin/tool"; }',
    );
    expect(tree(file)).toEqual(['bin', 'bin/tool']);
    expect((await execa(join(file, 'bin/tool'))).stdout).toBe('ok');

    const script = await build('pkgs.writeScript "s" "#!${pkgs.runtimeShell}\\necho script"');
    expect((await execa(script)).stdout).toBe('script');

    const shellBin = await build('pkgs.writeShellScriptBin "greet" "echo hi $1"');
    expect((await execa(join(shellBin, 'bin/greet'), ['there'])).stdout).toBe('hi there');
  });

  test('writeTextFile rejects a relative destination like nixpkgs', async () => {
    const stderr = await evalFails('(pkgs.writeTextFile { name = "x"; text = ""; destination = "bin/x"; }).drvPath');
    expect(stderr).toContain('destination must be an absolute path');
  });

  test('writeShellScript checks the script syntax', async () => {
    const stderr = await buildFails('pkgs.writeShellScript "broken" "if then fi"');
    expect(stderr).toMatch(/syntax error/);
  });
});

// Two small packages to merge: a has bin/a-tool, share/doc/a, lib/only-a/x; b has bin/b-tool,
// share/doc/b. Both have share/common/same (identical) and etc/conf (different).
const twoPaths = `
  a = pkgs.runCommand "pkg-a" {} ''
    mkdir -p $out/bin $out/share/doc/a $out/lib/only-a $out/share/common $out/etc
    echo a > $out/bin/a-tool; chmod +x $out/bin/a-tool
    echo docs-a > $out/share/doc/a/README
    echo x > $out/lib/only-a/x
    echo same > $out/share/common/same
    echo conf-a > $out/etc/conf
  '';
  b = pkgs.runCommand "pkg-b" {} ''
    mkdir -p $out/bin $out/share/doc/b $out/share/common $out/etc
    echo b > $out/bin/b-tool; chmod +x $out/bin/b-tool
    echo docs-b > $out/share/doc/b/README
    echo same > $out/share/common/same
    echo conf-b > $out/etc/conf
  '';`;

describe('buildEnv', () => {
  test('merges two paths: shared directories become real directories, the rest symlinks', async () => {
    const out = await build(`let ${twoPaths} in pkgs.buildEnv { name = "env"; paths = [ a b ]; ignoreCollisions = true; postBuild = "echo built > $out/marker"; }`);
    const a = await build(`let ${twoPaths} in a`);
    const b = await build(`let ${twoPaths} in b`);
    // bin exists in both -> real directory with one link per file
    expect(readlinkOrNull(join(out, 'bin'))).toBeNull();
    expect(readlinkOrNull(join(out, 'bin/a-tool'))).toBe(join(a, 'bin/a-tool'));
    expect(readlinkOrNull(join(out, 'bin/b-tool'))).toBe(join(b, 'bin/b-tool'));
    // share/doc exists in both -> merged; share/doc/a only in a -> one symlink to the directory
    expect(readlinkOrNull(join(out, 'share/doc'))).toBeNull();
    expect(readlinkOrNull(join(out, 'share/doc/a'))).toBe(join(a, 'share/doc/a'));
    expect(readlinkOrNull(join(out, 'lib'))).toBe(join(a, 'lib'));
    // identical file in both: no collision, first one kept
    expect(readlinkOrNull(join(out, 'share/common/same'))).toBe(join(a, 'share/common/same'));
    // different file, ignoreCollisions: first one wins
    expect(read(join(out, 'etc/conf'))).toBe('conf-a\n');
    expect(read(join(out, 'marker'))).toBe('built\n');
  });

  test('a real collision fails the build with nixpkgs’ message', async () => {
    const stderr = await buildFails(`let ${twoPaths} in pkgs.buildEnv { name = "env"; paths = [ a b ]; }`);
    expect(stderr).toMatch(/collision between `\/nix\/store\/[a-z0-9]{32}-pkg-b\/etc\/conf' and `\/nix\/store\/[a-z0-9]{32}-pkg-a\/etc\/conf'/);
  });

  test('meta.priority decides a collision (lower number wins)', async () => {
    const out = await build(`let ${twoPaths} in pkgs.buildEnv { name = "env"; paths = [ a (b // { meta.priority = 1; }) ]; }`);
    expect(read(join(out, 'etc/conf'))).toBe('conf-b\n');
  });

  test('pathsToLink restricts what is linked', async () => {
    const out = await build(`let ${twoPaths} in pkgs.buildEnv { name = "env"; paths = [ a b ]; pathsToLink = [ "/bin" ]; }`);
    expect(tree(out)).toEqual(['bin', 'bin/a-tool', 'bin/b-tool']);
  });

  test('is overridable and keeps passthru.paths', async () => {
    const names = await evalJson<string[]>(
      `let ${twoPaths} e = pkgs.buildEnv { name = "env"; paths = [ a ]; }; in map (p: p.name) (e.override { paths = [ a b ]; }).paths`,
    );
    expect(names).toEqual(['pkg-a', 'pkg-b']);
  });
});

describe('symlinkJoin', () => {
  test('replicates the directory structure with links to every file, first path winning', async () => {
    const out = await build(`let ${twoPaths} in pkgs.symlinkJoin { name = "joined"; paths = [ a b ]; postBuild = "echo post > $out/post"; }`);
    const a = await build(`let ${twoPaths} in a`);
    // unlike buildEnv, every directory is real (lndir)
    for (const d of ['bin', 'share', 'share/doc', 'share/doc/a', 'lib', 'lib/only-a']) {
      expect(lstatSync(join(out, d)).isDirectory()).toBe(true);
    }
    expect(readlinkOrNull(join(out, 'lib/only-a/x'))).toBe(join(a, 'lib/only-a/x'));
    expect(existsSync(join(out, 'bin/b-tool'))).toBe(true);
    expect(read(join(out, 'etc/conf'))).toBe('conf-a\n');
    expect(read(join(out, 'post'))).toBe('post\n');
  });
});

describe('evaluation behaves like nixpkgs', () => {
  test('an unknown attribute is missing', async () => {
    expect(await evalFails('pkgs.nosuchthing')).toMatch(/attribute 'nosuchthing' missing/);
    expect(await evalFails('pkgs.python3Packages.nosuchpkg')).toMatch(/attribute 'nosuchpkg' missing/);
    expect(await evalFails('pkgs.lib.nosuchfunction')).toMatch(/attribute 'nosuchfunction' missing/);
  });

  test('nixpkgs attributes the set lacks throw a clear message', async () => {
    expect(await evalFails('pkgs.python310.outPath')).toContain(
      `python310 is not available in the offline package set (not built here; it offers CPython 3.11 from Debian 12 and CPython ${CPYTHON.version} built from Debian 13's source`,
    );
    expect(await evalFails('pkgs.python3Packages.polars.outPath')).toContain(
      'python313Packages.polars is not available in the offline package set (it is not in offline/python/wheels.lock.json',
    );
    expect(await evalFails('pkgs.python311Packages.torch.outPath')).toContain('python311Packages.torch is not available in the offline package set');
  });

  test('signatures of the nixpkgs functions used by emitted code', async () => {
    const args = await evalJson<Record<string, Record<string, boolean>>>(`{
      writeTextFile = builtins.functionArgs pkgs.writeTextFile;
      symlinkJoin = builtins.functionArgs pkgs.symlinkJoin;
      buildEnv = lib.functionArgs pkgs.buildEnv;
    }`);
    expect(args.writeTextFile).toMatchObject({ name: false, text: false, executable: true, destination: true });
    expect(args.symlinkJoin).toMatchObject({ paths: false, postBuild: true });
    expect(args.buildEnv).toMatchObject({ paths: false, pathsToLink: true, ignoreCollisions: true, postBuild: true, extraPrefix: true });
    const attrs = await evalJson<Record<string, string>>(`{
      sitePackages = pkgs.python3.sitePackages;
      executable = pkgs.python311.executable;
      pythonVersion = pkgs.python3Packages.python.pythonVersion;
      same = if pkgs.python3 == pkgs.python313 && pkgs.python3Packages.numpy == pkgs.python313.pkgs.numpy then "yes" else "no";
    }`);
    expect(attrs).toEqual({ sitePackages: 'lib/python3.13/site-packages', executable: 'python3.11', pythonVersion: '3.13', same: 'yes' });
  });

  test('overlays are applied like nixpkgs (final/prev)', async () => {
    const v = await evalJson<string>(
      'pkgs.greeting',
      '{ overlays = [ (final: prev: { greeting = "hello"; }) (final: prev: { greeting = prev.greeting + " " + final.who; who = "world"; }) ]; }',
    );
    expect(v).toBe('hello world');
  });

  test('the same expression gives the same store path (no timestamps, content-addressed inputs)', async () => {
    const expr = '[ pkgs.busybox.outPath pkgs.python3.outPath (pkgs.python3.withPackages (ps: [ ps.numpy ])).outPath ]';
    const first = await evalJson<string[]>(expr);
    const second = await evalJson<string[]>(expr);
    expect(second).toEqual(first);
  });

  test('rebuilding gives bit-identical outputs (nix-build --check)', async () => {
    // --check builds again and compares with the existing output; any nondeterminism fails.
    // (six and numpy: a pure and a native wheel; python313: the copy of scripts/cpython.mjs's
    // build; python311: Debian's; all with their bytecode)
    for (const expr of ['pkgs.busybox', 'pkgs.cacert', 'pkgs.glibc', 'pkgs.python3Packages.six', 'pkgs.python3Packages.numpy', 'pkgs.python313', 'pkgs.python311', 'pkgs.writeTextDir "a/b" "c"']) {
      await build(expr);
      await build(expr, ['--check']);
    }
  });
});
