// Helpers for the offline package set tests: real nix-instantiate / nix-build runs against
// offline (no mocks). Every expression is evaluated with `pkgs` bound to the set.
import { execa } from 'execa';
import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the offline package set (offline/ at the top of the repository). */
export const OFFLINE_PKGS = fileURLToPath(new URL('../../offline', import.meta.url));

/**
 * The kernel kinds the offline set builds for real, each with options it can honour (a fact
 * about the test package set: users see every kind). The other kinds are refused at evaluation.
 */
export const BUILDS_OFFLINE: Record<string, Record<string, unknown>> = {
  python: { version: '3.11', packages: ['numpy'] },
  r: { packages: ['jsonlite'] },
  octave: { packages: ['signal'] },
  bash: {},
  javascript: {},
  typescript: {},
  java: { jdk: 17 },
  custom: { language: 'sh', argv: ['sh', '{connection_file}'], packages: ['busybox'] },
};

/** nix/native-authenticator.nix: NativeAuthenticator, which nixpkgs lacks, built with buildPythonPackage and fetchPypi. */
export const NATIVE_AUTHENTICATOR_NIX = fileURLToPath(new URL('../../nix/native-authenticator.nix', import.meta.url));

/** A Nix function of a Python set `ps`: NativeAuthenticator as nix/hub.nix builds it from that set. */
export const nativeAuthenticatorOf = (ps: string) => `(import ${NATIVE_AUTHENTICATOR_NIX} { inherit (pkgs) lib fetchPypi; pythonPackages = ${ps}; })`;

export const KUBESPAWNER_NIX = fileURLToPath(new URL('../../nix/kubespawner.nix', import.meta.url));
/** KubeSpawner built as nix/hub.nix builds it for the kubernetes target, in the Python set `ps`. */
export const kubespawnerOf = (ps: string) => `(import ${KUBESPAWNER_NIX} { inherit (pkgs) fetchPypi; pythonPackages = ${ps}; })`;

/** nix/pypi-wheel.nix: a package from PyPI's pure wheel, which the three above are built with. */
export const PYPI_WHEEL_NIX = fileURLToPath(new URL('../../nix/pypi-wheel.nix', import.meta.url));

/** nix/jjava.nix: the java kind's kernel, JJava's wheel run on a JDK. */
export const JJAVA_NIX = fileURLToPath(new URL('../../nix/jjava.nix', import.meta.url));

/** A sha256 in hex as an SRI hash (`sha256-<base64>`), as nixlab's Nix gives fetchPypi its hashes. */
export const sri = (hex: string): string => `sha256-${Buffer.from(hex, 'hex').toString('base64')}`;

/** Locked distributions nixpkgs' Python set has no attribute for (offline/python/names.nix), left out of the set as in nixpkgs. */
export const notInNixpkgs = () => evalJson<string[]>(`(import ${OFFLINE_PKGS}/python/names.nix).notInNixpkgs`);

/** Wraps a Nix expression so that `pkgs` (and `lib`) are in scope. */
export function withPkgs(expr: string, importArgs = '{}'): string {
  return `let pkgs = import ${OFFLINE_PKGS} ${importArgs}; inherit (pkgs) lib; in ${expr}`;
}

/** nix-build the expression; returns the (first) output path. Two jobs: the machines have 2 cores. */
export async function build(expr: string, extraArgs: string[] = []): Promise<string> {
  const { stdout } = await execa('nix-build', ['--no-out-link', '-j', '2', ...extraArgs, '-E', withPkgs(expr)]);
  const paths = stdout.trim().split('\n');
  return paths[paths.length - 1];
}

/** nix-build expected to fail; returns its stderr. */
export async function buildFails(expr: string): Promise<string> {
  const r = await execa('nix-build', ['--no-out-link', '-j', '2', '-E', withPkgs(expr)], { reject: false });
  if (r.exitCode === 0) throw new Error(`expected nix-build to fail, got ${r.stdout}`);
  return r.stderr;
}

/** Evaluates the expression strictly and returns the JSON value. */
export async function evalJson<T = unknown>(expr: string, importArgs = '{}'): Promise<T> {
  const { stdout } = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', withPkgs(expr, importArgs)]);
  return JSON.parse(stdout) as T;
}

/** nix-instantiate --eval expected to fail; returns its stderr. */
export async function evalFails(expr: string): Promise<string> {
  const r = await execa('nix-instantiate', ['--eval', '--strict', '-E', withPkgs(expr)], { reject: false });
  if (r.exitCode === 0) throw new Error(`expected evaluation to fail, got ${r.stdout}`);
  return r.stderr;
}

/** The derivation (as `nix show-derivation` prints it) of the expression. */
export async function showDerivation(expr: string): Promise<{ builder: string; args: string[]; env: Record<string, string> }> {
  const { stdout: drvPath } = await execa('nix-instantiate', ['-E', withPkgs(expr)]);
  const { stdout } = await execa('nix', ['show-derivation', drvPath.trim()]);
  const parsed = JSON.parse(stdout) as Record<string, { builder: string; args: string[]; env: Record<string, string> }>;
  return Object.values(parsed)[0];
}

/** Runtime closure of a store path. */
export async function closure(path: string): Promise<string[]> {
  const { stdout } = await execa('nix-store', ['-qR', path]);
  return stdout.trim().split('\n');
}

/** Total size in bytes of a set of store paths (nix-store -q --size sums NAR sizes). */
export async function narSize(paths: string[]): Promise<number> {
  let total = 0;
  for (const p of paths) {
    const { stdout } = await execa('nix-store', ['-q', '--size', p]);
    total += Number(stdout.trim());
  }
  return total;
}

/** Relative paths of everything under dir (files, symlinks, directories), sorted. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = statSync(join(dir, r), { throwIfNoEntry: false });
      const isLink = readlinkOrNull(join(dir, r)) !== null;
      out.push(r);
      if (st?.isDirectory() && !isLink) walk(r);
    }
  };
  walk('');
  return out;
}

export function readlinkOrNull(p: string): string | null {
  try {
    return readlinkSync(p);
  } catch {
    return null;
  }
}

export function read(p: string): string {
  return readFileSync(p, 'utf8');
}

/** The first n bytes of a file, as latin1 (enough for magic numbers and shebang lines). */
export function head(p: string, n: number): string {
  const fd = openSync(p, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

export { existsSync };

/**
 * A root file system holding nothing but the given closures (what a FROM-scratch image
 * contains) plus what any container runtime provides: /dev/null, /tmp and, on request, /proc.
 * Programs run in it with chroot and a bare environment.
 */
export class Rootfs {
  private constructor(readonly dir: string) {}

  static async create(roots: string[]): Promise<Rootfs> {
    const { mkdtempSync, mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'offline-rootfs-'));
    await execa('chmod', ['755', dir]); // mkdtemp makes it 0700: the image user must enter it
    mkdirSync(join(dir, 'nix/store'), { recursive: true });
    const paths = [...new Set((await Promise.all(roots.map(closure))).flat())].sort();
    await execa('cp', ['-a', ...paths, join(dir, 'nix/store')]);
    mkdirSync(join(dir, 'dev'));
    await execa('mknod', ['-m', '666', join(dir, 'dev/null'), 'c', '1', '3']);
    mkdirSync(join(dir, 'tmp'), { mode: 0o1777 });
    await execa('chmod', ['1777', join(dir, 'tmp')]);
    mkdirSync(join(dir, 'proc'));
    return new Rootfs(dir);
  }

  /** Mounts /proc (psutil, which ipykernel and jupyter_server use, reads it). */
  async mountProc(): Promise<void> {
    await execa('mount', ['-t', 'proc', 'proc', join(this.dir, 'proc')]);
  }

  /**
   * Mounts a new devpts instance at /dev/pts with /dev/ptmx, as container runtimes provide
   * (pexpect, which bash_kernel and metakernel use, opens pseudo-terminals).
   */
  async mountPts(): Promise<void> {
    const { mkdirSync, symlinkSync } = await import('node:fs');
    mkdirSync(join(this.dir, 'dev/pts'), { recursive: true });
    await execa('mount', ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=620', 'devpts', join(this.dir, 'dev/pts')]);
    symlinkSync('pts/ptmx', join(this.dir, 'dev/ptmx'));
  }

  /** The chroot command line running argv as uid:gid (default root) in the root file system. */
  async argv(argv: string[], user?: string): Promise<string[]> {
    const chroot = (await execa('sh', ['-c', 'command -v chroot'])).stdout.trim();
    return [chroot, ...(user ? [`--userspec=${user}`] : []), this.dir, ...argv];
  }

  /** Runs argv in the root file system with only HOME=/tmp (and `env`) set. */
  async run(argv: string[], env: Record<string, string> = {}, user?: string) {
    const [cmd, ...args] = await this.argv(argv, user);
    return execa(cmd!, args, { env: { HOME: '/tmp', ...env }, extendEnv: false, reject: false });
  }

  async remove(): Promise<void> {
    const { rmSync } = await import('node:fs');
    await execa('umount', [join(this.dir, 'proc')], { reject: false });
    await execa('umount', [join(this.dir, 'dev/pts')], { reject: false });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The wheel lock (offline/python/wheels.lock.json). */
export interface LockedWheel {
  distribution: string;
  version: string;
  file: string;
  url: string;
  sha256: string;
  dependencies: string[];
}
export interface WheelLock {
  requirements: Record<string, string>;
  pythons: Record<string, { environment: Record<string, string>; packages: Record<string, LockedWheel>; resolvedWith: string }>;
}
export const LOCK_FILE = join(OFFLINE_PKGS, 'python/wheels.lock.json');
export const lock = (): WheelLock => JSON.parse(readFileSync(LOCK_FILE, 'utf8')) as WheelLock;

/** The CPython source scripts/cpython.mjs builds for the set's python313 (offline/python/cpython.json). */
export const CPYTHON = JSON.parse(readFileSync(join(OFFLINE_PKGS, 'python/cpython.json'), 'utf8')) as { suite: string; source: string; version: string; file: string; sha256: string };

/** The interpreters the set offers: version, attribute, full version. */
export const PYTHONS: [minor: string, attr: string, full: string][] = [
  ['3.11', 'python311', '3.11.2'],
  ['3.13', 'python313', CPYTHON.version],
];
