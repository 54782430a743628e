#!/usr/bin/env node
// Downloads the npm tarballs the offline package set builds from (offline/node/binaries.json and
// every offline/node/*/package-lock.json) into one cache directory, checking each against the
// sha512 integrity the lock file records. Nix takes them from there by that same hash
// (offline/node/fetch.nix), so nothing is downloaded at build or test time.
//
// Usage: node scripts/fetch-npm-tarballs.mjs            (cache: $NIXLAB_NPM_CACHE or the default)
// Run by scripts/setup.sh. Safe to run again: files already cached with the right hash are kept.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodeDir = join(root, 'offline/node');
// Keep in sync with offline/node/fetch.nix (defaultCacheDir, cacheEnvVar).
const cacheDir = process.env.NIXLAB_NPM_CACHE || '/var/cache/nixlab/npm-tarballs';

/** The cache file name of a package version: npm pack's own naming (@scope/name -> scope-name). */
export const fileName = (name, version) => `${name.replace(/^@/, '').replace('/', '-')}-${version}.tgz`;

/** Every tarball the offline set needs: { name, version, integrity }, sorted and deduplicated. */
function wanted() {
  const all = new Map();
  const add = (name, version, integrity, where) => {
    if (!/^sha512-[A-Za-z0-9+/]+=*$/.test(integrity ?? '')) throw new Error(`${where}: ${name}@${version} has no sha512 integrity`);
    all.set(`${name}@${version}`, { name, version, integrity });
  };
  const binaries = JSON.parse(readFileSync(join(nodeDir, 'binaries.json'), 'utf8'));
  for (const [attr, b] of Object.entries(binaries)) if (attr !== '//') add(b.package, b.version, b.integrity, 'offline/node/binaries.json');
  for (const d of readdirSync(nodeDir).sort()) {
    const lock = join(nodeDir, d, 'package-lock.json');
    if (!existsSync(lock)) continue;
    for (const [key, p] of Object.entries(JSON.parse(readFileSync(lock, 'utf8')).packages)) {
      if (key === '') continue;
      // "node_modules/a/node_modules/@s/b" -> "@s/b"
      add(p.name ?? key.replace(/^(.*\/)?node_modules\//, ''), p.version, p.integrity, `offline/node/${d}/package-lock.json`);
    }
  }
  return [...all.values()].sort((a, b) => fileName(a.name, a.version).localeCompare(fileName(b.name, b.version)));
}

const sriOf = (file) => `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;

function main() {
  mkdirSync(cacheDir, { recursive: true });
  const missing = wanted().filter((t) => {
    const f = join(cacheDir, fileName(t.name, t.version));
    return !(existsSync(f) && sriOf(f) === t.integrity);
  });
  console.log(`npm tarballs: ${missing.length} to download into ${cacheDir}`);
  if (missing.length === 0) return;
  const tmp = mkdtempSync(join(tmpdir(), 'nixlab-npm-'));
  try {
    // npm pack downloads through npm's own registry configuration and cache.
    execFileSync('npm', ['pack', '--silent', '--pack-destination', tmp, ...missing.map((t) => `${t.name}@${t.version}`)], { stdio: ['ignore', 'ignore', 'inherit'] });
    for (const t of missing) {
      const got = join(tmp, fileName(t.name, t.version));
      if (!existsSync(got)) throw new Error(`npm pack did not write ${basename(got)}`);
      const sri = sriOf(got);
      if (sri !== t.integrity) throw new Error(`${t.name}@${t.version}: downloaded tarball has ${sri}, the lock file says ${t.integrity}`);
      renameSync(got, join(cacheDir, fileName(t.name, t.version)));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main();
