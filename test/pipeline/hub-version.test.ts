// The single-user target's version check at build time: a config that declares a hub version
// the package set's jupyterhub does not have is refused after the real nix-build, before any
// image is packed, naming both versions and the fix (exit 2); `validate --pkgs offline` says
// the same without building. A matching version builds an image whose Cmd is jupyterhub-singleuser.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nixlab } from '../helpers/cli.js';
import { packageSetHubVersion } from '../../src/runtime/hub.js';
import { readDockerArchive } from '../helpers/docker.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-hub-version-'));
const offline = packageSetHubVersion({ kind: 'offline' })!;
const offlineMinor = offline.split('.').slice(0, 2).join('.');

function config(version: string): string {
  const file = join(work, `hub-${version}.yaml`);
  writeFileSync(file, `hub: { version: "${version}", authenticator: dummy }\nkernels: [{ kind: python, name: py }]\nimage: { name: hubv, volumes: [/home/jovyan/work] }\n`);
  return file;
}

describe('hub.version against the package set', () => {
  it('build: a mismatch is a typed error after nix-build, and no image is written', async () => {
    const out = join(work, 'mismatch.tar');
    const r = await nixlab(['build', config('5.4'), '--pkgs', 'offline', '-q', '--out-link', join(work, 'r1'), '-o', out]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('$.hub.version');
    expect(r.stderr).toContain('JupyterHub 5.4');
    expect(r.stderr).toContain(`jupyterhub ${offline}`);
    expect(r.stderr).toContain(`version: "${offlineMinor}"`);
    expect(existsSync(out)).toBe(false);
  }, 300_000);

  it('validate --pkgs offline says so without building', async () => {
    const r = await nixlab(['validate', config('5.4'), '--pkgs', 'offline']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`jupyterhub ${offline}`);
    expect((await nixlab(['validate', config(offlineMinor), '--pkgs', 'offline'])).exitCode).toBe(0);
  });

  it('a matching version builds a single-user image: Cmd jupyterhub-singleuser', async () => {
    const out = join(work, 'ok.tar');
    const r = await nixlab(['build', config(offlineMinor), '--pkgs', 'offline', '-q', '--out-link', join(work, 'r2'), '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const { config: image } = await readDockerArchive(out);
    const c = image.config as { Cmd: string[]; User: string; Labels: Record<string, string> };
    expect(c.Cmd[c.Cmd.length - 1]).toMatch(/\/bin\/jupyterhub-singleuser$/);
    expect(c.User).toBe('1000:100');
    expect(c.Labels['dev.nixlab.hub.version']).toBe(offlineMinor);
  }, 300_000);
});
