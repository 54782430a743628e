// nixlab build, for real against the offline package set: failures, determinism, no secrets.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nixlab } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-build-'));
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('nixlab build --pkgs offline', () => {
  it('fails with the nix-build log tail and exit code, and writes no image', async () => {
    const out = join(work, 'broken.tar');
    const r = await nixlab(['build', resolve('test/pipeline/fixtures/failing/nixlab.yaml'), '--pkgs', 'offline', '-q', '-o', out, '--out-link', join(work, 'broken-result'), '--generated-dir', join(work, 'gen-broken')]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error: something specific went wrong in the kernel build');
    expect(r.stderr).toMatch(/`nix-build .*` exited with code 1/);
    expect(r.stderr).toContain('last ');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('writes byte-identical images from the same config, and never a token', async () => {
    const a = join(work, 'a.tar');
    const b = join(work, 'b.tar');
    for (const [out, link] of [[a, 'ra'], [b, 'rb']] as const) {
      const r = await nixlab(['build', resolve('examples/demo/nixlab.yaml'), '--pkgs', 'offline', '-q', '-o', out, '--out-link', join(work, link), '--generated-dir', join(work, `gen-${link}`)]);
      expect(r.exitCode).toBe(0);
    }
    expect(sha(a)).toBe(sha(b));
    const inspected = JSON.parse((await nixlab(['inspect', a, '--json'])).stdout);
    const env: string[] = inspected.config.config.Env;
    expect(env.some((kv) => kv.startsWith('JUPYTER_TOKEN') || kv.startsWith('JUPYTER_PASSWORD'))).toBe(false);
    expect(env).toEqual(expect.arrayContaining(['JUPYTER_CONFIG_DIR=/etc/jupyter', 'NIXLAB_IP=*', 'JUPYTER_PORT=8888', 'NIXLAB_NOTEBOOK_DIR=/data']));
    expect(env.find((kv) => kv.startsWith('JUPYTER_RUNTIME_DIR='))).not.toMatch(/\/nix\/store/);
    expect(inspected.config.config.User).toBe('1000:100');
    expect(inspected.config.config.Entrypoint[1]).toBe('-g');
    expect(inspected.config.config.Entrypoint[0]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-tini-[^/]+\/bin\/tini$/);
    expect(Object.keys(inspected.config.config.Volumes)).toEqual(['/data']);
  });
});
