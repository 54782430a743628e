// End to end: `lab.extensions: [jupyterlab-git]` with `frontend: lab`, built offline (real
// nix-build, real pack), run under a real Docker engine as 4242:4242. The extension is a Python
// package of the server environment; JupyterLab finds its prebuilt labextension in
// share/jupyter/labextensions of the data path (JUPYTER_PATH) and lists it in /lab/api/extensions.
// In Debian's Chromium (playwright-core, test/helpers/browser.ts) it activates: its chunks load
// from /lab/extensions/@jupyterlab/git/, the Git menu and panel appear, and its front end asks
// its server extension, which runs git. Nothing is built: no staging directory, no write under /nix.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { launchBrowser, type BrowserSession } from '../helpers/browser.js';
import { buildImage, docker, dockerOk, hostPort } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-labext-'));
const TAG = `labext${process.pid}`;
const LABEL = `nixlab.test=${process.pid}`;
const TOKEN = 'labext-' + randomBytes(12).toString('hex');
const NETWORK = `nixlab-labext-${process.pid}`;
let ref: string;
let id: string;
let server: JupyterServer;
let browser: BrowserSession | undefined;

beforeAll(async () => {
  const dir = join(work, 'cfg');
  mkdirSync(dir);
  const config = join(dir, 'nixlab.yaml');
  writeFileSync(config, ['frontend: lab', 'lab:', '  extensions: [jupyterlab-git]', 'kernels:', '  - { kind: python, name: py }', `image: { name: nixlab-labext, tag: ${TAG}, volumes: [/data] }`, ''].join('\n'));
  await buildImage(config, join(work, 'labext.tar'), work);
  ref = (await dockerOk(['load', '-i', join(work, 'labext.tar')])).replace(/^Loaded image: /, '');
  await dockerOk(['network', 'create', '--label', LABEL, NETWORK]);
  id = await dockerOk(['run', '-d', '--label', LABEL, '--user', '4242:4242', '-e', `JUPYTER_TOKEN=${TOKEN}`, '--network', NETWORK, '-p', '127.0.0.1::8888', ref]);
  server = new JupyterServer(`http://127.0.0.1:${await hostPort(id)}`, TOKEN);
  await server.waitUntilUp(120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Running}}', id])) === 'true' ? undefined : `the container exited:\n${(await docker(['logs', id])).stderr.slice(-3000)}`));
}, 900_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (id) await docker(['rm', '-f', '-v', id]);
  await docker(['network', 'rm', NETWORK]);
  if (ref) await docker(['rmi', ref]);
}, 60_000);

describe('lab.extensions: [jupyterlab-git] in a frontend: lab image', () => {
  it('GET /lab/api/extensions lists @jupyterlab/git as installed, enabled and prebuilt, from the Python package', async () => {
    const list = await server.json<Array<{ name: string; installed: boolean; enabled: boolean; pkg_type: string; status: string; install?: { packageManager?: string } }>>('/lab/api/extensions');
    const git = list.find((e) => e.name === '@jupyterlab/git');
    expect(git).toMatchObject({ installed: true, enabled: true, pkg_type: 'prebuilt', status: 'ok', install: { packageManager: 'python' } });
  });

  it('the labextension is found in share/jupyter/labextensions of JUPYTER_PATH, and nothing asks for a build', async () => {
    const path = await dockerOk(['exec', id, 'sh', '-c', 'echo "$JUPYTER_PATH"']);
    const r = await docker(['exec', id, 'jupyter', 'labextension', 'list']);
    expect(r.exitCode).toBe(0);
    // eslint-disable-next-line no-control-regex
    const out = (r.stdout + r.stderr).replace(/\u001b\[[0-9;]*m/g, '');
    expect(out).toContain(`${path}/labextensions`);
    expect(out).toMatch(/@jupyterlab\/git v\S+ enabled\s+OK/);
    expect(out).not.toMatch(/build (is )?(recommended|suggested)|needs? to be (re)?built/i);
  }, 120_000);

  // Regression (the extension fetched its remoteEntry but never activated): tornado 6.5.9 and
  // later answer 403 for a static file whose resolved path leaves the directory served, so the
  // labextensions of the data path must hold the files themselves, not links into each package
  // (the directory itself is one link, to the store path of the copies: tornado resolves it too).
  it('$JUPYTER_PATH/labextensions holds real files, no symbolic links', async () => {
    const dir = `${await dockerOk(['exec', id, 'sh', '-c', 'echo "$JUPYTER_PATH"'])}/labextensions/`;
    expect(await dockerOk(['exec', id, 'find', dir, '-type', 'l'])).toBe('');
    expect(await dockerOk(['exec', id, 'find', dir, '-path', '*/@jupyterlab/git/static/remoteEntry.*.js', '-type', 'f'])).toMatch(/remoteEntry\.[0-9a-f]+\.js$/);
  }, 60_000);

  it('in Chromium the extension activates: its chunks load, the Git menu and panel appear, and its server extension answers with the version of git it runs', async () => {
    const list = await server.json<Array<{ name: string; installed_version: string }>>('/lab/api/extensions');
    const version = list.find((e) => e.name === '@jupyterlab/git')!.installed_version;
    browser = await launchBrowser({ timeoutMs: 60_000 });
    const page = await browser.newPage();
    // What would show the extension failing to load or activate (JupyterLab logs each to the console).
    const problems: string[] = [];
    page.on('console', (m) => {
      const text = m.text();
      if (/Failed to (load|create module)|Error activating plugin|failed to activate|No satisfying version|Unsatisfied version \S+ from \S+ of shared singleton module @jupyterlab\/|Refused to execute script|git command not found/.test(text)) {
        problems.push(`${m.type()}: ${text.split('\n')[0]}`);
      }
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const served: Array<{ path: string; status: number }> = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (path.startsWith('/lab/extensions/@jupyterlab/git/')) served.push({ path, status: r.status() });
    });
    // The front end's first call once its plugin activates: GET /git/settings (the server
    // extension's version and `git --version`).
    const settings = page.waitForResponse((r) => new URL(r.url()).pathname === '/git/settings', { timeout: 150_000 });
    try {
      await page.goto(`${server.base}/lab?token=${TOKEN}`, { timeout: 60_000 });
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
      const res = await settings.catch((e: Error) => {
        throw new Error(`${e.message}: the extension did not activate\nconsole:\n${problems.join('\n')}\nserved: ${JSON.stringify(served)}`);
      });
      expect(res.status()).toBe(200);
      expect(await res.json()).toMatchObject({ frontendVersion: version, serverVersion: version, gitVersion: expect.stringMatching(/^\d+\.\d+/) });
      // The main plugin's menu and its sidebar tab; opening the tab shows the Git panel.
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Git$/ }).waitFor({ timeout: 60_000 });
      const tab = page.locator('.lm-TabBar-tab[data-id="jp-git-sessions"]');
      await tab.waitFor({ timeout: 60_000 });
      await tab.click();
      await page.locator('#jp-git-sessions').waitFor({ state: 'visible', timeout: 60_000 });
      // remoteEntry and the chunks it loads, all from the data path.
      expect(served.map((s) => s.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^\/lab\/extensions\/@jupyterlab\/git\/static\/remoteEntry\.[0-9a-f]+\.js$/)]));
      expect(served.filter((s) => !/remoteEntry/.test(s.path)).length).toBeGreaterThan(0);
      expect(served.filter((s) => s.status !== 200)).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  }, 400_000);

  it('nothing was built: no staging directory in the application directory, no write under /nix', async () => {
    const paths = await dockerOk(['exec', id, 'jupyter', 'lab', 'path']);
    const appDir = /Application directory: +(\S+)/.exec(paths)![1]!;
    expect(appDir).toMatch(/^\/nix\/store\//);
    const staging = await docker(['exec', id, 'test', '-e', `${appDir}/staging`]);
    expect(staging.exitCode).toBe(1);
    const changed = (await dockerOk(['diff', id])).split('\n').filter(Boolean);
    expect(changed.filter((l) => / \/nix(\/|$)/.test(l))).toEqual([]);
  }, 120_000);
});
