// Where `nixlab test` runs an image: the Docker engine at DOCKER_HOST (Engine API: load, a
// network of its own with the Jupyter port published on 127.0.0.1, a scratch volume, the
// engine's own health status, `docker stop`), or the chroot runner for machines without an
// engine (./chroot.ts: host network, a scratch directory, the HEALTHCHECK command run once).
// Both give the same `Runtime` shape, so a test target does not care which one runs it.
import { randomBytes } from 'node:crypto';
import { chownSync, createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { UserError } from '../errors.js';
import { ENV, loopbackServerEnv } from '../runtime/facts.js';
import { DockerEngine, EngineStreamError, type ContainerInspect, type HealthConfig, type HealthLogEntry } from './docker-api.js';
import type { ImageConfig } from './docker-types.js';

/** The label on every container, volume and network `nixlab test` makes (value: the run's ID). */
export const TEST_RESOURCE_LABEL = 'dev.nixlab.test';

/** An image made ready to run: its config, and how the runtime names it. */
export interface PreparedImage {
  /** The archive it came from. */
  source: string;
  config: ImageConfig;
  /** `name:tag` the image came with, if any. */
  reference: string | null;
  /** Image ID (`sha256:…` of the config) when the runtime knows it. */
  id: string | null;
  /** Time the engine took to load it (ms), null when nothing was loaded. */
  loadMs: number | null;
}

/** One check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  /** Time the check measured (ms), null when it measures none. */
  ms: number | null;
  detail: string;
}

/** What starting the image asks for. */
export interface StartRequest {
  /** Added to the image's Env (the token, …). */
  env: Record<string, string>;
  /** Where a fresh, empty volume goes (the notebook directory), or null for none. */
  volumeAt: string | null;
  /** The port the server listens on inside the container. */
  port: number;
}

/** A running container. */
export interface Started {
  /** `http://127.0.0.1:PORT` where the container's Jupyter port is reachable. */
  url: string;
  /** Why the container is not running any more, or undefined while it runs. */
  gone(): Promise<string | undefined>;
  /** The health check's verdict (the engine's status, or the command run once). */
  health(): Promise<CheckResult>;
  /** Stops it the way `docker stop` does (SIGTERM, SIGKILL after 10 s): exit code and time. */
  stop(): Promise<{ exitCode: number; ms: number }>;
  /** The last lines of its output. */
  logTail(lines?: number): Promise<string[]>;
  /** Removes what was made for it (container, volume, network). */
  remove(): Promise<void>;
}

export interface Runtime {
  readonly kind: 'docker' | 'chroot';
  /** Where: DOCKER_HOST, or `chroot`. */
  readonly where: string;
  /** Fails fast (UserError, exit 2) when the runtime cannot run anything here. */
  check(): Promise<void>;
  prepare(image: string, signal?: AbortSignal): Promise<PreparedImage>;
  start(image: PreparedImage, request: StartRequest): Promise<Started>;
}

/** How long `docker stop` waits before SIGKILL, and the limit the stop check holds to. */
export const STOP_TIMEOUT_SECONDS = 10;

const ns = (n: number | undefined) => (n ?? 0) / 1e6;

/** The timing of an image's health check in milliseconds, with Docker's defaults filled in. */
export function healthTiming(h: HealthConfig): { intervalMs: number; timeoutMs: number; startPeriodMs: number; retries: number } {
  // moby daemon/health.go: 30 s interval and timeout, no start period, 3 retries by default.
  return { intervalMs: ns(h.Interval) || 30_000, timeoutMs: ns(h.Timeout) || 30_000, startPeriodMs: ns(h.StartPeriod), retries: h.Retries || 3 };
}

/** True when the config has a health check that does something (not absent, not NONE). */
export function hasHealthcheck(h: HealthConfig | undefined): h is HealthConfig & { Test: string[] } {
  return !!h?.Test?.length && h.Test[0] !== 'NONE';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Docker engine at DOCKER_HOST. */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker';
  readonly engine: DockerEngine;
  private readonly runId = randomBytes(6).toString('hex');

  constructor(host?: string) {
    this.engine = new DockerEngine({ host });
  }

  get where(): string {
    return this.engine.host;
  }

  async check(): Promise<void> {
    await this.engine.ping();
    await this.engine.apiVersion();
  }

  async prepare(image: string, signal?: AbortSignal): Promise<PreparedImage> {
    const start = Date.now();
    let loaded: string[];
    try {
      loaded = (await this.engine.loadImage(createReadStream(image), { signal })).loaded;
    } catch (err) {
      if (err instanceof EngineStreamError) {
        throw new UserError({ where: image, message: `the Docker engine refused to load it: ${err.engineMessage}`, hint: 'pass a docker-archive (nixlab build -o IMAGE.tar, or docker save)' }, { cause: err });
      }
      throw err;
    }
    const loadMs = Date.now() - start;
    const ref = loaded[0];
    if (!ref) throw new UserError({ where: image, message: 'the Docker engine loaded it but named no image', hint: 'pass a docker-archive with one image (nixlab build -o IMAGE.tar)' });
    const info = await this.engine.inspectImage(ref);
    return { source: image, config: info.Config ?? {}, reference: ref.startsWith('sha256:') ? null : ref, id: info.Id, loadMs };
  }

  async start(image: PreparedImage, req: StartRequest): Promise<Started> {
    const engine = this.engine;
    const labels = { [TEST_RESOURCE_LABEL]: this.runId };
    const name = `nixlab-test-${this.runId}-${randomBytes(3).toString('hex')}`;
    const made: { network?: string; volume?: string; container?: string } = {};
    const remove = async () => {
      // Each removal is tried; what is already gone is fine.
      const quiet = (p: Promise<unknown>) => p.catch((err: { status?: number }) => (err.status === 404 ? undefined : Promise.reject(err)));
      const errors: string[] = [];
      for (const [what, fn] of [
        ['container', () => made.container && engine.removeContainer(made.container, { force: true, volumes: true })],
        ['volume', () => made.volume && engine.removeVolume(made.volume, { force: true })],
        ['network', () => made.network && engine.removeNetwork(made.network)],
      ] as const) {
        try {
          await quiet(Promise.resolve(fn()));
        } catch (err) {
          errors.push(`${what}: ${(err as Error).message}`);
        }
      }
      if (errors.length) throw new Error(`could not remove what the test made: ${errors.join('; ')}`);
    };
    try {
      // A network of its own: the container's port is published on 127.0.0.1 only, and nothing
      // depends on the engine having its default bridge.
      made.network = await engine.createNetwork({ Name: name, Labels: labels });
      if (req.volumeAt) made.volume = (await engine.createVolume({ Name: name, Labels: labels })).Name;
      const port = `${req.port}/tcp`;
      made.container = (
        await engine.createContainer(
          {
            Image: image.id ?? image.reference!,
            Env: Object.entries(req.env).map(([k, v]) => `${k}=${v}`),
            Labels: labels,
            ExposedPorts: { [port]: {} },
            HostConfig: {
              NetworkMode: name,
              PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
              Mounts: made.volume ? [{ Type: 'volume', Source: made.volume, Target: req.volumeAt! }] : [],
            },
          },
          { name },
        )
      ).id;
      await engine.startContainer(made.container);
      const id = made.container;
      const inspect = await engine.inspectContainer(id);
      const hostPort = inspect.NetworkSettings.Ports?.[port]?.[0]?.HostPort;
      if (!hostPort) throw new Error(`the engine published no host port for ${port}`);
      return this.started(id, `http://127.0.0.1:${hostPort}`, image, remove);
    } catch (err) {
      await remove().catch(() => undefined);
      throw err;
    }
  }

  private started(id: string, url: string, image: PreparedImage, remove: () => Promise<void>): Started {
    const engine = this.engine;
    const logTail = async (lines = 20) => {
      const logs = await engine.containerLogs(id, { tail: lines });
      return (logs.stdout + logs.stderr).split('\n').filter(Boolean).slice(-lines);
    };
    // Watched from the start: the engine keeps only its last 5 probes, so by the time the
    // other checks are done the probe that made the container healthy may be gone.
    const watch = hasHealthcheck(image.config.Healthcheck) ? new HealthWatch(engine, id) : undefined;
    return {
      url,
      logTail,
      async remove() {
        await watch?.stop();
        await remove();
      },
      async gone() {
        const s = (await engine.inspectContainer(id)).State;
        return s.Running ? undefined : `the container exited with code ${s.ExitCode}`;
      },
      async health() {
        return dockerHealth(watch, image.config.Healthcheck);
      },
      async stop() {
        await watch?.stop();
        const start = Date.now();
        await engine.stopContainer(id, { timeoutSeconds: STOP_TIMEOUT_SECONDS });
        const ms = Date.now() - start;
        return { exitCode: (await engine.inspectContainer(id)).State.ExitCode, ms };
      },
    };
  }
}

/** Follows a container's health (State.Health, every 500 ms): every probe, and when it first turned healthy. */
class HealthWatch {
  /** Probes seen, by start time. */
  readonly probes = new Map<string, HealthLogEntry>();
  status: string | undefined;
  running = true;
  startedAt: number | undefined;
  /** End of the probe that first made it healthy (ms since the epoch, the engine's clock). */
  firstHealthy: number | undefined;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly engine: DockerEngine,
    private readonly id: string,
  ) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.observe(await this.engine.inspectContainer(this.id));
      } catch {
        // gone, or the engine busy: try again
      }
      await sleep(500);
    }
  }

  private observe(c: ContainerInspect): void {
    this.startedAt ??= Date.parse(c.State.StartedAt);
    this.running = c.State.Running;
    this.status = c.State.Health?.Status;
    const log = c.State.Health?.Log ?? [];
    for (const e of log) this.probes.set(e.Start, e);
    // Probes are seconds apart and this looks twice a second: the newest probe is the one
    // that turned it healthy.
    if (this.status === 'healthy' && this.firstHealthy === undefined && log.length) this.firstHealthy = Date.parse(log.at(-1)!.End);
  }

  /** Resolves once the status is healthy or unhealthy, the container stopped, or the deadline passed. */
  async verdict(deadline: number): Promise<void> {
    while ((this.status === undefined || this.status === 'starting') && this.running && Date.now() < deadline) await sleep(250);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/**
 * The engine's health status: waits (up to the start period plus `retries` probes and their
 * time-outs) for `healthy` or `unhealthy`. The time reported is from the container's start to
 * the end of the probe that first made it healthy; it must come within the start period and
 * one more probe (later means Docker counted failures first).
 */
async function dockerHealth(watch: HealthWatch | undefined, h: HealthConfig | undefined): Promise<CheckResult> {
  const name = 'health';
  if (!watch || !hasHealthcheck(h)) return { name, ok: true, ms: null, detail: 'the image has no HEALTHCHECK' };
  const t = healthTiming(h);
  await watch.verdict((watch.startedAt ?? Date.now()) + t.startPeriodMs + (t.retries + 1) * (t.intervalMs + t.timeoutMs) + 5000);
  const probes = [...watch.probes.values()];
  const failed = probes.filter((p) => p.ExitCode !== 0);
  const timedOut = failed.filter((p) => p.ExitCode === -1).length;
  const tally = `${probes.length} probe${probes.length === 1 ? '' : 's'}${failed.length ? `, ${failed.length} failed${timedOut ? ` (${timedOut} timed out)` : ''}` : ''}`;
  const ms = watch.firstHealthy !== undefined && watch.startedAt !== undefined ? watch.firstHealthy - watch.startedAt : null;
  if (ms !== null) {
    const late = ms > t.startPeriodMs + t.intervalMs + t.timeoutMs;
    return { name, ok: !late, ms, detail: `healthy ${(ms / 1000).toFixed(1)} s after the start (start period ${t.startPeriodMs / 1000} s; ${tally})${late ? ': later than the start period and one probe' : ''}` };
  }
  const last = probes.at(-1);
  const why = last ? `; last probe exit ${last.ExitCode}${last.Output.trim() ? `: ${last.Output.trim().slice(0, 200)}` : ''}` : '';
  return { name, ok: false, ms, detail: `${watch.status ?? 'no health status'}${watch.running ? '' : ' (the container is not running)'} (${tally})${why}` };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The `config` of a docker-archive's image (read with tar-stream, JSON entries only), or null for other archives. */
export async function dockerArchiveConfig(path: string): Promise<ImageConfig | null> {
  if (statSync(path).isDirectory()) return null;
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    const keep = header.name.endsWith('.json');
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => keep && chunks.push(c));
    stream.on('end', () => {
      if (keep) files.set(header.name, Buffer.concat(chunks));
      next();
    });
  });
  await pipeline(createReadStream(path), extract);
  const manifest = files.get('manifest.json');
  if (!manifest) return null;
  const entry = (JSON.parse(manifest.toString('utf8')) as { Config?: string }[])[0];
  const config = entry?.Config ? files.get(entry.Config) : undefined;
  return config ? ((JSON.parse(config.toString('utf8')) as { config?: ImageConfig }).config ?? {}) : null;
}

/** The chroot runner (root only): the image's server on the host's network, on a free port. */
export class ChrootRuntime implements Runtime {
  readonly kind = 'chroot';
  readonly where = 'chroot';

  async check(): Promise<void> {
    if (process.getuid?.() !== 0) {
      throw new UserError({ where: '--engine chroot', message: 'the chroot runner needs root (namespaces and chroot)', hint: 'run as root, or use a Docker engine (the default: --engine docker with DOCKER_HOST)' });
    }
  }

  async prepare(image: string): Promise<PreparedImage> {
    const { prepareImage } = await import('./chroot.js');
    const { config } = await prepareImage(image);
    // The runner unpacks through an OCI layout, whose config has no Healthcheck (the OCI image
    // spec has none): a docker-archive's own config has it.
    const own = await dockerArchiveConfig(image);
    return { source: image, config: own ? { ...config, Healthcheck: own.Healthcheck } : config, reference: null, id: null, loadMs: null };
  }

  async start(image: PreparedImage, req: StartRequest): Promise<Started> {
    const { startImage, runImage, resolveUser, prepareImage } = await import('./chroot.js');
    // The host's network: the server must listen on a free loopback port instead of its own.
    const port = await freePort();
    const env = { ...req.env, ...loopbackServerEnv(port) };
    const scratch = mkdtempSync(join(tmpdir(), 'nixlab-test-volume-'));
    const path = image.source;
    const { rootfs } = await prepareImage(path);
    const { uid, gid } = resolveUser(rootfs, image.config.User);
    chownSync(scratch, uid, gid);
    const handle = await startImage({ image: path, env, volumes: req.volumeAt ? [{ host: scratch, container: req.volumeAt }] : [] });
    let exit: number | undefined;
    void handle.wait().then((r) => (exit = r.exitCode));
    return {
      url: `http://127.0.0.1:${port}`,
      async gone() {
        return exit === undefined ? undefined : `the container exited with code ${exit}`;
      },
      async health() {
        const h = image.config.Healthcheck;
        if (!hasHealthcheck(h)) return { name: 'health', ok: true, ms: null, detail: 'the image has no HEALTHCHECK' };
        const cmd = h.Test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', h.Test.slice(1).join(' ')] : h.Test.slice(1);
        const start = Date.now();
        const r = await runImage({ image: path, cmd, env: { [ENV.port]: String(port) }, timeoutMs: healthTiming(h).timeoutMs + 30_000 });
        const ms = Date.now() - start;
        const out = (r.stdout + r.stderr).trim().slice(0, 200);
        return { name: 'health', ok: r.exitCode === 0, ms, detail: r.exitCode === 0 ? 'the HEALTHCHECK command exits 0 (the chroot runner has no health monitor: run once)' : `the HEALTHCHECK command exits ${r.exitCode}${out ? `: ${out}` : ''}` };
      },
      async stop() {
        const start = Date.now();
        const r = await handle.stop('SIGTERM', STOP_TIMEOUT_SECONDS * 1000);
        return { exitCode: r.exitCode, ms: Date.now() - start };
      },
      async logTail(lines = 20) {
        return (handle.stdout + handle.stderr).split('\n').filter(Boolean).slice(-lines);
      },
      async remove() {
        if (exit === undefined) await handle.stop('SIGKILL', 0);
        rmSync(scratch, { recursive: true, force: true });
      },
    };
  }
}
