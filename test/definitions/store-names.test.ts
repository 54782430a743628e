// Issue 23, medium 7: every name that reaches a Nix store path fits Nix's real limit. Kernel
// names up to 255 characters passed validate, and Nix refused the derivation named after one
// ("kernelspec-<name>.drv" over 211 characters): build failed with exit 1 and a raw trace.
// The limit is checked here against both Nix versions nixlab meets (Debian 12's 2.8 on PATH,
// Debian 13's 2.26 in /opt/nixlab/nix-trixie), and a project with the longest kernel name
// instantiates for real.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KERNEL_DERIVATION_NAMES, KERNEL_NAME_MAX, kernelspecDerivationName } from '../../src/definitions/kernel-name.js';
import { NIX_DERIVATION_NAME_MAX, NIX_STORE_NAME_MAX } from '../../src/definitions/rules.js';
import { nixlab } from '../helpers/cli.js';

const NIXES = { '2.8 (Debian 12)': '/usr/bin', '2.26 (Debian 13)': '/opt/nixlab/nix-trixie/bin' };
const EVAL_PKGS = fileURLToPath(new URL('../../offline/eval', import.meta.url));

/** The .drv path of a derivation named `name` under the Nix in `bin`, or Nix's error. */
async function drvOf(bin: string, name: string): Promise<{ ok: boolean; text: string }> {
  const expr = `(derivation { name = ${JSON.stringify(name)}; system = "x86_64-linux"; builder = "/bin/sh"; }).drvPath`;
  const r = await execa(join(bin, 'nix-instantiate'), ['--readonly-mode', '--eval', '--strict', '-E', expr], { reject: false });
  return { ok: r.exitCode === 0, text: r.exitCode === 0 ? r.stdout : r.stderr };
}

async function validate(config: object): Promise<{ exitCode: number; stderr: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-store23-'));
  writeFileSync(join(dir, 'nixlab.json'), JSON.stringify(config));
  return { ...(await nixlab(['validate'], { cwd: dir })), dir };
}

describe('issue 23 medium 7: names that reach a store path fit Nix store path names', () => {
  it.each(Object.entries(NIXES))('Nix %s takes derivations named after the longest kernel name, and refuses one character more', async (_v, bin) => {
    for (const derivation of KERNEL_DERIVATION_NAMES) {
      const longest = await drvOf(bin, derivation('k'.repeat(KERNEL_NAME_MAX)));
      expect(longest).toMatchObject({ ok: true });
      expect(longest.text).toContain(`-${derivation('k'.repeat(KERNEL_NAME_MAX))}.drv`);
      const over = await drvOf(bin, derivation('k'.repeat(KERNEL_NAME_MAX + 1)));
      expect(over.ok).toBe(false);
      expect(over.text).toMatch(new RegExp(`(longer than|no longer than) ${NIX_STORE_NAME_MAX} characters`));
    }
    expect(NIX_DERIVATION_NAME_MAX).toBe(NIX_STORE_NAME_MAX - 4);
  });

  it("the kernelspec derivation's name in nix/kernelspec.nix is the one the rule counts", () => {
    expect(readFileSync(resolve('nix/kernelspec.nix'), 'utf8')).toContain(`runCommand "${kernelspecDerivationName('${name}')}"`);
  });

  it('validate refuses a kernel name one character too long, saying which limit', async () => {
    const r = await validate({ kernels: [{ kind: 'python', name: 'k'.repeat(KERNEL_NAME_MAX + 1) }] });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`nixlab.json:$.kernels[0].name: kernel name is too long (${KERNEL_NAME_MAX + 1} characters, at most ${KERNEL_NAME_MAX}): Nix store path names have at most ${NIX_STORE_NAME_MAX} characters, and the kernel's derivations are named "kernelspec-<name>" and "kernel-<name>-env" (.drv files add 4)`);
    expect((await validate({ kernels: [{ kind: 'python', name: 'k'.repeat(KERNEL_NAME_MAX) }] })).exitCode).toBe(0);
  });

  it('a project whose custom and Python kernels have the longest name instantiates with Nix 2.8', async () => {
    const name = (c: string) => c.repeat(KERNEL_NAME_MAX);
    const kernels = [
      { kind: 'custom', name: name('c'), language: 'sh', argv: ['sh', '{connection_file}'], packages: ['busybox'] },
      { kind: 'python', name: name('p') },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-store23-'));
    writeFileSync(join(dir, 'nixlab.json'), JSON.stringify({ kernels, image: { name: `${'n'.repeat(120)}/${'m'.repeat(120)}` } }));
    expect((await nixlab(['generate', '--out', 'project'], { cwd: dir })).exitCode).toBe(0);
    const r = await execa('nix-instantiate', [join(dir, 'project'), '-A', 'imageRoot', '--arg', 'pkgs', `import ${EVAL_PKGS} { }`], { reject: false });
    expect(r.stderr).not.toMatch(/longer than/);
    expect(r.exitCode).toBe(0);
  });

  it('validate refuses a start hook whose file name Nix cannot use as a store path name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-store23-'));
    mkdirSync(join(dir, 'hooks'));
    const long = `${'h'.repeat(NIX_STORE_NAME_MAX - 2)}.sh`;
    for (const f of ['my hook.sh', long, 'ok.sh']) writeFileSync(join(dir, 'hooks', f), 'true\n');
    writeFileSync(join(dir, 'nixlab.json'), JSON.stringify({ kernels: [{ kind: 'python', name: 'py' }], image: { startHooks: ['hooks/my hook.sh', `hooks/${long}`, 'hooks/ok.sh'] } }));
    const r = await nixlab(['validate'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('nixlab.json:$.image.startHooks[0]: the file name "my hook.sh" contains " "');
    expect(r.stderr).toContain(`nixlab.json:$.image.startHooks[1]: the file name "hhhh`);
    expect(r.stderr).toContain(`has ${NIX_STORE_NAME_MAX + 1} characters`);
    expect(r.stderr).not.toContain('startHooks[2]');
  });
});
