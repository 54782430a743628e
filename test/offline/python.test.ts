// Python + Jupyter of the offline package set (PyPI wheels on Debian's 3.11 and the 3.13 that
// scripts/cpython.mjs builds from Debian 13's source, see offline/README.md), checked by running them -- on the host and chrooted into a root
// file system that holds nothing but an environment's closure (what a FROM-scratch image
// contains): JupyterLab 4, Notebook 7, jupyter_server, JupyterHub, bash_kernel.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, JupyterClient } from '../helpers/jupyter.js';
import { CPYTHON, OFFLINE_PKGS, Rootfs, build, closure, evalJson, existsSync, head, lock, nativeAuthenticatorOf, narSize, read, readlinkOrNull, withPkgs } from './helpers.js';

jest.setTimeout(900_000);

const LOCK = lock();
/** Where scripts/cpython.mjs builds (offline/pkgs.nix reads the same variable). */
const CPYTHON_ROOT = process.env.NIXLAB_CPYTHON_ROOT || '/opt/nixlab/cpython';
const P313 = LOCK.pythons['3.13']!.packages;
const LAB = 'pkgs.python3.withPackages (ps: [ ps.jupyterlab ])';
const SMALL = 'pkgs.python3.withPackages (ps: [ ps.numpy ps.ipykernel ])';
const SERVER = 'pkgs.python3.withPackages (ps: [ ps.jupyterlab ps.notebook ps.jupyterlab-git ps.bash-kernel ps.jupyterhub ps.ipywidgets ])';

let lab: string;
let small: string;
let server: string;

beforeAll(async () => {
  lab = await build(LAB);
  small = await build(SMALL);
  server = await build(SERVER);
});

/** Runs the env's python with a clean environment (no host PYTHON* variables). */
async function py(env: string, code: string) {
  return execa(join(env, 'bin/python'), ['-c', code], { env: { HOME: '/tmp' }, extendEnv: false, reject: false });
}

/** A Jupyter server started in the root file system as 1000:100; stopped by stop(). */
async function startServer(root: Rootfs, argv: string[]): Promise<{ client: JupyterClient; log: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const [cmd, ...args] = await root.argv([...argv, '--no-browser', '--ip=127.0.0.1', `--port=${port}`, `--IdentityProvider.token=${token}`, '--ServerApp.root_dir=/tmp'], '1000:100');
  const proc: ResultPromise = execa(cmd!, args, { env: { HOME: '/tmp' }, extendEnv: false, reject: false, all: true });
  let output = '';
  proc.all?.on('data', (d: Buffer) => (output += d.toString()));
  let alive = true;
  void proc.then(() => (alive = false));
  const client = new JupyterClient(`http://127.0.0.1:${port}`, token);
  try {
    await client.waitUntilUp(120_000, () => alive);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return {
    client,
    log: () => output,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
    },
  };
}

describe('python3.withPackages', () => {
  test('python3 is CPython 3.13 (nixpkgs 26.05’s default), the declared packages import at the locked versions', async () => {
    const r = await py(small, 'import sys, numpy, ipykernel; print(sys.version.split()[0], numpy.__version__, ipykernel.__version__)');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${CPYTHON.version} ${P313.numpy!.version} ${P313.ipykernel!.version}`);
  });

  test('exactly the declared packages (and their Python dependencies) are importable', async () => {
    const pandas = await py(small, 'import pandas');
    expect(pandas.exitCode).not.toBe(0);
    expect(pandas.stderr).toContain("ModuleNotFoundError: No module named 'pandas'");
    // ipykernel's dependencies come along, as propagatedBuildInputs do in nixpkgs
    expect((await py(small, 'import jupyter_client, traitlets, zmq, IPython; print("deps")')).stdout).toBe('deps');
    expect((await py(small, 'import jupyter_server')).exitCode).not.toBe(0);
  });

  test('sys.path is the environment and the store only, never the host’s /usr', async () => {
    const r = await py(small, 'import sys, json; print(json.dumps([sys.prefix, sys.executable, sys.path, sys.flags.dont_write_bytecode]))');
    const [prefix, executable, path, noBytecode] = JSON.parse(r.stdout) as [string, string, string[], number];
    expect(prefix).toBe(small);
    expect(executable).toBe(join(small, 'bin/python'));
    expect(path).toContain(join(small, 'lib/python3.13/site-packages'));
    for (const entry of path.filter((p) => p !== '')) expect(entry.startsWith('/nix/store/')).toBe(true);
    expect(JSON.stringify(path)).not.toContain('/usr/');
    expect(noBytecode).toBe(1); // PYTHONDONTWRITEBYTECODE from the wrapper: nothing is written into the store
  });

  test('bin/ has the interpreter names and the packages’ console scripts, as wrappers', async () => {
    for (const name of ['python', 'python3', 'python3.13', 'ipython', 'jupyter', 'jupyter-kernel']) {
      expect([name, existsSync(join(small, 'bin', name))]).toEqual([name, true]);
    }
    expect(readlinkOrNull(join(small, 'bin/python'))).toBe('python3.13');
    for (const name of ['jupyter-server', 'jupyter-lab', 'jupyter-notebook', 'jupyterhub', 'ipython', 'jupyter']) {
      const script = read(join(server, 'bin', name));
      expect(script).toMatch(/^#!\/nix\/store\/[a-z0-9]{32}-busybox-[\d.]+\/bin\/sh\n/);
      expect(script).toContain('PYTHONDONTWRITEBYTECODE');
    }
    // `jupyter <subcommand>` finds jupyter-<subcommand> in the environment
    expect((await execa(join(server, 'bin/jupyter'), ['notebook', '--version'])).stdout.trim()).toBe(P313.notebook!.version);
  });

  test('carries bytecode built with the interpreter: checked-hash .pyc, loaded from the store, none compiled at start', async () => {
    // python -v logs each module's source of code: "code object from '…pyc'" when a .pyc was
    // used. PYTHONDONTWRITEBYTECODE=1 as in the images: nothing could be cached at run time.
    const py311 = await build('pkgs.python311.withPackages (ps: [ ps.six ])');
    for (const [env, mods] of [[small, ['json', 'ipykernel.kernelapp', 'numpy']], [py311, ['json', 'six']]] as const) {
      const r = await execa(join(env, 'bin/python'), ['-v', '-c', `import ${mods.join(', ')}`], { env: { HOME: '/tmp', PYTHONDONTWRITEBYTECODE: '1' }, extendEnv: false, reject: false });
      expect(r.exitCode).toBe(0);
      const loaded = [...r.stderr.matchAll(/^# code object from '?([^'\n]+)'?$/gm)].map((m) => m[1]!);
      const used = loaded.filter((f) => f.endsWith('.pyc'));
      // the standard library (json), the packages (ipykernel, numpy's Python part, six)
      for (const m of mods) expect(used.some((f) => f.includes(`/${m.split('.')[0]}/__pycache__/`) || f.includes(`/__pycache__/${m}.cpython-`))).toBe(true);
      expect(used.length).toBeGreaterThan(20);
      // Compiled at start only: sources that name their own store path (bytecode.sh leaves them out).
      for (const f of loaded.filter((x) => !x.endsWith('.pyc'))) {
        const real = realpathSync(f);
        expect([f, read(real).includes(real.split('/').slice(0, 4).join('/'))]).toEqual([f, true]);
      }
      // Every .pyc read is checked-hash (PEP 552 flags 0b11), as nixpkgs' builds leave them.
      const { stdout } = await execa(join(env, 'bin/python'), ['-c', 'import sys\nfor f in sys.argv[1:]:\n  print(int.from_bytes(open(f, "rb").read(8)[4:8], "little"))', ...used.slice(0, 200)]);
      expect(new Set(stdout.trim().split('\n'))).toEqual(new Set(['3']));
    }
  });

  test('a package nixpkgs has and the lock lacks fails at evaluation, saying how to add it', async () => {
    const r = await execa('nix-instantiate', ['--eval', '-E', withPkgs('(pkgs.python3.withPackages (ps: [ ps.polars ])).drvPath')], { reject: false });
    expect(r.stderr).toContain('python313Packages.polars is not available in the offline package set (it is not in offline/python/wheels.lock.json: add it to REQUIREMENTS in scripts/lock-wheels.py');
  });

  test('a wheel missing from the cache fails its fixed-output build, saying how to download it', async () => {
    const r = await execa('nix-build', ['--no-out-link', '--check', '-E', withPkgs('pkgs.python3Packages.six.wheel')], { env: { NIXLAB_WHEELS_DIR: '/nonexistent/wheels' }, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('/nonexistent/wheels/six-');
    expect(r.stderr).toContain('is missing: run scripts/wheels.sh');
  });
});

describe('JupyterLab FROM scratch: python3.withPackages (ps: [ ps.jupyterlab ])', () => {
  let root: Rootfs;

  beforeAll(async () => {
    root = await Rootfs.create([lab]);
    await root.mountProc();
  });
  afterAll(async () => {
    if (root) await root.remove();
  });

  test('is the real JupyterLab 4 (no substitute, no warning), at the locked version', async () => {
    const r = await execa('nix-instantiate', ['--eval', '--strict', '--json', '-E', withPkgs('{ inherit (pkgs.python3Packages.jupyterlab) pname version; }')]);
    expect(JSON.parse(r.stdout)).toEqual({ pname: 'jupyterlab', version: P313.jupyterlab!.version });
    expect(r.stderr).toBe('');
    const v = await root.run([join(lab, 'bin/jupyter'), 'lab', '--version']);
    expect([v.stdout.trim(), v.exitCode]).toEqual([P313.jupyterlab!.version, 0]);
    expect(P313.jupyterlab!.version).toMatch(/^4\./);
  });

  test('the root file system has nothing but /nix/store and the runtime’s /dev, /proc, /tmp', async () => {
    const { stdout } = await execa('ls', [root.dir]);
    expect(stdout.split('\n').sort()).toEqual(['dev', 'nix', 'proc', 'tmp']);
  });

  test('jupyter server answers /api/status (403 without the token), JupyterLab serves /lab', async () => {
    const s = await startServer(root, [join(lab, 'bin/jupyter-lab')]);
    try {
      expect((await s.client.request('/api/status', {}, false)).status).toBe(403);
      const status = await s.client.request('/api/status');
      expect(status.status).toBe(200);
      const page = await s.client.request('/lab');
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('jupyter-config-data');
      expect(html).toContain(`"appVersion": "${P313.jupyterlab!.version}"`);
      // the static assets come from the store (JUPYTERLAB_DIR = the package's share/jupyter/lab)
      const js = /src="([^"]+\.js[^"]*)"/.exec(html)?.[1];
      expect(js).toBeDefined();
      expect((await s.client.request(js!.replace(/^https?:\/\/[^/]+/, ''))).status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  test('closure: measured size (JupyterLab server env)', async () => {
    const paths = await closure(lab);
    const size = await narSize(paths);
    console.log(`python3.withPackages (ps: [ ps.jupyterlab ]): ${paths.length} store paths, ${(size / 2 ** 20).toFixed(1)} MiB`);
    expect(size).toBeLessThan(300 * 2 ** 20);
  });
});

describe('a server environment FROM scratch: Notebook 7, jupyterlab-git, bash_kernel, JupyterHub', () => {
  let root: Rootfs;

  beforeAll(async () => {
    root = await Rootfs.create([server]);
    await root.mountProc();
    await root.mountPts();
  });
  afterAll(async () => {
    if (root) await root.remove();
  });

  test('Notebook 7 serves /tree', async () => {
    const s = await startServer(root, [join(server, 'bin/jupyter-notebook')]);
    try {
      const page = await s.client.request('/tree');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`"appVersion": "${P313.notebook!.version}"`);
      // without the token: to the login page
      const anonymous = await s.client.request('/tree', { redirect: 'manual' }, false);
      expect([anonymous.status, anonymous.headers.get('location')]).toEqual([302, expect.stringMatching(/^\/login\?next=/)]);
    } finally {
      await s.stop();
    }
  });

  test('jupyterlab-git’s prebuilt labextension is in the environment’s data path and JupyterLab loads it', async () => {
    const pkg = JSON.parse(read(join(server, 'share/jupyter/labextensions/@jupyterlab/git/package.json'))) as { name: string };
    expect(pkg.name).toBe('@jupyterlab/git');
    const s = await startServer(root, [join(server, 'bin/jupyter-lab')]);
    try {
      const html = await (await s.client.request('/lab')).text();
      const config = JSON.parse(/<script id="jupyter-config-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)![1]!) as { federated_extensions: { name: string }[] };
      expect(config.federated_extensions.map((e) => e.name)).toEqual(expect.arrayContaining(['@jupyterlab/git', '@jupyter-widgets/jupyterlab-manager']));
    } finally {
      await s.stop();
    }
  });

  test('bash_kernel runs code, with the store’s bash', async () => {
    const s = await startServer(root, [join(server, 'bin/jupyter-server')]);
    try {
      const specs = await s.client.json<{ kernelspecs: Record<string, { spec: { argv: string[] } }> }>('/api/kernelspecs');
      expect(specs.kernelspecs.bash!.spec.argv).toEqual(['python3', '-m', 'bash_kernel', '-f', '{connection_file}']);
      const id = await s.client.startKernel('bash');
      const r = await s.client.execute(id, 'echo $((6 * 7)) "$BASH"', 120_000);
      expect(r.status).toBe('ok');
      expect(r.stdout.trim()).toMatch(/^42 \/nix\/store\/[a-z0-9]{32}-bash[-a-z]*-[\d.]+(p\d+)?\/bin\/bash$/);
      expect(await s.client.deleteKernel(id)).toBe(204);
    } finally {
      await s.stop();
    }
  });

  test('jupyterhub and jupyterhub-singleuser print their versions', async () => {
    const hub = await root.run([join(server, 'bin/jupyterhub'), '--version']);
    expect([hub.stdout.trim(), hub.exitCode]).toEqual([P313.jupyterhub!.version, 0]);
    const single = await root.run([join(server, 'bin/jupyterhub-singleuser'), '--version']);
    expect([single.stdout.trim().split('\n').pop(), single.exitCode]).toEqual([P313.jupyterhub!.version, 0]);
  });

  test('daemon threads at interpreter exit do not abort (libgcc_s is found from the store)', async () => {
    writeFileSync(
      join(root.dir, 'tmp/threads.py'),
      'import threading, time\n' +
        'def spin():\n    while True:\n        time.sleep(0.0001)\n' +
        'for _ in range(8):\n    threading.Thread(target=spin, daemon=True).start()\n' +
        'time.sleep(0.05)\nprint("done")\n',
    );
    for (let i = 0; i < 5; i++) {
      const r = await root.run([join(server, 'bin/python'), '/tmp/threads.py']);
      expect(r.stderr).not.toContain('libgcc_s.so.1 must be installed');
      expect(r.exitCode).toBe(0);
    }
  });
});

describe('the closure', () => {
  test('every ELF interpreter and RUNPATH and every script shebang points into the store; nothing names /root, /usr or /tmp there', async () => {
    const paths = [...new Set([...(await closure(server)), ...(await closure(await build('[ pkgs.python311 pkgs.python313 ]')))])];
    const patchelf = join(await build('pkgs.patchelf'), 'bin/patchelf');
    const { stdout } = await execa('find', [...paths, '-type', 'f', '(', '-name', '*.so*', '-o', '-perm', '-0100', ')'], { maxBuffer: 1 << 28 });
    let elves = 0;
    for (const f of stdout.split('\n')) {
      const start = head(f, 256);
      if (start.startsWith('\u007fELF')) {
        if (start.charCodeAt(4) !== 2) continue; // debugpy's 32-bit attach helper is never loaded
        elves++;
        const interp = await execa(patchelf, ['--print-interpreter', f], { reject: false });
        // libc.so.6 keeps Debian's PT_INTERP: it is only ever loaded as a library
        if (interp.exitCode === 0 && !f.endsWith('/libc.so.6')) expect(interp.stdout).toMatch(/^\/nix\/store\/[a-z0-9]{32}-glibc-[\d.]+\/lib\/ld-linux-x86-64\.so\.2$/);
        // fails for static executables (busybox): no dynamic section, no RUNPATH
        const rpath = (await execa(patchelf, ['--print-rpath', f], { reject: false })).stdout.trim();
        for (const entry of rpath.split(':').filter(Boolean)) expect([f, entry]).toEqual([f, expect.stringMatching(/^(\/nix\/store\/|\$ORIGIN)/)]);
      } else if (start.startsWith('#!')) {
        expect([f, start.split('\n')[0]]).toEqual([f, expect.stringMatching(/^#!\s*\/nix\/store\//)]);
        expect(start.split('\n')[0]).not.toMatch(/\/(root|usr|tmp)\//);
      }
    }
    // (150 with the server, Debian's 3.11 and the built 3.13: the walk really saw the ELF files)
    expect(elves).toBeGreaterThan(120);
    // the host prefix and build directory (scripts/cpython.mjs) are named nowhere, not even in binaries
    const grep = await execa('grep', ['-rlF', '-e', CPYTHON_ROOT, '-e', '/root/.pyenv', '-e', '/tmp/python-build', ...paths], { reject: false });
    expect(grep.stdout).toBe('');
  });

  test('is split into per-package store paths with real references between them', async () => {
    const paths = await closure(small);
    const names = paths.map((p) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ''));
    for (const n of ['glibc-2.36', `python3-${CPYTHON.version}`, `python3.13-numpy-${P313.numpy!.version}`, `python3.13-ipykernel-${P313.ipykernel!.version}`, `python3.13-pyzmq-${P313.pyzmq!.version}`]) {
      expect(names).toContain(n);
    }
    // no Debian python3-* package is in an environment any more
    expect(names.filter((n) => /^python3\.11-|^libpython3\.11/.test(n))).toEqual([]);
    const numpy = paths.find((p) => p.endsWith(`-python3.13-numpy-${P313.numpy!.version}`))!;
    const { stdout } = await execa('nix-store', ['-q', '--references', numpy]);
    expect(stdout).toMatch(/-glibc-2\.36/);
    expect(stdout.split('\n').some((p) => p.endsWith(`-python3-${CPYTHON.version}`))).toBe(true);
    // no docs or manual pages (bytecode is shipped: see `carries bytecode`)
    const { stdout: junk } = await execa('find', [...paths, '(', '-path', '*/share/doc', '-o', '-path', '*/share/man', ')']);
    expect(junk).toBe('');
  });
});

describe('the interpreters: Debian’s 3.11, and 3.13 built from Debian 13’s source by scripts/cpython.mjs', () => {
  test('carry nixpkgs’ passthru; python3 is python313, as in nixpkgs 26.05', async () => {
    const got = await evalJson<Record<string, unknown>>(`{
      v = map (p: [ p.version p.pythonVersion p.sitePackages p.executable p.interpreter p.implementation ]) [ pkgs.python311 pkgs.python313 ];
      same = pkgs.python3 == pkgs.python313 && pkgs.python3Packages.numpy == pkgs.python313Packages.numpy;
      name = (pkgs.python313.withPackages (ps: [ ])).name;
      description = pkgs.python313.meta.description;
    }`);
    const interp = (attr: string, exe: string) => expect.stringMatching(new RegExp(`^/nix/store/[a-z0-9]{32}-python3-${attr.replace(/\./g, '\\.')}/bin/${exe}$`));
    expect(got).toEqual({
      v: [
        ['3.11.2', '3.11', 'lib/python3.11/site-packages', 'python3.11', interp('3.11.2', 'python3.11'), 'cpython'],
        [CPYTHON.version, '3.13', 'lib/python3.13/site-packages', 'python3.13', interp(CPYTHON.version, 'python3.13'), 'cpython'],
      ],
      same: true,
      name: `python3-${CPYTHON.version}-env`,
      description: `CPython ${CPYTHON.version} (Debian 13's python3.13 source, built on Debian 12 by scripts/cpython.mjs)`,
    });
  });

  test('the set’s 3.13 is the pinned source: the host build scripts/cpython.mjs made records it', async () => {
    const made = JSON.parse(read(join(CPYTHON_ROOT, CPYTHON.version, 'nixlab-cpython.json'))) as Record<string, unknown>;
    expect(made).toMatchObject({ suite: CPYTHON.suite, source: CPYTHON.source, version: CPYTHON.version, file: CPYTHON.file, sha256: CPYTHON.sha256 });
    expect(CPYTHON.file).toBe(`${CPYTHON.source}_${CPYTHON.version}.orig.tar.xz`);
  });

  test('scripts/cpython.mjs: a second run with the same pin is a no-op (no network, nothing rebuilt)', async () => {
    const r = await execa('node', ['scripts/cpython.mjs'], { env: { NIXLAB_CPYTHON_ROOT: CPYTHON_ROOT, NIXLAB_DEBIAN_MIRROR: 'http://127.0.0.1:9/nowhere' }, reject: false });
    expect([r.exitCode, r.stdout.trim(), r.stderr]).toEqual([0, `cpython: CPython ${CPYTHON.version} already built in ${join(CPYTHON_ROOT, CPYTHON.version)}`, '']);
  });

  test('scripts/cpython.mjs leaves a prefix it did not make alone: exit 1, saying what to do', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nixlab-cpython-'));
    mkdirSync(join(root, CPYTHON.version));
    writeFileSync(join(root, CPYTHON.version, 'mine'), 'not nixlab’s');
    const r = await execa('node', ['scripts/cpython.mjs'], { env: { NIXLAB_CPYTHON_ROOT: root }, reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`cpython: ${join(root, CPYTHON.version)} exists and was not made by scripts/cpython.mjs: move it away, or set NIXLAB_CPYTHON_ROOT to another directory`);
    expect(readdirSync(join(root, CPYTHON.version))).toEqual(['mine']);
    rmSync(root, { recursive: true });
  });

  test('a missing host build fails at evaluation, naming the exact version and how to build it', async () => {
    const r = await execa('nix-instantiate', ['--eval', '-E', withPkgs('pkgs.python313.outPath')], { env: { NIXLAB_CPYTHON_ROOT: '/nonexistent/cpython' }, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`python313: the offline package set's Python 3.13 is CPython ${CPYTHON.version} built on this machine, and /nonexistent/cpython/${CPYTHON.version}/nixlab-cpython.json is missing (build it with \`node scripts/cpython.mjs\``);
  });

  test('interpreters nixpkgs has and this machine lacks throw with the reason', async () => {
    const offered = `it offers CPython 3.11 from Debian 12 and CPython ${CPYTHON.version} built from Debian 13's source: use python311, python313 or python3)`;
    for (const attr of ['python310', 'python314Packages']) {
      const r = await execa('nix-instantiate', ['--eval', '-E', withPkgs(`pkgs.${attr}.outPath`)], { reject: false });
      expect(r.stderr).toContain(`${attr} is not available in the offline package set (not built here; ${offered}`);
    }
    // 3.12: no source reachable here has it
    for (const attr of ['python312', 'python312Packages']) {
      const r = await execa('nix-instantiate', ['--eval', '-E', withPkgs(`pkgs.${attr}.outPath`)], { reject: false });
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toContain(`${attr} is not available in the offline package set (no source this set is built from has CPython 3.12: Debian 12 has 3.11, Debian 13 and later 3.13 and 3.14, and Debian's archive has no python3.12 source; for Python 3.12 build against the pinned nixpkgs or a nixpkgs checkout; ${offered}`);
    }
  });

  test('the copy leaves out the test suite, IDLE, tkinter and pip', async () => {
    const p = await build('pkgs.python313');
    expect(p).toMatch(new RegExp(`-python3-${CPYTHON.version.replace(/\./g, '\\.')}$`));
    for (const gone of ['test', 'idlelib', 'tkinter', 'ensurepip', 'site-packages/pip']) {
      expect([gone, existsSync(join(p, 'lib/python3.13', gone))]).toEqual([gone, false]);
    }
    expect(read(join(p, 'lib/python3.13/sitecustomize.py'))).toContain('NIX_PYTHONPATH');
    void OFFLINE_PKGS;
  });
});

describe('NativeAuthenticator as nix/native-authenticator.nix builds it: its login under JupyterHub 6.1 needs no statsd', () => {
  test('JupyterHub 6 handlers have no statsd, and NativeAuthenticator 1.3.0 no longer uses it; the patched module imports', async () => {
    const env = await build(`pkgs.python3.withPackages (ps: [ ps.jupyterhub ${nativeAuthenticatorOf('ps')} ])`);
    const code = [
      'import inspect, jupyterhub, jupyterhub.handlers.base as b, nativeauthenticator.handlers as h',
      'print(jupyterhub.__version__, hasattr(b.BaseHandler, "statsd"))',
      'src = inspect.getsource(h)',
      'post = inspect.getsource(h.LoginHandler.post)',
      'print(src.count("statsd"), "await self.login_user(data)" in post)',
    ].join('\n');
    const r = await execa(join(env, 'bin/python'), ['-B', '-c', code], { env: { HOME: '/tmp', PYTHONDONTWRITEBYTECODE: '1' }, extendEnv: false, reject: false });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['6.1.1 False', '0 True']);
  });
});
