// The jest global setup (test/helpers/global-tmp.js) gives each run its own TMPDIR, removed
// when the run ends; the workers and everything they start must see it.
import { execaSync } from 'execa';
import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setup, teardown } from './helpers/global-tmp.js';

it('runs the tests in a temporary directory of their own', () => {
  const dir = tmpdir();
  expect(basename(dir)).toMatch(/^nixlab-tests-[A-Za-z0-9]{6}$/);
  expect(existsSync(dir)).toBe(true);
  expect(process.env.NIXLAB_TEST_TMPDIR).toBe(dir);
  // Child processes (nix-build, skopeo, umoci …) inherit it.
  expect(execaSync('sh', ['-c', 'echo "$TMPDIR"']).stdout).toBe(dir);
});

it('setup makes a fresh directory and points TMPDIR at it; teardown removes it with its contents', () => {
  const saved = { TMPDIR: process.env.TMPDIR, NIXLAB_TEST_TMPDIR: process.env.NIXLAB_TEST_TMPDIR };
  try {
    setup();
    const dir = process.env.NIXLAB_TEST_TMPDIR!;
    expect(dir).not.toBe(saved.NIXLAB_TEST_TMPDIR);
    expect(process.env.TMPDIR).toBe(dir);
    expect(existsSync(dir)).toBe(true);
    mkdirSync(join(dir, 'a/b'), { recursive: true });
    writeFileSync(join(dir, 'a/b/f'), 'x');
    teardown();
    expect(existsSync(dir)).toBe(false);
  } finally {
    Object.assign(process.env, saved);
  }
  expect(existsSync(tmpdir())).toBe(true);
});
