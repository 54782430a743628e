// `nixlab run`: an image's Jupyter server (or a command in the image) run here by the chroot
// runner (./chroot.ts), as `docker run` would, with a token given at run time. What happens is
// told as events and the outcome is returned; the command renders both. Interrupts (Ctrl-C)
// arrive as 'SIGINT'/'SIGTERM' events of the `interrupts` emitter the caller passes (the
// process, for the CLI): the first stops the container as `docker stop` does, a second kills it.
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { UserError } from '../errors.js';
import { ENV, LOOPBACK_ADDRESS, loopbackServerEnv } from '../runtime/facts.js';

/** How long the container has after the first interrupt before it is killed, by default. */
export const STOP_GRACE_MS = 10_000;

export interface RunOptions {
  /** The image: docker-archive tar, OCI tar or OCI layout directory. */
  image: string;
  /** A command to run instead of the image's server (its Cmd), as `docker run IMAGE cmd…`. */
  cmd?: string[];
  /** The loopback port Jupyter listens on. */
  port: number;
  /** `KEY=value` added to the image's Env (`-e`). */
  env?: string[];
  /** `uid[:gid]` or a user of the image (default: the image's User). */
  user?: string;
  /** `host:container[:ro]` bind mounts. */
  volumes?: string[];
  /** Emits 'SIGINT' / 'SIGTERM': the first stops the container (SIGTERM to its PID 1, SIGKILL after `graceMs`), a second kills it at once. */
  interrupts?: Pick<EventEmitter, 'on' | 'off'>;
  /** Default STOP_GRACE_MS. */
  graceMs?: number;
}

/** What happens while the container runs, in order. */
export type RunEvent =
  /** The server is starting (only without `cmd`): where it will answer, and the token it takes. */
  | { kind: 'serving'; url: string; token: string }
  /** The container wrote `chunk` on `stream`. */
  | { kind: 'output'; stream: 'stdout' | 'stderr'; chunk: Buffer | string }
  /** An interrupt arrived: the container is being stopped (another one kills it at once). */
  | { kind: 'stopping' };

export interface RunOutcome {
  /** What `nixlab run` exits with: 0 after a stop on an interrupt, else the container's code (128 + n when killed by signal n). */
  exitCode: number;
  /** Whether it ended as a stop on an interrupt ends (else by itself, or killed by a second interrupt). */
  stopped: boolean;
  /** The container's own exit code, and the signal that ended it, if one did. */
  containerExitCode: number;
  signal: string | null;
  /** The last lines the container wrote. */
  lastLines: string[];
}

/** The environment `nixlab run` adds to the image's: loopback, the port, the token (from `env`, else a new random one), then `env`. */
export function runEnvironment(port: number, env: readonly string[] = []): { env: Record<string, string>; token: string } {
  const out: Record<string, string> = loopbackServerEnv(port);
  for (const kv of env) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UserError({ where: '--env', message: `${kv} is not KEY=value`, hint: `write e.g. -e ${ENV.jupyterToken}=secret` });
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  // A token chosen now, for this run only: never part of the image.
  const token = out[ENV.jupyterToken] ?? randomBytes(24).toString('hex');
  out[ENV.jupyterToken] = token;
  return { env: out, token };
}

/** Runs the image until its server (or `cmd`) ends or is stopped; the unpacked image is then removed in the background. */
export async function runImageHere(opts: RunOptions, onEvent: (event: RunEvent) => void = () => undefined): Promise<RunOutcome> {
  if (process.getuid?.() !== 0) {
    throw new UserError({ where: 'nixlab run', message: 'needs root (it uses namespaces and chroot)', hint: 'run it as root, or load the image into docker/podman instead' });
  }
  const { env, token } = runEnvironment(opts.port, opts.env);
  const { startImage, cleanupImagesInBackground } = await import('./chroot.js');
  const handle = await startImage({
    image: opts.image,
    cmd: opts.cmd,
    env,
    user: opts.user,
    volumes: opts.volumes,
    onOutput: (stream, chunk) => onEvent({ kind: 'output', stream, chunk }),
  });
  if (!opts.cmd) onEvent({ kind: 'serving', url: `http://${LOOPBACK_ADDRESS}:${opts.port}/?token=${token}`, token });
  // The first interrupt: SIGTERM to the container's PID 1 (tini passes it on), SIGKILL after
  // the grace period; a second one kills it at once.
  let stopping = false;
  const interrupt = () => {
    if (stopping) {
      void handle.stop('SIGKILL', 0);
      return;
    }
    stopping = true;
    onEvent({ kind: 'stopping' });
    void handle.stop('SIGTERM', opts.graceMs ?? STOP_GRACE_MS);
  };
  opts.interrupts?.on('SIGINT', interrupt);
  opts.interrupts?.on('SIGTERM', interrupt);
  try {
    const result = await handle.wait();
    // A stop ends as tini reports a SIGTERM passed on (143), or as the server's clean exit.
    const stopped = stopping && [0, 130, 143].includes(result.exitCode);
    return { exitCode: stopped ? 0 : result.exitCode, stopped, containerExitCode: result.exitCode, signal: result.signal, lastLines: handle.lastLines() };
  } finally {
    opts.interrupts?.off('SIGINT', interrupt);
    opts.interrupts?.off('SIGTERM', interrupt);
    // nixlab returns as soon as the server has ended; removing the unpacked image takes longer.
    cleanupImagesInBackground();
  }
}
