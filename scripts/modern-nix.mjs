#!/usr/bin/env node
// Installs Debian 13 (trixie)'s own `nix-bin` (Nix 2.26) and its library closure into a prefix,
// for evaluating real nixpkgs 26.x (which needs Nix >= 2.18; Debian 12 ships 2.8).
//
//   node scripts/modern-nix.mjs [PREFIX]      default: $NIXLAB_MODERN_NIX or /opt/nixlab/nix-trixie
//
// Nothing goes through apt or dpkg: no apt source is added and dpkg's database is untouched.
// 1. The suite's InRelease is checked with gpgv against bookworm's debian-archive-keyring
//    (which holds trixie's release keys).
// 2. Packages.xz is checked against the SHA256 that InRelease signs.
// 3. The closure of nix-bin's Depends (shared libraries only; tools such as perl and curl are
//    not needed to evaluate or build) is resolved from Packages, and each .deb is checked
//    against its SHA256 in Packages.
// 4. Each .deb is unpacked with `dpkg-deb -x` into PREFIX/root, and PREFIX/bin gets one wrapper
//    per Nix command that runs the binary through trixie's own loader and libraries
//    (`ld.so --library-path … --argv0 NAME`), so the host's glibc 2.36 is never mixed in.
// PREFIX/manifest.json records the suite, the InRelease date and every package's version and
// SHA256. Running it again with the same archive state is a no-op.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { MIRROR, checkedFile, die as failWith, signedSuite } from './debian-archive.mjs';

const SUITE = 'trixie';
const ARCH = 'amd64';
const TRIPLET = 'x86_64-linux-gnu';
// Depends of nix-bin that are programs nix may call for things nixlab never asks of it
// (perl scripts, fetching with curl, bzip2/xz decompression of NARs from a cache).
const SKIP = new Set(['perl', 'perl-base', 'curl', 'bzip2', 'xz-utils', 'bash-static', 'libdbd-sqlite3-perl',
  'libwww-curl-perl', 'debconf', 'nix-setup-systemd']);
// The commands nix-bin provides as names of its one binary.
const COMMANDS = ['nix', 'nix-build', 'nix-instantiate', 'nix-store', 'nix-env', 'nix-shell', 'nix-hash',
  'nix-collect-garbage', 'nix-copy-closure', 'nix-prefetch-url'];
const MIN_VERSION = [2, 18];

const prefix = process.argv[2] ?? process.env.NIXLAB_MODERN_NIX ?? '/opt/nixlab/nix-trixie';

const die = (msg) => failWith('modern-nix', msg);

function versionAtLeast(v, min) {
  const [a, b] = v.split(/[.+-]/).map(Number);
  return a > min[0] || (a === min[0] && b >= min[1]);
}

async function main() {
  const work = join(prefix, '.download');
  // 1.-2. The signed release file and the package index it signs (scripts/debian-archive.mjs).
  const suite = await signedSuite('modern-nix', SUITE, work);
  const date = suite.date;
  const packages = await suite.index(`main/binary-${ARCH}/Packages.xz`);
  const provides = new Map();
  for (const [name, f] of packages) {
    for (const p of (f.Provides ?? '').split(',')) {
      const n = p.trim().split(/\s/)[0];
      if (n && !provides.has(n)) provides.set(n, name);
    }
  }

  // 3. nix-bin's library closure.
  const closure = [];
  const todo = ['nix-bin'];
  while (todo.length) {
    let name = todo.pop();
    if (SKIP.has(name)) continue;
    if (!packages.has(name)) name = provides.get(name);
    if (!name) continue;
    if (closure.includes(name)) continue;
    closure.push(name);
    const f = packages.get(name);
    for (const dep of `${f['Pre-Depends'] ?? ''},${f.Depends ?? ''}`.split(',')) {
      const first = dep.split('|')[0].trim().split(/[\s:]/)[0];
      if (first) todo.push(first);
    }
  }
  closure.sort();
  const nixVersion = packages.get('nix-bin').Version;
  if (!versionAtLeast(nixVersion, MIN_VERSION)) die(`${SUITE}'s nix-bin is ${nixVersion}, older than ${MIN_VERSION.join('.')}`);

  const manifest = {
    suite: SUITE,
    mirror: MIRROR,
    inReleaseDate: date,
    nix: nixVersion,
    packages: closure.map((n) => ({ name: n, version: packages.get(n).Version, sha256: packages.get(n).SHA256 })),
  };
  const manifestFile = join(prefix, 'manifest.json');
  const same = existsSync(manifestFile) && existsSync(join(prefix, 'bin', 'nix')) &&
    JSON.stringify(JSON.parse(readFileSync(manifestFile, 'utf8')).packages) === JSON.stringify(manifest.packages);
  if (same) {
    console.log(`modern-nix: Nix ${nixVersion} already in ${prefix}`);
    rmSync(work, { recursive: true, force: true });
    return;
  }

  // 4. Download, check, unpack into a fresh root; swap it in at the end.
  const root = join(prefix, 'root.new');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  for (const name of closure) {
    const f = packages.get(name);
    const deb = await checkedFile('modern-nix', f.Filename, f.SHA256);
    const file = join(work, `${name}.deb`);
    writeFileSync(file, deb);
    execFileSync('dpkg-deb', ['-x', file, root]);
  }
  const loader = `usr/lib/${TRIPLET}/ld-linux-x86-64.so.2`;
  if (!existsSync(join(root, loader))) die(`the unpacked libc6 has no ${loader}`);
  rmSync(join(prefix, 'root'), { recursive: true, force: true });
  renameSync(root, join(prefix, 'root'));

  const bin = join(prefix, 'bin');
  mkdirSync(bin, { recursive: true });
  const r = join(prefix, 'root');
  const libs = [`${r}/usr/lib/${TRIPLET}`, `${r}/lib/${TRIPLET}`].join(':');
  for (const cmd of COMMANDS) {
    const file = join(bin, cmd);
    writeFileSync(file, `#!/bin/sh\n# Debian ${SUITE}'s Nix ${nixVersion}, run by its own loader (scripts/modern-nix.mjs).\n` +
      `exec '${r}/${loader}' --library-path '${libs}' --argv0 ${cmd} '${r}/usr/bin/nix' "$@"\n`);
    chmodSync(file, 0o755);
  }
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  const v = execFileSync(join(bin, 'nix'), ['--version']).toString().trim();
  console.log(`modern-nix: ${v} in ${bin} (${closure.length} packages from ${SUITE}, InRelease of ${date})`);
}

await main();
