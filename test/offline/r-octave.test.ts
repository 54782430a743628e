// R and Octave of the offline package set: Debian 12's R 4.2 (IRkernel) and Octave 7.3
// (octave_kernel, Octave Forge packages) in the Nix store, shaped like nixpkgs' rWrapper /
// rPackages and octave / octave.withPackages / octavePackages / octave-kernel, checked by running
// them on the host and chrooted into a root holding nothing but their closures (plus /bin/sh, as
// every nixlab image has: R's system() and Octave's shell functions run it).
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CPYTHON, build, closure, evalFails, existsSync, lock, narSize, read, readlinkOrNull } from './helpers.js';

jest.setTimeout(600_000);

const R_ENV = 'pkgs.rWrapper.override { packages = [ pkgs.rPackages.IRkernel pkgs.rPackages.jsonlite ]; }';
const OCTAVE_ENV = 'pkgs.octave.withPackages (ps: [ ps.signal ])';
const OCTAVE_KERNEL = `(pkgs.octave-kernel.override { octave = ${OCTAVE_ENV}; }).launcher`;

let rEnv: string;
let octave: string; // pkgs.octave
let octaveEnv: string;
let launcher: string;

beforeAll(async () => {
  rEnv = await build(R_ENV);
  octave = await build('pkgs.octave');
  octaveEnv = await build(OCTAVE_ENV);
  launcher = await build(OCTAVE_KERNEL);
});

/** Runs a program with a clean environment (HOME only) in a scratch directory. */
async function run(argv: string[]) {
  const cwd = mkdtempSync(join(tmpdir(), 'offline-r-octave-'));
  return execa(argv[0]!, argv.slice(1), { cwd, env: { HOME: cwd }, extendEnv: false, reject: false });
}

const storeName = (p: string) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');

describe('R: rWrapper.override { packages = [ rPackages.IRkernel … ]; }', () => {
  test('bin/R runs R 4.2.2 with R_HOME in the store and the packages (and their R dependencies) on R_LIBS_SITE', async () => {
    const r = await run([join(rEnv, 'bin/R'), '--slave', '-e', 'cat(R.version$major, R.version$minor, R.home(), "\\n"); cat(.libPaths(), sep = "\\n"); library(IRkernel); cat(jsonlite::toJSON(6*7))']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^4 2\.2 \/nix\/store\/[a-z0-9]{32}-R-4\.2\.2\/lib\/R $/);
    const libs = lines.slice(1, -1);
    for (const l of libs) expect(l).toMatch(/^\/nix\/store\//);
    expect(libs.map(storeName)).toEqual(expect.arrayContaining(['r-IRkernel-1.3.2/library', 'r-jsonlite-1.8.4/library', 'r-pbdZMQ-0.3.9/library', 'r-repr-1.1.6/library', 'R-4.2.2/lib/R/library']));
    expect(lines[lines.length - 1]).toBe('[42]');
  });

  test('bin/Rscript runs too, and Sys.which uses the store’s which (Debian compiled in /usr/bin/which)', async () => {
    const r = await run([join(rEnv, 'bin/Rscript'), '-e', 'cat(body(Sys.which)[[4]][[3]], "\\n"); cat(nzchar(Sys.which("sh")))']);
    expect(r.stdout).toMatch(/^\/nix\/store\/[a-z0-9]{32}-busybox-[\d.]+\/bin\/which \nTRUE$/);
  });

  test('is split into per-package store paths named as nixpkgs names them, with real references', async () => {
    const paths = await closure(rEnv);
    const names = paths.map(storeName);
    expect(names).toEqual(expect.arrayContaining(['R-4.2.2', 'R-4.2.2-wrapper', 'r-IRkernel-1.3.2', 'r-pbdZMQ-0.3.9', 'libzmq5-4.3.4', 'glibc-2.36']));
    const pbdZMQ = paths.find((p) => p.endsWith('-r-pbdZMQ-0.3.9'))!;
    const { stdout } = await execa('nix-store', ['-q', '--references', pbdZMQ]);
    expect(stdout).toMatch(/-R-4\.2\.2$/m); // its .so links R's libR.so
    expect(stdout).toMatch(/-libzmq5-/);
    // measured: 136 MiB NAR for R + IRkernel (R itself 28 MiB, ICU 36 MiB)
    expect(await narSize(paths)).toBeLessThan(160 * 1024 * 1024);
  });

  test('R packages Debian has but this machine lacks throw naming the apt package; unknown names are missing', async () => {
    expect(await evalFails('pkgs.rPackages.ggplot2')).toContain('rPackages.ggplot2: the Debian package r-cran-ggplot2 is not installed on this machine');
    expect(await evalFails('pkgs.rPackages.data_table')).toContain('the Debian package r-cran-data.table is not installed');
    expect(await evalFails('pkgs.rPackages.noSuchCranPackage')).toContain("attribute 'noSuchCranPackage' missing");
  });
});

describe('Octave: octave, octave.withPackages, octavePackages, octave-kernel', () => {
  test('octave-cli computes, finds its m-files and docstrings in the store, and loads declared packages', async () => {
    const r = await run([
      join(octaveEnv, 'bin/octave-cli'),
      '--eval',
      'disp(6*7); disp(full(sparse([4 1; 1 3]) \\ [1; 2])); disp(fft([1 0 0 0])); pkg load signal; disp(upfirdn([1 2 3], 1, 2, 1)); disp(which("ode45")); h = evalc("help ones"); disp(numel(strfind(h, "ones (N)")) > 0)',
    ]);
    expect(r.stdout.split('\n').map((l) => l.trim())).toEqual([
      '42',
      '0.090909',
      '0.636364',
      '1   1   1   1',
      '1   0   2   0   3',
      `${octave}/share/octave/7.3.0/m/ode/ode45.m`,
      '1',
    ]);
    expect(r.exitCode).toBe(0);
  });

  test('the environment’s package database lists the packages and their Octave dependencies, in the store', async () => {
    const r = await run([join(octaveEnv, 'bin/octave-cli'), '--eval', 'p = pkg("list"); for i = 1:numel(p), printf("%s %s %s\\n", p{i}.name, p{i}.version, p{i}.dir); end']);
    expect(r.stdout).toBe(`control 3.4.0 ${octaveEnv}/share/octave/packages/control-3.4.0\nsignal 1.4.3 ${octaveEnv}/share/octave/packages/signal-1.4.3`);
    expect(read(join(octaveEnv, '.octave_packages')).split('\n')[0]).toBe('# Created by Octave 7.3.0');
  });

  test('the environment is reproducible: rebuilt, it is the same (the package database carries no build date)', async () => {
    expect(await build(OCTAVE_ENV, ['--check'])).toBe(octaveEnv);
  });

  test('the kernel launcher is nixpkgs’: python -m octave_kernel with the Octave environment’s bin/ last on PATH', async () => {
    const script = read(join(launcher, 'bin/octave-kernel'));
    expect(script).toContain(`export PATH=\${PATH-}\${PATH:+':'}'${octaveEnv}/bin'\n`);
    expect(script).toMatch(new RegExp(`exec '/nix/store/[a-z0-9]{32}-python3-${CPYTHON.version.replace(/\./g, '\\.')}-env/bin/python' -m octave_kernel "\\$@"`));
    const python = /exec '([^']+)'/.exec(script)![1]!;
    const r = await run([python, '-c', 'import octave_kernel, metakernel; print(octave_kernel.__version__, metakernel.__version__)']);
    // PyPI's octave_kernel and metakernel, at the locked versions
    const wheels = lock().pythons['3.13']!.packages;
    expect(r.stdout).toBe(`${wheels['octave-kernel']!.version} ${wheels.metakernel!.version}`);
  });

  test('is lean: no Qt GUI, no docs or test suite, no Mesa/LLVM or PETSc/MPI (measured: 178 MiB NAR)', async () => {
    const paths = await closure(octave);
    const names = paths.map(storeName);
    for (const heavy of ['libqt5', 'libqscintilla', 'libllvm', 'libgl1-mesa-dri', 'libpetsc', 'libopenmpi', 'openssh', 'texinfo', 'perl']) {
      expect([heavy, names.filter((n) => n.startsWith(heavy))]).toEqual([heavy, []]);
    }
    for (const gone of ['lib/octave/7.3.0/liboctgui.so.8', 'share/octave/7.3.0/doc', 'share/octave/7.3.0/etc/tests', 'share/doc', 'share/man']) {
      expect([gone, existsSync(join(octave, gone))]).toEqual([gone, false]);
    }
    expect(existsSync(join(octave, 'share/octave/7.3.0/etc/doc-cache'))).toBe(true);
    expect(readlinkOrNull(join(octave, 'lib/x86_64-linux-gnu'))).toBe('.');
    expect(await narSize(paths)).toBeLessThan(200 * 1024 * 1024);
  });

  test('octavePackages: Debian 12’s Octave Forge packages by nixpkgs name; missing ones say so', async () => {
    expect(await evalFails('pkgs.octavePackages.statistics')).toContain('octavePackages.statistics: the Debian package octave-statistics is not installed');
    expect(await evalFails('pkgs.octavePackages.ltfat')).toContain('octavePackages.ltfat is not available in the offline package set (Debian 12 has no octave-ltfat package)');
  });
});

describe('kernels nixpkgs has and Debian 12 lacks fail at evaluation, saying so', () => {
  test.each([
    ['pkgs.gophernotes', 'gophernotes is not available in the offline package set (Debian 12 has no gophernotes package'],
    ['pkgs.evcxr', 'evcxr is not available in the offline package set (Debian 12 has no evcxr package'],
    ['pkgs.haskellPackages.ghcWithPackages (ps: [ ps.ihaskell ])', 'haskellPackages is not available in the offline package set (Debian 12 has no IHaskell'],
    ['pkgs.iruby', 'iruby is not available in the offline package set (Debian 12 has no iruby package'],
    ['pkgs.clojupyter.launcher', 'clojupyter is not available in the offline package set (Debian 12 has no clojupyter package'],
    ['pkgs.xeus-cling', 'xeus-cling is not available in the offline package set (Debian 12 has no xeus-cling package'],
    ['pkgs.cpp2a-kernel.argv', 'cpp2a-kernel is not available in the offline package set (Debian 12 has no xeus-cling package'],
  ])('%s', async (expr, message) => {
    expect(await evalFails(expr)).toContain(`error: ${message}`);
  });
});

describe('FROM scratch: chroot into a root holding only the R and Octave closures and /bin/sh', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = mkdtempSync(join(tmpdir(), 'offline-r-octave-rootfs-'));
    mkdirSync(join(rootfs, 'nix/store'), { recursive: true });
    const paths = new Set([...(await closure(rEnv)), ...(await closure(launcher))]);
    for (const p of paths) cpSync(p, join(rootfs, p), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    // What a nixlab image has besides the store: /bin/sh (the store busybox), /dev/null, /tmp.
    const busybox = [...paths].find((p) => /-busybox-[\d.]+$/.test(p))!;
    mkdirSync(join(rootfs, 'bin'));
    symlinkSync(join(busybox, 'bin/sh'), join(rootfs, 'bin/sh'));
    mkdirSync(join(rootfs, 'dev'));
    await execa('mknod', ['-m', '666', join(rootfs, 'dev/null'), 'c', '1', '3']);
    mkdirSync(join(rootfs, 'tmp'), { mode: 0o1777 });
  });

  afterAll(() => {
    if (rootfs) rmSync(rootfs, { recursive: true, force: true });
  });

  const inRoot = async (argv: string[], env: Record<string, string> = {}) => {
    const chroot = (await execa('sh', ['-c', 'command -v chroot'])).stdout.trim();
    return execa(chroot, [rootfs, ...argv], { env: { HOME: '/tmp', ...env }, extendEnv: false, reject: false });
  };

  test('the root has nothing but /nix/store, /bin/sh, /dev/null and /tmp', async () => {
    const { stdout } = await execa('ls', [rootfs]);
    expect(stdout.split('\n').sort()).toEqual(['bin', 'dev', 'nix', 'tmp']);
  });

  test('R starts (utils loads, which needs Sys.which), draws a PNG with cairo and runs system()', async () => {
    writeFileSync(join(rootfs, 'tmp/plot.R'), 'png("/tmp/p.png", type = "cairo"); plot(1:3); invisible(dev.off()); cat(file.size("/tmp/p.png") > 1000, system("echo $((6*7))", intern = TRUE), library(IRkernel, logical.return = TRUE), "\\n")\n');
    const r = await inRoot([join(rEnv, 'bin/Rscript'), '/tmp/plot.R']);
    expect(r.stdout).toBe('TRUE 42 TRUE ');
    expect(r.exitCode).toBe(0);
  });

  test('octave-cli runs the signal package, and the kernel’s Python imports octave_kernel', async () => {
    const o = await inRoot([join(octaveEnv, 'bin/octave-cli'), '--eval', 'pkg load signal; [b, a] = butter(2, 0.5); printf("%.4f ", b)']);
    expect(o.stdout).toBe('0.2929 0.5858 0.2929 ');
    const script = read(join(launcher, 'bin/octave-kernel'));
    const python = /exec '([^']+)'/.exec(script)![1]!;
    const k = await inRoot([python, '-c', 'import octave_kernel.kernel as k; print(k.OctaveKernel.language)']);
    expect(k.stdout).toBe('octave');
  });
});
