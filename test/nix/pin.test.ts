// The nixpkgs pin comes from flake.lock and is turned into fetchTarball arguments.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { resolvePin, toNixBase32 } from '../../src/nix/pin.js';

describe('nixpkgs pin', () => {
  it('encodes hashes exactly as nix-hash --to-base32 does', async () => {
    for (const hex of ['00'.repeat(32), 'ff'.repeat(32), '0123456789abcdef'.repeat(4), 'deadbeef'.repeat(8)]) {
      const { stdout } = await execa('nix-hash', ['--type', 'sha256', '--to-base32', hex]);
      expect(toNixBase32(Buffer.from(hex, 'hex'))).toBe(stdout.trim());
    }
  });

  it('reads the NixOS/nixpkgs release-branch revision from flake.lock', () => {
    const lock = JSON.parse(readFileSync('flake.lock', 'utf8'));
    const pin = resolvePin();
    expect(lock.nodes.nixpkgs.original.ref).toMatch(/^nixos-\d\d\.\d\d$/);
    expect(pin.rev).toBe(lock.nodes.nixpkgs.locked.rev);
    expect(pin.url).toBe(`https://github.com/NixOS/nixpkgs/archive/${pin.rev}.tar.gz`);
    expect(pin.sha256).toBe(toNixBase32(Buffer.from(lock.nodes.nixpkgs.locked.narHash.slice(7), 'base64')));
  });

  it('takes a config override', () => {
    const pin = resolvePin({ rev: 'a'.repeat(40), narHash: 'sha256-' + Buffer.alloc(32, 7).toString('base64') });
    expect(pin.url).toContain('a'.repeat(40));
    expect(pin.sha256).toHaveLength(52);
  });
});
