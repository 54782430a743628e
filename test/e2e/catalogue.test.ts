// End to end, offline, for the kernel catalogue: the examples built with `nixlab build … --pkgs
// offline` (real nix-build, real pack), loaded and run under a real Docker engine (`docker load`,
// `docker run`), and driven over a real Jupyter server's HTTP API and kernel websockets -- Python, R and Octave
// executing code; jupyter_kernel_test (the locked wheel) checking each kernel's protocol conformance from
// inside the image (the image's own python3 and jupyter_client start the image's kernels: Python,
// R, Octave, and the demo's custom sh kernel); and the full polyglot example, which the offline
// package set refuses, kernel by kernel, for exactly the languages Debian 12 does not package.
import { execa } from 'execa';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { JupyterServer } from '../../src/engine/kernel-client.js';
import { nixlab } from '../helpers/cli.js';
import { CPYTHON } from '../offline/helpers.js';
import { buildImage as build, configCopy, docker, dockerOk, hostPort } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-catalogue-'));
const TOKEN = 'e2e-' + Math.random().toString(36).slice(2);
const timings: Record<string, number> = {};
const OFFLINE_PKGS = resolve('offline');
const TAG = `cat${process.pid}`;
const LABEL = `nixlab.test=${process.pid}`;
const NETWORK = `nixlab-catalogue-${process.pid}`;
const loaded: string[] = [];

beforeAll(async () => {
  await dockerOk(['network', 'create', '--label', LABEL, NETWORK]);
});

afterAll(async () => {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${LABEL}`])).stdout.split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', '-v', ...ids]);
  await docker(['network', 'rm', NETWORK]);
  if (loaded.length) await docker(['rmi', ...loaded]);
  // Figures for the closing note and the README (build, boot, kernel and conformance times).
  process.stdout.write(`catalogue e2e timings: ${JSON.stringify(timings)}\n`);
});

/** `nixlab build <config> --pkgs offline -o <name>.tar` under a tag of this run, then `docker load`; returns the reference. */
async function buildImage(config: string, name: string): Promise<string> {
  const image = join(work, `${name}.tar`);
  const start = Date.now();
  await build(configCopy(config, work, { tag: TAG }), image, work);
  timings[`build ${name} ms`] = Date.now() - start;
  const ref = (await dockerOk(['load', '-i', image])).replace(/^Loaded image: /, '');
  loaded.push(ref);
  timings[`load ${name} ms`] = Date.now() - start - timings[`build ${name} ms`]!;
  return ref;
}

/** `docker run -d` with JUPYTER_TOKEN and the port on 127.0.0.1; resolves once the server answers. */
async function boot(ref: string, name: string) {
  const start = Date.now();
  const id = await dockerOk(['run', '-d', '--label', LABEL, '--network', NETWORK, '-p', '127.0.0.1::8888', '-e', `JUPYTER_TOKEN=${TOKEN}`, ref]);
  const client = new JupyterServer(`http://127.0.0.1:${await hostPort(id)}`, TOKEN);
  await client.waitUntilUp(120_000, async () => ((await dockerOk(['inspect', '-f', '{{.State.Running}}', id])) === 'true' ? undefined : 'the container exited'));
  timings[`boot ${name} ms`] = Date.now() - start;
  return { id, client, stop: () => dockerOk(['stop', id]) };
}

/** Runs `code` in a fresh kernel over its websocket, then shuts the kernel down. */
async function runIn(client: JupyterServer, kernel: string, code: string, label: string) {
  const start = Date.now();
  const id = await client.startKernel(kernel);
  const channels = await client.channels(id);
  const r = await channels.execute(code, 90_000).finally(() => channels.close());
  timings[`${label} start+execute ms`] = Date.now() - start;
  expect(await client.deleteKernel(id)).toBe(204);
  // octave_kernel runs Octave on a pseudo-terminal, whose lines end in \r\n
  return { ...r, stdout: r.stdout.replace(/\r\n/g, '\n') };
}

/**
 * Runs test/e2e/conformance/kernel_conformance.py with the image's own python3: the module and
 * jupyter_kernel_test (the offline set's jupyter-kernel-test wheel, pure Python) are mounted read-only,
 * everything else -- interpreter, jupyter_client, jsonschema, kernelspecs, kernels -- is the
 * image's. Returns the outcome of every check by suite.
 */
async function conformance(ref: string, suites: string[], label: string) {
  // PyPI's jupyter_kernel_test as the offline set locks it (pure Python), for the image's python3
  const { stdout: jktPackage } = await execa('nix-build', ['--no-out-link', '-E', `(import ${OFFLINE_PKGS} { }).python3Packages.jupyter-kernel-test`]);
  const { stdout: site } = await execa('nix-instantiate', ['--eval', '-E', `(import ${OFFLINE_PKGS} { }).python3.sitePackages`]);
  const jkt = join(jktPackage.trim(), JSON.parse(site) as string, 'jupyter_kernel_test');
  const start = Date.now();
  const r = await docker(
    [
      'run', '--rm', '--label', LABEL, '--network', 'none', '-e', 'PYTHONPATH=/conformance/lib',
      '-v', `${resolve('test/e2e/conformance')}:/conformance/tests:ro`, '-v', `${jkt}:/conformance/lib/jupyter_kernel_test:ro`,
      ref, 'python3', '/conformance/tests/kernel_conformance.py', ...suites,
    ],
    { timeout: 600_000 },
  );
  timings[`conformance ${label} ms`] = Date.now() - start;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  process.stdout.write(`kernel conformance (${label}): ${last}\n`);
  return { exitCode: r.exitCode, outcomes: (last.startsWith('{') ? JSON.parse(last) : {}) as Record<string, Record<string, string>>, stderr: r.stderr };
}

/** Every check of a suite, passed. */
const allOk = (tests: string[]) => Object.fromEntries(tests.map((t) => [t, 'ok']));

describe('examples/polyglot-offline (Python, R, Octave with signal) built offline, run with JUPYTER_TOKEN', () => {
  let image: string;
  let run: Awaited<ReturnType<typeof boot>>;

  beforeAll(async () => {
    image = await buildImage('examples/polyglot-offline/nixlab.yaml', 'polyglot-offline');
    run = await boot(image, 'polyglot-offline');
  }, 900_000);

  afterAll(async () => {
    if (run) await run.stop();
  });

  it('lists exactly the declared kernels, with their languages', async () => {
    const specs = await run.client.json<{ kernelspecs: Record<string, { spec: { language: string; argv: string[] } }> }>('/api/kernelspecs');
    expect(Object.fromEntries(Object.entries(specs.kernelspecs).map(([name, k]) => [name, k.spec.language]))).toEqual({ python3: 'python', r: 'R', octave: 'octave' });
    // each kernel runs from its own environment in the store
    expect(specs.kernelspecs.r!.spec.argv[0]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-R-4\.2\.2-wrapper\/bin\/R$/);
    expect(specs.kernelspecs.octave!.spec.argv[0]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-octave-kernel-launcher\/bin\/octave-kernel$/);
  });

  it.each([
    ['python3', 'print(6*7)', '42\n'],
    ['r', 'print(6*7)', '[1] 42\n'],
    ['octave', 'disp(6*7)', '42\n'],
  ])('kernel %s executes %s over its websocket', async (kernel, code, expected) => {
    const r = await runIn(run.client, kernel, code, kernel);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('ok');
    expect(r.stdout).toBe(expected);
  });

  it.each([
    ['python3', 'import numpy, pandas\nprint(int(pandas.Series(numpy.arange(7)).sum()))', '21\n'],
    ['r', 'cat(jsonlite::toJSON(list(answer = 6 * 7), auto_unbox = TRUE), "\\n")', '{"answer":42} \n'],
    ['octave', 'pkg load signal\ndisp(upfirdn([1 2 3], 1, 2, 1))', '   1   0   2   0   3\n'],
  ])('kernel %s has the packages its config declares', async (kernel, code, expected) => {
    const r = await runIn(run.client, kernel, code, `${kernel} packages`);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('ok');
    expect(r.stdout).toBe(expected);
  });

  it('R reports a failing cell as an error, not as output', async () => {
    const r = await runIn(run.client, 'r', 'stop("boom")', 'r error');
    expect(r.status).toBe('error');
    expect(r.errors.join()).toContain('boom');
  });

  describe('jupyter_kernel_test, run inside the image against its kernels', () => {
    let result: Awaited<ReturnType<typeof conformance>>;

    beforeAll(async () => {
      result = await conformance(image, ['python=python3', 'r=r', 'octave=octave'], 'polyglot-offline');
    }, 660_000);

    it.each([
      ['PythonSuite', ['test_clear_output', 'test_completion', 'test_display_data', 'test_error', 'test_execute_result', 'test_execute_stderr', 'test_execute_stdout', 'test_history', 'test_inspect', 'test_is_complete', 'test_kernel_info', 'test_pager']],
      ['RSuite', ['test_clear_output', 'test_completion', 'test_display_data', 'test_error', 'test_execute_stderr', 'test_execute_stdout', 'test_inspect', 'test_is_complete', 'test_kernel_info', 'test_pager']],
      ['OctaveSuite', ['test_completion', 'test_execute_stdout', 'test_inspect', 'test_kernel_info', 'test_pager']],
    ])('%s: every check passes', (suite, tests) => {
      expect([suite, result.outcomes[suite]]).toEqual([suite, allOk(tests)]);
    });

    it('ran nothing else and exited 0', () => {
      expect(Object.keys(result.outcomes).sort()).toEqual(['OctaveSuite', 'PythonSuite', 'RSuite']);
      expect([result.exitCode, result.exitCode === 0 ? '' : result.stderr.slice(-3000)]).toEqual([0, '']);
    });
  });
});

describe("the demo's custom sh kernel, checked by jupyter_kernel_test inside the demo image", () => {
  it('passes every check a do_execute-only wrapper kernel can', async () => {
    const image = await buildImage('examples/demo/nixlab.yaml', 'demo');
    const r = await conformance(image, ['sh=sh'], 'demo');
    expect(r.outcomes).toEqual({ ShSuite: allOk(['test_error', 'test_execute_stderr', 'test_execute_stdout', 'test_kernel_info']) });
    expect([r.exitCode, r.exitCode === 0 ? '' : r.stderr.slice(-3000)]).toEqual([0, '']);
  }, 300_000);
});

describe('examples/python-r built offline, run with JUPYTER_TOKEN', () => {
  let run: Awaited<ReturnType<typeof boot>>;

  beforeAll(async () => {
    run = await boot(await buildImage('examples/python-r/nixlab.yaml', 'python-r'), 'python-r');
  }, 900_000);

  afterAll(async () => {
    if (run) await run.stop();
  });

  it('lists exactly its two kernels, and R and Python execute code', async () => {
    const specs = await run.client.json<{ kernelspecs: Record<string, unknown> }>('/api/kernelspecs');
    expect(Object.keys(specs.kernelspecs).sort()).toEqual(['python3', 'r']);
    expect((await runIn(run.client, 'r', 'print(6*7)', 'python-r r')).stdout).toBe('[1] 42\n');
    expect((await runIn(run.client, 'python3', 'import pandas; print(6*7)', 'python-r python')).stdout).toBe('42\n');
  });
});

describe('examples/polyglot: validates and generates; the offline set refuses exactly the kernels Debian 12 lacks', () => {
  const gen = join(work, 'polyglot-gen');

  beforeAll(async () => {
    const v = await nixlab(['validate', 'examples/polyglot']);
    expect([v.exitCode, v.stdout.trim()]).toEqual([0, 'examples/polyglot/nixlab.config.ts: ok, 9 kernel(s): python3, r, octave, go, cpp, rust, javascript, typescript, bash']);
    const g = await nixlab(['generate', 'examples/polyglot', '-o', gen]);
    expect([g.exitCode, g.stderr]).toEqual([0, '']);
  });

  /** nix-instantiate one kernel's environment of the generated project against the offline set. */
  const instantiate = (kernel: string) => execa('nix-instantiate', ['--argstr', 'nixpkgsPath', OFFLINE_PKGS, '-A', `kernelEnvs.${kernel}`, gen], { reject: false });

  it.each([
    ['python3', new RegExp(`-python3-${CPYTHON.version.replace(/\./g, '\\.')}-env\\.drv$`)],
    ['r', /-R-4\.2\.2-wrapper\.drv$/],
    ['octave', /-octave-kernel-launcher\.drv$/],
    ['javascript', /-deno-2\.8\.3\.drv$/],
    ['typescript', /-deno-2\.8\.3\.drv$/],
  ])('%s: evaluates (the offline set builds it)', async (kernel, drv) => {
    const r = await instantiate(kernel);
    expect([r.exitCode, r.stdout.trim()]).toEqual([0, expect.stringMatching(drv)]);
  });

  it.each([
    ['go', 'gophernotes', 'Debian 12 has no gophernotes package'],
    ['cpp', 'xeus-cling', 'Debian 12 has no xeus-cling package'],
    ['rust', 'evcxr', 'Debian 12 has no evcxr package'],
  ])('%s: fails at evaluation, saying %s is not available offline', async (kernel, attr, why) => {
    const r = await instantiate(kernel);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`error: ${attr} is not available in the offline package set (${why}`);
  });

  it('nixlab build --pkgs offline stops at evaluation with that message', async () => {
    const r = await nixlab(['build', 'examples/polyglot', '--pkgs', 'offline', '--out-link', join(work, 'polyglot-result'), '--generated-dir', join(work, 'polyglot-build-gen')]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/is not available in the offline package set \(Debian 12 has no/);
  });
});
