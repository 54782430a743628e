// The browser helper works here: Debian's Chromium, driven by playwright-core, opens a page from a
// local node http server, runs its script, and renders it.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchBrowser, type BrowserSession } from './browser.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>nixlab browser check</title></head>
<body><h1 id="h">served by node</h1><p id="js">script did not run</p>
<script>
  document.getElementById('js').textContent = 'script ran: ' + (6 * 7);
  fetch('/api').then((r) => r.json()).then((j) => { document.body.dataset.api = j.answer; });
</script></body></html>`;

describe('test/helpers/browser.ts', () => {
  let server: Server;
  let base: string;
  let browser: BrowserSession;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.url === '/api') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ answer: 'from-api' }));
      } else if (req.url === '/') {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(PAGE);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => server?.close(r));
  });

  it('opens a page from a local server, runs its script and reads its text', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${base}/`);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('nixlab browser check');
    expect(await page.locator('#h').innerText()).toBe('served by node');
    expect(await page.locator('#js').innerText()).toBe('script ran: 42');
    await page.waitForFunction("document.body.dataset.api === 'from-api'");
    expect(requests).toEqual(expect.arrayContaining(['GET /', 'GET /api']));
    // It renders: a PNG screenshot.
    const png = await page.screenshot();
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(1000);
    await page.close();
  });

  it('resolves no host but the loopback ones', async () => {
    const page = await browser.newPage();
    const port = new URL(base).port;
    // A name that would be this machine too, were it resolved: refused by the resolver rules.
    await expect(page.goto(`http://nixlab-test.localhost.invalid:${port}/`)).rejects.toThrow(/ERR_NAME_NOT_RESOLVED/);
    await page.close();
    const again = await browser.newPage();
    expect((await again.goto(`${base}/`))?.status()).toBe(200);
    await again.close();
  });

  it('uses the fresh profile directory, removed at close', async () => {
    expect(existsSync(browser.userDataDir)).toBe(true);
    const other = await launchBrowser();
    expect(other.userDataDir).not.toBe(browser.userDataDir);
    await other.close();
    expect(existsSync(other.userDataDir)).toBe(false);
  });
});
