// `nixlab test` for a JupyterHub single-user image: the image is run the way its users get it,
// by a real hub. The hub image (built here from the config with deploy/hub.ts's
// `buildHubImage`, or the one `nixlab hub` loaded) runs with DockerSpawner on a docker network
// of its own, its jupyterhub_config.py from deploy/hub-files.ts, and a random admin API token
// (the NIXLAB_HUB_API_TOKEN service) made for this run. Through the hub's proxy it creates a
// user, spawns their server over the REST API, checks the server's API and contents, runs each
// declared kernel's check over the proxied websocket (test.ts's `testKernel`), stops the server
// and checks that its container is gone. Everything it made (the hub container, the user's
// container, both volumes, the network) is removed, also when something failed. Never prints.
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { PkgsChoice } from '../pkgs.js';
import type { NormalizedConfig } from '../definitions/types.js';
import { buildHubImage, socketOf } from '../deploy/hub.js';
import { HUB_API_TOKEN_VAR, HUB_CONFIG_PATH, HUB_DATA_DIR, HUB_SERVICE, SPAWN_TIMEOUTS, hubNames, jupyterhubConfigPy, py, type HubNames } from '../deploy/hub-files.js';
import { UserError } from '../errors.js';
import { HUB_LABEL, SINGLE_USER_COMMAND, hubVersionProblem } from '../runtime/hub.js';
import type { DeclaredKernel } from '../runtime/image.js';
import type { DockerEngine } from './docker-api.js';
import { JupyterServer, type KernelspecInfo } from './kernel-client.js';
import { DockerRuntime, TEST_RESOURCE_LABEL, type CheckResult, type PreparedImage, type Runtime } from './test-runtimes.js';
import { kernelspecCheck, kindForLanguage, testKernel, withDeadline, type KernelReport } from './test-kernel.js';

/** The hub's part of a report. */
export interface HubReport {
  /** The hub image, `name:tag`. */
  image: string;
  /** Built for this run from the config, or found in the engine (loaded by `nixlab hub`). */
  built: boolean;
  /** The JupyterHub major.minor of the single-user image's label. */
  version: string;
  /** The user the run created. */
  user: string;
  /** Building and loading the hub image (ms), null when it was reused. */
  buildMs: number | null;
  loadMs: number | null;
  /** From the hub container's start until `GET /hub/api` answers through the proxy (ms). */
  upMs: number | null;
}

/** What the hub target needs. */
export interface HubTargetContext {
  engine: DockerEngine;
  image: PreparedImage;
  /** The kernels the image's label declares, or null. */
  declared: DeclaredKernel[] | null;
  /** The config the image was built from (the hub image is built from it), or null for an archive. */
  source: { file: string; config: NormalizedConfig } | null;
  pkgs: PkgsChoice;
  serverTimeoutMs: number;
  kernelTimeoutMs: number;
  onStep?: (line: string) => void;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  /** ms since the test started. */
  elapsed: () => number;
}

export interface HubTargetResult {
  kernels: KernelReport[];
  checks: CheckResult[];
  /** From the spawn request until the hub reports the server ready (ms). */
  serverUpMs: number | null;
  firstKernelAnswer: number | null;
  logTail: string[];
  hub: HubReport;
}

/** True when the image is a JupyterHub single-user image: its label, or a Cmd that runs jupyterhub-singleuser. */
export function isSingleUserImage(config: PreparedImage['config']): boolean {
  if (config.Labels?.[HUB_LABEL] !== undefined) return true;
  return [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])].some((a) => a.split('/').pop() === SINGLE_USER_COMMAND);
}

/**
 * The engine a single-user image (`what`: its archive or config) is tested behind a hub on: a
 * Docker engine reached over a unix socket, which the hub's container gets for DockerSpawner.
 */
export function hubEngine(runtime: Runtime, what: string): DockerEngine {
  if (!(runtime instanceof DockerRuntime)) {
    throw new UserError({ where: '--engine chroot', message: `${what} is a JupyterHub single-user image, which nixlab test runs behind a real hub with DockerSpawner`, hint: 'use a Docker engine (the default: --engine docker with DOCKER_HOST)' });
  }
  if (!socketOf(runtime.engine.host)) {
    throw new UserError({ where: `DOCKER_HOST=${runtime.engine.host}`, message: `${what} is a JupyterHub single-user image, tested behind a hub whose DockerSpawner needs the engine's socket, and this engine is not reached over a unix socket`, hint: 'use a local engine (DOCKER_HOST=unix:///…)' });
  }
  return runtime.engine;
}

/** The environment variable of the dummy authenticator's password: made for the run and never given out, so nobody logs in. */
const NO_LOGIN_PASSWORD_VAR = 'NIXLAB_TEST_HUB_PASSWORD';

/**
 * The run's jupyterhub_config.py: the deployment's (DockerSpawner, the data volume, the admin
 * token service), on the run's network and image, with the run's container and volume names,
 * and DummyAuthenticator with a password nobody knows, whatever the config declares: the run
 * only uses the API token, and the hub's port must not let anyone in while it runs.
 * `cleanup_servers` keeps JupyterHub's default (a hub that stops stops its servers), so a hub
 * stopped half-way leaves no server running.
 */
export function testHubConfigPy(facts: Parameters<typeof jupyterhubConfigPy>[0], source: string, names: HubNames, prefix: string): string {
  const notebookDir = facts.image.volumes[0]!;
  return [
    jupyterhubConfigPy({ ...facts, hub: { ...facts.hub!, authenticator: 'dummy' } }, source, names).trimEnd(),
    '',
    '# nixlab test: the run\'s names for user containers and volumes, and no login.',
    `c.DockerSpawner.name_template = ${py(`${prefix}-user-{username}`)}`,
    `c.DockerSpawner.volumes = {${py(`${prefix}-user-{username}`)}: ${py(notebookDir)}}`,
    `c.DummyAuthenticator.password = os.environ[${py(NO_LOGIN_PASSWORD_VAR)}]`,
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A user's server as `GET /hub/api/users/NAME` shows it. */
interface UserModel {
  servers?: Record<string, { ready: boolean; pending: string | null }>;
}

/** The hub image: built from the config and loaded, or the engine's `<name>-hub:<tag>` with the same hub version. */
async function hubImage(ctx: HubTargetContext, work: string, version: string): Promise<{ reference: string; port: number; built: boolean; buildMs: number | null; loadMs: number | null }> {
  const { engine, image, source } = ctx;
  if (source) {
    const t0 = Date.now();
    // The hub for the single-user image's major.minor (its label: the declared one, else the one it was built with).
    const config = { ...source.config, hub: { ...source.config.hub!, version } };
    const built = await buildHubImage({ file: source.file, config, pkgs: ctx.pkgs, work, onStep: ctx.onStep, onLog: ctx.onLog, signal: ctx.signal });
    const problem = built.jupyterhubVersion === undefined ? undefined : hubVersionProblem(source.file, version, built.jupyterhubVersion, 'the hub image');
    if (problem) throw new UserError(problem);
    const buildMs = Date.now() - t0;
    ctx.onStep?.(`loading the hub image ${built.reference} into ${engine.host}`);
    const t1 = Date.now();
    await engine.loadImage(createReadStream(built.archive), { signal: ctx.signal });
    return { reference: built.reference, port: source.config.hub!.port, built: true, buildMs, loadMs: Date.now() - t1 };
  }
  const ref = image.reference;
  const at = ref?.lastIndexOf(':') ?? -1;
  const wanted = ref && at > 0 ? hubNames({ image: { name: ref.slice(0, at), tag: ref.slice(at + 1) } }).hubImage : undefined;
  const hint = 'test the config instead (`nixlab test CONFIG` builds the hub image), or load the hub image first with `nixlab hub CONFIG`';
  if (!wanted) throw new UserError({ where: image.source, message: 'is a JupyterHub single-user image without a name:tag, so its hub image cannot be found', hint });
  const found = await engine.inspectImage(wanted).catch(() => undefined);
  if (!found) throw new UserError({ where: image.source, message: `is a JupyterHub single-user image; its hub image ${wanted} is not in the engine at ${engine.host}`, hint });
  const hubVersion = found.Config?.Labels?.[HUB_LABEL];
  if (hubVersion !== version) throw new UserError({ where: wanted, message: `is the hub image for JupyterHub ${hubVersion ?? '(no label)'}, but the single-user image is for ${version}`, hint });
  const port = Number(Object.keys(found.Config?.ExposedPorts ?? {})[0]?.split('/')[0] ?? 8000);
  return { reference: wanted, port, built: false, buildMs: null, loadMs: null };
}

/** The single-user image behind a real hub. */
export async function testBehindHub(ctx: HubTargetContext): Promise<HubTargetResult> {
  const { engine, image } = ctx;
  const step = ctx.onStep ?? (() => undefined);
  const socket = socketOf(engine.host)!;
  const version = image.config.Labels?.[HUB_LABEL] ?? ctx.source?.config.hub?.version ?? undefined;
  if (!version) throw new UserError({ where: image.source, message: `runs ${SINGLE_USER_COMMAND} but has no ${HUB_LABEL} label, so the hub version is unknown`, hint: 'build it from a config with hub: { version: "…" } (nixlab build)' });
  const notebookDir = ctx.source?.config.image.volumes[0] ?? Object.keys(image.config.Volumes ?? {}).sort()[0];
  if (!notebookDir) throw new UserError({ where: image.source, message: 'is a single-user image without a volume for the notebooks', hint: 'declare image.volumes in its config' });

  const work = mkdtempSync(join(tmpdir(), 'nixlab-test-hub-'));
  const runId = randomBytes(6).toString('hex');
  const prefix = `nixlab-test-${runId}`;
  const labels = { [TEST_RESOURCE_LABEL]: runId };
  const user = `tester${randomBytes(3).toString('hex')}`;
  const names: HubNames = { singleUserImage: image.reference ?? image.id!, hubImage: '', network: `${prefix}-hub`, dataVolume: `${prefix}-hub-data` };
  const userContainer = `${prefix}-user-${user}`;
  const checks: CheckResult[] = [];
  const kernels: KernelReport[] = [];
  const hub: HubReport = { image: '', built: false, version, user, buildMs: null, loadMs: null, upMs: null };
  let serverUpMs: number | null = null;
  let firstKernelAnswer: number | null = null;
  let logTail: string[] = [];
  const made: { network?: string; volume?: string; hub?: string } = {};
  const logsOf = async (id: string, lines: number) => {
    const l = await engine.containerLogs(id, { tail: lines });
    return (l.stdout + l.stderr).split('\n').filter(Boolean).slice(-lines);
  };
  try {
    const hi = await hubImage(ctx, work, version);
    Object.assign(hub, { image: hi.reference, built: hi.built, buildMs: hi.buildMs, loadMs: hi.loadMs });
    names.hubImage = hi.reference;
    const facts = { hub: ctx.source?.config.hub ?? { version, authenticator: 'dummy' as const, admin: 'admin', port: hi.port }, image: { name: '', tag: '', volumes: [notebookDir] } };
    const configFile = join(work, 'jupyterhub_config.py');
    writeFileSync(configFile, testHubConfigPy(facts, basename(ctx.source?.file ?? image.source), names, prefix), { mode: 0o644 });

    // The run's admin token and (unused) login password: given to the hub container at its start, never written anywhere.
    const token = randomBytes(24).toString('hex');
    step(`starting the hub ${hi.reference} on a network of its own (${names.network})`);
    made.network = await engine.createNetwork({ Name: names.network, Labels: labels });
    made.volume = (await engine.createVolume({ Name: names.dataVolume, Labels: labels })).Name;
    const port = `${hi.port}/tcp`;
    made.hub = (
      await engine.createContainer(
        {
          Image: hi.reference,
          Env: [`${HUB_API_TOKEN_VAR}=${token}`, `${NO_LOGIN_PASSWORD_VAR}=${randomBytes(24).toString('hex')}`],
          Labels: labels,
          ExposedPorts: { [port]: {} },
          HostConfig: {
            NetworkMode: names.network,
            PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
            Mounts: [
              { Type: 'bind', Source: socket, Target: '/var/run/docker.sock' },
              { Type: 'bind', Source: configFile, Target: HUB_CONFIG_PATH, ReadOnly: true },
              { Type: 'volume', Source: made.volume, Target: HUB_DATA_DIR },
            ],
          },
          // User containers reach the hub by the service name the config gives them.
          NetworkingConfig: { EndpointsConfig: { [names.network]: { Aliases: [HUB_SERVICE] } } },
        },
        { name: `${prefix}-hub` },
      )
    ).id;
    await engine.startContainer(made.hub);
    const hostPort = (await engine.inspectContainer(made.hub)).NetworkSettings.Ports?.[port]?.[0]?.HostPort;
    if (!hostPort) throw new Error(`the engine published no host port for the hub's ${port}`);
    const url = `http://127.0.0.1:${hostPort}`;
    const hubId = made.hub;
    const hubGone = async () => {
      if (ctx.signal?.aborted) return 'interrupted';
      const s = (await engine.inspectContainer(hubId)).State;
      return s.Running ? undefined : `the hub container exited with code ${s.ExitCode}`;
    };

    const hubApi = new JupyterServer(`${url}/hub`, token);
    try {
      hub.upMs = await hubApi.waitUntilUp(ctx.serverTimeoutMs, hubGone);
      checks.push({ name: 'hub', ok: true, ms: hub.upMs, detail: `JupyterHub answers GET /hub/api through its proxy (${hi.reference})` });
    } catch (err) {
      checks.push({ name: 'hub', ok: false, ms: null, detail: withDeadline((err as Error).message, 'server', ctx.serverTimeoutMs) });
    }

    if (hub.upMs !== null) serverUpMs = await spawn(hubApi, user, checks, ctx, hubGone);
    const server = new JupyterServer(`${url}/user/${user}`, token);
    if (serverUpMs !== null) {
      await serverChecks(server, checks);
      let specs: Record<string, KernelspecInfo> = {};
      try {
        specs = await server.kernelspecs();
        checks.push(kernelspecCheck(specs, ctx.declared));
      } catch (err) {
        checks.push({ name: 'kernelspecs', ok: false, ms: null, detail: (err as Error).message });
      }
      const wanted = ctx.declared ?? Object.keys(specs).sort().map((name) => ({ name, kind: kindForLanguage(specs[name]?.spec.language) ?? '' }));
      for (const k of wanted) {
        ctx.signal?.throwIfAborted();
        step(`kernel ${k.name}: starting (behind the hub)`);
        const r = await testKernel(server, k, specs[k.name], ctx.kernelTimeoutMs, () => {
          firstKernelAnswer ??= ctx.elapsed();
        }, (lines) => logsOf(userContainer, lines));
        step(`kernel ${k.name}: ${r.ok ? 'ok' : 'FAILED'}`);
        kernels.push(r);
      }
      ctx.signal?.throwIfAborted();
      if (checks.some((c) => !c.ok) || kernels.some((k) => !k.ok)) logTail = await logsOf(userContainer, 30).catch(() => []);
      step('stopping the server');
      checks.push(await stopServer(hubApi, user, engine, userContainer));
    }
    if (!logTail.length && (checks.some((c) => !c.ok) || kernels.some((k) => !k.ok))) logTail = await logsOf(hubId, 30).catch(() => []);
  } finally {
    const left = await cleanUp(engine, made, prefix);
    rmSync(work, { recursive: true, force: true });
    // Reported as a check when the run got that far; otherwise the run's own error stands.
    checks.push(left.length ? { name: 'cleanup', ok: false, ms: null, detail: `could not remove ${left.join(', ')}` } : { name: 'cleanup', ok: true, ms: null, detail: 'removed the hub and user containers, their volumes and the network' });
  }
  return { kernels, checks, serverUpMs, firstKernelAnswer, logTail, hub };
}

/** Creates the user and starts their server with the admin token; the ms until the hub says it is ready, or null. */
async function spawn(hubApi: JupyterServer, user: string, checks: CheckResult[], ctx: HubTargetContext, hubGone: () => Promise<string | undefined>): Promise<number | null> {
  const name = 'spawn';
  try {
    const created = await hubApi.request(`/api/users/${user}`, { method: 'POST' });
    if (created.status !== 201) throw new Error(`POST /hub/api/users/${user} answered ${created.status}: ${created.text.slice(0, 200)}`);
    ctx.onStep?.(`spawning ${user}'s server`);
    const t0 = Date.now();
    const started = await hubApi.request(`/api/users/${user}/server`, { method: 'POST', timeoutMs: SPAWN_TIMEOUTS.startSeconds * 1000 });
    if (started.status !== 201 && started.status !== 202) throw new Error(`POST /hub/api/users/${user}/server answered ${started.status}: ${started.text.slice(0, 300)}`);
    // The hub's own limits (DockerSpawner's start and http timeouts) end a spawn before this does.
    const deadline = t0 + (SPAWN_TIMEOUTS.startSeconds + SPAWN_TIMEOUTS.httpSeconds) * 1000;
    while (Date.now() < deadline) {
      const model = await hubApi.json<UserModel>(`/api/users/${user}`);
      const s = model.servers?.[''];
      if (s?.ready) {
        const ms = Date.now() - t0;
        checks.push({ name, ok: true, ms, detail: `user ${user} created, their server ready after ${secs(ms)} (POST /hub/api/users/${user}/server)` });
        return ms;
      }
      if (!s) throw new Error(`the hub gave up on ${user}'s server (it is no longer pending; the hub's log says why)`);
      const why = await hubGone();
      if (why) throw new Error(why);
      await sleep(250);
    }
    throw new Error(`${user}'s server was not ready within ${secs(deadline - t0)}`);
  } catch (err) {
    checks.push({ name, ok: false, ms: null, detail: withDeadline((err as Error).message, 'server', ctx.serverTimeoutMs) });
    return null;
  }
}

/** `GET /user/NAME/api` and `/api/contents` through the proxy, with the admin token (scope access:servers). */
async function serverChecks(server: JupyterServer, checks: CheckResult[]): Promise<void> {
  try {
    const about = await server.json<{ version?: string }>('/api');
    checks.push({ name: 'server', ok: typeof about.version === 'string', ms: null, detail: `GET ${new URL(server.base).pathname}/api through the proxy: jupyter-server ${about.version ?? '(no version)'}` });
  } catch (err) {
    checks.push({ name: 'server', ok: false, ms: null, detail: (err as Error).message });
  }
  try {
    const contents = await server.json<{ type?: string; content?: unknown[] }>('/api/contents');
    const ok = contents.type === 'directory';
    checks.push({ name: 'contents', ok, ms: null, detail: ok ? `GET /api/contents: the notebook directory (${contents.content?.length ?? 0} entries)` : `GET /api/contents answered a ${contents.type ?? 'thing without a type'}, not a directory` });
  } catch (err) {
    checks.push({ name: 'contents', ok: false, ms: null, detail: (err as Error).message });
  }
}

/** Stops the user's server through the hub; passes when the hub has no server for them and their container is gone. */
async function stopServer(hubApi: JupyterServer, user: string, engine: DockerEngine, container: string): Promise<CheckResult> {
  const name = 'stop';
  const t0 = Date.now();
  try {
    const r = await hubApi.request(`/api/users/${user}/server`, { method: 'DELETE', timeoutMs: 60_000 });
    if (r.status !== 204 && r.status !== 202) throw new Error(`DELETE /hub/api/users/${user}/server answered ${r.status}: ${r.text.slice(0, 200)}`);
    const deadline = t0 + 60_000;
    let stopped = false;
    let gone = false;
    while (Date.now() < deadline && !(stopped && gone)) {
      stopped ||= !(await hubApi.json<UserModel>(`/api/users/${user}`)).servers?.[''];
      gone ||= (await engine.listContainers({ all: true, filters: { name: [`^/${container}$`] } })).length === 0;
      if (!(stopped && gone)) await sleep(250);
    }
    const ms = Date.now() - t0;
    if (!stopped || !gone) return { name, ok: false, ms, detail: `after ${secs(ms)}: ${stopped ? '' : 'the hub still lists the server; '}${gone ? '' : `its container ${container} is still there (DockerSpawner.remove)`}`.replace(/; $/, '') };
    return { name, ok: true, ms, detail: `DELETE /hub/api/users/${user}/server: stopped and its container removed after ${secs(ms)}` };
  } catch (err) {
    return { name, ok: false, ms: null, detail: (err as Error).message };
  }
}

/**
 * Removes everything of the run, the hub first (so that it spawns nothing more): its
 * container, the user containers and volumes DockerSpawner made (by the run's name prefix),
 * the data volume, the network. Returns what is left.
 */
async function cleanUp(engine: DockerEngine, made: { network?: string; volume?: string; hub?: string }, prefix: string): Promise<string[]> {
  const quiet = (p: Promise<unknown>) => p.catch((err: { status?: number }) => (err.status === 404 ? undefined : Promise.reject(err)));
  const errors: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await quiet(fn());
    } catch (err) {
      errors.push(`${what} (${(err as Error).message})`);
    }
  };
  if (made.hub) await attempt('the hub container', () => engine.removeContainer(made.hub!, { force: true, volumes: true }));
  for (const c of await engine.listContainers({ all: true, filters: { name: [`^/${prefix}-`] } }).catch(() => [])) {
    await attempt(`container ${c.Names[0]?.slice(1) ?? c.Id}`, () => engine.removeContainer(c.Id, { force: true, volumes: true }));
  }
  for (const v of (await engine.listVolumes().catch(() => [])).filter((v) => v.Name.startsWith(`${prefix}-`))) {
    await attempt(`volume ${v.Name}`, () => engine.removeVolume(v.Name, { force: true }));
  }
  if (made.network) await attempt(`network ${made.network}`, () => engine.removeNetwork(made.network!));
  return errors;
}
