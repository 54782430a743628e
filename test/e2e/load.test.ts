// `nixlab load` and `nixlab build --load` against a real Docker engine: the demo built and loaded
// in one step; built again, only the layers the engine lacks are sent; after a one-kernel change
// the layers below the change are not sent and the loaded image runs with the change; an archive
// file loads the same way; an engine that refuses the shorter archive (the image removed between
// the question and the load) gets the full one, and the report says so. Bad input — a file that
// is not an image, a tar without manifest.json, an image without Jupyter, no engine — exits 2.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { loadIntoEngine, type LoadReport } from '../../src/engine/load.js';
import { nixlab } from '../helpers/cli.js';
import { DOCKER, buildImage, configCopy, docker, dockerOk } from './lib.js';

const work = mkdtempSync(join(tmpdir(), 'nixlab-e2e-load-'));
const TAG = `ld${process.pid}`;
const REF = `nixlab-demo:${TAG}`;
const config = configCopy('examples/demo/nixlab.yaml', work, { tag: TAG });
const cacheEnv = { NIXLAB_CACHE_DIR: join(work, 'cache') };

const buildLoad = async (): Promise<LoadReport> => {
  const r = await nixlab(['build', config, '--pkgs', 'offline', '--load', '--json', '--out-link', join(work, 'result'), '--generated-dir', join(work, 'gen')], { env: cacheEnv });
  if (r.exitCode !== 0) throw new Error(`nixlab build --load failed (${r.exitCode}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as LoadReport;
};
const layersOf = async (ref: string) => JSON.parse(await dockerOk(['image', 'inspect', '-f', '{{json .RootFS.Layers}}', ref])) as string[];

afterAll(async () => {
  await docker(['rmi', REF]);
  await docker(['rmi', `nixlab-unique:${TAG}`]);
});

test('build --load loads the demo; built again, only what the engine lacks is sent; a one-kernel change sends no layer below it', async () => {
  const first = await buildLoad();
  expect(first.reference).toBe(REF);
  expect(first.fallback).toBeNull();
  expect((await dockerOk(['image', 'inspect', '-f', '{{.Id}}', REF]))).toBe(first.imageId);
  expect((await layersOf(REF)).length).toBe(first.layers.total);

  const again = await buildLoad();
  expect(again.imageId).toBe(first.imageId);
  // Every store layer is held; the system layer (not in the digest cache) is the one sent.
  expect(again.layers).toEqual({ total: first.layers.total, sent: 1, held: first.layers.total - 1 });
  expect(again.bytes.sent).toBeLessThan(1 << 20);

  const before = await layersOf(REF);
  const yaml = readFileSync(config, 'utf8');
  expect(yaml).toContain('packages: [ pandas, requests ]\n');
  writeFileSync(config, yaml.replace('packages: [ pandas, requests ]\n', 'packages: [ pandas, requests, kiwisolver ]\n'));
  const changed = await buildLoad();
  const after = await layersOf(REF);
  expect(changed.imageId).not.toBe(first.imageId);
  expect(after.length).toBe(changed.layers.total);
  // The layers held are exactly the common prefix of the two images' diff_ids.
  let prefix = 0;
  while (prefix < Math.min(before.length, after.length) && before[prefix] === after[prefix]) prefix++;
  expect(prefix).toBeGreaterThan(10);
  expect(changed.layers.held).toBe(prefix);
  expect(changed.bytes.sent).toBeLessThan(changed.bytes.total / 2);
  // The image assembled from held and sent layers runs, with the new package.
  const r = await docker(['run', '--rm', '--entrypoint', '/bin/sh', REF, '-c', 'ls /nix/store | grep -c -- -kiwisolver-']);
  expect([r.exitCode, Number(r.stdout.trim()) > 0]).toEqual([0, true]);
}, 900_000);

test('nixlab load of an archive file sends only the missing layers', async () => {
  const tar = join(work, 'demo.tar');
  await buildImage(config, tar, work);
  const r = await nixlab(['load', tar, '--json']);
  expect(r.exitCode).toBe(0);
  const report = JSON.parse(r.stdout) as LoadReport;
  expect(report.reference).toBe(REF);
  expect(report.layers.held).toBe(report.layers.total);
  expect(report.bytes.sent).toBe(0);
  expect(await dockerOk(['image', 'inspect', '-f', '{{.Id}}', REF])).toBe(report.imageId);
}, 600_000);

/** A small image no other test has: one fresh store path, its command a Jupyter one. */
async function uniqueImage(name: string, cmd: string): Promise<string> {
  const dir = mkdtempSync(join(work, 'unique-'));
  writeFileSync(join(dir, 'marker'), `${name} ${process.pid} ${Date.now()}\n`);
  const path = execFileSync('nix-store', ['--add', dir], { encoding: 'utf8' }).trim();
  const tar = join(work, `${name}.tar`);
  const r = await nixlab(['pack', path, '-o', tar, '-t', `nixlab-unique:${TAG}`, '--cmd', JSON.stringify([cmd])]);
  if (r.exitCode !== 0) throw new Error(r.stderr);
  return tar;
}

test('an engine that refuses the shorter archive gets the full one, and the report says so', async () => {
  const tar = await uniqueImage('refused', 'jupyter-server');
  const first = await loadIntoEngine({ input: tar });
  expect(first.layers.held).toBe(0);
  const steps: string[] = [];
  // Between nixlab's question and the load, the image (the only one holding its layers) goes.
  const report = await loadIntoEngine({
    input: tar,
    onStep: (line) => {
      steps.push(line);
      if (line.startsWith('loading ')) execFileSync(DOCKER, ['rmi', `nixlab-unique:${TAG}`]);
    },
  });
  expect(report.fallback).toMatch(/no such file|not exist|layer/i);
  expect(report.layers).toEqual({ total: first.layers.total, sent: first.layers.total, held: 0 });
  expect(steps.some((s) => s.includes('sending the full archive'))).toBe(true);
  expect(await dockerOk(['image', 'inspect', '-f', '{{.Id}}', `nixlab-unique:${TAG}`])).toBe(first.imageId);
}, 120_000);

test('bad input exits 2 and says what is wrong: not an image, a tar without manifest.json, an image without Jupyter, no engine', async () => {
  const text = join(work, 'notes.txt');
  writeFileSync(text, 'not an image\n'.repeat(100));
  let r = await nixlab(['load', text]);
  expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('is not an image archive (not a tar file')]);

  const plain = join(work, 'plain.tar');
  await execa('tar', ['-cf', plain, '-C', work, 'notes.txt']);
  r = await nixlab(['load', plain]);
  expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('is a tar file but not an image: it has no manifest.json')]);

  const shell = await uniqueImage('shell', '/bin/sh');
  r = await nixlab(['load', shell]);
  expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('is an image without Jupyter')]);

  r = await nixlab(['load', shell], { env: { DOCKER_HOST: `unix://${join(work, 'no-engine.sock')}` } });
  expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('no Docker engine is reachable there')]);
  r = await nixlab(['build', config, '--pkgs', 'offline', '--load'], { env: { DOCKER_HOST: `unix://${join(work, 'no-engine.sock')}` } });
  expect([r.exitCode, r.stderr]).toEqual([2, expect.stringContaining('no Docker engine is reachable there')]);
}, 120_000);
