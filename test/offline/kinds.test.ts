// Which kernel kinds the offline package set builds: a fact about the test package set, kept
// here with it. For a kind it builds, the kernel environment nixlab emits evaluates
// (nix-instantiate) against offline/; for the others, evaluation fails saying what is missing
// and why -- never an "attribute missing", and never a stand-in kernel.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { validateConfig } from '../../src/definitions/validate.js';
import { kindNames } from '../../src/kernels/index.js';
import { emitProject } from '../../src/nix/emit.js';
import { BUILDS_OFFLINE, OFFLINE_PKGS } from './helpers.js';

/** Writes the generated project of a one-kernel config; returns its directory. */
function project(kind: string): string {
  const result = validateConfig({ frontend: 'notebook', kernels: [{ kind, name: 'k', ...BUILDS_OFFLINE[kind] }] }, 'nixlab.json', { baseDir: '/' });
  expect(result.errors).toEqual([]);
  const dir = mkdtempSync(join(tmpdir(), `nixlab-offline-${kind}-`));
  for (const f of emitProject(result.config!, 'nixlab.json')) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    if ('text' in f) writeFileSync(target, f.text);
    else copyFileSync(f.copyFrom, target);
  }
  return dir;
}

const instantiate = (dir: string) => execa('nix-instantiate', ['--argstr', 'nixpkgsPath', OFFLINE_PKGS, '-A', 'kernelEnvs.k', dir], { reject: false });

describe.each(kindNames.map((k) => [k, k in BUILDS_OFFLINE ? 'builds' : 'refused'] as const))('the %s kind (offline: %s)', (kind, offline) => {
  if (offline === 'builds') {
    it('evaluates against the offline package set', async () => {
      const r = await instantiate(project(kind));
      expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('error'))]).toEqual([0, []]);
      expect(r.stdout.trim()).toMatch(/^\/nix\/store\/[a-z0-9]{32}-.*\.drv$/);
    });
  } else {
    it('is refused at evaluation, with what is missing and why', async () => {
      const r = await instantiate(project(kind));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/error: \S+ is not available in the offline package set \([^)]+/);
    });
  }
});
