// Checked downloads from Debian's archive, for set-up scripts that take files from a suite other
// than the machine's own (scripts/modern-nix.mjs: trixie's Nix; scripts/cpython.mjs: trixie's
// CPython source). Nothing goes through apt: no apt source is added, dpkg's database is untouched.
//  1. The suite's InRelease is checked with gpgv against bookworm's debian-archive-keyring
//     (which holds the release keys of trixie and later suites).
//  2. An index (Packages.xz, Sources.xz) is checked against the SHA256 that InRelease signs.
//  3. A file the index names is checked against the SHA256 the index gives it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MIRROR = process.env.NIXLAB_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/** A set-up failure: the script's name and the message, exit 1. */
export function die(tool, msg) {
  console.error(`${tool}: ${msg}`);
  process.exit(1);
}

/** The bytes at `url`, with 4 attempts (the mirror may be slow, not wrong: hashes decide that). */
export async function download(tool, url) {
  let last;
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
  return die(tool, `cannot download ${url}: ${last?.message ?? last}`);
}

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** Deb822 stanzas (Packages, Sources) by their Package field, the first stanza of each name. */
export function parseStanzas(text) {
  const out = new Map();
  for (const stanza of text.split(/\n\n+/)) {
    const f = {};
    let key;
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
      if (m) { key = m[1]; f[key] = m[2]; } else if (key && /^\s/.test(line)) f[key] += `\n${line.trim()}`;
    }
    if (f.Package && !out.has(f.Package)) out.set(f.Package, f);
  }
  return out;
}

/**
 * The suite's signed release: `date` (its Date field) and `index(path)`, which downloads
 * dists/SUITE/PATH (e.g. `main/source/Sources.xz`), checks it against InRelease's SHA256 and
 * returns it decompressed and parsed into stanzas. `work` is a scratch directory.
 */
export async function signedSuite(tool, suite, work) {
  if (!existsSync(KEYRING)) die(tool, `${KEYRING} is missing: apt-get install debian-archive-keyring`);
  mkdirSync(work, { recursive: true });
  const inRelease = await download(tool, `${MIRROR}/dists/${suite}/InRelease`);
  const inReleaseFile = join(work, 'InRelease');
  writeFileSync(inReleaseFile, inRelease);
  try {
    execFileSync('gpgv', ['--keyring', KEYRING, inReleaseFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    die(tool, `InRelease of ${suite} fails its signature check:\n${e.stderr}`);
  }
  const release = inRelease.toString('utf8');
  const date = /^Date: (.*)$/m.exec(release)?.[1] ?? '';
  const shaBlock = release.split(/^SHA256:$/m)[1] ?? '';
  async function index(path) {
    const entry = shaBlock.split('\n').map((l) => l.trim().split(/\s+/)).find((p) => p[2] === path);
    if (!entry) die(tool, `InRelease of ${suite} lists no SHA256 for ${path}`);
    const xz = await download(tool, `${MIRROR}/dists/${suite}/${path}`);
    if (sha256(xz) !== entry[0]) die(tool, `${path}: SHA256 ${sha256(xz)} is not the signed ${entry[0]}`);
    return parseStanzas(execFileSync('xz', ['-dc'], { input: xz, maxBuffer: 1 << 30 }).toString('utf8'));
  }
  return { date, index };
}

/** The pool file at `filename` (relative to the mirror), checked against the SHA256 its index gives. */
export async function checkedFile(tool, filename, expected) {
  const buf = await download(tool, `${MIRROR}/${filename}`);
  if (sha256(buf) !== expected) die(tool, `${filename}: SHA256 ${sha256(buf)} is not the indexed ${expected}`);
  return buf;
}
