// Python + Jupyter of the offline package set: Debian 12's packages in the Nix store, checked
// by running them -- on the host and chrooted into a root file system that holds nothing but
// the environment's closure (what a FROM-scratch image contains).
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFFLINE_PKGS, build, buildFails, closure, existsSync, head, narSize, read, readlinkOrNull } from './helpers.js';

jest.setTimeout(600_000);

const NUMPY_IPYKERNEL = 'pkgs.python3.withPackages (ps: [ ps.numpy ps.ipykernel ])';
// Every package python/names.nix offers (Jupyter, numpy, pandas, requests, ... 84 of them).
const EVERYTHING = `pkgs.python311.withPackages (ps: map (n: ps.\${n}) (builtins.attrNames (import ${OFFLINE_PKGS}/python/names.nix).available))`;

// Top-level modules of those packages. matplotlib-inline is left out: importing it imports
// matplotlib, which Debian's python3-matplotlib-inline does not depend on (same on the host).
const MODULES =
  'anyio argon2 asttokens attr backcall bleach bs4 bytecode certifi chardet charset_normalizer coverage cryptography ' +
  'dateutil debugpy decorator defusedxml distro entrypoints executing fastjsonschema html5lib httplib2 idna ipykernel ' +
  'IPython ipython_genutils jedi jinja2 jsonschema jupyter_client jupyter_core jupyter_server jupyterlab_pygments ' +
  'lxml.etree markupsafe metakernel nbclient nbconvert nbformat nest_asyncio notebook numpy oauthlib packaging pandas ' +
  'pandocfilters parso pexpect pickleshare prometheus_client prompt_toolkit psutil ptyprocess pure_eval py pydevd ' +
  'pygments jwt OpenSSL pyparsing pyrsistent pytz yaml zmq requests send2trash setuptools six sniffio soupsieve ' +
  'stack_data terminado tinycss2 toml tornado traitlets urllib3 wcwidth webencodings websocket wheel xmltodict';

let small: string; // env of NUMPY_IPYKERNEL
let jupyter: string; // env of EVERYTHING

beforeAll(async () => {
  small = await build(NUMPY_IPYKERNEL);
  jupyter = await build(EVERYTHING);
});

/** Runs the env's python with a clean environment (no host PYTHON* variables). */
async function py(env: string, code: string, extraEnv: Record<string, string> = {}) {
  return execa(join(env, 'bin/python'), ['-c', code], { env: { HOME: '/tmp', ...extraEnv }, extendEnv: false, reject: false });
}

describe('python3.withPackages', () => {
  test('the declared packages import and report Debian’s versions', async () => {
    const r = await py(small, 'import numpy, ipykernel; print(numpy.__version__, ipykernel.__version__)');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1.24.2 6.17.0');
  });

  test('exactly the declared packages (and their Python dependencies) are importable', async () => {
    const pandas = await py(small, 'import pandas');
    expect(pandas.exitCode).not.toBe(0);
    expect(pandas.stderr).toContain("ModuleNotFoundError: No module named 'pandas'");
    // ipykernel's dependencies come along, as propagatedBuildInputs do in nixpkgs
    expect((await py(small, 'import jupyter_client, traitlets, zmq, IPython; print("deps")')).stdout).toBe('deps');
    // not a dependency of numpy or ipykernel
    expect((await py(small, 'import jupyter_server')).exitCode).not.toBe(0);
  });

  test('sys.path is the environment and the store only, never the host’s /usr', async () => {
    const r = await py(small, 'import sys, json; print(json.dumps([sys.prefix, sys.executable, sys.path, sys.flags.dont_write_bytecode]))');
    const [prefix, executable, path, noBytecode] = JSON.parse(r.stdout) as [string, string, string[], number];
    expect(prefix).toBe(small);
    expect(executable).toBe(join(small, 'bin/python'));
    expect(path).toContain(join(small, 'lib/python3.11/site-packages'));
    for (const entry of path.filter((p) => p !== '')) expect(entry.startsWith('/nix/store/')).toBe(true);
    expect(JSON.stringify(path)).not.toContain('/usr/');
    expect(noBytecode).toBe(1); // PYTHONDONTWRITEBYTECODE from the wrapper: nothing is written into the store
  });

  test('bin/ has the interpreter names and the packages’ console scripts, as wrappers', async () => {
    for (const name of ['python', 'python3', 'python3.11', 'ipython', 'jupyter', 'jupyter-kernel']) {
      expect(existsSync(join(small, 'bin', name))).toBe(true);
    }
    expect(readlinkOrNull(join(small, 'bin/python'))).toBe('python3.11');
    for (const name of ['jupyter-server', 'jupyter-notebook', 'ipython', 'jupyter']) {
      const script = read(join(jupyter, 'bin', name));
      expect(script).toMatch(/^#!\/nix\/store\/[a-z0-9]{32}-busybox-[\d.]+\/bin\/sh\n/);
      expect(script).toContain('PYTHONDONTWRITEBYTECODE');
    }
    const versions = await execa(join(jupyter, 'bin/jupyter-server'), ['--version']);
    expect(versions.stdout.trim()).toBe('1.23.3');
    // `jupyter <subcommand>` finds jupyter-<subcommand> in the environment
    expect((await execa(join(jupyter, 'bin/jupyter'), ['notebook', '--version'])).stdout.trim()).toBe('6.4.12');
  });

  test('a package Debian has but this machine lacks fails at evaluation, naming the apt package', async () => {
    const stderr = await buildFails('pkgs.python3.withPackages (ps: [ ps.scipy ])');
    expect(stderr).toContain('python3-scipy is not installed');
  });
});

describe('the closure', () => {
  test('every ELF interpreter and RUNPATH and every script shebang points into the store', async () => {
    const paths = await closure(jupyter);
    const patchelf = join(await build('pkgs.patchelf'), 'bin/patchelf');
    const { stdout } = await execa('find', [...paths, '-type', 'f', '(', '-name', '*.so*', '-o', '-perm', '-0100', ')']);
    let elves = 0;
    for (const f of stdout.split('\n')) {
      const start = head(f, 256);
      if (start.startsWith('\u007fELF')) {
        elves++;
        const interp = await execa(patchelf, ['--print-interpreter', f], { reject: false });
        // libc.so.6 keeps Debian's PT_INTERP: it is only ever loaded as a library
        if (interp.exitCode === 0 && !f.endsWith('/libc.so.6')) expect(interp.stdout).toMatch(/^\/nix\/store\/[a-z0-9]{32}-glibc-[\d.]+\/lib\/ld-linux-x86-64\.so\.2$/);
        // fails for static executables (busybox): no dynamic section, no RUNPATH
        const rpath = (await execa(patchelf, ['--print-rpath', f], { reject: false })).stdout.trim();
        for (const entry of rpath.split(':').filter(Boolean)) expect(entry).toMatch(/^(\/nix\/store\/|\$ORIGIN)/);
      } else if (start.startsWith('#!')) {
        expect(start.split('\n')[0]).toMatch(/^#!\s*\/nix\/store\//);
      }
    }
    expect(elves).toBeGreaterThan(100);
  });

  test('is split into per-package store paths with real references between them', async () => {
    const paths = await closure(small);
    const names = paths.map((p) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ''));
    for (const n of ['glibc-2.36', 'python3-3.11.2', 'python3.11-numpy-1.24.2', 'python3.11-ipykernel-6.17.0', 'libzmq5-4.3.4', 'libblas3-3.11.0']) {
      expect(names).toContain(n);
    }
    const numpy = paths.find((p) => p.endsWith('-python3.11-numpy-1.24.2'))!;
    const { stdout } = await execa('nix-store', ['-q', '--references', numpy]);
    expect(stdout).toMatch(/-libblas3-/);
    expect(stdout).toMatch(/-liblapack3-/);
    expect(stdout).toMatch(/-glibc-2\.36/);
    expect(stdout).toMatch(/-python3-3\.11\.2/);
    // no shipped bytecode and no docs
    const { stdout: junk } = await execa('find', [...paths, '(', '-name', '__pycache__', '-o', '-path', '*/share/doc', ')']);
    expect(junk).toBe('');
    // sizes stay sensible (measured: 104 MB NAR for numpy+ipykernel, ~255 MB for everything)
    expect(await narSize(paths)).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('FROM scratch: chroot into a root file system holding only the closure', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = mkdtempSync(join(tmpdir(), 'offline-pkgs-rootfs-'));
    mkdirSync(join(rootfs, 'nix/store'), { recursive: true });
    for (const p of await closure(jupyter)) {
      cpSync(p, join(rootfs, p), { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    }
    // What any container runtime provides even to a FROM-scratch image: /dev/null, /tmp (and /proc,
    // mounted in the kernel test below). No /usr, /lib, /bin, /etc.
    mkdirSync(join(rootfs, 'dev'));
    await execa('mknod', ['-m', '666', join(rootfs, 'dev/null'), 'c', '1', '3']);
    mkdirSync(join(rootfs, 'tmp'), { mode: 0o1777 });
  });

  afterAll(async () => {
    if (rootfs) {
      await execa('umount', [join(rootfs, 'proc')], { reject: false });
      rmSync(rootfs, { recursive: true, force: true });
    }
  });

  // chroot itself is looked up on the test's PATH; the chrooted program gets a bare environment.
  const inRoot = async (argv: string[]) => {
    const chroot = (await execa('sh', ['-c', 'command -v chroot'])).stdout.trim();
    return execa(chroot, [rootfs, ...argv], { env: { HOME: '/tmp' }, extendEnv: false, reject: false });
  };

  test('the root file system has nothing but /nix/store and the runtime’s /dev, /tmp', async () => {
    const { stdout } = await execa('ls', [rootfs]);
    expect(stdout.split('\n').sort()).toEqual(['dev', 'nix', 'tmp']);
  });

  test('python imports ipykernel, jupyter_server, numpy (and pandas with its time zones)', async () => {
    const r = await inRoot([
      join(jupyter, 'bin/python'),
      '-c',
      'import ipykernel, jupyter_server, numpy; print(42)',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('42');
    const p = await inRoot([
      join(jupyter, 'bin/python'),
      '-c',
      'import pandas, numpy, ssl; print(pandas.Timestamp("2024-01-01", tz="Europe/Paris").isoformat(), numpy.linalg.det(numpy.eye(3) * 2))',
    ]);
    expect(p.stderr).toBe('');
    expect(p.stdout).toBe('2024-01-01T00:00:00+01:00 7.999999999999998');
  });

  test('every offered package imports (/proc mounted: psutil reads it at import)', async () => {
    mkdirSync(join(rootfs, 'proc'), { recursive: true });
    await execa('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')]);
    try {
      const code = [
        'import importlib, json, os, certifi',
        `failed = {}`,
        `for m in ${JSON.stringify(MODULES)}.split():`,
        '    try: importlib.import_module(m)',
        '    except Exception as e: failed[m] = repr(e)',
        'from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes',
        'legacy = Cipher(algorithms.CAST5(b"k" * 16), modes.ECB()).encryptor().update(b"12345678").hex()',
        'print(json.dumps({"failed": failed, "certifi": certifi.where(), "exists": os.path.exists(certifi.where()), "legacy": len(legacy)}))',
      ].join('\n');
      const r = await inRoot([join(jupyter, 'bin/python'), '-c', code]);
      const lines = r.stdout.trim().split('\n');
      const result = JSON.parse(lines[lines.length - 1]) as { failed: Record<string, string>; certifi: string; exists: boolean; legacy: number };
      expect(result.failed).toEqual({});
      // certifi hands out the cacert store path's bundle, as nixpkgs' certifi does
      expect(result.certifi).toMatch(/^\/nix\/store\/[a-z0-9]{32}-nss-cacert-[\d.]+\/etc\/ssl\/certs\/ca-bundle\.crt$/);
      expect(result.exists).toBe(true);
      expect(result.legacy).toBe(16); // OpenSSL's legacy provider (CAST5) loads from the store
    } finally {
      await execa('umount', [join(rootfs, 'proc')]);
    }
  });

  test('jupyter-server --version works', async () => {
    const r = await inRoot([join(jupyter, 'bin/jupyter-server'), '--version']);
    expect(r.stdout.trim()).toBe('1.23.3');
    expect(r.exitCode).toBe(0);
  });

  test('daemon threads at interpreter exit do not abort (libgcc_s is found from the store)', async () => {
    writeFileSync(
      join(rootfs, 'tmp/threads.py'),
      'import threading, time\n' +
        'def spin():\n    while True:\n        time.sleep(0.0001)\n' +
        'for _ in range(8):\n    threading.Thread(target=spin, daemon=True).start()\n' +
        'time.sleep(0.05)\nprint("done")\n',
    );
    for (let i = 0; i < 5; i++) {
      const r = await inRoot([join(jupyter, 'bin/python'), '/tmp/threads.py']);
      expect(r.stderr).not.toContain('libgcc_s.so.1 must be installed');
      expect(r.exitCode).toBe(0);
    }
  });

  test('a kernel started from the default kernelspec executes code', async () => {
    // psutil (used by ipykernel) reads /proc, which container runtimes mount.
    mkdirSync(join(rootfs, 'proc'), { recursive: true });
    await execa('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')]);
    try {
      writeFileSync(
        join(rootfs, 'tmp/kernel.py'),
        [
          'from jupyter_client.manager import start_new_kernel',
          'km, kc = start_new_kernel(kernel_name="python3", startup_timeout=120)',
          'out = []',
          'def hook(msg):',
          '    if msg["msg_type"] == "stream":',
          '        out.append(msg["content"]["text"])',
          'reply = kc.execute_interactive("import numpy, sys; print(6 * 7, sys.executable)", timeout=120, output_hook=hook)',
          'print(reply["content"]["status"], "".join(out).strip())',
          'kc.stop_channels()',
          'km.shutdown_kernel(now=False)',
        ].join('\n') + '\n',
      );
      const r = await inRoot([join(jupyter, 'bin/python'), '/tmp/kernel.py']);
      expect(r.stdout.split('\n')[0]).toBe(`ok 42 ${join(jupyter, 'bin/python')}`);
    } finally {
      await execa('umount', [join(rootfs, 'proc')]);
    }
  });
});
