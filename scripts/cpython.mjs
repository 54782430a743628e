#!/usr/bin/env node
// Builds the offline package set's CPython 3.13 from source on this machine, into a fixed prefix
// that offline/python/host-cpython.nix copies into the store. Debian 12 has only 3.11, and
// Debian 13's python3.13 binaries need its newer glibc; its source builds with Debian 12's gcc
// and libraries (scripts/debian-packages.txt lists the -dev packages).
//
//   node scripts/cpython.mjs       prefix: $NIXLAB_CPYTHON_ROOT (default /opt/nixlab/cpython)/<version>
//
// 1. offline/python/cpython.json pins the source: suite, source package, version, orig tarball
//    and its SHA256. The suite's signed Sources must list that file with that SHA256
//    (scripts/debian-archive.mjs checks InRelease with gpgv, then Sources.xz), and the
//    downloaded file must have it.
// 2. configure --enable-shared (as pyenv and nixpkgs build it), no PGO or LTO, make -j2
//    ($NIXLAB_CPYTHON_JOBS), SOURCE_DATE_EPOCH fixed, in ROOT/.build-<version>, removed after.
// 3. PREFIX/nixlab-cpython.json records the pin and the configure arguments; it is written last,
//    so a prefix without it is an unfinished build and is built again. Running this again with
//    the same pin is a no-op that needs no network.
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkedFile, die as failWith, signedSuite } from './debian-archive.mjs';

const TOOL = 'cpython';
const die = (msg) => failWith(TOOL, msg);
const PIN_FILE = join(dirname(fileURLToPath(import.meta.url)), '..', 'offline', 'python', 'cpython.json');
const pin = JSON.parse(readFileSync(PIN_FILE, 'utf8'));
const root = process.env.NIXLAB_CPYTHON_ROOT || '/opt/nixlab/cpython';
const jobs = process.env.NIXLAB_CPYTHON_JOBS || '2';
const prefix = join(root, pin.version);
const minor = pin.version.split('.').slice(0, 2).join('.');
const exe = join(prefix, 'bin', `python${minor}`);
const MARKER = 'nixlab-cpython.json';
const PARTIAL = 'nixlab-cpython.partial';
// --disable-test-modules: the test suite and its extension modules are neither built nor
// installed (the store copy leaves the test suite out, as nixpkgs does); --without-ensurepip:
// no bundled pip (left out too). The RUNPATH names the prefix; the store copy replaces it.
const CONFIGURE = [`--prefix=${prefix}`, '--enable-shared', '--without-ensurepip', '--disable-test-modules',
  `LDFLAGS=-Wl,-rpath,${prefix}/lib`];
// The modules whose Debian -dev packages a fresh machine might lack, and the package to install.
const MODULES = { ssl: 'libssl-dev', ctypes: 'libffi-dev', zlib: 'zlib1g-dev', bz2: 'libbz2-dev', lzma: 'liblzma-dev',
  sqlite3: 'libsqlite3-dev', readline: 'libreadline-dev', curses: 'libncurses-dev', uuid: 'uuid-dev', decimal: '(bundled)' };

const record = { suite: pin.suite, source: pin.source, version: pin.version, file: pin.file, sha256: pin.sha256, configure: CONFIGURE };

/** The version the prefix's interpreter reports, or undefined when it does not run. */
function builtVersion() {
  try {
    return execFileSync(exe, ['-I', '-c', 'import platform; print(platform.python_version())'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return undefined;
  }
}

function done() {
  const m = join(prefix, MARKER);
  return existsSync(m) && readFileSync(m, 'utf8') === `${JSON.stringify(record, null, 2)}\n` && builtVersion() === pin.version;
}

async function main() {
  if (done()) {
    console.log(`cpython: CPython ${pin.version} already built in ${prefix}`);
    return;
  }
  // Only a prefix this script made (its marker, finished or not) is removed.
  if (existsSync(prefix)) {
    if (!existsSync(join(prefix, MARKER)) && !existsSync(join(prefix, PARTIAL))) {
      die(`${prefix} exists and was not made by scripts/cpython.mjs: move it away, or set NIXLAB_CPYTHON_ROOT to another directory`);
    }
    rmSync(prefix, { recursive: true, force: true });
  }

  // 1. The pinned source, checked against the suite's signed Sources.
  const build = join(root, `.build-${pin.version}`);
  rmSync(build, { recursive: true, force: true });
  const suite = await signedSuite(TOOL, pin.suite, join(build, 'download'));
  const stanza = (await suite.index('main/source/Sources.xz')).get(pin.source);
  if (!stanza) die(`${pin.suite}'s Sources has no ${pin.source}`);
  const listed = (stanza['Checksums-Sha256'] ?? '').split('\n').map((l) => l.trim().split(/\s+/)).find((p) => p[2] === pin.file);
  if (!listed) {
    die(`${pin.suite}'s Sources lists ${pin.source} ${stanza.Version} without ${pin.file}: update ${PIN_FILE} (version, file, sha256) to a file it lists`);
  }
  if (listed[0] !== pin.sha256) die(`${pin.suite}'s Sources gives ${pin.file} the SHA256 ${listed[0]}, not the pinned ${pin.sha256} (${PIN_FILE})`);
  const tarball = await checkedFile(TOOL, `${stanza.Directory}/${pin.file}`, pin.sha256);
  writeFileSync(join(build, pin.file), tarball);

  // 2. Configure, build, install.
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, PARTIAL), 'scripts/cpython.mjs is building here\n');
  const log = join(root, `build-${pin.version}.log`);
  const fd = openSync(log, 'w');
  const started = Date.now();
  const steps = [
    `tar -xJf ${JSON.stringify(pin.file)}`,
    `cd Python-${pin.version}`,
    `./configure ${CONFIGURE.map((a) => `'${a}'`).join(' ')}`,
    `make -j${jobs}`,
    'make install',
  ].join(' && ');
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', steps], {
    cwd: build,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', SOURCE_DATE_EPOCH: '315532800', PYTHONHASHSEED: '0' },
  });
  closeSync(fd);
  if (r.status !== 0) {
    const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-25).join('\n');
    die(`building CPython ${pin.version} failed (exit ${r.status ?? r.signal}); the log is ${log}:\n${tail}`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);

  // Every module the offline set's interpreter is checked for imports (a missing -dev package
  // leaves its module out without failing the build).
  const missing = Object.entries(MODULES).filter(([m]) => spawnSync(exe, ['-I', '-c', `import ${m}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length) die(`CPython ${pin.version} was built without ${missing.map(([m, p]) => `${m} (${p})`).join(', ')}: install the Debian packages and run this again`);
  if (builtVersion() !== pin.version) die(`${exe} does not report Python ${pin.version}`);
  rmSync(build, { recursive: true, force: true });
  writeFileSync(join(prefix, MARKER), `${JSON.stringify(record, null, 2)}\n`);
  rmSync(join(prefix, PARTIAL));
  console.log(`cpython: CPython ${pin.version} built in ${prefix} in ${seconds} s (${pin.suite}'s ${pin.file}, InRelease of ${suite.date}; log ${log})`);
}

await main();
