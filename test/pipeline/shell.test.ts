// `nixlab shell`: the same notebook environment as the image, through nix-shell, built for real
// against the offline package set. State goes under ./.jupyter, never into the store.
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';

const runKernel = resolve('test/pipeline/fixtures/run_kernel.py');

describe('nixlab shell --pkgs offline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-shell-'));
  cpSync(resolve('examples/demo'), dir, { recursive: true });

  it('lists exactly the declared kernels', async () => {
    const r = await nixlab(['shell', '--pkgs', 'offline', '--', 'jupyter', 'kernelspec', 'list', '--json'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout).kernelspecs).sort()).toEqual(['py-data', 'py-numpy', 'sh']);
    for (const sub of ['data', 'runtime', 'ipython']) expect(existsSync(join(dir, '.jupyter', sub))).toBe(true);
  });

  it.each([
    ['py-numpy', 'import numpy; print(6*7, numpy.__name__)', '42 numpy'],
    ['py-data', 'import pandas, requests; print(pandas.DataFrame({"a": [6]}).a[0] * 7)', '42'],
    ['sh', 'echo $((6*7))', '42'],
  ])('starts kernel %s from the shell and runs code in it', async (kernel, code, expected) => {
    const r = await nixlab(['shell', '--pkgs', 'offline', '--', 'python3', runKernel, kernel, code], { cwd: dir });
    expect(r.stdout.trim()).toBe(expected);
    expect(r.exitCode).toBe(0);
  });

  it('has Notebook 7 and JupyterLab 4, their settings and workspaces under ./.jupyter/lab', async () => {
    const r = await nixlab(['shell', '--pkgs', 'offline', '--', 'sh', '-c', 'jupyter notebook --version; jupyter lab --version; echo "$JUPYTERLAB_SETTINGS_DIR"; echo "$JUPYTERLAB_WORKSPACES_DIR"'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    const [notebook, lab, settings, workspaces] = r.stdout.trim().split('\n').slice(-4);
    expect([notebook, lab]).toEqual([expect.stringMatching(/^7\./), expect.stringMatching(/^4\./)]);
    expect([settings, workspaces]).toEqual([join(dir, '.jupyter/lab/user-settings'), join(dir, '.jupyter/lab/workspaces')]);
  });

  it('keeps the exit code of the command it ran', async () => {
    const r = await nixlab(['shell', '--pkgs', 'offline', '--', 'sh', '-c', 'exit 7'], { cwd: dir });
    expect(r.exitCode).toBe(7);
  });
});
