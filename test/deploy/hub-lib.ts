// What the hub deployment tests share: `nixlab hub` on a copy of a config, the deployment
// brought up with docker-compose and reached through the hub's proxy on a free port, the admin
// API token in its .env, waiting for a user's server, and a cookie-keeping browser that posts the
// hub's forms with their XSRF token.
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SPAWN_TIMEOUTS } from '../../src/deploy/hub-files.js';
import { DockerEngine } from '../../src/engine/docker-api.js';
import { nixlab } from '../helpers/cli.js';
import { until } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-hub-'));
export const engine = new DockerEngine();
/** The admin API token every deployment of a test file gets (NIXLAB_HUB_API_TOKEN in its .env). */
export const TOKEN = randomBytes(24).toString('hex');

/** fetch with a timeout: a published port accepts and drops connections until the proxy listens. */
export function fetchT(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

/** A deployment made by `nixlab hub` from a copy of an example, and brought up. */
export interface Deployment {
  dir: string;
  port: number;
  url: string;
  /** What `nixlab hub` printed on stdout. */
  stdout: string;
  /** How long the hub took from `docker-compose up -d` to answering through its proxy (its normal start time here). */
  startMs: number;
  compose: (args: string[]) => Promise<string>;
  api: <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<{ status: number; body: T }>;
}

export async function deploy(example: string, name: string): Promise<Deployment> {
  const src = join(work, `${name}-src`);
  cpSync(resolve(example), src, { recursive: true });
  const dir = join(work, `${name}-deploy`);
  const r = await nixlab(['hub', src, '--pkgs', 'offline', '--out', dir, '-q']);
  if (r.exitCode !== 0) throw new Error(`nixlab hub failed (${r.exitCode}): ${r.stderr}`);
  const port = await freePort();
  // The token and the port go into .env, below nixlab's lines, as a user's CI would put them.
  writeFileSync(join(dir, '.env'), readFileSync(join(dir, '.env'), 'utf8') + `NIXLAB_HUB_PORT=${port}\nNIXLAB_HUB_API_TOKEN=${TOKEN}\n`);
  const compose = async (args: string[]): Promise<string> => String((await execa('docker-compose', args, { cwd: dir })).stdout);
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, opts: { method?: string; body?: unknown } = {}) => {
    const res = await fetchT(`${url}/hub/api${path}`, { method: opts.method ?? 'GET', headers: { Authorization: `token ${TOKEN}`, ...(opts.body ? { 'Content-Type': 'application/json' } : {}) }, body: opts.body ? JSON.stringify(opts.body) : undefined });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  const t0 = Date.now();
  await compose(['up', '-d']);
  try {
    await hubAnswers(url, 'the hub answers through its proxy', HUB_START_MS);
  } catch (e) {
    // Nothing is left running for the next test file; the hub's last lines say why.
    const logs = await compose(['logs', '--no-color', '--tail', '40']).catch(() => '');
    await compose(['down', '-v']).catch(() => undefined);
    throw new Error(`${(e as Error).message}\n${logs}`);
  }
  return { dir, port, url, stdout: r.stdout, startMs: Date.now() - t0, compose, api };
}

/** How long a hub may take to answer after `docker-compose up -d`: its Python alone took 60 s to start on a loaded 2-core CI machine. */
export const HUB_START_MS = 300_000;

/** Waits (up to `ms`) until the hub at `url` answers its API through the proxy. */
export async function hubAnswers(url: string, what: string, ms: number): Promise<void> {
  await until(what, ms, async () => ((await fetchT(`${url}/hub/api`).catch(() => undefined))?.status === 200 ? true : undefined), 500);
}

export interface UserModel {
  name: string;
  admin: boolean;
  servers: Record<string, { ready: boolean; pending: string | null }>;
}

/** Waits until `user`'s default server is ready; returns the ms it took. */
export async function waitReady(d: Deployment, user: string): Promise<number> {
  const t0 = Date.now();
  // DockerSpawner's own limits (start 180 s, then 120 s to answer): a loaded CI machine took over 120 s.
  await until(`${user}'s server is ready`, SPAWN_TIMEOUTS.startSeconds * 1000 + SPAWN_TIMEOUTS.httpSeconds * 1000, async () => ((await d.api<UserModel>(`/users/${user}`)).body.servers['']?.ready ? true : undefined), 250);
  return Date.now() - t0;
}

export async function containerOf(user: string): Promise<string[]> {
  return (await engine.listContainers({ all: true, filters: { name: [`jupyter-${user}`] } })).map((c) => c.State);
}

/** One HTTP request with node:http (fetch always sends `Sec-Fetch-Mode: cors`, and JupyterHub sets its XSRF cookie only for navigations). */
export function httpRequest(url: string, opts: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; setCookie: string[]; location?: string; text: string }> {
  return new Promise((ok, fail) => {
    const req = request(url, { method: opts.method, headers: { ...opts.headers, ...(opts.body ? { 'Content-Length': String(Buffer.byteLength(opts.body)) } : {}) }, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], location: res.headers.location, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method} ${url} timed out`)));
    req.on('error', fail);
    req.end(opts.body);
  });
}

/** A browser's cookies (by name and path, as RFC 6265 keeps them) and form posts with JupyterHub's XSRF token. */
export class Browser {
  private cookies = new Map<string, { name: string; path: string; value: string }>();
  constructor(readonly base: string) {}

  private store(setCookie: string[]): void {
    for (const c of setCookie) {
      const [pair, ...attrs] = c.split(';').map((p) => p.trim());
      const i = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, i), pair!.slice(i + 1)];
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
      const key = `${name} ${path}`;
      if (/expires=[^;]*1970/i.test(c) || /max-age=0/i.test(c) || value === '""' || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, path, value });
    }
  }

  /** The Cookie header for a URL path: matching paths, the longest first, one value per name. */
  private header(urlPath: string): string {
    const sent = new Map<string, string>();
    const matching = [...this.cookies.values()].filter((c) => urlPath.startsWith(c.path) || `${urlPath}/` === c.path).sort((a, b) => b.path.length - a.path.length);
    for (const c of matching) if (!sent.has(c.name)) sent.set(c.name, c.value);
    return [...sent].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** The _xsrf cookie the hub's forms need. */
  private xsrf(): string {
    return [...this.cookies.values()].filter((c) => c.name === '_xsrf').sort((a, b) => b.path.length - a.path.length)[0]?.value ?? '';
  }

  /**
   * What a page's scripts send to an API under `urlPath` (a user's server at /user/NAME/): the
   * cookies for it and, for requests that change something, the _xsrf cookie of that path as
   * X-XSRFToken (JupyterHub's check for cookie-authenticated requests).
   */
  credentials(urlPath: string): Record<string, string> {
    const xsrf = [...this.cookies.values()].filter((c) => c.name === '_xsrf' && urlPath.startsWith(c.path)).sort((a, b) => b.path.length - a.path.length)[0]?.value;
    return { Cookie: this.header(urlPath), ...(xsrf ? { 'X-XSRFToken': xsrf } : {}) };
  }

  /** GET (or a form POST) following redirects on this host: the last response and its URL. */
  async go(path: string, form?: Record<string, string>): Promise<{ status: number; url: string; text: string }> {
    let url = new URL(path, this.base).toString();
    let method = form ? 'POST' : 'GET';
    let body: string | undefined;
    if (form) body = new URLSearchParams({ ...form, _xsrf: this.xsrf() }).toString();
    for (let hop = 0; hop < 20; hop++) {
      const headers = { Cookie: this.header(new URL(url).pathname), Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate', ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) };
      const res = await httpRequest(url, { method, headers, body });
      this.store(res.setCookie);
      const loc = res.location;
      if (res.status >= 300 && res.status < 400 && loc) {
        url = new URL(loc, url).toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      return { status: res.status, url, text: res.text };
    }
    throw new Error(`too many redirects from ${path}`);
  }
}

/**
 * Brings the deployments down (volumes too) and removes what DockerSpawner left of `users`: their
 * containers and volumes (only theirs: another test file may have users on the same engine).
 */
export async function teardown(deployments: (Deployment | undefined)[], users: string[]): Promise<void> {
  for (const d of deployments) {
    if (!d) continue;
    await d.compose(['down', '-v']).catch(() => undefined);
  }
  for (const user of users.map(dockerSpawnerEscape)) {
    for (const c of await engine.listContainers({ all: true, filters: { name: [`^/jupyter-${user}$`] } })) await engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
    await engine.removeVolume(`jupyterhub-user-${user}`, { force: true }).catch(() => undefined);
  }
}

/** A user name as DockerSpawner puts it into container and volume names (escapism: a-z and 0-9 kept, any other byte as `-` and its hex). */
function dockerSpawnerEscape(name: string): string {
  return [...Buffer.from(name, 'utf8')].map((b) => (/[a-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `-${b.toString(16)}`)).join('');
}
