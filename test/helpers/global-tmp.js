// Jest globalSetup / globalTeardown: each test run works in a temporary directory of its own.
// TMPDIR points at it before the workers start, so the tests, nixlab and every tool they run
// (nix-build, skopeo, umoci, podman) make their temporary files there; the run removes it at
// the end. Tests unpack images of hundreds of MB (up to ~4 GB at once): without this, ~2 GB
// was left in /tmp on every run. NIXLAB_KEEP_TEST_TMP=1 keeps it for a look afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VAR = 'NIXLAB_TEST_TMPDIR';

export function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-tests-'));
  process.env[VAR] = dir;
  process.env.TMPDIR = dir;
}

export function teardown() {
  const dir = process.env[VAR];
  if (!dir) return;
  if (process.env.NIXLAB_KEEP_TEST_TMP) {
    process.stderr.write(`test files kept in ${dir}\n`);
    return;
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    process.stderr.write(`could not remove the tests' temporary directory ${dir}: ${error.message}\n`);
  }
}
