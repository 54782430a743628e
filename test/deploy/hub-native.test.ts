// examples/hub as it is (seed 004: NativeAuthenticator) deployed for real with `nixlab hub` on the
// offline package set (JupyterHub 6.1.1, NativeAuthenticator 1.3.0 with the statsd fixup of
// offline/python/wheels.nix), brought up with docker-compose and used through the hub's proxy the
// way a browser does (cookies, forms with the _xsrf token): the admin exists before anyone
// reaches the hub, with the password `nixlab hub` generated and printed, and nobody can sign up
// under its name (issue 23); NativeAuthenticator's password rules hold; a user signs up, is
// refused at login until the admin authorizes them at /hub/authorize, then logs in, spawns,
// reaches their server through the OAuth hand-off and runs code in a kernel over the proxied
// websocket; two `docker-compose restart`s keep them (sqlite in the data volume), their cookies
// (the cookie secret) and their notebooks, and the hub comes back within its normal start time.
// Everything the user does is with her own cookies.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotEnv } from '../../src/deploy/hub-files.js';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { until } from '../e2e/lib.js';
import { Browser, deploy, hubAnswers, teardown, waitReady, type Deployment, type UserModel } from './hub-lib.js';

const USER = { name: 'carol', password: 'carol-password-for-the-test' };
const ATTACKER = { name: 'admin', password: 'the-attacker-got-here-first' };

let hub: Deployment;
/** carol's browser (her cookies), logged in by the user test, used again after the restarts. */
let carolSession: Browser;
/** The operator's admin: the name of the config, the password `nixlab hub` generated into .env. */
let ADMIN: { name: string; password: string };

beforeAll(async () => {
  hub = await deploy('examples/hub', 'native');
  ADMIN = { name: 'admin', password: parseDotEnv(readFileSync(join(hub.dir, '.env'), 'utf8')).get('NIXLAB_HUB_ADMIN_PASSWORD')! };
}, 900_000);

afterAll(async () => {
  await teardown([hub], [USER.name, 'admin']);
}, 120_000);

/** Signs `who` up with NativeAuthenticator's form (a GET first, for the _xsrf cookie); the page's alert class and text. */
async function signUp(b: Browser, who: { name: string; password: string }): Promise<{ status: number; alert: string; text: string }> {
  const form = await b.go('/hub/signup');
  expect(form.status).toBe(200);
  // Signup with no e-mail field (ask_email_on_signup off) and the fields 1.3.0's signup.html posts.
  expect(form.text).toContain('name="signup_password_confirmation"');
  expect(form.text).not.toContain('name="email"');
  const r = await b.go('/hub/signup', { username: who.name, signup_password: who.password, signup_password_confirmation: who.password });
  return { status: r.status, alert: /class="alert (alert-[a-z]+)/.exec(r.text)?.[1] ?? '', text: r.text };
}

describe('a deployment of examples/hub (NativeAuthenticator, DockerSpawner)', () => {
  it('configures NativeAuthenticator with signup closed, the admin made from .env (mode 0600), the port on 127.0.0.1 only', () => {
    const py = readFileSync(join(hub.dir, 'jupyterhub_config.py'), 'utf8');
    expect(py).toContain('class NixlabNativeAuthenticator(nativeauthenticator.NativeAuthenticator):');
    expect(py).toContain('c.JupyterHub.authenticator_class = NixlabNativeAuthenticator');
    expect(py).toContain('c.NativeAuthenticator.open_signup = False');
    expect(py).toContain('c.NativeAuthenticator.ask_email_on_signup = False');
    expect(py).toContain('c.Authenticator.admin_users = {"admin"}');
    expect(ADMIN.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(hub.dir, '.env')).mode & 0o777).toBe(0o600);
    expect(py).not.toContain(ADMIN.password);
    expect(readFileSync(join(hub.dir, 'compose.yaml'), 'utf8')).toContain(`- "127.0.0.1:\${NIXLAB_HUB_PORT:-8000}:8000"`);
  });

  it('issue 23 high 2: nixlab hub printed the generated admin password once; an anonymous signup as the admin is refused and gets no admin rights; the operator\'s admin logs in', async () => {
    expect(hub.stdout).toContain(`admin admin, password ${ADMIN.password}\n`);
    // Before anyone signed up, the admin is a user of the hub, with admin rights.
    const before = await hub.api<UserModel>('/users/admin');
    expect({ status: before.status, admin: before.body.admin }).toEqual({ status: 200, admin: true });

    for (const name of [ATTACKER.name, ATTACKER.name.toUpperCase(), ` ${ATTACKER.name}`]) {
      const attacker = new Browser(hub.url);
      const signed = await signUp(attacker, { name, password: ATTACKER.password });
      expect({ name, status: signed.status, alert: signed.alert }).toEqual({ name, status: 200, alert: 'alert-danger' });
      await attacker.go('/hub/login');
      const login = await attacker.go('/hub/login', { username: name.trim(), password: ATTACKER.password });
      expect(new URL(login.url).pathname).toBe('/hub/login');
      const area = await attacker.go('/hub/authorize');
      expect(area.status === 403 || new URL(area.url).pathname === '/hub/login').toBe(true);
    }

    const admin = new Browser(hub.url);
    await admin.go('/hub/login');
    const inside = await admin.go('/hub/login', { username: ADMIN.name, password: ADMIN.password });
    expect(inside.status).toBeLessThan(500);
    expect(new URL(inside.url).pathname).not.toBe('/hub/login');
    expect((await admin.go('/hub/authorize')).status).toBe(200);
    const page = await admin.go('/hub/admin');
    expect({ status: page.status, path: new URL(page.url).pathname }).toEqual({ status: 200, path: '/hub/admin' });
  }, 300_000);

  it("issue 23 high 2: NativeAuthenticator's password rules: a short or common password is refused at signup", async () => {
    for (const [name, password] of [['dave', 'x'], ['erin', '1234567890']] as const) {
      const b = new Browser(hub.url);
      const signed = await signUp(b, { name, password });
      expect({ name, alert: signed.alert }).toEqual({ name, alert: 'alert-danger' });
      const users = await hub.api<UserModel[]>('/users');
      expect(users.body.map((u) => u.name)).not.toContain(name);
    }
  }, 120_000);

  it('a user signs up, is refused until the admin authorizes them, then logs in, spawns and runs a kernel; a restart keeps them', async () => {
    const carol = new Browser(hub.url);
    const signed = await signUp(carol, USER);
    expect(signed.alert).toBe('alert-info');
    expect(signed.text).toContain('Your information has been sent to the admin');

    // Right password, not yet authorized: the login page again, saying why.
    const early = await carol.go('/hub/login', { username: USER.name, password: USER.password });
    expect(new URL(early.url).pathname).toBe('/hub/login');
    expect(early.text).toContain(`User ${USER.name} has not been authorized by an administrator yet.`);
    expect((await carol.go('/hub/home')).url).toContain('/hub/login');
    // Nobody but an admin may authorize anyone (herself included): refused (403) or sent to log in.
    const self = await carol.go(`/hub/authorize/${USER.name}`);
    expect(self.status === 403 || new URL(self.url).pathname === '/hub/login').toBe(true);

    // The admin authorizes her with the link of 1.3.0's authorization area (a GET that toggles).
    const admin = new Browser(hub.url);
    await admin.go('/hub/login');
    await admin.go('/hub/login', { username: ADMIN.name, password: ADMIN.password });
    const area = await admin.go('/hub/authorize');
    expect(area.status).toBe(200);
    // Her row: not authorized, with the Authorize link.
    expect(area.text).toContain(`<tr id=${USER.name}>`);
    expect(area.text).toContain(`href="/hub/authorize/${USER.name}" role="button">Authorize</a>`);
    const toggled = await admin.go(`/hub/authorize/${USER.name}`);
    expect({ status: toggled.status, path: new URL(toggled.url).pathname }).toEqual({ status: 200, path: '/hub/authorize' });
    expect(toggled.text).toContain(`<tr class="success" id=${USER.name}>`);
    expect(toggled.text).toContain(`href="/hub/authorize/${USER.name}" role="button">Unauthorize</a>`);

    // Now the login goes through, spawns her server, and the OAuth hand-off lets her cookies in.
    const inside = await carol.go('/hub/login', { username: USER.name, password: USER.password });
    expect(inside.status).toBeLessThan(500);
    expect(new URL(inside.url).pathname).not.toBe('/hub/login');
    await waitReady(hub, USER.name);
    // /api alone answers anyone; /api/status only an authenticated user (403 otherwise).
    // A page of her server sends her through the hub's OAuth (authorize → oauth_callback) and back.
    const lab = await carol.go(`/user/${USER.name}/lab`);
    expect({ status: lab.status, path: new URL(lab.url).pathname }).toEqual({ status: 200, path: `/user/${USER.name}/lab` });
    expect(lab.text).toContain('<title>JupyterLab');
    const status = await carol.go(`/user/${USER.name}/api/status`);
    expect({ status: status.status, text: status.text.slice(0, 200) }).toMatchObject({ status: 200 });
    expect(JSON.parse(status.text)).toHaveProperty('started');
    const contents = await carol.go(`/user/${USER.name}/api/contents`);
    expect(JSON.parse(contents.text).type).toBe('directory');

    // With her cookies (and her server's XSRF token, as JupyterLab sends it), the declared kernel
    // starts and runs code over the proxied websocket, as the image's user in the notebook volume.
    const server = new JupyterServer(`${hub.url}/user/${USER.name}`, '', carol.credentials(`/user/${USER.name}/`));
    expect(server.headers['X-XSRFToken']).toBeTruthy();
    // A notebook of hers, saved with her cookies, for the restarts below (before the kernel, so a
    // slow websocket on a loaded machine does not take the restart test down with it).
    const notebook = { type: 'notebook', content: { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 } };
    expect((await server.request('/api/contents/kept.ipynb', { method: 'PUT', body: notebook })).status).toBe(201);
    carolSession = carol;
    expect(Object.keys(await server.kernelspecs())).toEqual(['python3']);
    // The allow-list holds in a single-user server too (issue 24): an undeclared kernel is 404.
    for (const name of ['ghost', 'python2']) expect([name, (await server.request('/api/kernels', { method: 'POST', body: { name } })).status]).toEqual([name, 404]);
    const ch = await server.channels(await server.startKernel('python3', 120_000), 120_000);
    const out = await ch.execute('import numpy, os; print(int(numpy.int64(6) * 7), os.getuid(), os.getcwd())');
    ch.close();
    expect(out.stdout.trim()).toBe('42 1000 /home/jovyan/work');
    // Without them, her server lets nobody start a kernel.
    expect((await new JupyterServer(`${hub.url}/user/${USER.name}`, '').request('/api/kernels', { method: 'POST', body: { name: 'python3' } })).status).toBe(403);
  }, 600_000);

  it('issue 23 medium 5: restarted twice, the hub answers within its normal start time each time and keeps its users, cookie secret and notebooks', async () => {
    // The proxy's pid file is on the container's tmpfs, not in the data volume.
    const files = await hub.compose(['exec', '-T', 'jupyterhub', 'ls', '/data', '/run/nixlab-hub']);
    expect(files).toMatch(/\/run\/nixlab-hub:\n(?:.*\n)*jupyterhub-proxy\.pid/);
    expect(files.split('/run/nixlab-hub:')[0]).not.toContain('.pid');
    const secret = await hub.compose(['exec', '-T', 'jupyterhub', 'cat', '/data/jupyterhub_cookie_secret']);
    // Its normal start time (measured at `up -d`), with room for a loaded machine; the pid file in
    // the data volume made it ~14 min (two more container restarts).
    const bound = Math.max(3 * hub.startMs, 180_000);
    const took: number[] = [];
    for (let i = 0; i < 2; i++) {
      // From the container's start (its stop, which stops her server first, is not start time).
      await hub.compose(['restart']);
      const t0 = Date.now();
      await hubAnswers(hub.url, `the hub answers after restart ${i + 1} (normal start ${(hub.startMs / 1000).toFixed(1)} s)`, bound);
      took.push(Date.now() - t0);
    }
    console.log(`hub start ${(hub.startMs / 1000).toFixed(1)} s; restarts ${took.map((t) => `${(t / 1000).toFixed(1)} s`).join(', ')} (bound ${bound / 1000} s)`);
    for (const t of took) expect(t).toBeLessThanOrEqual(bound);
    const logs = await hub.compose(['logs', '--no-color', 'jupyterhub']);
    expect(logs).not.toContain('Proxy still running');

    const names = await until('the admin API answers', 30_000, async () => {
      const r = await hub.api<UserModel[]>('/users');
      return r.status === 200 ? r.body.map((u) => u.name).sort() : undefined;
    });
    expect(names).toEqual([ADMIN.name, USER.name]);
    expect(await hub.compose(['exec', '-T', 'jupyterhub', 'cat', '/data/jupyterhub_cookie_secret'])).toBe(secret);
    // The cookie secret kept: her login cookie from before the restarts still lets her in.
    expect(new URL((await carolSession.go('/hub/home')).url).pathname).toBe('/hub/home');
    // Her notebook is in her volume: her server, started again, lists it.
    expect([201, 202]).toContain((await hub.api(`/users/${USER.name}/server`, { method: 'POST' })).status);
    await waitReady(hub, USER.name);
    // Her new server lets her old hub cookie through the OAuth hand-off, then lists her volume.
    const lab = await carolSession.go(`/user/${USER.name}/lab`);
    expect({ status: lab.status, path: new URL(lab.url).pathname }).toEqual({ status: 200, path: `/user/${USER.name}/lab` });
    const listing = await carolSession.go(`/user/${USER.name}/api/contents`);
    expect({ status: listing.status, text: listing.text.slice(0, 200) }).toMatchObject({ status: 200 });
    expect((JSON.parse(listing.text) as { content: { name: string }[] }).content.map((c) => c.name)).toContain('kept.ipynb');

    const again = new Browser(hub.url);
    await again.go('/hub/login');
    const wrong = await again.go('/hub/login', { username: USER.name, password: 'not-her-password' });
    expect(new URL(wrong.url).pathname).toBe('/hub/login');
    expect(wrong.text).toContain('Invalid username or password.');
    const back = await again.go('/hub/login', { username: USER.name, password: USER.password });
    expect(new URL(back.url).pathname).not.toBe('/hub/login');
    expect((await again.go('/hub/home')).url).toContain('/hub/home');
    // The admin's password is still the one in .env.
    const admin = new Browser(hub.url);
    await admin.go('/hub/login');
    expect(new URL((await admin.go('/hub/login', { username: ADMIN.name, password: ADMIN.password })).url).pathname).not.toBe('/hub/login');
  }, 900_000);
});
