// End to end: `lab.extensions: [jupyterlab-git]` with `frontend: lab`, built offline (real
// nix-build, real pack), run under a real Docker engine as 4242:4242. The extension is a Python
// package of the server environment; JupyterLab finds its prebuilt labextension in
// share/jupyter/labextensions of the data path (JUPYTER_PATH), lists it in /lab/api/extensions,
// and Debian's Chromium (playwright-core, test/helpers/browser.ts) fetches its remoteEntry. Nothing is built: no staging directory, no write under /nix.
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

  it('Chromium fetches the extension\'s remoteEntry from /lab/extensions/@jupyterlab/git (served from the data path)', async () => {
    browser = await launchBrowser({ timeoutMs: 60_000 });
    const page = await browser.newPage();
    try {
      await page.goto(`${server.base}/lab?token=${TOKEN}`, { timeout: 60_000 });
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
      // What the page fetched (the Resource Timing entries) with git in the path.
      const fetched = async () => (await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname))).filter((u) => /git/i.test(u));
      const deadline = Date.now() + 60_000;
      let urls = await fetched();
      while (!urls.some((u) => /\/lab\/extensions\/@jupyterlab\/git\/static\/remoteEntry\.[0-9a-f]+\.js$/.test(u)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        urls = await fetched();
      }
      expect(urls).toEqual(expect.arrayContaining([expect.stringMatching(/^\/lab\/extensions\/@jupyterlab\/git\/static\/remoteEntry\.[0-9a-f]+\.js$/)]));
    } finally {
      await page.close();
    }
  }, 300_000);

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
