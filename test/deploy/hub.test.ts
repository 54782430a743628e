// `nixlab hub` for real: both images built offline (real nix-build, real pack), loaded into the
// engine at DOCKER_HOST, the generated deployment brought up with Debian's docker-compose (v1),
// and then, through the hub's proxy on its published port: a user created and their server
// started with the admin API token, their server's REST API and contents, a kernel over the
// proxied websocket, a notebook that outlives its server's container (the named volume), the
// container removed on stop, the shared-password form login with cookies → spawn, a hub
// restart that keeps its users, and
// tmpauthenticator giving a visitor a server.
// One deployment per authenticator, shared by the tests.
import { execa } from 'execa';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DockerEngine } from '../../src/engine/docker-api.js';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { nixlab } from '../helpers/cli.js';
import { until } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-hub-'));
const engine = new DockerEngine();
const TOKEN = randomBytes(24).toString('hex');

/** fetch with a timeout: a published port accepts and drops connections until the proxy listens. */
function fetchT(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
}

async function freePort(): Promise<number> {
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
interface Deployment {
  dir: string;
  port: number;
  url: string;
  compose: (args: string[]) => Promise<string>;
  api: <T>(path: string, opts?: { method?: string; body?: unknown }) => Promise<{ status: number; body: T }>;
}

async function deploy(example: string, name: string): Promise<Deployment> {
  const src = join(work, `${name}-src`);
  cpSync(resolve(example), src, { recursive: true });
  const dir = join(work, `${name}-deploy`);
  const r = await nixlab(['hub', src, '--pkgs', 'offline', '--out', dir, '-q']);
  if (r.exitCode !== 0) throw new Error(`nixlab hub failed (${r.exitCode}): ${r.stderr}`);
  const port = await freePort();
  // The token and the port go into .env, as a user's CI would put them.
  writeFileSync(join(dir, '.env'), readFileSync(join(dir, '.env'), 'utf8').replace(/^NIXLAB_HUB_PORT=.*$/m, `NIXLAB_HUB_PORT=${port}`) + `NIXLAB_HUB_API_TOKEN=${TOKEN}\n`);
  const compose = async (args: string[]): Promise<string> => String((await execa('docker-compose', args, { cwd: dir })).stdout);
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(path: string, opts: { method?: string; body?: unknown } = {}) => {
    const res = await fetchT(`${url}/hub/api${path}`, { method: opts.method ?? 'GET', headers: { Authorization: `token ${TOKEN}`, ...(opts.body ? { 'Content-Type': 'application/json' } : {}) }, body: opts.body ? JSON.stringify(opts.body) : undefined });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };
  await compose(['up', '-d']);
  await until('the hub answers through its proxy', 90_000, async () => ((await fetchT(`${url}/hub/api`).catch(() => undefined))?.status === 200 ? true : undefined), 500);
  return { dir, port, url, compose, api };
}

interface UserModel {
  name: string;
  admin: boolean;
  servers: Record<string, { ready: boolean; pending: string | null }>;
}

/** Waits until `user`'s default server is ready; returns the ms it took. */
async function waitReady(d: Deployment, user: string): Promise<number> {
  const t0 = Date.now();
  await until(`${user}'s server is ready`, 120_000, async () => ((await d.api<UserModel>(`/users/${user}`)).body.servers['']?.ready ? true : undefined), 250);
  return Date.now() - t0;
}

async function containerOf(user: string): Promise<string[]> {
  return (await engine.listContainers({ all: true, filters: { name: [`jupyter-${user}`] } })).map((c) => c.State);
}

/** One HTTP request with node:http (fetch always sends `Sec-Fetch-Mode: cors`, and JupyterHub sets its XSRF cookie only for navigations). */
function httpRequest(url: string, opts: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; setCookie: string[]; location?: string; text: string }> {
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
class Browser {
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

let native: Deployment;

beforeAll(async () => {
  native = await deploy('examples/hub', 'native');
}, 900_000);

afterAll(async () => {
  for (const d of [native, tmp]) {
    if (!d) continue;
    await d.compose(['down', '-v']).catch(() => undefined);
  }
  for (const c of await engine.listContainers({ all: true, filters: { name: ['jupyter-'] } })) await engine.removeContainer(c.Id, { force: true }).catch(() => undefined);
  for (const v of await engine.listVolumes()) if (v.Name.startsWith('jupyterhub-user-')) await engine.removeVolume(v.Name, { force: true }).catch(() => undefined);
}, 120_000);

describe('a deployment of examples/hub (DockerSpawner, shared password)', () => {
  it('writes compose.yaml, jupyterhub_config.py and .env; no image holds the token', async () => {
    const py = readFileSync(join(native.dir, 'jupyterhub_config.py'), 'utf8');
    expect(py).toContain('c.DockerSpawner.volumes = {"jupyterhub-user-{username}": "/home/jovyan/work"}');
    expect(py).toContain('c.DockerSpawner.remove = True');
    expect(py).toContain('c.JupyterHub.authenticator_class = "shared-password"');
    expect(py).not.toContain('change-this-workshop-password');
    expect(readFileSync(join(native.dir, 'compose.yaml'), 'utf8')).toContain('/var/run/docker.sock');
    for (const ref of ['nixlab-hub-user:latest', 'nixlab-hub-user-hub:latest']) {
      const image = await engine.inspectImage(ref);
      expect(JSON.stringify(image.Config)).not.toContain(TOKEN);
    }
  });

  it('spawns a user through the REST API; their server answers, runs a kernel over the proxied websocket, keeps notebooks across a stop and removes its container', async () => {
    expect((await native.api('/users/alice', { method: 'POST' })).status).toBe(201);
    expect([201, 202]).toContain((await native.api('/users/alice/server', { method: 'POST' })).status);
    await waitReady(native, 'alice');
    const server = new JupyterServer(`${native.url}/user/alice`, TOKEN);
    const about = await server.json<{ version: string }>('/api');
    expect(about.version).toMatch(/^2\./);
    expect((await server.json<{ type: string }>('/api/contents')).type).toBe('directory');
    // The kernel allow-list holds behind the hub too.
    expect(Object.keys(await server.kernelspecs())).toEqual(['py']);
    const kernel = await server.startKernel('py');
    const ch = await server.channels(kernel);
    const out = await ch.execute('import numpy, os; print(int(numpy.int64(6) * 7), os.getuid(), os.getcwd())');
    ch.close();
    expect(out.stdout.trim()).toBe('42 1000 /home/jovyan/work');

    const notebook = { type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } };
    expect((await server.request('/api/contents/kept.ipynb', { method: 'PUT', body: notebook })).status).toBe(201);
    expect((await native.api('/users/alice/server', { method: 'DELETE' })).status).toBeLessThan(300);
    await until("alice's container is removed", 60_000, async () => ((await containerOf('alice')).length === 0 ? true : undefined), 250);
    expect([201, 202]).toContain((await native.api('/users/alice/server', { method: 'POST' })).status);
    await waitReady(native, 'alice');
    const listing = await server.json<{ content: { name: string }[] }>('/api/contents');
    expect(listing.content.map((c) => c.name)).toContain('kept.ipynb');
  }, 300_000);

  it('shared-password: a wrong password is refused; the user logs in with the form and cookies and spawns', async () => {
    const bob = new Browser(native.url);
    await bob.go('/hub/login');
    const refused = await bob.go('/hub/login', { username: 'bob', password: 'not-the-password' });
    expect(refused.status).toBe(403);
    expect(refused.url).toContain('/hub/login');
    const password = /^NIXLAB_HUB_SHARED_PASSWORD=(.*)$/m.exec(readFileSync(join(native.dir, '.env'), 'utf8'))![1]!;
    const bobIn = await bob.go('/hub/login', { username: 'bob', password });
    expect(bobIn.url).not.toContain('/hub/login');
    await waitReady(native, 'bob');
    // With bob's own cookies (the hub's OAuth hand-off to his server included).
    const page = await bob.go('/user/bob/api');
    expect(page.status).toBe(200);
    expect(JSON.parse(page.text).version).toMatch(/^2\./);
  }, 300_000);

  it('a restarted hub keeps its users (sqlite in the data volume)', async () => {
    await native.compose(['restart']);
    await until('the hub answers again', 90_000, async () => ((await fetchT(`${native.url}/hub/api`).catch(() => undefined))?.status === 200 ? true : undefined), 500);
    const users = await until('the admin API answers', 30_000, async () => {
      const r = await native.api<UserModel[]>('/users');
      return r.status === 200 ? r.body : undefined;
    });
    expect(users.map((u) => u.name).sort()).toEqual(['admin', 'alice', 'bob']);
  }, 180_000);
});

let tmp: Deployment | undefined;

describe('a deployment of examples/workshop-hub (tmpauthenticator)', () => {
  it('gives a visitor a temporary user and a running server with the lessons in the home', async () => {
    await native.compose(['down']);
    tmp = await deploy('examples/workshop-hub', 'workshop');
    const visitor = new Browser(tmp.url);
    await visitor.go('/hub/tmplogin');
    const users = (await tmp.api<UserModel[]>('/users')).body.filter((u) => !u.admin);
    expect(users).toHaveLength(1);
    const name = users[0]!.name;
    await waitReady(tmp, name);
    // The visitor is logged in to the hub with their cookies.
    expect((await visitor.go('/hub/home')).url).toContain('/hub/home');
    const server = new JupyterServer(`${tmp.url}/user/${name}`, TOKEN);
    const ch = await server.channels(await server.startKernel('workshop'));
    const out = await ch.execute('import os, pandas; print(sorted(os.listdir(os.path.expanduser("~/lessons")))[0].endswith(".ipynb"))');
    ch.close();
    expect(out.stdout.trim()).toBe('True');
  }, 600_000);
});
