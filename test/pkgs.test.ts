// What nixlab knows of the offline package set without building (src/pkgs.ts): the Python
// versions it offers come from its wheel lock, and a python kernel asking for another one (3.12:
// no source the set is built from has it) is refused at its `version` by validate and by build,
// before Nix runs. The real CLI, real files.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { offlinePkgsPath, offlinePythonVersions } from '../src/pkgs.js';
import { nixlab } from './helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-pkgs-'));
let n = 0;
function project(yaml: string): string {
  const dir = join(work, `c${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'nixlab.yaml'), yaml);
  return dir;
}
const errorsOf = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

const KERNELS = 'kernels:\n  - { kind: python, name: py312, version: "3.12" }\n  - { kind: python, name: py313, version: "3.13" }\n  - { kind: python, name: py }\n  - { kind: python, name: py314, version: "3.14" }\n';

describe('the offline set’s Python versions', () => {
  it('are the interpreters its wheel lock resolves for: 3.11 and 3.13, no 3.12', () => {
    const lock = JSON.parse(readFileSync(join(offlinePkgsPath(), 'python', 'wheels.lock.json'), 'utf8')) as { pythons: Record<string, unknown> };
    expect(offlinePythonVersions()).toEqual(Object.keys(lock.pythons).sort());
    expect(offlinePythonVersions()).toEqual(['3.11', '3.13']);
  });

  it('validate --pkgs offline refuses a 3.12 (and a 3.14) kernel at its version, saying what to do; exit 2', async () => {
    const r = await nixlab(['validate', 'nixlab.yaml', '--pkgs', 'offline'], { cwd: project(KERNELS) });
    expect(r.exitCode).toBe(2);
    const errors = errorsOf(r.stderr);
    expect(errors.map((l) => l.split(': ')[1])).toEqual(['nixlab.yaml:$.kernels[0].version', 'nixlab.yaml:$.kernels[3].version']);
    expect(errors[0]).toContain('the offline package set has no Python 3.12 (it offers 3.11 and 3.13; docs/offline.md says why)');
    expect(errors[0]).toContain('Fix: set version to "3.11" or "3.13" (or leave it out for its python3), or build against the pinned nixpkgs (leave out --pkgs) or a nixpkgs checkout (--pkgs PATH)');
    expect(errors[1]).toContain('the offline package set has no Python 3.14');
  });

  it('validate against the pin accepts the same kernels (the pin has 3.12)', async () => {
    const r = await nixlab(['validate', 'nixlab.yaml'], { cwd: project('kernels:\n  - { kind: python, name: py312, version: "3.12" }\n') });
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
  });

  it('build --pkgs offline refuses a 3.12 kernel before Nix runs: exit 2 at its version, nothing built', async () => {
    const dir = project('kernels:\n  - { kind: python, name: py312, version: "3.12", packages: [numpy] }\n');
    const r = await nixlab(['build', 'nixlab.yaml', '--pkgs', 'offline'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(errorsOf(r.stderr).map((l) => l.split(': ')[1])).toEqual(['nixlab.yaml:$.kernels[0].version']);
    expect(r.stderr).toContain('the offline package set has no Python 3.12');
    expect(r.stderr).not.toMatch(/nix-build|trace|\.drv/);
    expect(existsSync(join(dir, 'result'))).toBe(false);
    expect(existsSync(join(dir, 'image.tar'))).toBe(false);
  });
});
