// The hub image's Nix project (src/deploy/hub.ts writeHubProject: default.nix + nix/hub.nix +
// nix/native-authenticator.nix + nix/kubespawner.nix + nix/pypi-wheel.nix, which both build
// with), built for real against the offline set, which -- as nixpkgs, the pinned one included --
// has no python3Packages.jupyterhub-nativeauthenticator and no jupyterhub-kubespawner. Regression
// test for nixlab issue 15: `authenticator: native` asked the package set for that attribute.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nixBuild } from '../../src/pipeline/nix-build.js';
import { loadConfig } from '../../src/definitions/load.js';
import { HUB_ROOT_LINKS, hubDefaultNix, writeHubProject } from '../../src/deploy/hub.js';
import { KUBERNETES_HUB_IMAGE } from '../../src/deploy/targets/kubernetes.js';

jest.setTimeout(600_000);

const work = mkdtempSync(join(tmpdir(), 'nixlab-hub-nix-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The site-packages of the hub root's environment. */
function siteOf(root: string): string {
  const lib = join(root, 'env', 'lib');
  const py = readdirSync(lib).find((n) => /^python3\.\d+$/.test(n))!;
  return join(lib, py, 'site-packages');
}

/**
 * Where the built hub root's links and HUB_ROOT_LINKS (src/deploy/hub.ts, which hubImageSpec reads
 * back) disagree, each said as what to add where; none when they agree.
 */
function linkMismatches(root: string): string[] {
  const built = readdirSync(root);
  const declared = Object.keys(HUB_ROOT_LINKS);
  return [
    ...built.filter((n) => !declared.includes(n)).map((n) => `the hub root has a link "${n}" that src/deploy/hub.ts HUB_ROOT_LINKS does not declare: add it there (nix/hub.nix links only what it is given)`),
    ...declared.filter((n) => !built.includes(n)).map((n) => `HUB_ROOT_LINKS declares "${n}" but the hub root has no such link: nix/hub.nix must link every name of its \`links\``),
  ];
}

describe('the hub project of examples/hub (NativeAuthenticator)', () => {
  let root: string;
  beforeAll(async () => {
    const { file, config } = await loadConfig('examples/hub/nixlab.yaml');
    expect(config.hub!.authenticator).toBe('native');
    await writeHubProject(join(work, 'native'), config, file);
    root = await nixBuild({ file: join(work, 'native'), attr: 'hubRoot', pkgs: { kind: 'offline' }, outLink: join(work, 'native-root') });
  });

  it('links exactly the links HUB_ROOT_LINKS declares, the environment among them', () => {
    expect(linkMismatches(root)).toEqual([]);
    expect(existsSync(join(root, 'env', 'bin', 'jupyterhub'))).toBe(true);
  });

  it('asks hub.nix for the package by its name; parses; ships native-authenticator.nix and pypi-wheel.nix beside hub.nix', async () => {
    const text = readFileSync(join(work, 'native', 'default.nix'), 'utf8');
    expect(text).toContain('extraPythonPackages = [ "jupyterhub-nativeauthenticator" ]');
    await execa('nix-instantiate', ['--parse', join(work, 'native', 'default.nix')]);
    expect(readFileSync(join(work, 'native', 'nixlab', 'native-authenticator.nix'), 'utf8')).toBe(readFileSync('nix/native-authenticator.nix', 'utf8'));
    expect(readFileSync(join(work, 'native', 'nixlab', 'pypi-wheel.nix'), 'utf8')).toBe(readFileSync('nix/pypi-wheel.nix', 'utf8'));
    // the package set has no such attribute, as nixpkgs
    const { stdout } = await execa('nix-instantiate', ['--eval', '-E', `(import ./offline {}).python3Packages ? jupyterhub-nativeauthenticator`]);
    expect(stdout.trim()).toBe('false');
  });

  it('builds an environment with NativeAuthenticator 1.3.0 (from fetchPypi + buildPythonPackage), its login free of statsd, under JupyterHub 6.1', () => {
    const site = siteOf(root);
    expect(existsSync(join(site, 'jupyterhub_nativeauthenticator-1.3.0.dist-info'))).toBe(true);
    expect(readdirSync(site).filter((n) => /^jupyterhub-[0-9.]+\.dist-info$/.test(n))).toEqual(['jupyterhub-6.1.1.dist-info']);
    const handlers = readFileSync(join(site, 'nativeauthenticator', 'handlers.py'), 'utf8');
    expect(handlers).not.toContain('statsd');
    expect(existsSync(join(site, 'onetimepass'))).toBe(true);
    expect(existsSync(join(site, 'bcrypt'))).toBe(true);
  });
});

describe('the hub project of examples/workshop-hub (tmpauthenticator)', () => {
  it('has no NativeAuthenticator', async () => {
    const { file, config } = await loadConfig('examples/workshop-hub/nixlab.yaml');
    expect(config.hub!.authenticator).toBe('tmp');
    expect(hubDefaultNix(config, 'nixlab.yaml')).toContain('extraPythonPackages = [ "jupyterhub-tmpauthenticator" ]');
    await writeHubProject(join(work, 'tmp'), config, file);
    const root = await nixBuild({ file: join(work, 'tmp'), attr: 'hubRoot', pkgs: { kind: 'offline' }, outLink: join(work, 'tmp-root') });
    const site = siteOf(root);
    expect(readdirSync(site).some((n) => n.startsWith('jupyterhub_nativeauthenticator'))).toBe(false);
    expect(readdirSync(site).some((n) => n.startsWith('jupyterhub_tmpauthenticator'))).toBe(true);
  });
});

describe('the kubernetes target\'s hub project (KubeSpawner)', () => {
  it('asks hub.nix for KubeSpawner and pycurl instead of DockerSpawner, and builds KubeSpawner 7.1.0 from its wheel', async () => {
    const { file, config } = await loadConfig('examples/hub/nixlab.yaml');
    const text = hubDefaultNix(config, 'nixlab.yaml', KUBERNETES_HUB_IMAGE);
    expect(text).toContain('spawnerPackages = [ "jupyterhub-kubespawner" "pycurl" ]');
    expect(text).toContain('KubeSpawner, native');
    await writeHubProject(join(work, 'k8s'), config, file, KUBERNETES_HUB_IMAGE);
    expect(readFileSync(join(work, 'k8s', 'nixlab', 'kubespawner.nix'), 'utf8')).toBe(readFileSync('nix/kubespawner.nix', 'utf8'));
    expect(readFileSync(join(work, 'k8s', 'nixlab', 'pypi-wheel.nix'), 'utf8')).toBe(readFileSync('nix/pypi-wheel.nix', 'utf8'));
    const root = await nixBuild({ file: join(work, 'k8s'), attr: 'hubRoot', pkgs: { kind: 'offline' }, outLink: join(work, 'k8s-root') });
    expect(linkMismatches(root)).toEqual([]);
    const site = siteOf(root);
    const dists = readdirSync(site).filter((n) => n.endsWith('.dist-info'));
    expect(dists).toContain('jupyterhub_kubespawner-7.1.0.dist-info');
    expect(dists.some((n) => n.startsWith('kubernetes_asyncio-'))).toBe(true);
    expect(dists.some((n) => n.startsWith('pycurl-'))).toBe(true);
    expect(dists.some((n) => n.startsWith('jupyterhub_nativeauthenticator-'))).toBe(true);
    expect(dists.some((n) => n.startsWith('dockerspawner-'))).toBe(false);
  });
});
