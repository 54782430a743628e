// A client of the OCI distribution API (the registry HTTP API v2) on node's http/https: the
// destination reference, credentials (docker config or environment, never printed), the
// Bearer/Basic challenge, and typed errors that name the registry and the step.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { NixlabError, UserError } from '../errors.js';

/** `docker://REGISTRY/REPO:TAG` parsed. */
export interface RegistryRef {
  /** host[:port] */
  registry: string;
  repository: string;
  tag: string;
}

const REPO = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HOST = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/;

/** Parses `docker://REGISTRY/REPO[:TAG]` (the registry part is required; the tag defaults to latest). */
export function parseRegistryRef(text: string): RegistryRef {
  const hint = 'write the destination as docker://REGISTRY/REPOSITORY:TAG, e.g. docker://127.0.0.1:5000/nixlab-demo:latest';
  const m = /^docker:\/\/([^/]+)\/(.+)$/.exec(text);
  if (!m) throw new UserError({ where: text, message: 'is not a docker:// registry reference', hint });
  const [, registry, rest] = m as unknown as [string, string, string];
  const colon = rest.lastIndexOf(':');
  const repository = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon > rest.lastIndexOf('/') && colon >= 0 ? rest.slice(colon + 1) : 'latest';
  if (!HOST.test(registry)) throw new UserError({ where: text, message: `the registry "${registry}" is not a host[:port]`, hint });
  if (!REPO.test(repository)) throw new UserError({ where: text, message: `the repository "${repository}" is not valid (lowercase letters, digits, separators . _ - and /)`, hint });
  if (!TAG.test(tag)) throw new UserError({ where: text, message: `the tag "${tag}" is not valid ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`, hint });
  return { registry, repository, tag };
}

/** What a push does, in order: named in every error. */
export type PushStep = 'connect' | 'authenticate' | 'check blob' | 'mount blob' | 'upload blob' | 'upload config' | 'upload manifest';

/** The registry failed or refused a step. Exit code 1; the registry's own message is kept. */
export class RegistryError extends NixlabError {
  readonly exitCode = 1;
  constructor(
    readonly registry: string,
    readonly step: PushStep,
    readonly status: number | undefined,
    message: string,
    options: { cause?: unknown; suggestions?: string[] } = {},
  ) {
    super(`registry ${registry}: ${step} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`, options);
  }
}

/** Where credentials came from, as errors name it. */
function originText(c: Credentials | null): string {
  if (!c) return 'nowhere';
  if (c.from === 'env') return `$${USER_ENV}/$${PASSWORD_ENV}`;
  if (c.from === 'credential-helper') return `the credential helper docker-credential-${c.helper}`;
  return 'the docker config';
}

/** The registry refused the credentials (or needs some): the user's to fix. Exit code 2. */
export class RegistryAuthError extends UserError {
  constructor(
    readonly registry: string,
    readonly step: PushStep,
    had: Credentials | null,
  ) {
    super({
      where: `registry ${registry} (${step})`,
      message: had === null ? 'asks for credentials (HTTP 401) and none are configured' : `refused the credentials from ${originText(had)} (HTTP 401)`,
      hint: `run \`docker login ${registry}\` (writes ~/.docker/config.json, or $DOCKER_CONFIG/config.json, or the configured credential helper), or set ${USER_ENV} and ${PASSWORD_ENV}`,
    });
  }
}

/** A docker credential helper (credsStore / credHelpers) is missing or failed. Exit code 2. */
export class CredentialHelperError extends UserError {
  constructor(
    readonly helper: string,
    readonly registry: string,
    message: string,
    hint: string,
  ) {
    super({ where: `credential helper docker-credential-${helper} for registry ${registry}`, message, hint });
  }
}

/** The environment variables that give credentials (they win over the docker config). */
export const USER_ENV = 'NIXLAB_REGISTRY_USERNAME';
export const PASSWORD_ENV = 'NIXLAB_REGISTRY_PASSWORD';

/** Credentials for one registry, and where they came from. */
export interface Credentials {
  username: string;
  password: string;
  from: 'docker-config' | 'env' | 'credential-helper';
  /** The helper's name (`pass` for docker-credential-pass), when from a credential helper. */
  helper?: string;
  /** An identity token (OAuth2 refresh token) instead of a password: the helper said Username `<token>`. */
  identityToken?: string;
}

/** The helper names docker accepts: the suffix of an executable `docker-credential-NAME`. */
const HELPER = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Asks a docker credential helper (docker-credential-helpers' protocol): runs
 * `docker-credential-NAME get` with the server address on stdin; it prints
 * {"ServerURL","Username","Secret"}, or exits non-zero saying "credentials not found" (null here).
 * Username `<token>` means Secret is an identity token. Its output is never shown: an error
 * keeps only the helper's first line of complaint, cut short.
 */
export function helperCredentials(helper: string, registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | null {
  if (!HELPER.test(helper)) throw new CredentialHelperError(helper, registry, 'is not a valid helper name', 'credsStore and credHelpers name the suffix of docker-credential-NAME, e.g. "pass"');
  const bin = `docker-credential-${helper}`;
  const r = spawnSync(bin, ['get'], { input: registry, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 20 });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CredentialHelperError(helper, registry, `${bin} is not on PATH`, `install it (Debian: golang-docker-credential-helpers has docker-credential-pass and -secretservice), or remove "${helper}" from credsStore/credHelpers in the docker config`);
    throw new CredentialHelperError(helper, registry, `${bin} could not run: ${code ?? r.error.message}`, 'check the helper works: echo REGISTRY | ' + bin + ' get');
  }
  const said = `${r.stdout ?? ''}\n${r.stderr ?? ''}`;
  if (r.status !== 0) {
    if (/credentials not found/i.test(said)) return null;
    const first = (said.split('\n').find((l) => l.trim()) ?? '').trim().slice(0, 200);
    throw new CredentialHelperError(helper, registry, `${bin} get failed (exit ${r.status ?? r.signal})${first ? `: ${first}` : ''}`, `check the helper's store (for pass: the gpg key and \`pass\`), or log in again: docker login ${registry}`);
  }
  let j: { Username?: unknown; Secret?: unknown };
  try {
    j = JSON.parse(r.stdout) as typeof j;
  } catch {
    throw new CredentialHelperError(helper, registry, `${bin} get printed no JSON`, 'a credential helper prints {"ServerURL","Username","Secret"}; check its version');
  }
  if (typeof j.Username !== 'string' || typeof j.Secret !== 'string') throw new CredentialHelperError(helper, registry, `${bin} get printed no Username and Secret`, 'log in again: docker login ' + registry);
  // docker-credential-helpers before 0.7 answer an unknown server with empty strings and exit 0.
  if (j.Username === '' && j.Secret === '') return null;
  if (j.Username === '<token>') return { username: '', password: '', identityToken: j.Secret, from: 'credential-helper', helper };
  return { username: j.Username, password: j.Secret, from: 'credential-helper', helper };
}

/** A docker config key as the host it names (`https://host/v1/` → `host`). */
const hostOf = (key: string) => key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');

/**
 * The credentials for `registry`: the environment; else, from $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json, the helper `credHelpers` names for it, else `credsStore`'s (as docker's
 * configfile does), and when the helper has none, the `auths` entry.
 */
export function credentialsFor(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | null {
  if (env[USER_ENV] && env[PASSWORD_ENV] !== undefined) return { username: env[USER_ENV]!, password: env[PASSWORD_ENV]!, from: 'env' };
  const file = join(env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'), 'config.json');
  let config: { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>; credsStore?: unknown; credHelpers?: Record<string, unknown> };
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
  } catch {
    return null;
  }
  const helpers = Object.entries(config.credHelpers ?? {}).filter(([k, v]) => hostOf(k) === registry && typeof v === 'string' && v);
  const helper = helpers.length ? (helpers[0]![1] as string) : typeof config.credsStore === 'string' && config.credsStore ? config.credsStore : null;
  if (helper) {
    const c = helperCredentials(helper, registry, env);
    if (c) return c;
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (hostOf(key) !== registry) continue;
    if (entry.identitytoken) return { username: '', password: '', identityToken: entry.identitytoken, from: 'docker-config' };
    if (entry.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const i = text.indexOf(':');
      if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1), from: 'docker-config' };
    }
    if (entry.username && entry.password !== undefined) return { username: entry.username, password: entry.password, from: 'docker-config' };
  }
  return null;
}

/** One answer of the registry. */
export interface RegistryResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request body: bytes, or a stream of known length. */
export type Body = Buffer | { stream: () => Readable; length: number };

export interface RegistryClientOptions {
  /** Verify TLS certificates (default true). false also allows plain HTTP, as skopeo does. */
  tlsVerify?: boolean;
  credentials?: Credentials | null;
  signal?: AbortSignal;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EADDRNOTAVAIL']);

/** The registry API of one registry, for one repository's scopes. */
export class RegistryClient {
  private scheme: 'https' | 'http' = 'https';
  private authorization: string | null = null;
  readonly tlsVerify: boolean;

  constructor(
    readonly registry: string,
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.tlsVerify = opts.tlsVerify ?? true;
  }

  /** `GET /v2/`: finds the scheme (https; http too without TLS verification) and whether credentials are needed. */
  async connect(): Promise<void> {
    try {
      await this.raw('GET', '/v2/');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      // A plain-HTTP registry answers a TLS hello with garbage: retry over HTTP, only when TLS
      // verification is off (skopeo's --tls-verify=false does the same).
      if (!this.tlsVerify && !CONNECT_CODES.has(code)) {
        this.scheme = 'http';
        try {
          await this.raw('GET', '/v2/');
          return;
        } catch (again) {
          throw this.unreachable(again);
        }
      }
      throw this.unreachable(error);
    }
  }

  private unreachable(error: unknown): RegistryError {
    const e = error as NodeJS.ErrnoException;
    const tls = /certificate|self[- ]signed|SSL|TLS|wrong version|EPROTO/i.test(`${e.code} ${e.message}`);
    return new RegistryError(this.registry, 'connect', undefined, `${tls ? 'TLS failed' : 'cannot reach it'}: ${e.code ?? ''} ${e.message}`.trim(), {
      cause: error,
      suggestions: tls ? ['for a local registry without TLS or with a self-signed certificate, add --tls-verify=false'] : ['check the host and port, and that the registry is running'],
    });
  }

  /** A request on `path`, authenticating once on a 401 challenge. */
  async request(step: PushStep, method: string, path: string, opts: { body?: Body; headers?: Record<string, string>; scope: string }): Promise<RegistryResponse> {
    let r = await this.send(step, method, path, opts);
    if (r.status === 401) {
      await this.authenticate(step, String(r.headers['www-authenticate'] ?? ''), opts.scope);
      r = await this.send(step, method, path, opts);
      if (r.status === 401) throw new RegistryAuthError(this.registry, step, this.opts.credentials ?? null);
    }
    return r;
  }

  private async send(step: PushStep, method: string, path: string, opts: { body?: Body; headers?: Record<string, string> }): Promise<RegistryResponse> {
    try {
      return await this.raw(method, path, opts.body, opts.headers);
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new RegistryError(this.registry, step, undefined, `${method} ${path.replace(/\?.*$/, '')}: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Answers a `WWW-Authenticate` challenge: Bearer (token endpoint, with Basic credentials if any) or Basic. */
  private async authenticate(step: PushStep, challenge: string, scope: string): Promise<void> {
    const creds = this.opts.credentials ?? null;
    const basic = creds && !creds.identityToken ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null;
    if (/^Basic/i.test(challenge)) {
      if (creds?.identityToken) throw new RegistryError(this.registry, 'authenticate', 401, `asks for Basic credentials, but ${originText(creds)} gives an identity token (which only a Bearer token service takes)`, { suggestions: [`run \`docker login ${this.registry}\` with a username and password`] });
      if (!basic) throw new RegistryAuthError(this.registry, step, null);
      this.authorization = basic;
      return;
    }
    if (!/^Bearer/i.test(challenge)) throw new RegistryError(this.registry, step, 401, `answered 401 with an unknown challenge: ${challenge.slice(0, 100)}`);
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (!params.realm) throw new RegistryError(this.registry, 'authenticate', 401, 'the Bearer challenge names no realm');
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', scope);
    let r: RegistryResponse;
    try {
      if (creds?.identityToken) {
        // docker's OAuth2 flow for an identity token (distribution's docs/spec/auth/oauth.md): POST
        // grant_type=refresh_token to the realm.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, client_id: 'nixlab', scope });
        if (params.service) form.set('service', params.service);
        r = await fetchUrl(new URL(params.realm), 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, Buffer.from(form.toString()), this.tlsVerify, this.opts.signal);
      } else r = await fetchUrl(url, 'GET', basic ? { authorization: basic } : {}, undefined, this.tlsVerify, this.opts.signal);
    } catch (error) {
      throw new RegistryError(this.registry, 'authenticate', undefined, `the token service ${url.origin} cannot be reached: ${(error as Error).message}`, { cause: error });
    }
    if (r.status === 401 || r.status === 403) throw new RegistryAuthError(this.registry, step, creds);
    if (r.status !== 200) throw new RegistryError(this.registry, 'authenticate', r.status, `the token service ${url.origin} answered ${r.status}`);
    const token = (JSON.parse(r.body.toString('utf8')) as { token?: string; access_token?: string }) ?? {};
    const value = token.token ?? token.access_token;
    if (!value) throw new RegistryError(this.registry, 'authenticate', r.status, 'the token service returned no token');
    this.authorization = `Bearer ${value}`;
  }

  /** The URL of a path or of a Location header (absolute or relative). */
  url(pathOrLocation: string): URL {
    return new URL(pathOrLocation, `${this.scheme}://${this.registry}`);
  }

  private raw(method: string, path: string, body?: Body, headers: Record<string, string> = {}): Promise<RegistryResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.authorization) h.authorization = this.authorization;
    return fetchUrl(this.url(path), method, h, body, this.tlsVerify, this.opts.signal);
  }
}

/** One HTTP(S) request; the whole answer body is read (registry answers are small). */
function fetchUrl(url: URL, method: string, headers: Record<string, string>, body: Body | undefined, tlsVerify: boolean, signal?: AbortSignal): Promise<RegistryResponse> {
  return new Promise((resolve, reject) => {
    const length = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.length;
    const lib = url.protocol === 'http:' ? http : https;
    const req = lib.request(
      url,
      { method, headers: { ...headers, 'content-length': String(length), 'user-agent': 'nixlab' }, rejectUnauthorized: tlsVerify, signal, agent: false },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const s = body.stream();
      s.on('error', (e) => req.destroy(e));
      s.pipe(req);
    }
  });
}

/** The registry's own error text from an error body (`{"errors":[{"code","message"}]}`). */
export function registryMessage(r: RegistryResponse): string {
  try {
    const j = JSON.parse(r.body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[] };
    if (j.errors?.length) return j.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
  } catch {
    // not JSON
  }
  return r.body.toString('utf8').trim().slice(0, 300) || `HTTP ${r.status}`;
}
