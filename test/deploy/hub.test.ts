// `nixlab hub` for real: both images built offline (real nix-build, real pack), loaded into the
// engine at DOCKER_HOST, the generated deployment brought up with Debian's docker-compose (v1),
// and then, through the hub's proxy on its published port: a user created and their server
// started with the admin API token, their server's REST API and contents, a kernel over the
// proxied websocket, a notebook that outlives its server's container (the named volume), the
// container removed on stop, the shared-password form login with cookies → spawn, the admin's
// own password (hub.adminPassword), a hub
// restart that keeps its users, and tmpauthenticator giving a visitor a server.
// One deployment per authenticator, shared by the tests: examples/hub with shared-password
// (fixtures/hub-shared-password) and examples/workshop-hub. examples/hub as it is, with
// NativeAuthenticator, is hub-native.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotEnv } from '../../src/deploy/hub-files.js';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { until } from '../e2e/lib.js';
import { Browser, containerOf, deploy, engine, HUB_START_MS, hubAnswers, teardown, TOKEN, waitReady, type Deployment, type UserModel } from './hub-lib.js';

/** examples/hub with the shared-password authenticator (examples/hub itself uses NativeAuthenticator: hub-native.test.ts). */
const SHARED = 'test/deploy/fixtures/hub-shared-password';
/** The users DockerSpawner gets containers and volumes for here (tmpauthenticator's are added as they come). */
const users = ['alice', 'bob', 'admin'];

let shared: Deployment;

beforeAll(async () => {
  shared = await deploy(SHARED, 'shared');
}, 900_000);

afterAll(async () => {
  await teardown([shared, tmp], users);
}, 120_000);

describe('a deployment of examples/hub with a shared password (DockerSpawner)', () => {
  it('writes compose.yaml, jupyterhub_config.py and .env; no image holds the token', async () => {
    const py = readFileSync(join(shared.dir, 'jupyterhub_config.py'), 'utf8');
    expect(py).toContain('c.DockerSpawner.volumes = {"jupyterhub-user-{username}": "/home/jovyan/work"}');
    expect(py).toContain('c.DockerSpawner.remove = True');
    expect(py).toContain('c.JupyterHub.authenticator_class = "shared-password"');
    expect(py).not.toContain('change-this-workshop-password');
    expect(readFileSync(join(shared.dir, 'compose.yaml'), 'utf8')).toContain('/var/run/docker.sock');
    for (const ref of ['nixlab-hub-shared:latest', 'nixlab-hub-shared-hub:latest']) {
      const image = await engine.inspectImage(ref);
      expect(JSON.stringify(image.Config)).not.toContain(TOKEN);
    }
  });

  it('spawns a user through the REST API; their server answers, runs a kernel over the proxied websocket, keeps notebooks across a stop and removes its container', async () => {
    expect((await shared.api('/users/alice', { method: 'POST' })).status).toBe(201);
    expect([201, 202]).toContain((await shared.api('/users/alice/server', { method: 'POST' })).status);
    await waitReady(shared, 'alice');
    const server = new JupyterServer(`${shared.url}/user/alice`, TOKEN);
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
    expect((await shared.api('/users/alice/server', { method: 'DELETE' })).status).toBeLessThan(300);
    await until("alice's container is removed", 60_000, async () => ((await containerOf('alice')).length === 0 ? true : undefined), 250);
    expect([201, 202]).toContain((await shared.api('/users/alice/server', { method: 'POST' })).status);
    await waitReady(shared, 'alice');
    const listing = await server.json<{ content: { name: string }[] }>('/api/contents');
    expect(listing.content.map((c) => c.name)).toContain('kept.ipynb');
  }, 300_000);

  it('shared-password: a wrong password is refused; the user logs in with the form and cookies and spawns', async () => {
    const bob = new Browser(shared.url);
    await bob.go('/hub/login');
    const refused = await bob.go('/hub/login', { username: 'bob', password: 'not-the-password' });
    expect(refused.status).toBe(403);
    expect(refused.url).toContain('/hub/login');
    const password = parseDotEnv(readFileSync(join(shared.dir, '.env'), 'utf8')).get('NIXLAB_HUB_SHARED_PASSWORD')!;
    expect(password).toBe('change-this-workshop-password');
    const bobIn = await bob.go('/hub/login', { username: 'bob', password });
    expect(bobIn.url).not.toContain('/hub/login');
    await waitReady(shared, 'bob');
    // With bob's own cookies: a page of his server takes him through the hub's OAuth hand-off;
    // then his server's REST API lets him in (/api alone answers anyone, /api/status does not).
    const lab = await bob.go('/user/bob/lab');
    expect({ status: lab.status, path: new URL(lab.url).pathname }).toEqual({ status: 200, path: '/user/bob/lab' });
    const status = await bob.go('/user/bob/api/status');
    expect({ status: status.status, text: status.text.slice(0, 200) }).toMatchObject({ status: 200 });
    expect(JSON.parse(status.text)).toHaveProperty('started');
  }, 300_000);

  it('shared-password: the admin logs in with hub.adminPassword only, not the users\' password', async () => {
    const env = parseDotEnv(readFileSync(join(shared.dir, '.env'), 'utf8'));
    const userPassword = env.get('NIXLAB_HUB_SHARED_PASSWORD')!;
    const adminPassword = env.get('NIXLAB_HUB_ADMIN_PASSWORD')!;
    expect(adminPassword).toBe('change-this-admin-password-of-32-characters-or-more');
    expect(readFileSync(join(shared.dir, 'jupyterhub_config.py'), 'utf8')).not.toContain(adminPassword);
    const admin = new Browser(shared.url);
    await admin.go('/hub/login');
    const refused = await admin.go('/hub/login', { username: 'admin', password: userPassword });
    expect({ status: refused.status, path: new URL(refused.url).pathname }).toEqual({ status: 403, path: '/hub/login' });
    const inside = await admin.go('/hub/login', { username: 'admin', password: adminPassword });
    expect(new URL(inside.url).pathname).not.toBe('/hub/login');
    // An admin page: only an admin's cookies open it.
    const page = await admin.go('/hub/admin');
    expect({ status: page.status, path: new URL(page.url).pathname }).toEqual({ status: 200, path: '/hub/admin' });
  }, 300_000);

  it('a restarted hub keeps its users (sqlite in the data volume)', async () => {
    await shared.compose(['restart']);
    await hubAnswers(shared.url, 'the hub answers again', HUB_START_MS);
    const users = await until('the admin API answers', 30_000, async () => {
      const r = await shared.api<UserModel[]>('/users');
      return r.status === 200 ? r.body : undefined;
    });
    expect(users.map((u) => u.name).sort()).toEqual(['admin', 'alice', 'bob']);
  }, 420_000);
});

let tmp: Deployment | undefined;

describe('a deployment of examples/workshop-hub (tmpauthenticator)', () => {
  it('gives a visitor a temporary user and a running server with the lessons in the home', async () => {
    await shared.compose(['down']);
    tmp = await deploy('examples/workshop-hub', 'workshop');
    const visitor = new Browser(tmp.url);
    await visitor.go('/hub/tmplogin');
    const all = (await tmp.api<UserModel[]>('/users')).body;
    const visitors = all.filter((u) => !u.admin);
    expect(visitors).toHaveLength(1);
    // issue 23 high 2: a visitor never gets the admin's name or rights (tmpauthenticator has no login form; the admin is the API token's).
    expect(all.filter((u) => u.admin).map((u) => u.name)).toEqual(['admin']);
    expect(readFileSync(join(tmp.dir, '.env'), 'utf8')).not.toContain('NIXLAB_HUB_ADMIN_PASSWORD');
    const name = visitors[0]!.name;
    users.push(name);
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
