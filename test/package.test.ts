// The npm package as users get it: `npm pack`, installed into an empty directory, runs
// `nixlab validate` and `nixlab build --pkgs offline` there. Shipped code reads nothing from
// test/ (the offline package set is shipped as offline/).
import { execa } from 'execa';
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'nixlab-package-'));
let bin: string;

beforeAll(async () => {
  const { stdout } = await execa('npm', ['pack', '--silent', '--pack-destination', work]);
  const tarball = join(work, stdout.trim().split('\n').pop()!);
  const app = join(work, 'app');
  cpSync(resolve('examples/demo'), app, { recursive: true, filter: (src) => !src.includes('.nixlab') });
  await execa('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: app });
  bin = join(app, 'node_modules', '.bin', 'nixlab');
}, 300_000);

test('ships the CLI, the Nix library and the offline package set, and no tests', () => {
  const root = join(work, 'app', 'node_modules', 'nixlab');
  for (const f of ['bin/run.js', 'dist/src/commands/build.js', 'dist/src/image/workers/byte-worker.js', 'dist/src/definitions/config-check.cjs', 'nix/lib.nix', 'offline/default.nix', 'flake.lock', 'oclif.manifest.json', 'nixpkgs-facts/master-2026-07-14.json']) {
    expect([f, existsSync(join(root, f))]).toEqual([f, true]);
  }
  expect(readdirSync(root)).not.toContain('test');
  expect(existsSync(join(root, 'dist', 'test'))).toBe(false);
});

test('an installed nixlab validates and builds the demo against the shipped offline package set', async () => {
  const app = join(work, 'app');
  const v = await execa(bin, ['validate'], { cwd: app, reject: false });
  expect([v.exitCode, v.stderr]).toEqual([0, '']);
  expect(v.stdout).toContain('3 kernel(s): py-numpy, py-data, sh');
  const b = await execa(bin, ['build', '--pkgs', 'offline', '-q', '-o', join(work, 'demo.tar'), '--out-link', join(work, 'result')], { cwd: app, reject: false });
  expect([b.exitCode, b.stderr]).toEqual([0, '']);
  expect(b.stdout).toMatch(/docker-archive, \d+ layers/);
  expect(existsSync(join(work, 'demo.tar'))).toBe(true);
}, 600_000);
