// Each preset's `offline` field, checked against the offline package set itself: the kernel
// environment nixlab emits for a `real` preset evaluates (nix-instantiate) against
// offline, and for a `refused` preset evaluation fails saying what is missing and
// why ("… is not available in the offline package set (Debian 12 has no …)") -- never an
// "attribute missing" and never a stand-in kernel.
import { execa } from 'execa';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { presets } from '../../kernelspecs/index.js';
import { validateConfig } from '../../src/definitions/validate.js';
import { emitProject } from '../../src/nix/emit.js';

const OFFLINE_PKGS = resolve('offline');

/** One kernel of each kind, with the options the offline set can honour where a preset is real. */
const KERNELS: Record<string, Record<string, unknown>> = {
  python: { version: '3.11', packages: ['numpy'] },
  r: { packages: ['jsonlite'] },
  octave: { packages: ['signal'] },
  custom: { language: 'sh', argv: ['sh', '{connection_file}'], packages: ['busybox'] },
};

/** Writes the generated project of a one-kernel config; returns its directory. */
function project(kind: string): string {
  const result = validateConfig({ frontend: 'notebook', kernels: [{ kind, name: 'k', ...KERNELS[kind] }] }, 'nixlab.json');
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

describe.each(presets.map((p) => [p.kind, p.offline] as const))('the %s preset (offline: %s)', (kind, offline) => {
  if (offline === 'real') {
    it('evaluates against the offline package set', async () => {
      const r = await instantiate(project(kind));
      expect([r.exitCode, r.stderr.split('\n').filter((l) => l.startsWith('error'))]).toEqual([0, []]);
      expect(r.stdout.trim()).toMatch(/^\/nix\/store\/[a-z0-9]{32}-.*\.drv$/);
    });
  } else {
    it('is refused at evaluation, with what is missing and why', async () => {
      const r = await instantiate(project(kind));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/error: \S+ is not available in the offline package set \(Debian 12 has no [^)]+/);
    });
  }
});
