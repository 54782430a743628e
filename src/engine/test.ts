// `nixlab test`: proves an image works the way its users will run it. It loads the image into
// the engine (or builds a config first), starts it with a token chosen now and never stored and
// a scratch volume at the notebook directory, and checks over real HTTP and websockets that the
// server demands the token, lists exactly the declared kernels, that each kernel starts and
// runs its kind's snippet (or the test its config declares) with the right output, that the
// engine reports the container healthy, and that `docker stop` ends it with exit code 0 within
// 10 s. Returns a report; never prints.
//
// An image says which kernels it declares in its `dev.nixlab.kernels` label (written by
// `nixlab build`). An image without the label is tested when its Cmd starts Jupyter: every
// kernelspec it lists is started and must answer (with a kind's snippet when the kernelspec's
// language is a kind's). Anything else is "an image without Jupyter", a user error.
//
// How the image is run is a *target*: a Jupyter server as `docker run` starts it, or, for a
// JupyterHub single-user image (its `dev.nixlab.hub.version` label, or a Cmd that runs
// jupyterhub-singleuser), the server a real hub spawns for a user (./test-hub.ts).
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import tar from 'tar-stream';
import type { PkgsChoice } from '../pkgs.js';
import type { NormalizedConfig } from '../definitions/types.js';
import { NixlabError, UserError } from '../errors.js';
import { KERNELS_LABEL, parseKernelsLabel, type DeclaredKernel } from '../runtime/image.js';
import { DEFAULT_PORT, ENV } from '../runtime/facts.js';
import { JupyterServer, type KernelspecInfo } from './kernel-client.js';
import { ChrootRuntime, DockerRuntime, STOP_TIMEOUT_SECONDS, dockerArchiveConfig, type CheckResult, type PreparedImage, type Runtime } from './test-runtimes.js';
import type { RunHooks } from '../exec.js';
import type { HubReport } from './test-hub.js';
import { archiveFor, resolveInput } from '../pipeline/input.js';
import { TEST_DEADLINES, kernelspecCheck, kindForLanguage, testKernel, withDeadline, type KernelReport } from './test-kernel.js';

export type { CheckResult } from './test-runtimes.js';

/** Where the image runs. */
export type EngineKind = 'docker' | 'chroot';

/** How the image is started and reached: by `docker run` (testJupyterServer), or by a hub (test-hub.ts). */
export type TargetKind = 'jupyter-server' | 'jupyterhub';

export interface TestOptions extends RunHooks {
  /** An image archive, or a config file or directory (built first); default: the config here. */
  input?: string;
  engine?: EngineKind;
  /** DOCKER_HOST (default: the environment's). */
  dockerHost?: string;
  /** Package set when building a config. */
  pkgs?: PkgsChoice;
  /** Where a config's generated Nix project goes (default: a temporary directory). */
  generatedDir?: string;
  /** How long the server (behind a hub: the hub, then the spawn) may take to answer (default TEST_DEADLINES.server). */
  serverTimeoutMs?: number;
  /** How long each kernel step may take: start, channels, kernel_info, its snippet (default TEST_DEADLINES.kernel). */
  kernelTimeoutMs?: number;
}

export interface TestReport {
  ok: boolean;
  /** What was given: an image archive, or a config that was built. */
  input: { path: string; kind: 'image' | 'config' };
  image: { reference: string | null; id: string | null; kernelsFrom: 'label' | 'kernelspecs' };
  engine: { kind: EngineKind; where: string };
  target: TargetKind;
  /** The hub the single-user image ran behind (target `jupyterhub`), else null. */
  hub: HubReport | null;
  kernels: KernelReport[];
  /** Server, token, kernelspecs, health, stop: in that order (behind a hub: hub, spawn, server, contents, kernelspecs, stop, cleanup). */
  checks: CheckResult[];
  /** Milliseconds: each phase, and since the start of `nixlab test` (`firstKernelAnswer`). */
  timings: { build: number | null; load: number | null; serverUp: number | null; firstKernelAnswer: number | null; total: number };
  /** The deadlines this run had (ms): TEST_DEADLINES' defaults or the flags'. */
  deadlines: { server: number; kernel: number };
  /** One line per failed check. */
  failures: string[];
  /** The container's last log lines, when something failed. */
  logTail: string[];
}

/** Some check failed: the report says which. Exit code 1. */
export class ChecksFailed extends NixlabError {
  readonly exitCode = 1;
  constructor(readonly report: TestReport) {
    super(`${report.failures.length} check${report.failures.length === 1 ? '' : 's'} failed:\n${report.failures.map((f) => `  - ${f}`).join('\n')}`);
  }
}

/** What the input is: a tar with manifest.json (docker-archive), one with index.json (OCI), or not a tar. */
async function archiveKind(path: string): Promise<'docker' | 'oci' | 'tar' | 'not-tar'> {
  if (statSync(path).isDirectory()) return existsSync(join(path, 'index.json')) ? 'oci' : 'not-tar';
  return new Promise((resolvePromise) => {
    const extract = tar.extract();
    const source = createReadStream(path);
    let kind: 'docker' | 'oci' | 'tar' | 'not-tar' = 'not-tar';
    let entries = 0;
    const done = (k: typeof kind) => {
      source.destroy();
      extract.destroy();
      resolvePromise(k);
    };
    extract.on('entry', (header, stream, next) => {
      entries++;
      if (header.name === 'manifest.json') return done('docker');
      if (header.name === 'index.json') kind = 'oci';
      else if (kind === 'not-tar') kind = 'tar';
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', () => done(entries === 0 ? 'not-tar' : kind));
    extract.on('error', () => done(entries === 0 ? 'not-tar' : kind));
    source.on('error', () => done('not-tar'));
    source.pipe(extract);
  });
}


/** The env var `NAME` of an image config, if set. */
function envOf(config: PreparedImage['config'], name: string): string | undefined {
  const kv = (config.Env ?? []).find((e) => e.startsWith(`${name}=`));
  return kv?.slice(name.length + 1);
}

/** True when the image's command starts a Jupyter server (`jupyter-lab`, `jupyter notebook`, docker-stacks' start-notebook). */
export function startsJupyter(config: PreparedImage['config']): boolean {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  return argv.some((a) => /^(jupyter(hub)?(-[a-z-]+)?|start-notebook(\.sh|\.py)?|start-singleuser(\.sh|\.py)?)$/.test(basename(a)));
}

/** Everything a target needs. */
interface TargetContext {
  runtime: Runtime;
  image: PreparedImage;
  /** The kernels the label declares, or null for an image without the label. */
  declared: DeclaredKernel[] | null;
  opts: Required<Pick<TestOptions, 'serverTimeoutMs' | 'kernelTimeoutMs'>> & Pick<TestOptions, 'onStep' | 'signal'>;
  /** ms since the test started (for the first kernel answer). */
  elapsed: () => number;
}

/** What a target found. */
export interface TargetResult {
  kernels: KernelReport[];
  checks: CheckResult[];
  serverUpMs: number | null;
  firstKernelAnswer: number | null;
  logTail: string[];
}

/** Runs the checks; the report says what passed. Bad input throws UserError (exit 2). */
export async function testImage(opts: TestOptions = {}): Promise<TestReport> {
  const t0 = Date.now();
  const elapsed = () => Date.now() - t0;
  const engineKind = opts.engine ?? 'docker';
  const runtime: Runtime = engineKind === 'chroot' ? new ChrootRuntime() : new DockerRuntime(opts.dockerHost);
  const step = opts.onStep ?? (() => undefined);
  // The engine first: a missing engine should not cost a build.
  await runtime.check();

  const input = await resolveInput(opts.input);
  const { hubEngine, isSingleUserImage, testBehindHub } = await import('./test-hub.js');
  // A single-user config is tested behind a hub: whether this engine can run one is known before the build.
  let source: { file: string; config: NormalizedConfig } | null = null;
  if (input.kind === 'config') {
    const { loadConfig } = await import('../definitions/load.js');
    const loaded = await loadConfig(input.path);
    if (loaded.config.hub) {
      hubEngine(runtime, input.path);
      source = { file: loaded.file, config: loaded.config };
    }
  }
  let archive = input.path;
  let buildMs: number | null = null;
  let scratch: string | undefined;
  try {
    if (input.kind === 'config') {
      scratch = mkdtempSync(join(tmpdir(), 'nixlab-test-'));
      const built = await archiveFor(input, scratch, { ...opts, pkgs: opts.pkgs ?? { kind: 'pinned' }, generatedDir: opts.generatedDir ?? join(scratch, 'generated'), onStep: step });
      archive = built.archive;
      buildMs = built.buildMs;
    } else {
      const kind = await archiveKind(archive);
      if (kind === 'not-tar') throw new UserError({ where: archive, message: 'is not an image archive (not a tar file) nor a config', hint: 'pass an image written by `nixlab build -o IMAGE.tar` (or `docker save`), or a nixlab config' });
      if (kind === 'tar') throw new UserError({ where: archive, message: 'is a tar file but not an image: it has neither manifest.json (docker-archive) nor index.json (OCI layout)', hint: 'pass an image written by `nixlab build -o IMAGE.tar` (or `docker save`)' });
      if (kind === 'oci' && engineKind === 'docker') {
        throw new UserError({ where: archive, message: 'is an OCI image layout; the Docker engine loads docker-archives', hint: 'build a docker-archive (`nixlab build -o IMAGE.tar`, the default format), or copy it in with `skopeo copy oci:DIR:TAG docker-daemon:NAME:TAG`' });
      }
    }

    // The chroot runner cannot run a hub: a single-user archive is refused before it is unpacked.
    if (engineKind === 'chroot' && input.kind === 'image') {
      const config = await dockerArchiveConfig(archive);
      if (config && isSingleUserImage(config)) hubEngine(runtime, archive);
    }
    step(engineKind === 'docker' ? `loading ${archive} into the engine at ${runtime.where}` : `unpacking ${archive} for the chroot runner`);
    const image = await runtime.prepare(archive, opts.signal);
    const labelValue = image.config.Labels?.[KERNELS_LABEL];
    let declared: DeclaredKernel[] | null = null;
    if (labelValue !== undefined) {
      declared = parseKernelsLabel(labelValue) ?? null;
      if (!declared) throw new UserError({ where: `${archive}: label ${KERNELS_LABEL}`, message: `is not a JSON list of { "kind", "name" }: ${labelValue.slice(0, 200)}`, hint: 'rebuild the image with nixlab build' });
    } else if (!startsJupyter(image.config)) {
      const cmd = JSON.stringify([...(image.config.Entrypoint ?? []), ...(image.config.Cmd ?? [])]);
      throw new UserError({ where: archive, message: `is an image without Jupyter: it has no ${KERNELS_LABEL} label and its command ${cmd} does not start a Jupyter server`, hint: 'pass an image built by nixlab, or one whose Cmd starts jupyter (jupyter-lab, jupyter-notebook, jupyter-server)' });
    }

    const target: TargetKind = isSingleUserImage(image.config) ? 'jupyterhub' : 'jupyter-server';
    const timeouts = { serverTimeoutMs: opts.serverTimeoutMs ?? TEST_DEADLINES.server.defaultSeconds * 1000, kernelTimeoutMs: opts.kernelTimeoutMs ?? TEST_DEADLINES.kernel.defaultSeconds * 1000 };
    let result: TargetResult & { hub?: HubReport };
    if (target === 'jupyterhub') {
      const engine = hubEngine(runtime, archive);
      result = await testBehindHub({ engine, image, declared, source, pkgs: opts.pkgs ?? { kind: 'pinned' }, ...timeouts, onStep: opts.onStep, onLog: opts.onLog, signal: opts.signal, elapsed });
    } else {
      result = await testJupyterServer({ runtime, image, declared, opts: { ...timeouts, onStep: opts.onStep, signal: opts.signal }, elapsed });
    }
    const failures = [
      ...result.kernels.filter((k) => !k.ok).map((k) => `kernel ${k.name}: ${k.detail}`),
      ...result.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`),
    ];
    return {
      ok: failures.length === 0,
      input: { path: input.path, kind: input.kind },
      image: { reference: image.reference, id: image.id, kernelsFrom: declared ? 'label' : 'kernelspecs' },
      engine: { kind: engineKind, where: runtime.where },
      target,
      hub: result.hub ?? null,
      kernels: result.kernels,
      checks: result.checks,
      timings: { build: buildMs, load: image.loadMs, serverUp: result.serverUpMs, firstKernelAnswer: result.firstKernelAnswer, total: elapsed() },
      deadlines: { server: timeouts.serverTimeoutMs, kernel: timeouts.kernelTimeoutMs },
      failures,
      logTail: failures.length ? result.logTail : [],
    };
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}


/** A Jupyter server image, run as `docker run -e JUPYTER_TOKEN=… -v VOLUME:NOTEBOOKS -p PORT IMAGE` would (the names: ENV). */
async function testJupyterServer(ctx: TargetContext): Promise<TargetResult> {
  const { runtime, image, declared, opts } = ctx;
  const step = opts.onStep ?? (() => undefined);
  const checks: CheckResult[] = [];
  const kernels: KernelReport[] = [];
  // A token for this run only: given at start, never written anywhere.
  const token = randomBytes(24).toString('hex');
  const port = Number(envOf(image.config, ENV.port) ?? Object.keys(image.config.ExposedPorts ?? {})[0]?.split('/')[0] ?? DEFAULT_PORT);
  const volumeAt = envOf(image.config, ENV.notebookDir) ?? Object.keys(image.config.Volumes ?? {}).sort()[0] ?? (image.config.WorkingDir || null);
  step(`starting the image with a fresh token${volumeAt ? ` and a scratch volume at ${volumeAt}` : ''}`);
  const started = await runtime.start(image, { env: { [ENV.jupyterToken]: token }, volumeAt, port });
  let serverUpMs: number | null = null;
  let firstKernelAnswer: number | null = null;
  let logTail: string[] = [];
  try {
    const server = new JupyterServer(started.url, token);
    try {
      serverUpMs = await server.waitUntilUp(opts.serverTimeoutMs, async () => (opts.signal?.aborted ? 'interrupted' : started.gone()));
      checks.push({ name: 'server', ok: true, ms: serverUpMs, detail: 'answers GET /api' });
    } catch (err) {
      checks.push({ name: 'server', ok: false, ms: null, detail: withDeadline((err as Error).message, 'server', opts.serverTimeoutMs) });
    }
    if (serverUpMs !== null) {
      checks.push(await tokenCheck(server));
      let specs: Record<string, KernelspecInfo> = {};
      try {
        specs = await server.kernelspecs();
        checks.push(kernelspecCheck(specs, declared));
      } catch (err) {
        checks.push({ name: 'kernelspecs', ok: false, ms: null, detail: (err as Error).message });
      }
      const wanted = declared ?? Object.keys(specs).sort().map((name) => ({ name, kind: kindForLanguage(specs[name]?.spec.language) ?? '' }));
      for (const k of wanted) {
        opts.signal?.throwIfAborted();
        step(`kernel ${k.name}: starting`);
        const r = await testKernel(server, k, specs[k.name], opts.kernelTimeoutMs, () => {
          firstKernelAnswer ??= ctx.elapsed();
        }, (lines) => started.logTail(lines));
        step(`kernel ${k.name}: ${r.ok ? 'ok' : 'FAILED'}`);
        kernels.push(r);
      }
    }
    opts.signal?.throwIfAborted();
    step('health status');
    checks.push(await started.health());
    step('stopping');
    try {
      const stop = await started.stop();
      const ok = stop.exitCode === 0 && stop.ms < STOP_TIMEOUT_SECONDS * 1000;
      checks.push({ name: 'stop', ok, ms: stop.ms, detail: `exit code ${stop.exitCode} after ${(stop.ms / 1000).toFixed(1)} s${ok ? '' : ` (must be 0, within ${STOP_TIMEOUT_SECONDS} s)`}` });
    } catch (err) {
      checks.push({ name: 'stop', ok: false, ms: null, detail: (err as Error).message });
    }
    if (checks.some((c) => !c.ok) || kernels.some((k) => !k.ok)) logTail = await started.logTail(30).catch(() => []);
  } finally {
    await started.remove();
  }
  return { kernels, checks, serverUpMs, firstKernelAnswer, logTail };
}

/** 403 without the token (and with a wrong one), 200 with it. */
async function tokenCheck(server: JupyterServer): Promise<CheckResult> {
  const name = 'token';
  try {
    const without = (await server.request('/api/status', { auth: false })).status;
    const wrong = (await new JupyterServer(server.base, 'not-the-token').request('/api/status')).status;
    const withIt = (await server.request('/api/status')).status;
    const ok = without === 403 && wrong === 403 && withIt === 200;
    return { name, ok, ms: null, detail: `/api/status: ${without} without the token, ${wrong} with a wrong one, ${withIt} with it${ok ? '' : ' (want 403, 403, 200)'}` };
  } catch (err) {
    return { name, ok: false, ms: null, detail: (err as Error).message };
  }
}
