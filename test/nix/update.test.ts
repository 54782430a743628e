// `nixlab update`, offline: a nixpkgs stand-in in a local git repository, its revisions as
// tarballs on file:// URLs. Nix really fetches and hashes them; the config is rewritten only
// when everything succeeded.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nixlab } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-update-'));
const repo = join(work, 'nixpkgs');
const remote = join(work, 'remote.git');
const archive = join(work, 'archive');
const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: repo });

/** A commit of the stand-in with these versions; returns its rev, with its tarball in `archive`. */
async function commit(numpy: string, ipykernel: string): Promise<string> {
  writeFileSync(
    join(repo, 'default.nix'),
    `{ config ? { }, overlays ? [ ] }:\n{\n  python312 = { version = "3.12.9"; };\n  python312Packages = {\n    ipykernel = { version = "${ipykernel}"; };\n    numpy = { version = "${numpy}"; };\n  };\n}\n`,
  );
  await git('add', '-A');
  await git('commit', '-q', '-m', `numpy ${numpy}`);
  const rev = (await git('rev-parse', 'HEAD')).stdout.trim();
  await git('archive', `--prefix=nixpkgs-${rev}/`, '-o', join(archive, `${rev}.tar.gz`), rev);
  await git('push', '-q', remote, 'HEAD:refs/heads/nixos-test');
  return rev;
}

async function sri(rev: string): Promise<string> {
  const { stdout } = await execa('nix-prefetch-url', ['--unpack', '--type', 'sha256', `file://${archive}/${rev}.tar.gz`]);
  return (await execa('nix', ['--extra-experimental-features', 'nix-command', 'hash', 'to-sri', '--type', 'sha256', stdout.trim()])).stdout.trim();
}

let rev1: string;
let rev2: string;
let config: string;
let original: string;
const args = () => ['update', config, '--remote', `file://${remote}`, '--archive', `file://${archive}/{rev}.tar.gz`];

beforeAll(async () => {
  mkdirSync(repo);
  mkdirSync(archive);
  await execa('git', ['init', '-q', '--bare', remote]);
  await git('init', '-q');
  rev1 = await commit('1.26.4', '6.29.5');
  const kernels = [{ kind: 'python', name: 'py', version: '3.12', packages: ['numpy'] }];
  config = join(work, 'nixlab.json');
  original = JSON.stringify({ nixpkgs: { rev: rev1, narHash: await sri(rev1) }, kernels }, null, 2) + '\n';
  writeFileSync(config, original);
  rev2 = await commit('2.3.1', '6.29.5');
}, 120_000);

test('moves the pin to the head of a branch, prints both revs and what changed for each kernel', async () => {
  const r = await nixlab([...args(), '--branch', 'nixos-test', '--json']);
  expect([r.exitCode, r.stderr]).toEqual([0, '']);
  const result = JSON.parse(r.stdout);
  expect(result.old.rev).toBe(rev1);
  expect(result.new).toEqual({ rev: rev2, narHash: await sri(rev2) });
  expect(result.versions).toEqual([
    { kernel: 'py', attr: 'python312', before: '3.12.9', after: '3.12.9' },
    { kernel: 'py', attr: 'python312Packages.ipykernel', before: '6.29.5', after: '6.29.5' },
    { kernel: 'py', attr: 'python312Packages.numpy', before: '1.26.4', after: '2.3.1' },
  ]);
  const written = JSON.parse(readFileSync(config, 'utf8'));
  expect(written.nixpkgs).toEqual(result.new);
  expect(written.kernels).toEqual(JSON.parse(original).kernels);
  // The human form marks what changed.
  writeFileSync(config, original);
  const text = await nixlab([...args(), '--rev', rev2]);
  expect(text.exitCode).toBe(0);
  expect(text.stdout).toContain(`nixpkgs ${rev1} -> ${rev2}`);
  expect(text.stdout).toMatch(/^\* py: python312Packages\.numpy +1\.26\.4 -> 2\.3\.1$/m);
  expect(text.stdout).toMatch(/^ {2}py: python312 +3\.12\.9 -> 3\.12\.9$/m);
  writeFileSync(config, original);
}, 120_000);

test.each([
  ['a branch that does not exist', ['--branch', 'nixos-99.99'], 'branch "nixos-99.99" does not exist'],
  ['an unknown revision', ['--rev', 'f'.repeat(40)], `nixpkgs revision ${'f'.repeat(40)} could not be fetched`],
  ['a hash that does not match', ['--branch', 'nixos-test', '--narHash', `sha256-${'A'.repeat(43)}=`], 'has narHash sha256-'],
  ['a revision that is not a commit id', ['--rev', 'nixos-26.05'], 'is not a full commit id'],
])('%s: a clear error, exit 2, and nothing rewritten', async (_name, extra, message) => {
  const r = await nixlab([...args(), ...extra]);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toContain(message);
  expect(readFileSync(config, 'utf8')).toBe(original);
}, 120_000);
