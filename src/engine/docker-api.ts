// A typed client of the Docker Engine API over DOCKER_HOST (unix socket, or a loopback TCP port),
// with node's http module: ping/version/info, images (list, inspect, tag, remove, load from a
// tar stream), containers (create … remove, logs), volumes and networks. It speaks the engine's
// API version, capped at the newest this client was written for. Never prints.
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { NixlabError } from '../errors.js';
import { parseDockerHost, type DockerEndpoint } from './docker-host.js';
import { EngineError, EngineStreamError, EngineTooOldError, EngineUnreachableError, isUnreachableCode } from './docker-errors.js';
import { demultiplex, jsonLines, type Frame, type JsonMessage } from './docker-stream.js';
import type {
  ContainerCreateSpec,
  ContainerInspect,
  ContainerSummary,
  EndpointSettings,
  EngineInfo,
  EngineVersion,
  Filters,
  ImageDeleteItem,
  ImageInspect,
  ImageSummary,
  NetworkCreateSpec,
  NetworkInfo,
  VolumeCreateSpec,
  VolumeInfo,
  WaitResult,
} from './docker-types.js';

export * from './docker-types.js';
export { EngineError, EngineStreamError, EngineTooOldError, EngineUnreachableError } from './docker-errors.js';
export { parseDockerHost, DEFAULT_DOCKER_HOST, type DockerEndpoint } from './docker-host.js';
export { demultiplex, jsonLines, type Frame, type JsonMessage, type StreamName } from './docker-stream.js';

/** The newest API version this client is written for (Docker 24); newer engines are asked for it. */
export const MAX_API_VERSION = '1.43';
/** The oldest it accepts (Docker 19.03): `Mounts`, wait conditions and health checks are all there. */
export const MIN_API_VERSION = '1.40';

/** -1, 0 or 1 as API version a is older than, the same as, or newer than b (`1.41` < `1.43`). */
export function compareApiVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Query parameters; objects (filters) are sent as JSON, undefined ones are left out. */
type Query = Record<string, string | number | boolean | Filters | undefined>;

interface RequestOptions {
  query?: Query;
  /** A JSON body. */
  json?: unknown;
  /** A streamed body (consumed, and destroyed if the engine answers before it ends). */
  body?: Readable;
  contentType?: string;
  /** Prefix the path with `/v<api version>` (default true). */
  versioned?: boolean;
  /** Statuses ≥ 300 that are not errors here (e.g. 304 "already started"). */
  accept?: number[];
  /** Give up (EngineError) if the answer has not finished within this many milliseconds. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A response whose status was fine, and the path it answered (for error messages). */
interface Answer {
  res: IncomingMessage;
  fullPath: string;
}

/** An error while reading an answer's body, as an EngineError unless it is one (or an abort). */
function wrapStreamError(method: string, fullPath: string, err: unknown): Error {
  if (err instanceof NixlabError || (err instanceof Error && err.name === 'AbortError')) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError(method, fullPath, undefined, `the connection broke while reading the answer: ${message}`, { cause: err });
}

/** What `loadImage` reports as the engine goes. */
export type LoadProgress = JsonMessage;

/** The result of `loadImage`. */
export interface LoadResult {
  /** What the engine loaded: `name:tag` per tag in the manifest, else `sha256:…` image IDs. */
  loaded: string[];
  /** Every message of the progress stream, in order. */
  messages: JsonMessage[];
}

/** Decoded output of a container. */
export interface ContainerLogs {
  stdout: string;
  stderr: string;
}

export interface DockerEngineOptions {
  /** DOCKER_HOST value (default: the DOCKER_HOST environment variable, else the default socket). */
  host?: string;
  /** Timeout of `ping` in milliseconds (default 5000). */
  pingTimeoutMs?: number;
}

/** `name` of an image reference in a URL path: `/` and `:` stay as the engine's router expects. */
function refPath(ref: string): string {
  return encodeURIComponent(ref).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    params.set(k, typeof v === 'object' ? JSON.stringify(v) : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function readAll(res: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The engine's error message from an error body (`{"message": …}`), else the body's text. */
function engineMessage(body: Buffer, status: number): string {
  const text = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: use the text
  }
  return text || `HTTP ${status} without a message`;
}

/** A Docker engine at one address. Requests negotiate the API version on first use. */
export class DockerEngine {
  readonly endpoint: DockerEndpoint;
  private readonly pingTimeoutMs: number;
  private negotiated: Promise<string> | undefined;

  constructor(options: DockerEngineOptions = {}) {
    this.endpoint = parseDockerHost(options.host ?? process.env.DOCKER_HOST);
    this.pingTimeoutMs = options.pingTimeoutMs ?? 5000;
  }

  /** The DOCKER_HOST value this engine is reached at. */
  get host(): string {
    return this.endpoint.url;
  }

  // ---- transport -------------------------------------------------------------------------

  /** The API version requests use: the engine's, at most MAX_API_VERSION. */
  apiVersion(): Promise<string> {
    if (!this.negotiated) {
      this.negotiated = this.version().then((v) => {
        if (compareApiVersions(v.ApiVersion, MIN_API_VERSION) < 0) {
          throw new EngineTooOldError(this.host, v.ApiVersion, MIN_API_VERSION);
        }
        return compareApiVersions(v.ApiVersion, MAX_API_VERSION) < 0 ? v.ApiVersion : MAX_API_VERSION;
      });
      // A failed negotiation (no engine yet) is retried by the next request.
      this.negotiated.catch(() => (this.negotiated = undefined));
    }
    return this.negotiated;
  }

  /** Sends one request; resolves with the response once its status is known to be fine. */
  private async send(method: string, path: string, opts: RequestOptions = {}): Promise<Answer> {
    const prefix = opts.versioned === false ? '' : `/v${await this.apiVersion()}`;
    const fullPath = `${prefix}${path}${queryString(opts.query)}`;
    const headers: OutgoingHttpHeaders = { Host: 'docker' };
    let payload: Buffer | undefined;
    if (opts.json !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.json));
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    } else if (opts.body) {
      headers['Content-Type'] = opts.contentType ?? 'application/octet-stream';
      headers['Transfer-Encoding'] = 'chunked';
    }
    const ep = this.endpoint;
    const target = ep.kind === 'unix' ? { socketPath: ep.socketPath } : { host: ep.host, port: ep.port };
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      let sourceError: Error | undefined;
      let response: IncomingMessage | undefined;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        opts.body?.destroy();
        reject(err);
      };
      // agent: false → one connection per request, closed after it (no idle sockets left open).
      const req = httpRequest({ ...target, method, path: fullPath, headers, agent: false, signal: opts.signal });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // Once the engine has answered, its answer decides (a refused upload also breaks the
        // pipe: the engine's message is what counts); reading the body reports later failures.
        if (response && !sourceError) return;
        if (sourceError) fail(sourceError);
        else if (err.name === 'AbortError' || err instanceof EngineError) fail(err);
        else if (isUnreachableCode(err.code)) fail(new EngineUnreachableError(this.host, err.code!, { cause: err }));
        else fail(new EngineError(method, fullPath, undefined, err.message, { cause: err }));
      });
      if (opts.timeoutMs !== undefined) {
        const ms = opts.timeoutMs;
        const timer = setTimeout(() => {
          const err = new EngineError(method, fullPath, undefined, `no answer within ${ms / 1000}s`);
          // Before the headers this fails the request; after them, the body's reader.
          response?.destroy(err);
          req.destroy(err);
        }, ms);
        req.on('close', () => clearTimeout(timer));
      }
      req.on('response', (res) => {
        response = res;
        const status = res.statusCode ?? 0;
        if (status < 300 || opts.accept?.includes(status)) {
          settled = true;
          resolve({ res, fullPath });
          return;
        }
        // The engine refused: stop sending, read its message.
        if (opts.body) opts.body.unpipe(req);
        readAll(res).then(
          (body) => fail(new EngineError(method, fullPath, status, engineMessage(body, status))),
          (err: Error) => fail(new EngineError(method, fullPath, status, err.message, { cause: err })),
        );
      });
      if (payload) req.end(payload);
      else if (opts.body) {
        opts.body.on('error', (err) => {
          sourceError = err;
          req.destroy(err);
        });
        opts.body.pipe(req);
      } else req.end();
    });
  }

  /** Reads a whole answer; a connection that breaks meanwhile is an EngineError. */
  private async body(method: string, answer: Answer): Promise<Buffer> {
    try {
      return await readAll(answer.res);
    } catch (err) {
      throw wrapStreamError(method, answer.fullPath, err);
    }
  }

  /** A request whose answer is JSON (or empty: undefined). */
  private async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const answer = await this.send(method, path, opts);
    const body = await this.body(method, answer);
    if (body.length === 0) return undefined as T;
    try {
      return JSON.parse(body.toString('utf8')) as T;
    } catch {
      throw new EngineError(method, answer.fullPath, answer.res.statusCode, `the answer is not JSON: ${body.toString('utf8').slice(0, 200)}`);
    }
  }

  /** A request whose answer is not needed (drained). */
  private async call(method: string, path: string, opts: RequestOptions = {}): Promise<number> {
    const answer = await this.send(method, path, opts);
    await this.body(method, answer);
    return answer.res.statusCode ?? 0;
  }

  // ---- system ----------------------------------------------------------------------------

  /** `GET /_ping`: resolves with the engine's API version header when it answers "OK". */
  async ping(): Promise<{ apiVersion: string | undefined }> {
    const answer = await this.send('GET', '/_ping', { versioned: false, timeoutMs: this.pingTimeoutMs });
    const body = (await this.body('GET', answer)).toString('utf8');
    if (body !== 'OK') throw new EngineError('GET', '/_ping', answer.res.statusCode, `unexpected answer ${JSON.stringify(body.slice(0, 100))}`);
    const v = answer.res.headers['api-version'];
    return { apiVersion: Array.isArray(v) ? v[0] : v };
  }

  /** `GET /version` (unversioned: it is how the version is negotiated). */
  version(): Promise<EngineVersion> {
    return this.json<EngineVersion>('GET', '/version', { versioned: false, timeoutMs: this.pingTimeoutMs });
  }

  /** `GET /info`: storage driver, cgroup driver, counts. */
  info(): Promise<EngineInfo> {
    return this.json<EngineInfo>('GET', '/info');
  }

  // ---- images ----------------------------------------------------------------------------

  /** `GET /images/json`. */
  listImages(opts: { all?: boolean; filters?: Filters } = {}): Promise<ImageSummary[]> {
    return this.json('GET', '/images/json', { query: { all: opts.all, filters: opts.filters } });
  }

  /** `GET /images/{ref}/json`: config, diff_ids (`RootFS.Layers`), size. 404 when absent. */
  inspectImage(ref: string): Promise<ImageInspect> {
    return this.json('GET', `/images/${refPath(ref)}/json`);
  }

  /** `POST /images/{source}/tag`: adds `repo:tag` to an image. */
  async tagImage(source: string, repo: string, tag: string): Promise<void> {
    await this.call('POST', `/images/${refPath(source)}/tag`, { query: { repo, tag } });
  }

  /** `DELETE /images/{ref}`: untags, and deletes the image when no tag is left. */
  removeImage(ref: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.json('DELETE', `/images/${refPath(ref)}`, { query: { force: opts.force, noprune: opts.noprune } });
  }

  /**
   * `POST /images/load`: streams a docker-archive tar to the engine and follows its progress
   * (`quiet` off). An error in the stream (a bad layer, a missing file) is thrown as
   * EngineStreamError with the engine's message.
   */
  async loadImage(tar: Readable, opts: { onProgress?: (msg: LoadProgress) => void; signal?: AbortSignal } = {}): Promise<LoadResult> {
    const { res, fullPath } = await this.send('POST', '/images/load', {
      query: { quiet: false },
      body: tar,
      contentType: 'application/x-tar',
      signal: opts.signal,
    });
    const messages: JsonMessage[] = [];
    const loaded: string[] = [];
    const bad = (line: string) => new EngineStreamError('POST', fullPath, `unexpected line in the progress stream: ${line}`);
    let failure: string | undefined;
    try {
      for await (const msg of jsonLines(res, bad)) {
        messages.push(msg);
        opts.onProgress?.(msg);
        if (msg.error !== undefined || msg.errorDetail?.message !== undefined) {
          failure ??= msg.errorDetail?.message ?? msg.error;
          continue;
        }
        const m = /^Loaded image(?: ID)?: (\S+)/.exec(msg.stream ?? '');
        if (m) loaded.push(m[1]);
      }
    } catch (err) {
      throw wrapStreamError('POST', fullPath, err);
    }
    if (failure !== undefined) throw new EngineStreamError('POST', fullPath, failure);
    return { loaded, messages };
  }

  // ---- containers ------------------------------------------------------------------------

  /** `POST /containers/create`: returns the new container's ID. */
  async createContainer(spec: ContainerCreateSpec, opts: { name?: string } = {}): Promise<{ id: string; warnings: string[] }> {
    const r = await this.json<{ Id: string; Warnings: string[] | null }>('POST', '/containers/create', {
      query: { name: opts.name },
      json: spec,
    });
    return { id: r.Id, warnings: r.Warnings ?? [] };
  }

  /** `POST /containers/{id}/start` (already running is fine). */
  async startContainer(id: string): Promise<void> {
    await this.call('POST', `/containers/${refPath(id)}/start`, { accept: [304] });
  }

  /**
   * `POST /containers/{id}/wait`: resolves with the exit code once the container is not
   * running (`condition` `next-exit` waits for the next exit even if it is stopped now).
   */
  waitContainer(
    id: string,
    opts: { condition?: 'not-running' | 'next-exit' | 'removed'; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<WaitResult> {
    return this.json('POST', `/containers/${refPath(id)}/wait`, {
      query: { condition: opts.condition ?? 'not-running' },
      timeoutMs: opts.timeoutMs,
      signal: opts.signal,
    });
  }

  /** `POST /containers/{id}/stop`: SIGTERM (or the StopSignal), SIGKILL after `timeoutSeconds`. */
  async stopContainer(id: string, opts: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.call('POST', `/containers/${refPath(id)}/stop`, { query: { t: opts.timeoutSeconds }, accept: [304] });
  }

  /** `POST /containers/{id}/restart`. */
  async restartContainer(id: string, opts: { timeoutSeconds?: number } = {}): Promise<void> {
    await this.call('POST', `/containers/${refPath(id)}/restart`, { query: { t: opts.timeoutSeconds } });
  }

  /** `POST /containers/{id}/kill`. */
  async killContainer(id: string, opts: { signal?: string } = {}): Promise<void> {
    await this.call('POST', `/containers/${refPath(id)}/kill`, { query: { signal: opts.signal } });
  }

  /** `GET /containers/{id}/json`: state (exit code, health, times), config, mounts, ports. */
  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.json('GET', `/containers/${refPath(id)}/json`);
  }

  /** `GET /containers/json`. */
  listContainers(opts: { all?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    return this.json('GET', '/containers/json', { query: { all: opts.all, filters: opts.filters } });
  }

  /**
   * `GET /containers/{id}/logs?follow=…`: the output frames as they come (`follow`) or up to now.
   * A TTY container's output is one raw stream: its chunks come as `stdout`.
   */
  async *streamLogs(
    id: string,
    opts: { follow?: boolean; stdout?: boolean; stderr?: boolean; tail?: number; since?: number; signal?: AbortSignal; tty?: boolean } = {},
  ): AsyncGenerator<Frame> {
    const tty = opts.tty ?? (await this.inspectContainer(id)).Config.Tty;
    const { res, fullPath } = await this.send('GET', `/containers/${refPath(id)}/logs`, {
      query: {
        follow: opts.follow ?? false,
        stdout: opts.stdout ?? true,
        stderr: opts.stderr ?? true,
        tail: opts.tail === undefined ? 'all' : opts.tail,
        since: opts.since,
      },
      signal: opts.signal,
    });
    try {
      if (tty) {
        for await (const data of res as AsyncIterable<Buffer>) yield { stream: 'stdout', data };
        return;
      }
      for await (const frame of demultiplex(res, (reason) => new EngineStreamError('GET', fullPath, reason))) {
        if (frame.stream === 'system') throw new EngineStreamError('GET', fullPath, frame.data.toString('utf8'));
        yield frame;
      }
    } catch (err) {
      throw wrapStreamError('GET', fullPath, err);
    } finally {
      // A consumer that stops early (break) closes the connection, which ends a follow.
      res.destroy();
    }
  }

  /** The container's output so far, stdout and stderr apart (UTF-8). */
  async containerLogs(id: string, opts: { tail?: number } = {}): Promise<ContainerLogs> {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    for await (const frame of this.streamLogs(id, { tail: opts.tail })) {
      (frame.stream === 'stderr' ? err : out).push(frame.data);
    }
    return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  /** `DELETE /containers/{id}` (`force` kills a running one, `volumes` removes its anonymous volumes). */
  async removeContainer(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.call('DELETE', `/containers/${refPath(id)}`, { query: { force: opts.force, v: opts.volumes } });
  }

  // ---- volumes ---------------------------------------------------------------------------

  /** `POST /volumes/create`. */
  createVolume(spec: VolumeCreateSpec = {}): Promise<VolumeInfo> {
    return this.json('POST', '/volumes/create', { json: spec });
  }

  /** `DELETE /volumes/{name}`. */
  async removeVolume(name: string, opts: { force?: boolean } = {}): Promise<void> {
    await this.call('DELETE', `/volumes/${refPath(name)}`, { query: { force: opts.force } });
  }

  /** `GET /volumes`. */
  async listVolumes(opts: { filters?: Filters } = {}): Promise<VolumeInfo[]> {
    const r = await this.json<{ Volumes: VolumeInfo[] | null }>('GET', '/volumes', { query: { filters: opts.filters } });
    return r.Volumes ?? [];
  }

  // ---- networks --------------------------------------------------------------------------

  /** `POST /networks/create`: returns the network's ID. */
  async createNetwork(spec: NetworkCreateSpec): Promise<string> {
    const r = await this.json<{ Id: string }>('POST', '/networks/create', { json: { CheckDuplicate: true, ...spec } });
    return r.Id;
  }

  /** `GET /networks/{id}`. */
  inspectNetwork(id: string): Promise<NetworkInfo> {
    return this.json('GET', `/networks/${refPath(id)}`);
  }

  /** `GET /networks`. */
  listNetworks(opts: { filters?: Filters } = {}): Promise<NetworkInfo[]> {
    return this.json('GET', '/networks', { query: { filters: opts.filters } });
  }

  /** `POST /networks/{id}/connect`: attaches a container (with aliases other members resolve). */
  async connectNetwork(network: string, container: string, endpoint: EndpointSettings = {}): Promise<void> {
    await this.call('POST', `/networks/${refPath(network)}/connect`, { json: { Container: container, EndpointConfig: endpoint } });
  }

  /** `DELETE /networks/{id}`. */
  async removeNetwork(id: string): Promise<void> {
    await this.call('DELETE', `/networks/${refPath(id)}`);
  }
}
