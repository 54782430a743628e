// The CLI's validate and generate commands, run for real: exit codes, messages, files.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';

const DEMO = resolve('examples/demo/nixlab.yaml');

describe('nixlab validate', () => {
  it('accepts the demo and prints the normalised config with every kernel name', async () => {
    const r = await nixlab(['validate', DEMO, '--json']);
    expect(r.exitCode).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config.kernels.map((k: { name: string }) => k.name)).toEqual(['py-numpy', 'py-data', 'sh']);
    expect(config.image.user).toEqual({ name: 'jovyan', uid: 1000, gid: 100 });
  });

  it('finds the config in the current directory', async () => {
    const r = await nixlab(['validate'], { cwd: resolve('examples/demo') });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('3 kernel(s)');
  });

  it('reports all problems at once with file:path, a fix, and exit code 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-cli-'));
    writeFileSync(
      join(dir, 'nixlab.yaml'),
      'kernels:\n  - {kind: python, name: "a b", packages: ["x;y"], colour: red}\n  - {kind: custom, name: c, language: c, argv: [c]}\n',
    );
    const r = await nixlab(['validate'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const e of errors) expect(e).toMatch(/^error: nixlab\.yaml:\$\.kernels\[\d\]\S*: .+ Fix: .+/);
    expect(r.stderr).toContain('$.kernels[0].colour');
    expect(r.stderr).toContain('{connection_file}');
  });

  it('says where to look when there is no config', async () => {
    const r = await nixlab(['validate'], { cwd: mkdtempSync(join(tmpdir(), 'nixlab-empty-')) });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nixlab\.(json|yaml)/);
  });
});

describe('nixlab generate', () => {
  it('writes a self-contained project (default.nix, shell.nix, library, kernel Nix files)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'nixlab-gen-')), 'out');
    const r = await nixlab(['generate', DEMO, '--out', out, '--json']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual([
      'assets/sh/nix/default.nix',
      'assets/sh/nix/sh_kernel.py',
      'default.nix',
      'nixlab/config-dir.nix',
      'nixlab/jupyter_config.py',
      'nixlab/jupyter_server_config.py',
      'nixlab/kernelspec.nix',
      'nixlab/lib.nix',
      'shell.nix',
    ]);
    expect(readFileSync(join(out, 'default.nix'), 'utf8')).toContain('pkgs.python311.withPackages (ps: [ ps.ipykernel ps.numpy ]);');
  });

  it('writes nothing when the config is invalid, and keeps an earlier output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-gen-bad-'));
    cpSync(resolve('examples/demo'), dir, { recursive: true });
    const out = join(dir, 'out');
    expect((await nixlab(['generate', '--out', out], { cwd: dir })).exitCode).toBe(0);
    const before = readFileSync(join(out, 'default.nix'), 'utf8');
    writeFileSync(join(dir, 'nixlab.yaml'), 'kernels: [{kind: python, name: "${x}"}]\n');
    const r = await nixlab(['generate', '--out', out], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(readFileSync(join(out, 'default.nix'), 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const fresh = join(dir, 'never');
    expect((await nixlab(['generate', '--out', fresh], { cwd: dir })).exitCode).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });
});
