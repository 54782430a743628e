// pkgs.deno: Deno's release build from npm (@deno/linux-x64-glibc, hash-checked), patched to the
// store glibc. Checked by running `deno jupyter --kernel` as a real Jupyter kernel, driven by
// jupyter_client from the offline Python, chrooted into a root holding only their closures.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OFFLINE_PKGS, build, closure, evalJson, head, read } from './helpers.js';
import { Rootfs } from './rootfs.js';

jest.setTimeout(600_000);

// Drives a kernel like test/pipeline/fixtures/run_kernel.py, but also waits for output that arrives
// after the kernel went idle: Deno's kernel forwards console.log output to iopub asynchronously,
// and in about one run in five it comes after the execute reply and the idle status.
const RUN_KERNEL = [
  'import queue, sys',
  'from jupyter_client.manager import start_new_kernel',
  'name, code = sys.argv[1], sys.argv[2]',
  'km, kc = start_new_kernel(kernel_name=name, startup_timeout=60)',
  'out = []',
  'def hook(msg):',
  '    if msg["msg_type"] == "stream":',
  '        out.append(msg["content"]["text"])',
  '    elif msg["msg_type"] == "error":',
  '        out.append("ERROR " + msg["content"]["ename"] + ": " + msg["content"]["evalue"])',
  'try:',
  '    reply = kc.execute_interactive(code, output_hook=hook, timeout=60)',
  '    while True:  # late output: until the iopub channel is quiet for 3 s (slow, loaded machines)',
  '        try:',
  '            hook(kc.get_iopub_msg(timeout=3))',
  '        except queue.Empty:',
  '            break',
  '    sys.stdout.write("".join(out))',
  '    sys.exit(0 if reply["content"]["status"] == "ok" else 1)',
  'finally:',
  '    kc.stop_channels()',
  '    km.shutdown_kernel(now=True)',
].join('\n') + '\n';
const pin = (JSON.parse(read(join(OFFLINE_PKGS, 'node/binaries.json'))) as Record<string, { package: string; version: string; integrity: string }>).deno!;

let deno: string;
let python: string; // an environment with jupyter_client, to drive the kernel

beforeAll(async () => {
  deno = await build('pkgs.deno');
  python = await build('pkgs.python3.withPackages (ps: [ ps.jupyter-client ])');
});

describe('pkgs.deno', () => {
  test('is nixpkgs’ deno 2.8.3 (pkgs/by-name/de/deno/package.nix): bin/deno, pname, version, mainProgram', async () => {
    expect(pin).toEqual({ package: '@deno/linux-x64-glibc', version: '2.8.3', integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/) });
    expect(deno).toMatch(/^\/nix\/store\/[a-z0-9]{32}-deno-2\.8\.3$/);
    expect(readdirSync(deno)).toEqual(['bin']);
    expect(readdirSync(join(deno, 'bin'))).toEqual(['deno']);
    expect(await evalJson('{ inherit (pkgs.deno) pname version; main = pkgs.deno.meta.mainProgram; exe = lib.getExe pkgs.deno; }')).toEqual({
      pname: 'deno',
      version: '2.8.3',
      main: 'deno',
      exe: join(deno, 'bin/deno'),
    });
    const r = await execa(join(deno, 'bin/deno'), ['--version'], { env: { HOME: '/tmp' }, extendEnv: false });
    expect(r.stdout.split('\n')[0]).toBe('deno 2.8.3 (stable, release, x86_64-unknown-linux-gnu)');
  });

  test('uses the store glibc only: interpreter, RPATH and closure', async () => {
    expect(head(join(deno, 'bin/deno'), 4)).toBe('\u007fELF');
    const patchelf = join(await build('pkgs.patchelf'), 'bin/patchelf');
    const interp = (await execa(patchelf, ['--print-interpreter', join(deno, 'bin/deno')])).stdout;
    expect(interp).toMatch(/^\/nix\/store\/[a-z0-9]{32}-glibc-2\.36\/lib\/ld-linux-x86-64\.so\.2$/);
    expect((await execa(patchelf, ['--print-rpath', join(deno, 'bin/deno')])).stdout).toBe(interp.replace(/\/ld-linux-x86-64\.so\.2$/, ''));
    const names = (await closure(deno)).map((p) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, '')).sort();
    expect(names).toEqual(['deno-2.8.3', 'glibc-2.36']);
    expect(await build('pkgs.deno', ['--check'])).toBe(deno); // rebuilt: the same bytes
  });

  test('the tarball enters the store by npm’s sha512: a cached file with other content fails the build', async () => {
    // The same fixed-output derivation, pointed at a cache directory holding a wrong file.
    const cache = join(process.env.TMPDIR ?? '/tmp', `npm-cache-wrong-${process.pid}`);
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'deno-linux-x64-glibc-2.8.3.tgz'), 'not the tarball\n');
    // a different name gives a different store path, so the valid one already built is not reused
    const expr = `(import ${OFFLINE_PKGS}/node/fetch.nix { inherit (pkgs) busybox system; }).fetchNpmTarball { name = "@deno/linux-x64-glibc"; version = "2.8.3"; integrity = "${pin.integrity.replace(/^sha512-./, 'sha512-A')}"; }`;
    const r = await execa('nix-build', ['--no-out-link', '-E', `let pkgs = import ${OFFLINE_PKGS} {}; in ${expr}`], { env: { NIXLAB_NPM_CACHE: cache }, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/hash mismatch in fixed-output derivation/);
    // and a missing file says how to get it
    const missing = await execa('nix-build', ['--no-out-link', '-E', `let pkgs = import ${OFFLINE_PKGS} {}; in ${expr.replace('version = "2.8.3"', 'version = "0.0.0-missing"')}`], { env: { NIXLAB_NPM_CACHE: cache }, reject: false });
    expect(missing.exitCode).not.toBe(0);
    expect(missing.stderr).toContain('the npm tarball @deno/linux-x64-glibc@0.0.0-missing is not in the cache');
    expect(missing.stderr).toContain('scripts/setup.sh');
  });
});

describe('FROM scratch: `deno jupyter --kernel` as a Jupyter kernel in a root holding only the closures', () => {
  let root: Rootfs;
  const kernelEnv = { JUPYTER_PATH: '/tmp/jupyter', HOME: '/tmp' };

  beforeAll(async () => {
    root = await Rootfs.create([deno, python], 'offline-deno-rootfs-');
    // The kernelspec nixlab emits for Deno (src/nix/kernels/deno.ts): deno's own argv.
    const spec = join(root.dir, 'tmp/jupyter/kernels/deno');
    mkdirSync(spec, { recursive: true });
    writeFileSync(
      join(spec, 'kernel.json'),
      JSON.stringify({ argv: [join(deno, 'bin/deno'), 'jupyter', '--kernel', '--conn', '{connection_file}'], display_name: 'Deno', language: 'typescript' }),
    );
    writeFileSync(join(root.dir, 'tmp/run_kernel.py'), RUN_KERNEL);
  });

  afterAll(async () => {
    await root?.remove();
  });

  const runKernel = (code: string, env: Record<string, string> = kernelEnv) =>
    root.run([join(python, 'bin/python'), '/tmp/run_kernel.py', 'deno', code], { env, user: true });

  test('the root has nothing but /nix/store, /dev/null and /tmp', async () => {
    expect(await root.entries()).toEqual(['dev', 'nix', 'tmp']);
  });

  test('without /proc Deno cannot start (it reads /proc/self/exe): the kernel dies', async () => {
    const r = await runKernel('console.log(6*7)');
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('no /proc/self/exe available');
  });

  test('with /proc, as an unprivileged user with HOME=/tmp: console.log(6*7) prints 42, TypeScript runs', async () => {
    await root.mountProc();
    const r = await runKernel('console.log(6*7)');
    expect(r.stdout).toBe('42');
    expect(r.exitCode).toBe(0);
    // Deno keeps its caches in $HOME/.cache/deno (DENO_DIR when set)
    expect(existsSync(join(root.dir, 'tmp/.cache/deno'))).toBe(true);
    const ts = await runKernel('const n: number = 6 * 7; interface P { x: string } const p: P = { x: "ts" }; console.log(p.x, n, typeof Deno.version.deno)');
    expect(ts.stdout).toBe('ts 42 string');
  });

  test('DENO_DIR alone is enough; with neither HOME nor DENO_DIR the kernel does not start', async () => {
    // No HOME: the driver (jupyter_client) is given its data and runtime dirs instead.
    const noHome = { JUPYTER_PATH: '/tmp/jupyter', JUPYTER_DATA_DIR: '/tmp/jupyter-data', JUPYTER_RUNTIME_DIR: '/tmp/jupyter-runtime' };
    const withDir = await runKernel('console.log(Deno.env.get("DENO_DIR"))', { ...noHome, DENO_DIR: '/tmp/deno-dir' });
    expect([withDir.stdout, withDir.exitCode]).toEqual(['/tmp/deno-dir', 0]);
    expect(existsSync(join(root.dir, 'tmp/deno-dir'))).toBe(true);
    const neither = await runKernel('console.log(1)', noHome);
    expect(neither.exitCode).not.toBe(0);
    expect(neither.stderr).toContain('Could not resolve global Deno cache directory');
  });
});
