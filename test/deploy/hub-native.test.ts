// examples/hub as it is (seed 004: NativeAuthenticator) deployed for real with `nixlab hub` on the
// offline package set (JupyterHub 6.1.1, NativeAuthenticator 1.3.0 with the statsd fixup of
// offline/python/wheels.nix), brought up with docker-compose and used through the hub's proxy the
// way a browser does (cookies, forms with the _xsrf token): the admin signs up and is authorized
// at once; a user signs up, is refused at login until the admin authorizes them at
// /hub/authorize, then logs in, spawns, reaches their server through the OAuth hand-off and runs
// code in a kernel over the proxied websocket; a `docker-compose restart` keeps them (sqlite in
// the data volume) and they log in again. Everything the user does is with her own cookies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { until } from '../e2e/lib.js';
import { Browser, deploy, fetchT, teardown, waitReady, type Deployment, type UserModel } from './hub-lib.js';

const ADMIN = { name: 'admin', password: 'admin-password-for-the-test' };
const USER = { name: 'carol', password: 'carol-password-for-the-test' };

let hub: Deployment;

beforeAll(async () => {
  hub = await deploy('examples/hub', 'native');
}, 900_000);

afterAll(async () => {
  await teardown([hub], [USER.name, ADMIN.name]);
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
  it('configures NativeAuthenticator with signup closed to everyone but the admin', () => {
    const py = readFileSync(join(hub.dir, 'jupyterhub_config.py'), 'utf8');
    expect(py).toContain('c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"');
    expect(py).toContain('c.NativeAuthenticator.open_signup = False');
    expect(py).toContain('c.NativeAuthenticator.ask_email_on_signup = False');
    expect(py).toContain('c.Authenticator.admin_users = {"admin"}');
    expect(readFileSync(join(hub.dir, '.env'), 'utf8')).not.toContain('PASSWORD');
  });

  it('the admin signs up, is authorized at once, and logs in (NativeAuthenticator under JupyterHub 6.1: no statsd)', async () => {
    const admin = new Browser(hub.url);
    const signed = await signUp(admin, ADMIN);
    expect(signed.status).toBe(200);
    expect(signed.alert).toBe('alert-success');
    const login = await admin.go('/hub/login');
    expect(login.text).toContain('name="_xsrf"');
    const inside = await admin.go('/hub/login', { username: ADMIN.name, password: ADMIN.password });
    // A 500 here was the statsd AttributeError; a refused login stays on /hub/login.
    expect(inside.status).toBeLessThan(500);
    expect(new URL(inside.url).pathname).not.toBe('/hub/login');
    expect((await admin.go('/hub/authorize')).status).toBe(200);
  }, 300_000);

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
    expect(Object.keys(await server.kernelspecs())).toEqual(['python3']);
    // The allow-list holds in a single-user server too (issue 24): an undeclared kernel is 404.
    for (const name of ['ghost', 'python2']) expect([name, (await server.request('/api/kernels', { method: 'POST', body: { name } })).status]).toEqual([name, 404]);
    const ch = await server.channels(await server.startKernel('python3'));
    const out = await ch.execute('import numpy, os; print(int(numpy.int64(6) * 7), os.getuid(), os.getcwd())');
    ch.close();
    expect(out.stdout.trim()).toBe('42 1000 /home/jovyan/work');
    // Without them, her server lets nobody start a kernel.
    expect((await new JupyterServer(`${hub.url}/user/${USER.name}`, '').request('/api/kernels', { method: 'POST', body: { name: 'python3' } })).status).toBe(403);

    // The hub restarts; NativeAuthenticator's users (users_info in the sqlite database) are kept.
    await hub.compose(['restart']);
    await until('the hub answers again', 90_000, async () => ((await fetchT(`${hub.url}/hub/api`).catch(() => undefined))?.status === 200 ? true : undefined), 500);
    const names = await until('the admin API answers', 30_000, async () => {
      const r = await hub.api<UserModel[]>('/users');
      return r.status === 200 ? r.body.map((u) => u.name).sort() : undefined;
    });
    expect(names).toEqual([ADMIN.name, USER.name]);
    const again = new Browser(hub.url);
    await again.go('/hub/login');
    const wrong = await again.go('/hub/login', { username: USER.name, password: 'not-her-password' });
    expect(new URL(wrong.url).pathname).toBe('/hub/login');
    expect(wrong.text).toContain('Invalid username or password.');
    const back = await again.go('/hub/login', { username: USER.name, password: USER.password });
    expect(new URL(back.url).pathname).not.toBe('/hub/login');
    expect((await again.go('/hub/home')).url).toContain('/hub/home');
  }, 600_000);
});
