// `nixlab test` with the real CLI against the real engine at DOCKER_HOST (and the chroot
// runner): the demo image passes every check; a config whose kernels really run but fail
// (one prints 42 where its declared test expects 43, one names a program its environment
// lacks) fails with exit 1 and says which; an image without the kernels label is tested from
// its kernelspecs; bad input and a missing engine exit 2. Real nix-build, real HTTP, real
// kernel websockets.
import { execa } from 'execa';
import { createReadStream, createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { DockerEngine } from '../../src/engine/docker-api.js';
import { TEST_RESOURCE_LABEL } from '../../src/engine/test-runtimes.js';
import { startsJupyter, type TestReport } from '../../src/engine/test.js';
import { declaredTest } from '../../src/engine/test-kernel.js';
import { KERNELS_LABEL, kernelsLabelValue, parseKernelsLabel } from '../../src/runtime/image.js';
import { nixlab } from '../helpers/cli.js';
import { dockerScope, packTinyImage, readDockerArchive } from '../helpers/docker.js';
import { buildImage, configCopy } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-test-cmd-'));
const TAG = `t${process.pid}`;
const demoTar = join(work, 'demo.tar');
const CHECKS = ['server', 'token', 'kernelspecs', 'health', 'stop'];

beforeAll(async () => {
  await buildImage(configCopy('examples/demo/nixlab.yaml', work, { tag: TAG }), demoTar, work);
}, 600_000);

/**
 * The JSON report of a `nixlab test --json` run that must pass. Its exit code and stderr are
 * compared together with the report's logTail (the server's last lines, kept only when a check
 * failed), so that a failure shows the server's side too.
 */
function passed(r: { exitCode: number; stdout: string; stderr: string }): TestReport {
  let report: TestReport | undefined;
  try {
    report = JSON.parse(r.stdout) as TestReport;
  } catch {
    report = undefined;
  }
  expect([r.exitCode, r.stderr, report?.logTail ?? 'no report']).toEqual([0, '', []]);
  return report!;
}

/** Containers, volumes and networks `nixlab test` left behind (it must leave none). */
async function leftovers(engine: DockerEngine): Promise<string[]> {
  const filters = { label: [TEST_RESOURCE_LABEL] };
  return [
    ...(await engine.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`),
    ...(await engine.listVolumes({ filters })).map((v) => `volume ${v.Name}`),
    ...(await engine.listNetworks({ filters })).map((n) => `network ${n.Name}`),
  ];
}

describe('the kernels label', () => {
  it('is written by the build: kinds and names in config order, keys sorted', async () => {
    const { config } = await readDockerArchive(demoTar);
    const labels = (config.config as { Labels: Record<string, string> }).Labels;
    expect(labels[KERNELS_LABEL]).toBe('[{"kind":"python","name":"py-numpy"},{"kind":"python","name":"py-data"},{"kind":"custom","name":"sh"}]');
    expect(parseKernelsLabel(labels[KERNELS_LABEL]!)).toEqual([
      { kind: 'python', name: 'py-numpy' },
      { kind: 'python', name: 'py-data' },
      { kind: 'custom', name: 'sh' },
    ]);
  });

  it('round-trips, and a malformed value reads as none', () => {
    const kernels = [{ name: 'b', kind: 'r' }, { name: 'a', kind: 'python' }];
    expect(parseKernelsLabel(kernelsLabelValue(kernels))).toEqual([{ kind: 'r', name: 'b' }, { kind: 'python', name: 'a' }]);
    for (const bad of ['', 'nope', '{}', '[1]', '[{"kind":"python"}]', '[{"kind":"python","name":""}]']) expect(parseKernelsLabel(bad)).toBeUndefined();
  });

  it('declared tests and Jupyter commands are recognised', () => {
    expect(declaredTest({ metadata: { nixlab: { test: { code: 'x', expect: 'y' } } } })).toEqual({ code: 'x', expect: 'y' });
    expect(declaredTest({ metadata: { nixlab: { test: { code: 'x' } } } })).toEqual({ error: expect.stringContaining('metadata.nixlab.test') });
    expect(declaredTest({ metadata: {} })).toBeUndefined();
    expect(startsJupyter({ Cmd: ['/nix/store/x-env/bin/jupyter-lab'] })).toBe(true);
    expect(startsJupyter({ Entrypoint: ['tini', '-g', '--'], Cmd: ['start-notebook.py'] })).toBe(true);
    expect(startsJupyter({ Cmd: ['sh', '-c', 'id -u'] })).toBe(false);
  });
});

describe('nixlab test on the Docker engine', () => {
  const docker = dockerScope();
  /** What other runs on a shared engine left (only what this file's runs leave counts). */
  let before: string[] = [];
  beforeAll(async () => {
    before = await leftovers(docker.engine);
  });
  const left = async () => (await leftovers(docker.engine)).filter((x) => !before.includes(x));

  afterAll(async () => {
    docker.trackImage(`nixlab-demo:${TAG}`);
    docker.trackImage('nixlab-test-kernel-checks:latest');
  });

  it('passes the demo image: token, exactly its kernels, each kernel over its websocket, health, stop', async () => {
    const r = await nixlab(['test', demoTar, '--json', '-q']);
    const report = passed(r);
    expect(report).toMatchObject({ ok: true, target: 'jupyter-server', engine: { kind: 'docker', where: process.env.DOCKER_HOST }, image: { reference: `nixlab-demo:${TAG}`, kernelsFrom: 'label' }, failures: [] });
    expect(report.image.id).toBe((await readDockerArchive(demoTar)).configDigest);
    expect(report.kernels.map((k) => [k.name, k.kind, k.check, k.ok])).toEqual([
      ['py-numpy', 'python', 'snippet', true],
      ['py-data', 'python', 'snippet', true],
      ['sh', 'custom', 'kernel_info', true],
    ]);
    expect(report.kernels[0]).toMatchObject({ code: 'print(6 * 7)', expect: '42', output: '42\n' });
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual(CHECKS.map((n) => [n, true]));
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName.token!.detail).toBe('/api/status: 403 without the token, 403 with a wrong one, 200 with it');
    expect(byName.kernelspecs!.detail).toBe('exactly the declared py-data, py-numpy, sh');
    expect(byName.health!.detail).toMatch(/^healthy [\d.]+ s after the start \(start period 60 s; \d+ probes?(, \d+ failed( \(\d+ timed out\))?)?\)$/);
    expect(byName.stop!.detail).toMatch(/^exit code 0 after [\d.]+ s$/);
    expect(byName.stop!.ms).toBeLessThan(10_000);
    expect(report.timings.firstKernelAnswer).toBeGreaterThan(report.timings.serverUp!);
    process.stdout.write(`nixlab test (demo, docker) timings: ${JSON.stringify(report.timings)}\n`);
    expect(await left()).toEqual([]);
  }, 600_000);

  it('fails a config whose kernels run but misbehave: exit 1, the table says which and why', async () => {
    const config = 'test/engine/fixtures/kernel-checks/nixlab.yaml';
    const r = await nixlab(['test', config, '--pkgs', 'offline', '-q']);
    expect(r.exitCode).toBe(1);
    const rows = Object.fromEntries(r.stdout.split('\n').filter((l) => /^(py|sh-ok|sh-wrong|missing) /.test(l)).map((l) => [l.split(/\s+/)[0], l]));
    expect(rows.py).toMatch(/ok: "print\(6 \* 7\)" printed "42"$/);
    expect(rows['sh-ok']).toMatch(/ok: "echo \$\(\(6 \* 7\)\)" printed "42"$/);
    // A real kernel, really running the code: it prints 42, the config's test expects 43.
    expect(rows['sh-wrong']).toMatch(/FAIL: "echo \$\(\(6 \* 7\)\)" printed "42\\n", which does not contain "43"$/);
    expect(rows.missing).toMatch(/FAIL: cannot start: POST \/api\/kernels answered 500: .*FileNotFoundError: .*\/bin\/no-such-kernel/);
    for (const check of CHECKS) expect(r.stdout).toMatch(new RegExp(`^${check} .* ok: `, 'm'));
    expect(r.stdout).toMatch(/^times: build [\d.]+ s, load [\d.]+ s, server up [\d.]+ s, first kernel answer [\d.]+ s after the start, total [\d.]+ s$/m);
    expect(r.stderr).toContain('error: 2 checks failed:\n  - kernel sh-wrong: "echo $((6 * 7))" printed "42\\n", which does not contain "43"\n  - kernel missing: cannot start:');
    expect(await left()).toEqual([]);
  }, 900_000);

  it('tests an image without the kernels label from the kernelspecs it lists (its Cmd starts Jupyter)', async () => {
    const plain = join(work, 'unlabelled.tar');
    await withoutLabel(demoTar, plain, `nixlab-demo:${TAG}-unlabelled`);
    docker.trackImage(`nixlab-demo:${TAG}-unlabelled`);
    const r = await nixlab(['test', plain, '--json', '-q']);
    const report = passed(r);
    expect(report.image.kernelsFrom).toBe('kernelspecs');
    // By the kernelspec's language: Python kernels run the python kind's snippet, sh only answers.
    expect(report.kernels.map((k) => [k.name, k.kind, k.check, k.ok])).toEqual([
      ['py-data', 'python', 'snippet', true],
      ['py-numpy', 'python', 'snippet', true],
      ['sh', null, 'kernel_info', true],
    ]);
    expect(report.checks.find((c) => c.name === 'kernelspecs')!.detail).toBe(`lists py-data, py-numpy, sh (the image declares none: no ${KERNELS_LABEL} label)`);
  }, 600_000);

  it('refuses what is not an image, an image without Jupyter, and an OCI layout, with exit 2', async () => {
    const text = join(work, 'notes.txt');
    writeFileSync(text, 'not an image\n');
    const a = await nixlab(['test', text]);
    expect([a.exitCode, a.stderr]).toEqual([2, `error: ${resolve(text)}: is not an image archive (not a tar file) nor a config. Fix: pass an image written by \`nixlab build -o IMAGE.tar\` (or \`docker save\`), or a nixlab config`]);

    const otherTar = join(work, 'other.tar');
    const pack = tar.pack();
    pack.entry({ name: 'hello.txt' }, 'hi\n');
    pack.finalize();
    await pipeline(pack, createWriteStream(otherTar));
    const b = await nixlab(['test', otherTar]);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toContain('is a tar file but not an image: it has neither manifest.json (docker-archive) nor index.json (OCI layout)');

    const tiny = await packTinyImage({ cmd: ['sh', '-c', 'sleep 1'] });
    docker.trackImage(tiny.tag);
    const c = await nixlab(['test', tiny.tar]);
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toMatch(/is an image without Jupyter: it has no dev\.nixlab\.kernels label and its command \[.*"sh","-c","sleep 1"\] does not start a Jupyter server\. Fix: /);

    const oci = join(work, 'tiny-oci');
    await execa('skopeo', ['copy', '--quiet', `docker-archive:${tiny.tar}`, `oci:${oci}:t`]);
    const d = await nixlab(['test', oci]);
    expect(d.exitCode).toBe(2);
    expect(d.stderr).toContain('is an OCI image layout; the Docker engine loads docker-archives');
  }, 300_000);

  it('says no engine is reachable, with exit 2, before it builds anything', async () => {
    const r = await nixlab(['test', 'examples/demo/nixlab.yaml', '--pkgs', 'offline'], { env: { DOCKER_HOST: `unix://${work}/no-engine.sock` } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: DOCKER_HOST=unix://${work}/no-engine.sock: no Docker engine is reachable there (the socket does not exist). Fix: start an engine`);
    expect(r.stderr).not.toContain('building');
  });
});

describe('nixlab test --engine chroot (no engine)', () => {
  it('passes the demo image with the same checks (the HEALTHCHECK command run once)', async () => {
    const r = await nixlab(['test', demoTar, '--engine', 'chroot', '--json', '-q']);
    const report = passed(r);
    expect(report).toMatchObject({ ok: true, engine: { kind: 'chroot', where: 'chroot' }, image: { kernelsFrom: 'label' } });
    expect(report.kernels.map((k) => [k.name, k.ok])).toEqual([['py-numpy', true], ['py-data', true], ['sh', true]]);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual(CHECKS.map((n) => [n, true]));
    expect(report.checks.find((c) => c.name === 'health')!.detail).toContain('the HEALTHCHECK command exits 0');
  }, 600_000);
});

/**
 * Copies a docker-archive with the kernels label removed from its config (so the image is no
 * longer known as nixlab's; the engine names it by the new config's digest) and a new tag.
 */
async function withoutLabel(src: string, dst: string, tag: string): Promise<void> {
  const { manifest } = await readDockerArchive(src);
  const extract = tar.extract();
  const out = tar.pack();
  extract.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    const rewrite = header.name === manifest.Config || header.name === 'manifest.json';
    if (!rewrite) {
      stream.pipe(out.entry(header, next));
      return;
    }
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (header.name === 'manifest.json') json[0].RepoTags = [tag];
      else delete json.config.Labels[KERNELS_LABEL];
      const body = Buffer.from(JSON.stringify(json));
      out.entry({ ...header, size: body.length }, body, next);
    });
  });
  extract.on('finish', () => out.finalize());
  await Promise.all([pipeline(createReadStream(src), extract), pipeline(out, createWriteStream(dst))]);
}
