// A root file system holding nothing but some store paths' closure plus what any container
// runtime gives even a FROM-scratch image (/dev/null, a writable /tmp, and on request /proc and
// /dev/pts), and a way to run programs chrooted into it -- as root or as an unprivileged user, as
// nixlab's images run them. Needs root (chroot, mknod, mount), as the other FROM-scratch tests.
import { execa, execaSync, type ResultPromise } from 'execa';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closure } from './helpers.js';

/** The unprivileged user and group programs run as with `{ user: true }` (nobody/nogroup). */
export const NOBODY = '65534:65534';

export interface RunOptions {
  env?: Record<string, string>;
  /** Run as NOBODY instead of root. */
  user?: boolean;
  timeout?: number;
}

let chrootPath: string | undefined;

export class Rootfs {
  private mounts: string[] = [];

  private constructor(readonly dir: string) {}

  /** Copies the closures of `paths` into a new root under the test's TMPDIR. */
  static async create(paths: string[], prefix = 'offline-rootfs-'): Promise<Rootfs> {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    chmodSync(dir, 0o755); // mkdtemp makes it 0700: an unprivileged user could not enter it
    mkdirSync(join(dir, 'nix/store'), { recursive: true });
    const all = new Set<string>();
    for (const p of paths) for (const q of await closure(p)) all.add(q);
    for (const p of [...all].sort()) cpSync(p, join(dir, p), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    mkdirSync(join(dir, 'dev'));
    await execa('mknod', ['-m', '666', join(dir, 'dev/null'), 'c', '1', '3']);
    mkdirSync(join(dir, 'tmp'));
    chmodSync(join(dir, 'tmp'), 0o1777);
    return new Rootfs(dir);
  }

  /** Top-level entries of the root, sorted. */
  async entries(): Promise<string[]> {
    const { stdout } = await execa('ls', [this.dir]);
    return stdout.split('\n').sort();
  }

  /** Mounts /proc (container runtimes always do). */
  async mountProc(): Promise<void> {
    const target = join(this.dir, 'proc');
    mkdirSync(target, { recursive: true });
    await execa('mount', ['-t', 'proc', 'proc', target]);
    this.mounts.push(target);
  }

  /** Mounts a private devpts instance at /dev/pts with /dev/ptmx, as container runtimes do. */
  async mountPts(): Promise<void> {
    const target = join(this.dir, 'dev/pts');
    mkdirSync(target, { recursive: true });
    await execa('mount', ['-t', 'devpts', '-o', 'newinstance,ptmxmode=0666,mode=620', 'devpts', target]);
    this.mounts.push(target);
    symlinkSync('pts/ptmx', join(this.dir, 'dev/ptmx'));
  }

  private argv(argv: string[], opts: RunOptions): string[] {
    // chroot is looked up on the test's PATH; the chrooted program gets only opts.env.
    chrootPath ??= execaSync('sh', ['-c', 'command -v chroot']).stdout.trim();
    return [chrootPath, ...(opts.user ? [`--userspec=${NOBODY}`] : []), this.dir, ...argv];
  }

  /** Runs a program in the root and waits for it (never rejects: check exitCode). */
  async run(argv: string[], opts: RunOptions = {}) {
    const [cmd, ...args] = this.argv(argv, opts);
    return execa(cmd!, args, { env: opts.env ?? {}, extendEnv: false, reject: false, timeout: opts.timeout ?? 120_000 });
  }

  /** Starts a long-running program in the root (the result settles when it exits). */
  spawn(argv: string[], opts: RunOptions = {}): ResultPromise {
    const [cmd, ...args] = this.argv(argv, opts);
    return execa(cmd!, args, { env: opts.env ?? {}, extendEnv: false, reject: false, all: true });
  }

  async remove(): Promise<void> {
    for (const m of this.mounts.reverse()) await execa('umount', [m], { reject: false });
    this.mounts = [];
    rmSync(this.dir, { recursive: true, force: true });
  }
}
