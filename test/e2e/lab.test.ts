// End to end, in a real browser: the demo config with `frontend: lab`, built offline (real
// nix-build, real pack), loaded into a real Docker engine and run as a uid that is not in
// /etc/passwd (`--user 4242:4242`) with a bind mount at /data. Debian's Chromium, driven by
// playwright-core (test/helpers/browser.ts), opens JupyterLab 4, runs a cell in each of the
// demo's kernels and reads the output; switches the theme to JupyterLab Dark from the menu; and
// after the container is removed and a new one started on the same volume, a fresh browser
// profile finds the dark theme and the open notebooks again (settings and workspaces live under
// the first volume: /data/.jupyter/lab). Every wait has a timeout; afterAll always closes the
// browser and removes the containers.
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseDocument } from 'yaml';
import type { Page } from 'playwright-core';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { launchBrowser, type BrowserSession } from '../helpers/browser.js';
import { buildImage, configCopy, docker, dockerOk, hostPort, until } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-lab-'));
const TAG = `lab${process.pid}`;
const LABEL = `nixlab.test=${process.pid}`;
const TOKEN = 'lab-' + randomBytes(12).toString('hex');
const UID = 4242;
// The private engine has no default bridge (scripts/dockerd.sh): a network of the test's own.
const NETWORK = `nixlab-lab-${process.pid}`;
const timings: Record<string, number> = {};
let ref: string;
let data: string;
let browser: BrowserSession | undefined;

/** Each demo kernel, a cell for it, and the text its output must show. */
const CELLS: Array<[string, string, string]> = [
  ['py-numpy', 'import numpy\nprint(6 * 7, int(numpy.arange(7).sum()))', '42 21'],
  ['py-data', 'import pandas\nprint(int(pandas.Series([6]).mul(7)[0]))', '42'],
  ['sh', 'echo $((6 * 7)) $(id -u)', `42 ${UID}`],
];

beforeAll(async () => {
  const config = configCopy('examples/demo/nixlab.yaml', work, { name: 'nixlab-demo-lab', tag: TAG });
  const doc = parseDocument(readFileSync(config, 'utf8'));
  doc.set('frontend', 'lab');
  writeFileSync(config, doc.toString());
  const start = Date.now();
  await buildImage(config, join(work, 'lab.tar'), work);
  timings.buildMs = Date.now() - start;
  ref = (await dockerOk(['load', '-i', join(work, 'lab.tar')])).replace(/^Loaded image: /, '');
  await dockerOk(['network', 'create', '--label', LABEL, NETWORK]);
  data = join(work, 'data');
  mkdirSync(data);
  chownSync(data, UID, UID);
  // The notebooks the browser opens: one per kernel, its kernelspec in the metadata (so no
  // kernel dialog), one code cell.
  for (const [kernel, code] of CELLS) {
    const nb = { cells: [{ cell_type: 'code', execution_count: null, id: 'c1', metadata: {}, outputs: [], source: code }], metadata: { kernelspec: { name: kernel, display_name: kernel } }, nbformat: 4, nbformat_minor: 5 };
    const file = join(data, `k-${kernel}.ipynb`);
    writeFileSync(file, JSON.stringify(nb));
    chownSync(file, UID, UID);
  }
}, 900_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['network', 'rm', NETWORK]);
  if (ref) await docker(['rmi', ref]);
  process.stdout.write(`lab e2e timings: ${JSON.stringify(timings)}\n`);
}, 60_000);

/** A new container of the image as 4242:4242 with the bind mount; resolves once /api answers. */
async function boot(): Promise<{ id: string; server: JupyterServer }> {
  const start = Date.now();
  const id = await dockerOk(['run', '-d', '--label', LABEL, '--user', `${UID}:${UID}`, '-e', `JUPYTER_TOKEN=${TOKEN}`, '-v', `${data}:/data`, '--network', NETWORK, '-p', '127.0.0.1::8888', ref]);
  const server = new JupyterServer(`http://127.0.0.1:${await hostPort(id)}`, TOKEN);
  await server.waitUntilUp(120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Running}}', id])) === 'true' ? undefined : `the container exited:\n${(await docker(['logs', id])).stderr.slice(-3000)}`));
  timings[`boot ${Object.keys(timings).length} ms`] = Date.now() - start;
  return { id, server };
}

/** Opens a JupyterLab URL and waits for the splash screen to go and the shell to be there. */
async function openLab(page: Page, base: string, path: string): Promise<void> {
  await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`, { timeout: 60_000 });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 120_000 });
  await page.locator('#jp-main-dock-panel').waitFor({ state: 'visible', timeout: 30_000 });
}

describe('JupyterLab 4 in a browser: the demo with frontend: lab, as --user 4242:4242 with a bind mount at /data', () => {
  let first: { id: string; server: JupyterServer };

  beforeAll(async () => {
    first = await boot();
    browser = await launchBrowser({ timeoutMs: 60_000 });
  }, 300_000);

  it('serves JupyterLab 4 at /lab, its settings and workspaces under /data/.jupyter/lab', async () => {
    const html = (await first.server.request('/lab')).text;
    const pageConfig = JSON.parse(/<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!) as Record<string, string>;
    expect(pageConfig.appName).toBe('JupyterLab');
    expect(pageConfig.appVersion).toMatch(/^4\./);
    expect([pageConfig.userSettingsDir, pageConfig.workspacesDir]).toEqual(['/data/.jupyter/lab/user-settings', '/data/.jupyter/lab/workspaces']);
  });

  it.each(CELLS)('runs a cell in kernel %s and shows its output', async (kernel, _code, expected) => {
    const page = await browser!.newPage();
    try {
      const start = Date.now();
      await openLab(page, first.server.base, `/lab/tree/k-${kernel}.ipynb`);
      // The workspace may reopen notebooks of earlier tests first: wait until this one is the current tab.
      await page.locator('#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel', { hasText: `k-${kernel}.ipynb` }).waitFor({ timeout: 60_000 });
      const panel = page.locator('.jp-NotebookPanel:visible');
      await panel.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').waitFor({ timeout: 120_000 });
      // The server's view: the notebook's session has a kernel of the right name, and that
      // kernel answers a kernel_info request of our own. (Not the session's `execution_state`:
      // jupyter_server 2.17 starts watching a kernel's IOPub as the kernel starts, and when that
      // subscription misses the first status messages, the state stays "starting" until the
      // kernel's next one. 2 of 15 and 3 of 20 new sessions did so here, still after 30 s.)
      let seen = 'no answer from /api/sessions';
      const kernelId = await until(`a session of k-${kernel}.ipynb with kernel ${kernel}`, 120_000, async () => {
        const sessions = await first.server.json<Array<{ path: string; kernel: { id: string; name: string; execution_state: string } }>>('/api/sessions');
        seen = JSON.stringify(sessions.map((x) => [x.path, x.kernel.name, x.kernel.execution_state]));
        return sessions.find((x) => x.path === `k-${kernel}.ipynb` && x.kernel.name === kernel)?.kernel.id;
      }, 500).catch((err: Error) => {
        throw new Error(`${err.message}; the sessions were (path, kernel, state): ${seen}`);
      });
      const channels = await first.server.channels(kernelId, 60_000);
      try {
        expect(await channels.kernelInfo(120_000)).toHaveProperty('status', 'ok');
      } finally {
        channels.close();
      }
      // Select the cell, then the toolbar's Run button; pressed again if the first press came
      // before the notebook was ready for it (running the cell twice shows the same output).
      await panel.locator('.jp-Cell .jp-InputArea-editor').first().click({ timeout: 30_000 });
      const output = panel.locator('.jp-OutputArea-output').first();
      for (let attempt = 1; ; attempt++) {
        await panel.locator('.jp-Toolbar [data-command="notebook:run-cell-and-select-next"]').click({ timeout: 30_000 });
        const shown = await output.waitFor({ timeout: 45_000 }).then(() => true, () => false);
        if (shown) break;
        if (attempt === 3) {
          await page.screenshot({ path: join(work, `no-output-${kernel}.png`) }).catch(() => undefined);
          const logs = await docker(['logs', '--tail', '30', first.id]);
          throw new Error(`no output in kernel ${kernel} after pressing Run three times; the page shows:\n${(await panel.innerText().catch(() => '')).slice(0, 2000)}\nserver log:\n${logs.stderr.slice(-3000)}`);
        }
      }
      await expect(output.innerText({ timeout: 10_000 }).then((t) => t.trim())).resolves.toBe(expected);
      timings[`cell ${kernel} ms`] = Date.now() - start;
      // JupyterLab saves the workspace shortly after the layout changes: it now holds this notebook.
      await until(`the workspace to hold k-${kernel}.ipynb`, 60_000, async () => {
        const ws = await first.server.json<{ data: Record<string, unknown> }>('/lab/api/workspaces/default');
        return Object.hasOwn(ws.data, `notebook:k-${kernel}.ipynb`) ? true : undefined;
      }, 500);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('switches the theme to JupyterLab Dark from the Settings menu; the setting is written to the volume, owned by 4242', async () => {
    const page = await browser!.newPage();
    try {
      await openLab(page, first.server.base, '/lab/tree/k-py-numpy.ipynb');
      await page.locator('.jp-NotebookPanel:visible').waitFor({ timeout: 60_000 });
      expect(await page.locator('body').getAttribute('data-jp-theme-name')).toBe('JupyterLab Light');
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Settings$/ }).click({ timeout: 30_000 });
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Theme$/ }).click({ timeout: 30_000 });
      await page.locator('.lm-Menu-itemLabel', { hasText: /^JupyterLab Dark$/ }).click({ timeout: 30_000 });
      await page.locator('body[data-jp-theme-name="JupyterLab Dark"]').waitFor({ state: 'attached', timeout: 60_000 });
      // JupyterLab saves the workspace (the open notebook) a moment after the layout changes.
      const workspaces = join(data, '.jupyter/lab/workspaces');
      const settings = join(data, '.jupyter/lab/user-settings/@jupyterlab/apputils-extension/themes.jupyterlab-settings');
      const deadline = Date.now() + 60_000;
      while (!(existsSync(settings) && existsSync(workspaces) && readdirSync(workspaces).length) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(readFileSync(settings, 'utf8')).toContain('JupyterLab Dark');
      expect([statSync(settings).uid, statSync(settings).gid]).toEqual([UID, UID]);
      expect(readdirSync(workspaces).some((f) => f.endsWith('.jupyterlab-workspace'))).toBe(true);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('wrote nothing under /nix and never suggested a build', async () => {
    const changed = (await dockerOk(['diff', first.id])).split('\n').filter(Boolean);
    expect(changed.filter((l) => / \/nix(\/|$)/.test(l))).toEqual([]);
    const logs = await docker(['logs', first.id]);
    expect(logs.stdout + logs.stderr).not.toMatch(/build (is )?(recommended|suggested)/i);
  });

  it('a new container on the same volume, in a fresh browser profile: still dark, the notebooks open again', async () => {
    await dockerOk(['rm', '-f', first.id]);
    const second = await boot();
    await browser!.close();
    browser = await launchBrowser({ timeoutMs: 60_000 });
    const page = await browser.newPage();
    try {
      await openLab(page, second.server.base, '/lab');
      await page.locator('body[data-jp-theme-name="JupyterLab Dark"]').waitFor({ state: 'attached', timeout: 60_000 });
      expect(await page.locator('body').getAttribute('data-jp-theme-light')).toBe('false');
      // the workspace restores the notebooks that were open
      const tabs = page.locator('#jp-main-dock-panel .lm-TabBar-tabLabel');
      await tabs.filter({ hasText: 'k-py-numpy.ipynb' }).first().waitFor({ timeout: 60_000 });
      const ws = await second.server.json<{ data: Record<string, unknown> }>('/lab/api/workspaces/default');
      expect(Object.keys(ws.data)).toEqual(expect.arrayContaining(CELLS.map(([k]) => `notebook:k-${k}.ipynb`)));
    } finally {
      await page.close();
    }
  }, 300_000);
});

describe('JupyterLab with read-only config and application directories (jupyterlab #6535, #15461, #9923)', () => {
  let id: string;
  let server: JupyterServer;
  const volume = `nixlab-lab-${process.pid}-ro`;

  beforeAll(async () => {
    await dockerOk(['volume', 'create', '--label', LABEL, volume]);
    // Nothing writable but /tmp and the named volume: the store, /etc/jupyter (the config dir)
    // and JupyterLab's application directory in the store are all read-only.
    id = await dockerOk(['run', '-d', '--label', LABEL, '--read-only', '--tmpfs', '/tmp', '-e', `JUPYTER_TOKEN=${TOKEN}`, '-v', `${volume}:/data`, '--network', NETWORK, '-p', '127.0.0.1::8888', ref]);
    server = new JupyterServer(`http://127.0.0.1:${await hostPort(id)}`, TOKEN);
    await server.waitUntilUp(120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Running}}', id])) === 'true' ? undefined : `the container exited:\n${(await docker(['logs', id])).stderr.slice(-3000)}`));
  }, 300_000);

  afterAll(async () => {
    await docker(['rm', '-f', '-v', id]);
    await docker(['volume', 'rm', volume]);
  }, 60_000);

  it('#6535: jupyter-lab starts in a --read-only container (it writes no build config into its app dir) and serves /lab', async () => {
    const page = await server.request('/lab');
    expect(page.status).toBe(200);
    expect(page.text).toContain('"appVersion": "4.');
    const logs = await docker(['logs', id]);
    expect(logs.stderr).not.toMatch(/Traceback|PermissionError|Read-only file system/);
  });

  it('#15461: jupyter lab path and labextension list run with the config dir read-only, after the server made IPYTHONDIR (no write of jupyter_core\'s migrated marker), nothing asks for a build', async () => {
    const paths = await docker(['exec', id, 'jupyter', 'lab', 'path']);
    expect([paths.exitCode, paths.stdout]).toEqual([0, expect.stringMatching(/Application directory: +\/nix\/store\//)]);
    expect(paths.stdout).toContain('User Settings directory: /data/.jupyter/lab/user-settings');
    const list = await docker(['exec', id, 'jupyter', 'labextension', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout + list.stderr).not.toMatch(/build (is )?(recommended|suggested)|PermissionError|Read-only file system/i);
  }, 120_000);

  it('#9923: a read-only directory in the notebook dir: listing it works, and creating a notebook in it is refused with 403 instead of failing the server', async () => {
    // A directory its user may not write (mode 0555, made as the image user in the volume).
    const listing = await server.json<{ content: Array<{ name: string }> }>('/api/contents/');
    expect(Array.isArray(listing.content)).toBe(true);
    const mk = await docker(['exec', id, 'sh', '-c', 'mkdir /data/ro && chmod 0555 /data/ro']);
    expect(mk.exitCode).toBe(0);
    const created = await server.request('/api/contents/ro', { method: 'POST', body: { type: 'notebook' } });
    expect(created.status).toBeGreaterThanOrEqual(400);
    expect(created.status).toBeLessThan(500);
    // the server is still fine afterwards
    expect((await server.request('/api/status')).status).toBe(200);
    expect((await server.request('/lab')).status).toBe(200);
  }, 120_000);
});
