// A real browser for tests: Debian's Chromium (/usr/bin/chromium, installed by scripts/setup.sh)
// driven by playwright-core, which never downloads a browser of its own. Headless, as root
// (no sandbox), a fresh profile per launch (removed at close), no background traffic, and no
// host but the loopback ones (and those a test allows) resolves: pages reach only this machine.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The browser binary (NIXLAB_CHROMIUM overrides it). */
export const CHROMIUM = process.env.NIXLAB_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for headless Chromium as root on a machine without a GPU or network. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--no-proxy-server',
];

/** Hosts a page may reach by default: this machine's loopback. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * `--host-resolver-rules`: every host (name or address) fails to resolve except the loopback
 * ones and `allowHosts` (e.g. a container's IP address on a network the test made).
 */
export function resolverRules(allowHosts: string[] = []): string {
  return ['MAP * ~NOTFOUND', ...[...LOOPBACK, ...allowHosts].map((h) => `EXCLUDE ${h}`)].join(', ');
}

export interface BrowserSession {
  context: BrowserContext;
  /** The fresh profile directory (--user-data-dir). */
  userDataDir: string;
  /** A new tab. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium with a fresh profile; throws with the fix if the binary is missing. */
export async function launchBrowser(opts: { timeoutMs?: number; allowHosts?: string[] } = {}): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (bash scripts/setup.sh, or apt-get install chromium)`);
  }
  const userDataDir = mkdtempSync(join(tmpdir(), 'nixlab-chromium-'));
  let context: BrowserContext;
  try {
    // Playwright takes the profile directory here, not as --user-data-dir in args.
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: [...CHROMIUM_FLAGS, `--host-resolver-rules=${resolverRules(opts.allowHosts)}`],
      timeout: opts.timeoutMs ?? 60_000,
    });
  } catch (err) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    userDataDir,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
