// Runs an image the way `docker run` would, without a container runtime (none runs here):
// unpack it with the real tools (skopeo copy → OCI layout, umoci unpack), then for each run
// a fresh writable overlay on that rootfs in new PID and mount namespaces (util-linux
// `unshare`), /proc and a minimal /dev as docker provides them, /etc/hosts & co. from the host,
// bind-mounted volumes, and finally chroot + chdir + setgid/setuid (`unshare --root --wd
// --setgid --setuid`) into the image's Entrypoint + Cmd with exactly its Env.
// Differences from docker: the network namespace is the host's (a server in the image is
// reachable on localhost), no cgroups/seccomp/capability dropping. Needs root.
// `nixlab run --engine chroot` and the tests use it; it is for machines without a container engine.
import { execa, type ResultPromise } from 'execa';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { execTool } from '../exec.js';
import { ToolError, UserError } from '../errors.js';
import type { ImageConfig } from './docker-types.js';

/** A volume: `host:container[:ro]` or an object. */
export type VolumeSpec = string | { host: string; container: string; readOnly?: boolean };

export interface RunImageOptions {
  /** The image: docker-archive tar, OCI tar or OCI layout directory. */
  image: string;
  /** Replaces the image's Cmd (the Entrypoint stays), as `docker run IMAGE cmd…`. */
  cmd?: string[];
  /** Replaces the image's Entrypoint, as `docker run --entrypoint`. */
  entrypoint?: string[];
  /** Extra environment (`-e K=V`), added to / overriding the image's Env. */
  env?: Record<string, string> | string[];
  /** `uid[:gid]` or a user name from the image's /etc/passwd (default: the image's User). */
  user?: string;
  /** Bind mounts, as `-v host:container[:ro]`. */
  volumes?: VolumeSpec[];
  /** Working directory (default: the image's WorkingDir, else /). */
  workdir?: string;
  /** Kill the container (SIGKILL) after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Hands the container's stdout/stderr to this as they arrive, instead of collecting them; `lastLines` still has the end. */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: Buffer | string) => void;
}

export interface RunResult {
  /** Exit code; 128 + n when killed by signal n (as docker reports it). */
  exitCode: number;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A running container. */
export interface ImageHandle {
  /** The host process (`unshare`) whose child is the container's PID 1. */
  child: ResultPromise;
  /** Host PID of the container's PID 1 (the entrypoint). */
  readonly pid: number;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** The last lines the container wrote (stdout and stderr as they arrived; at most TAIL_LINES). */
  lastLines(): string[];
  /** The container's root directory as seen from the host while it runs (the overlay). */
  readonly rootfs: string;
  /** `docker stop`: `signal` to PID 1, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<RunResult>;
  /** Resolves when the container exits. */
  wait(): Promise<RunResult>;
}

interface Prepared {
  /** The unpacked root filesystem (read-only lower layer of every run). */
  rootfs: string;
  config: ImageConfig;
}

/** Absolute, because `env -i` looks the next program up in the image's PATH. */
const UNSHARE = ['/usr/bin/unshare', '/bin/unshare'].find((p) => existsSync(p)) ?? 'unshare';

/** Unpacked images and run directories of this process; made on first use, removed at exit. */
let cacheRoot: string | null = null;
const workRoot = (): string => (cacheRoot ??= mkdtempSync(join(tmpdir(), 'nixlab-run-image-')));
const prepared = new Map<string, Promise<Prepared>>();
let counter = 0;
/** Kill functions of the containers still running; all are killed if the test process exits. */
const running = new Set<() => void>();
/** The directory holding this process's unpacked images and run directories, if made yet. */
export function imagesDir(): string | null {
  return cacheRoot;
}

/**
 * Hands the unpacked images and run directories of this process to a detached `rm -rf` and
 * returns at once: removing an unpacked image (tens of thousands of files) takes a minute on a
 * loaded machine, which `nixlab run` should not make its user wait for after the server is gone.
 */
export function cleanupImagesInBackground(): void {
  if (!cacheRoot) return;
  const dir = cacheRoot;
  cacheRoot = null;
  prepared.clear();
  try {
    const rm = spawn('rm', ['-rf', '--one-file-system', dir], { detached: true, stdio: 'ignore' });
    rm.on('error', () => rmSync(dir, { recursive: true, force: true }));
    rm.unref();
  } catch {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How many of the container's last output lines `lastLines` keeps. */
export const TAIL_LINES = 20;

/** Removes every unpacked image and run directory this process made. */
export function cleanupImages(): void {
  if (cacheRoot) rmSync(cacheRoot, { recursive: true, force: true });
  cacheRoot = null;
  prepared.clear();
}

process.on('exit', () => {
  for (const kill of running) kill();
  cleanupImages();
});

/** Unpacks an image once per (path, size, mtime): skopeo copy to an OCI layout, umoci unpack. */
export function prepareImage(image: string): Promise<Prepared> {
  const real = realpathSync(image);
  const st = statSync(real);
  const key = `${real}:${st.size}:${st.mtimeMs}`;
  let p = prepared.get(key);
  if (!p) {
    p = unpack(real, st.isDirectory());
    prepared.set(key, p);
    p.catch(() => prepared.delete(key));
  }
  return p;
}

async function unpack(image: string, isDir: boolean): Promise<Prepared> {
  const dir = join(workRoot(), `image-${++counter}`);
  await mkdir(dir);
  const layout = join(dir, 'oci');
  let source: string;
  if (isDir) source = `oci:${image}`;
  else {
    const listing = (await execTool('tar', ['-tf', image], { what: `listing ${image}` })).split('\n');
    source = listing.includes('manifest.json') ? `docker-archive:${image}` : `oci-archive:${image}`;
  }
  await execTool('skopeo', ['copy', '--quiet', source, `oci:${layout}:run`], { what: `reading the image ${image}` });
  const bundle = join(dir, 'bundle');
  await execTool('umoci', ['unpack', '--image', `${layout}:run`, bundle], { what: `unpacking the image ${image}` });
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const blob = (digest: string) => JSON.parse(readFileSync(join(layout, 'blobs', ...digest.split(':')), 'utf8'));
  const manifest = blob(index.manifests[0].digest);
  const config = (blob(manifest.config.digest).config ?? {}) as ImageConfig;
  return { rootfs: join(bundle, 'rootfs'), config };
}

/** uid/gid for `user` (numeric, or names looked up in the image's /etc/passwd and /etc/group). */
export function resolveUser(rootfs: string, user: string | undefined): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u, g] = user.split(':') as [string, string | undefined];
  const table = (file: string) =>
    existsSync(join(rootfs, 'etc', file))
      ? readFileSync(join(rootfs, 'etc', file), 'utf8').split('\n').filter(Boolean).map((l) => l.split(':'))
      : [];
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const row = table('passwd').find((r) => Number(r[2]) === uid);
    gid = row ? Number(row[3]) : undefined;
  } else {
    const row = table('passwd').find((r) => r[0] === u);
    if (!row) throw new UserError({ where: '--user', message: `user ${u} is not in the image's /etc/passwd`, hint: 'give a numeric uid[:gid] or a user the image has' });
    uid = Number(row[2]);
    gid = Number(row[3]);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const row = table('group').find((r) => r[0] === g);
      if (!row) throw new UserError({ where: '--user', message: `group ${g} is not in the image's /etc/group`, hint: 'give a numeric gid' });
      gid = Number(row[2]);
    }
  }
  return { uid, gid: gid ?? 0 };
}

function parseVolume(v: VolumeSpec): { host: string; container: string; readOnly: boolean } {
  if (typeof v !== 'string') return { readOnly: false, ...v };
  const [host, container, mode] = v.split(':');
  if (!host || !container) throw new UserError({ where: '--volume', message: `${v} is not host:container[:ro]`, hint: 'write e.g. ./work:/data' });
  return { host, container, readOnly: mode === 'ro' };
}

// Runs as PID 1 of the new PID namespace, in a private mount namespace (mounts vanish with it).
// Arguments: MERGED LOWER UPPER WORK WORKDIR NVOL (HOST CONT ro|rw)×NVOL, then what `env -i`
// runs: K=V… unshare --root … -- ARGV…, exec'd so the entrypoint keeps PID 1.
const SETUP = String.raw`
set -eu
R=$1 LOWER=$2 UPPER=$3 WORK=$4 WD=$5; shift 5
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$UPPER,workdir=$WORK" "$R"
mkdir -p "$R/proc" "$R/dev" "$R/etc"
mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$R/dev"
for d in null zero full random urandom tty; do : > "$R/dev/$d"; mount --bind "/dev/$d" "$R/dev/$d"; done
mkdir "$R/dev/pts" "$R/dev/shm" "$R/dev/mqueue"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts" 2>/dev/null || mount --bind /dev/pts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o nosuid,nodev,mode=1777,size=65536k shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"; ln -s /proc/self/fd/0 "$R/dev/stdin"; ln -s /proc/self/fd/1 "$R/dev/stdout"; ln -s /proc/self/fd/2 "$R/dev/stderr"
for f in hosts resolv.conf hostname; do
  if [ -e "/etc/$f" ]; then rm -f "$R/etc/$f"; : > "$R/etc/$f"; mount --bind "/etc/$f" "$R/etc/$f"; fi
done
n=$1; shift
while [ "$n" -gt 0 ]; do
  mkdir -p "$R$2"; mount --bind "$1" "$R$2"
  if [ "$3" = ro ]; then mount -o remount,bind,ro "$R$2"; fi
  shift 3; n=$((n - 1))
done
mkdir -p "$R$WD"
exec env -i "$@"
`;

/**
 * Starts the image and returns at once. Output is collected; `wait()` gives the result.
 * The container shares the host's network.
 */
export async function startImage(opts: RunImageOptions): Promise<ImageHandle> {
  // Check what the caller gave before the (slow) unpack.
  const volumes = (opts.volumes ?? []).map(parseVolume);
  for (const v of volumes) if (!posix.isAbsolute(v.container)) throw new UserError({ where: '--volume', message: `the container path ${v.container} is not absolute`, hint: 'write e.g. ./work:/data' });
  const { rootfs, config } = await prepareImage(opts.image);
  const entrypoint = opts.entrypoint ?? config.Entrypoint ?? [];
  const cmd = opts.cmd ?? (opts.entrypoint ? [] : (config.Cmd ?? []));
  const argv = [...entrypoint, ...cmd];
  if (!argv.length) throw new UserError({ where: 'image', message: 'the image has no Entrypoint or Cmd and none was given', hint: 'give the command to run after --' });
  const env = new Map<string, string>();
  for (const kv of config.Env ?? []) env.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
  const extra = Array.isArray(opts.env) ? opts.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const) : Object.entries(opts.env ?? {});
  for (const [k, v] of extra) env.set(k, v);
  const { uid, gid } = resolveUser(rootfs, opts.user ?? config.User);
  const workdir = opts.workdir ?? (config.WorkingDir || '/');
  if (!posix.isAbsolute(workdir)) throw new UserError({ where: '--workdir', message: `${workdir} is not an absolute path`, hint: 'write an absolute path such as /data' });

  const run = await mkdtemp(join(workRoot(), 'run-'));
  const [merged, upper, work] = ['merged', 'upper', 'work'].map((d) => join(run, d)) as [string, string, string];
  await Promise.all([merged, upper, work].map((d) => mkdir(d)));

  const args = [
    '--pid', '--fork', '--mount', '--propagation', 'private', '--kill-child',
    '/bin/sh', '-c', SETUP, 'nixlab-run',
    merged, rootfs, upper, work, workdir,
    String(volumes.length), ...volumes.flatMap((v) => [realpathSync(v.host), v.container, v.readOnly ? 'ro' : 'rw']),
    ...[...env].map(([k, v]) => `${k}=${v}`),
    UNSHARE, `--root=${merged}`, `--wd=${workdir}`, `--setgid=${gid}`, `--setuid=${uid}`, '--', ...argv,
  ];
  const onOutput = opts.onOutput;
  const child = onOutput
    ? execa('unshare', args, { reject: false, stdin: 'ignore', buffer: false })
    : execa('unshare', args, { reject: false, stdin: 'ignore', buffer: true, encoding: 'utf8', all: false });
  let stdout = '';
  let stderr = '';
  // The last lines of both streams, for a caller that reports why the container ended.
  const tail: string[] = [];
  const partial = { out: '', err: '' };
  const keep = (which: 'out' | 'err', chunk: string) => {
    const lines = (partial[which] + chunk).split('\n');
    partial[which] = lines.pop() ?? '';
    tail.push(...lines);
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
  };
  child.stdout?.on('data', (c: Buffer | string) => {
    if (onOutput) onOutput('stdout', c);
    else stdout += c.toString();
    keep('out', c.toString());
  });
  child.stderr?.on('data', (c: Buffer | string) => {
    if (onOutput) onOutput('stderr', c);
    else stderr += c.toString();
    keep('err', c.toString());
  });
  let timedOut = false;
  // SIGKILL for PID 1 of the namespace takes every process in it down. (Killing `unshare` is not
  // enough: its --kill-child death signal is cleared when the entrypoint's uid changes.)
  let pid = 0;
  const killAll = () => {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
    child.kill('SIGKILL');
  };
  const timer = opts.timeoutMs ? setTimeout(() => ((timedOut = true), killAll()), opts.timeoutMs) : null;
  running.add(killAll);
  const result: Promise<RunResult> = child.then(async (r) => {
    if (timer) clearTimeout(timer);
    running.delete(killAll);
    await rm(run, { recursive: true, force: true }).catch(() => undefined);
    const signal = r.signal ?? null;
    const signo = signal ? (await import('node:os')).constants.signals[signal as NodeJS.Signals] : 0;
    return { exitCode: signal ? 128 + signo : (r.exitCode ?? 0), signal, stdout, stderr, timedOut };
  });

  const containerPid = async (): Promise<number> => {
    if (child.pid === undefined) throw new ToolError('unshare', undefined, [], 'starting the container (is util-linux installed?)');
    // The container's PID 1 is unshare's only child.
    for (let i = 0; i < 200; i++) {
      for (const d of readdirSync('/proc')) {
        if (!/^\d+$/.test(d)) continue;
        try {
          const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === child.pid) return Number(d);
        } catch {
          // raced with an exit
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new ToolError('unshare', undefined, stderr.split('\n').slice(-20), 'starting the container: its first process did not appear');
  };
  pid = await containerPid();

  return {
    child,
    pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    lastLines: () => [...tail, ...[partial.out, partial.err].filter(Boolean)].slice(-TAIL_LINES),
    rootfs: merged,
    wait: () => result,
    async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
      const killer = setTimeout(killAll, graceMs);
      try {
        return await result;
      } finally {
        clearTimeout(killer);
      }
    },
  };
}

/** Runs the image to completion: `docker run --rm IMAGE [cmd…]`. */
export async function runImage(opts: RunImageOptions): Promise<RunResult> {
  return (await startImage(opts)).wait();
}
