// `nixlab test` of JupyterHub single-user images, for real: the images built offline (real
// nix-build, real pack), a real hub container with DockerSpawner on the engine at DOCKER_HOST,
// a real user container spawned through the hub's REST API, the kernels over the proxied
// websocket. A config whose kernels pass passes every check (the hub image built for the run);
// an image archive whose `missing` kernel cannot start (its hub image the one `nixlab hub`
// loaded) fails that kernel's check with exit 1. Neither leaves a container, volume or network.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerEngine } from '../../src/engine/docker-api.js';
import { isSingleUserImage, testHubConfigPy } from '../../src/engine/test-hub.js';
import { TEST_RESOURCE_LABEL } from '../../src/engine/test-runtimes.js';
import type { TestReport } from '../../src/engine/test.js';
import { nixlab } from '../helpers/cli.js';
import { dockerScope } from '../helpers/docker.js';
import { buildImage, configCopy } from '../e2e/lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-test-hub-'));
const TAG = `t${process.pid}`;
const pass = configCopy('test/engine/fixtures/hub-checks/pass/nixlab.yaml', work, { tag: TAG });
const fail = configCopy('test/engine/fixtures/hub-checks/fail/nixlab.yaml', work, { tag: TAG });
const failTar = join(work, 'fail.tar');
const CHECKS = ['hub', 'spawn', 'server', 'contents', 'kernelspecs', 'stop', 'cleanup'];

/** Containers, volumes and networks a `nixlab test` run makes: its label, or its `nixlab-test-<run>-` names (DockerSpawner's). */
async function runResources(engine: DockerEngine): Promise<string[]> {
  const mine = (name: string) => /^\/?nixlab-test-[0-9a-f]{12}-/.test(name);
  return [
    ...(await engine.listContainers({ all: true })).filter((c) => c.Labels?.[TEST_RESOURCE_LABEL] !== undefined || c.Names.some(mine)).map((c) => `container ${c.Names[0]}`),
    ...(await engine.listVolumes()).filter((v) => v.Labels?.[TEST_RESOURCE_LABEL] !== undefined || mine(v.Name)).map((v) => `volume ${v.Name}`),
    ...(await engine.listNetworks()).filter((n) => n.Labels?.[TEST_RESOURCE_LABEL] !== undefined || mine(n.Name)).map((n) => `network ${n.Name}`),
  ];
}

const docker = dockerScope();
// The images the runs load are removed when the file is done.
for (const name of ['nixlab-test-hub-pass', 'nixlab-test-hub-pass-hub', 'nixlab-test-hub-fail', 'nixlab-test-hub-fail-hub']) docker.trackImage(`${name}:${TAG}`);
let before: string[] = [];

beforeAll(async () => {
  before = await runResources(docker.engine);
  // The failing image as an archive, and its hub image loaded into the engine by `nixlab hub`
  // (which `nixlab test IMAGE.tar` finds there). The passing config is built by `nixlab test` itself.
  await buildImage(fail, failTar, work);
  const r = await nixlab(['hub', fail, '--pkgs', 'offline', '--out', join(work, 'fail-deploy'), '-q']);
  if (r.exitCode !== 0) throw new Error(`nixlab hub failed (${r.exitCode}): ${r.stderr}`);
}, 900_000);


const left = async () => (await runResources(docker.engine)).filter((x) => !before.includes(x));

describe('nixlab test of a JupyterHub single-user image', () => {
  it('knows a single-user image by its label or its Cmd; the run\'s hub config has its names and lets nobody log in', () => {
    expect(isSingleUserImage({ Labels: { 'dev.nixlab.hub.version': '6.1' } })).toBe(true);
    expect(isSingleUserImage({ Cmd: ['/nix/store/x-env/bin/nixlab-start', '/nix/store/x-env/bin/jupyterhub-singleuser'] })).toBe(true);
    expect(isSingleUserImage({ Cmd: ['/nix/store/x-env/bin/jupyter-lab'], Labels: { 'dev.nixlab.kernels': '[]' } })).toBe(false);
    const py = testHubConfigPy(
      { hub: { version: '6.1', authenticator: 'native', admin: 'admin', port: 8000 }, image: { name: 'x', tag: 'y', volumes: ['/home/jovyan/work'] } },
      'nixlab.yaml',
      { singleUserImage: 'img:t', hubImage: 'img-hub:t', network: 'nixlab-test-abc-hub', dataVolume: 'nixlab-test-abc-hub-data' },
      'nixlab-test-abc',
    );
    expect(py).toContain('c.DockerSpawner.image = "img:t"');
    expect(py).toContain('c.DockerSpawner.network_name = "nixlab-test-abc-hub"');
    expect(py).toContain('c.DockerSpawner.name_template = "nixlab-test-abc-user-{username}"');
    expect(py).toContain('c.DockerSpawner.volumes = {"nixlab-test-abc-user-{username}": "/home/jovyan/work"}');
    expect(py).toContain('c.JupyterHub.authenticator_class = NixlabDummyAuthenticator');
    expect(py).toContain('class NixlabDummyAuthenticator(DummyAuthenticator):');
    expect(py).toContain('c.DummyAuthenticator.password = os.environ["NIXLAB_TEST_HUB_PASSWORD"]');
    expect(py).not.toContain('nativeauthenticator');
    expect(py).not.toContain('cleanup_servers');
  });

  it('passes a config behind a real hub: hub, spawn, server, contents, kernelspecs, the kernel over the proxied websocket, stop; nothing left', async () => {
    const r = await nixlab(['test', pass, '--pkgs', 'offline', '--json', '-q']);
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    const report = JSON.parse(r.stdout) as TestReport;
    expect(report).toMatchObject({ ok: true, target: 'jupyterhub', input: { kind: 'config' }, image: { reference: `nixlab-test-hub-pass:${TAG}`, kernelsFrom: 'label' }, failures: [] });
    expect(report.hub).toMatchObject({ image: `nixlab-test-hub-pass-hub:${TAG}`, built: true, version: '6.1' });
    expect(report.hub!.user).toMatch(/^tester[0-9a-f]{6}$/);
    expect(report.kernels.map((k) => [k.name, k.kind, k.check, k.ok, k.output])).toEqual([['py', 'python', 'snippet', true, '42\n']]);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual(CHECKS.map((n) => [n, true]));
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(byName.server!.detail).toMatch(new RegExp(`^GET /user/${report.hub!.user}/api through the proxy: jupyter-server 2\\.`));
    expect(byName.contents!.detail).toMatch(/^GET \/api\/contents: the notebook directory/);
    expect(byName.kernelspecs!.detail).toBe('exactly the declared py');
    expect(byName.stop!.detail).toMatch(/stopped and its container removed after [\d.]+ s$/);
    process.stdout.write(`nixlab test (behind a hub) timings: ${JSON.stringify({ ...report.timings, hub: report.hub })}\n`);
    expect(await left()).toEqual([]);
  }, 600_000);

  it('fails an image whose kernel cannot start behind the hub: exit 1, the kernel named, its hub image found in the engine; nothing left', async () => {
    const r = await nixlab(['test', failTar, '-q']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`behind JupyterHub 6.1: nixlab-test-hub-fail-hub:${TAG} (found in the engine) with DockerSpawner, as user tester`);
    const rows = Object.fromEntries(r.stdout.split('\n').filter((l) => /^(py|missing) /.test(l)).map((l) => [l.split(/\s+/)[0], l]));
    expect(rows.py).toMatch(/ok: "print\(6 \* 7\)" printed "42"$/);
    expect(rows.missing).toMatch(/FAIL: cannot start: POST \/api\/kernels answered 500: .*FileNotFoundError: .*\/bin\/no-such-kernel/);
    for (const check of CHECKS) expect(r.stdout).toMatch(new RegExp(`^${check} .* ok: `, 'm'));
    expect(r.stdout).toMatch(/^times: load [\d.]+ s, hub up [\d.]+ s, spawn [\d.]+ s, first kernel answer [\d.]+ s after the start, total [\d.]+ s$/m);
    expect(r.stdout).toContain("--- last 30 lines of the container's log ---");
    expect(r.stderr).toMatch(/^error: 1 check failed:\n {2}- kernel missing: cannot start: /);
    expect(await left()).toEqual([]);
  }, 600_000);

  it('refuses the chroot runner for a single-user image, with exit 2 (a config before it is built)', async () => {
    const r = await nixlab(['test', failTar, '--engine', 'chroot', '-q']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`error: --engine chroot: ${failTar} is a JupyterHub single-user image, which nixlab test runs behind a real hub with DockerSpawner. Fix: use a Docker engine`);
    const c = await nixlab(['test', pass, '--engine', 'chroot', '--pkgs', 'offline']);
    expect(c.exitCode).toBe(2);
    expect(c.stderr).toContain(`error: --engine chroot: ${pass} is a JupyterHub single-user image, which nixlab test runs behind a real hub`);
    expect(c.stderr).not.toContain('building');
  }, 300_000);
});
