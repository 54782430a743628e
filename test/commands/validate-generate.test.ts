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

// Each of these configs passed `nixlab validate` and failed only later, in `nixlab build`, with
// an error naming a packer option: validate now reports them at their config path, exit 2.
describe('regressions: configs validate accepted and build refused', () => {
  const validate = async (config: object) => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-regression-'));
    writeFileSync(join(dir, 'nixlab.json'), JSON.stringify(config));
    return nixlab(['validate'], { cwd: dir });
  };
  const py = { kind: 'python', name: 'py' };

  it.each([
    ['image.maxLayers 1 (the packer wants 2 to 125)', { kernels: [py], image: { maxLayers: 1 } }, 'nixlab.json:$.image.maxLayers: must be between 2 and 125, got 1'],
    ['image.user.uid 300000 (the tar writer holds ids up to 262143)', { kernels: [py], image: { user: { uid: 300000 } } }, 'nixlab.json:$.image.user.uid: must be between 0 and 262143, got 300000'],
    ['image.env GITHUB_TOKEN (the packer refuses every *_TOKEN)', { kernels: [py], image: { env: { GITHUB_TOKEN: 'x' } } }, 'nixlab.json:$.image.env.GITHUB_TOKEN: GITHUB_TOKEN looks like a secret'],
    ['python version "3.19" (the emitter wrote pkgs.python319)', { kernels: [{ ...py, version: '3.19' }] }, 'nixlab.json:$.kernels[0].version: "3.19" is not a Python version nixlab offers'],
  ])('%s', async (_name, config, error) => {
    const r = await validate(config);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: ${error}`);
  });

  it('the fix offered for "kernels": [] is itself a valid config (it named the reserved kernel "python")', async () => {
    const r = await validate({ kernels: [] });
    expect(r.exitCode).toBe(2);
    const fix = /"kernels": (\[.*\])/.exec(r.stderr)![1]!;
    const again = await validate({ kernels: JSON.parse(fix) });
    expect([again.exitCode, again.stderr]).toEqual([0, '']);
  });

  it('a volume that would hide the Nix store, caught by the packer\'s checks', async () => {
    const r = await validate({ kernels: [py], image: { volumes: ['/nix/var'] } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('nixlab.json:$.image.volumes[0]: /nix/var cannot be a volume: it would hide the Nix store');
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
      'nixlab/docker-stacks.sh',
      'nixlab/healthcheck.sh',
      'nixlab/jupyter-config.nix',
      'nixlab/jupyter_config.py',
      'nixlab/jupyter_server_config.py',
      'nixlab/kernelspec.nix',
      'nixlab/lib.nix',
      'nixlab/papermill.py',
      'nixlab/runtime.json',
      'nixlab/runtime.sh',
      'nixlab/start.nix',
      'nixlab/start.sh',
      'shell.nix',
      'source-map.json',
    ]);
    expect(readFileSync(join(out, 'default.nix'), 'utf8')).toContain('pkgs.python3.withPackages (ps: [ ps.ipykernel ps.numpy ]);');
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
