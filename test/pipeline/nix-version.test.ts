// Building against real nixpkgs (the pin or a checkout) with a Nix too old for it, or without the
// network: the real `nixlab build`, with Debian 12's Nix 2.8 (/usr/bin) and Debian 13's 2.26
// (scripts/modern-nix.mjs) on PATH. The machines have no internet, so the pin's fetch really fails.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkoutMinNix, modernNixBin, parseNixVersion, versionLess } from '../../src/pipeline/nix-version.js';
import { nixlab } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-nixver-'));
const demo = resolve('examples/demo/nixlab.yaml');
const build = (extra: string[], path: string) =>
  nixlab(['build', demo, '--generated-dir', join(work, 'gen'), '--out-link', join(work, 'result'), '-o', join(work, 'demo.tar'), ...extra], {
    env: { PATH: path },
  });
const debianPath = `/usr/bin:/bin:/usr/sbin:/sbin:${process.env.PATH}`;
const modernPath = `${modernNixBin()}:${debianPath}`;

/** A directory nixlab takes for a nixpkgs checkout, asking for Nix `min` the way `file` does. */
function checkout(name: string, file: 'minfeatures' | 'minver', min: string): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'default.nix'), '{ ... }: { }\n');
  writeFileSync(
    join(dir, 'lib', `${file}.nix`),
    file === 'minver' ? `# Expose the minimum required version for evaluating Nixpkgs\n"${min}"\n` : `{ nixVersion = { condition = builtins ? nixVersion && builtins.compareVersions "${min}" builtins.nixVersion != 1; }; }\n`,
  );
  return dir;
}

describe('the Nix version a package set needs', () => {
  it('reads it from a checkout (lib/minfeatures.nix, or lib/minver.nix before it)', () => {
    expect(checkoutMinNix(checkout('new', 'minfeatures', '2.18'))).toBe('2.18');
    expect(checkoutMinNix(checkout('old', 'minver', '2.3.17'))).toBe('2.3.17');
    expect(versionLess(parseNixVersion('nix-build (Nix) 2.8.0')!, [2, 18])).toBe(true);
    expect(versionLess(parseNixVersion('nix-build (Nix) 2.26.3')!, [2, 18])).toBe(false);
  });

  it("refuses the pin with Debian 12's Nix 2.8 and says what to put on PATH (exit 2, nothing built)", async () => {
    const r = await build([], debianPath);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('the nixpkgs pinned in flake.lock needs Nix 2.18 or newer, and the nix-build on PATH is 2.8.0');
    expect(r.stderr).toContain(`export PATH=${modernNixBin()}:$PATH`);
    expect(r.stderr).toContain('--pkgs offline');
    expect(r.stderr).not.toContain('unable to download');
    expect(existsSync(join(work, 'demo.tar'))).toBe(false);
  });

  it('refuses a checkout that needs a newer Nix, and builds against an old one with 2.8', async () => {
    const r = await build(['--pkgs', checkout('needs', 'minfeatures', '2.18')], debianPath);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`the nixpkgs checkout ${join(work, 'needs')} needs Nix 2.18 or newer`);
    // lib/minver.nix asking for 2.3.17: Nix 2.8 is new enough, so nix-build runs (and fails on
    // this stand-in checkout's missing attributes, not on the version).
    const old = await build(['--pkgs', checkout('old2', 'minver', '2.3.17')], debianPath);
    expect(old.stderr).not.toContain('needs Nix');
  });

  it('says to use --pkgs offline or a local checkout when the pin cannot be downloaded', async () => {
    expect(existsSync(join(modernNixBin(), 'nix-build'))).toBe(true);
    const r = await build([], modernPath);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/could not download the pinned nixpkgs https:\/\/github\.com\/NixOS\/nixpkgs\/archive\/[0-9a-f]{40}\.tar\.gz \(/);
    expect(r.stderr).toContain('--pkgs offline');
    expect(r.stderr).toContain('--pkgs PATH');
    expect(existsSync(join(work, 'demo.tar'))).toBe(false);
  });
});
