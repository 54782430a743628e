// Tests against the real Docker engine at DOCKER_HOST (scripts/test.sh starts a private one with
// scripts/dockerd.sh). Without DOCKER_HOST the tests fail at once, loudly: never skipped.
// `dockerScope()` gives a describe block an engine client whose containers, networks, volumes
// and images are labelled, named uniquely and removed in afterAll, even after a failure.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import {
  DockerEngine,
  type ContainerCreateSpec,
  type NetworkCreateSpec,
  type VolumeCreateSpec,
  type VolumeInfo,
} from '../../src/engine/docker-api.js';
import { nixlab } from './cli.js';

/** The label every resource a test creates carries (its value: the test run's ID). */
export const TEST_LABEL = 'nixlab.test';
const RUN_ID = `${process.pid}-${randomBytes(3).toString('hex')}`;
let counter = 0;

/** A name no other test (nor another person's run on a shared engine) uses: `nixlab-test-<what>-…`. */
export function uniqueName(what: string): string {
  return `nixlab-test-${what}-${RUN_ID}-${counter++}`;
}

/** The engine at DOCKER_HOST; throws (the test fails) when DOCKER_HOST is not set. */
export function engineFromEnv(): DockerEngine {
  const host = process.env.DOCKER_HOST;
  if (!host) {
    throw new Error(
      'DOCKER_HOST is not set: these tests need a Docker engine. Run them through `bash scripts/test.sh` ' +
        '(it starts one), or start one with `bash scripts/dockerd.sh start $(mktemp -d /tmp/dk.XXXX)` and export ' +
        'the DOCKER_HOST it prints.',
    );
  }
  return new DockerEngine({ host });
}

/** An engine client that remembers what it created, for one describe block. */
export class DockerScope {
  private client: DockerEngine | undefined;
  readonly containers = new Set<string>();
  readonly networks = new Set<string>();
  readonly volumes = new Set<string>();
  readonly images = new Set<string>();

  constructor(engine?: DockerEngine) {
    this.client = engine;
  }

  /** The engine (from DOCKER_HOST unless given): throws, failing the test, when it is unset. */
  get engine(): DockerEngine {
    this.client ??= engineFromEnv();
    return this.client;
  }

  private labels(extra?: Record<string, string>): Record<string, string> {
    return { ...extra, [TEST_LABEL]: RUN_ID };
  }

  /** Creates a labelled, uniquely named container (removed at cleanup); returns its ID. */
  async createContainer(spec: ContainerCreateSpec, name = uniqueName('ctr')): Promise<string> {
    const { id } = await this.engine.createContainer({ ...spec, Labels: this.labels(spec.Labels) }, { name });
    this.containers.add(id);
    return id;
  }

  /** Creates and starts a container; returns its ID. */
  async run(spec: ContainerCreateSpec, name?: string): Promise<string> {
    const id = await this.createContainer(spec, name);
    await this.engine.startContainer(id);
    return id;
  }

  /** Runs a container to its end: exit code and output. */
  async runToEnd(spec: ContainerCreateSpec, timeoutMs = 60_000): Promise<{ id: string; exitCode: number; stdout: string; stderr: string }> {
    const id = await this.run(spec);
    const { StatusCode } = await this.engine.waitContainer(id, { timeoutMs });
    const logs = await this.engine.containerLogs(id);
    return { id, exitCode: StatusCode, ...logs };
  }

  /** Creates a labelled, uniquely named volume (removed at cleanup). */
  async createVolume(spec: VolumeCreateSpec = {}): Promise<VolumeInfo> {
    const v = await this.engine.createVolume({ Name: uniqueName('vol'), ...spec, Labels: this.labels(spec.Labels) });
    this.volumes.add(v.Name);
    return v;
  }

  /** Creates a labelled, uniquely named network (removed at cleanup); returns its ID. */
  async createNetwork(spec: Partial<NetworkCreateSpec> = {}): Promise<string> {
    const id = await this.engine.createNetwork({ Name: uniqueName('net'), ...spec, Labels: this.labels(spec.Labels) });
    this.networks.add(id);
    return id;
  }

  /** Loads a docker-archive tar; its tags (or IDs) are removed at cleanup. */
  async loadImage(tarPath: string): Promise<string[]> {
    const r = await this.engine.loadImage(createReadStream(tarPath));
    for (const ref of r.loaded) this.images.add(ref);
    return r.loaded;
  }

  /** Marks an image reference (a tag made by the test) for removal at cleanup. */
  trackImage(ref: string): void {
    this.images.add(ref);
  }

  /**
   * Removes everything this scope created: containers (forced, with their anonymous volumes),
   * then networks, volumes, images. Every removal is tried; a 404 (already gone) is fine;
   * anything else is thrown at the end, so a leak fails the test run.
   */
  async cleanup(): Promise<void> {
    const errors: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status !== 404) errors.push(`${what}: ${(err as Error).message}`);
      }
    };
    for (const id of this.containers) await attempt(`container ${id}`, () => this.engine.removeContainer(id, { force: true, volumes: true }));
    for (const id of this.networks) await attempt(`network ${id}`, () => this.engine.removeNetwork(id));
    for (const name of this.volumes) await attempt(`volume ${name}`, () => this.engine.removeVolume(name, { force: true }));
    for (const ref of this.images) await attempt(`image ${ref}`, () => this.engine.removeImage(ref, { force: true }));
    this.containers.clear();
    this.networks.clear();
    this.volumes.clear();
    this.images.clear();
    if (errors.length) throw new Error(`docker cleanup failed:\n${errors.join('\n')}`);
  }
}

/**
 * A DockerScope for the current describe block: the engine must answer in beforeAll (else
 * every test of the block fails with the reason), and everything is removed in afterAll.
 */
export function dockerScope(): DockerScope {
  const scope = new DockerScope();
  beforeAll(async () => {
    await scope.engine.ping();
  });
  afterAll(async () => {
    if (process.env.DOCKER_HOST) await scope.cleanup();
  });
  return scope;
}

/** The manifest entry and parsed config of a single-image docker-archive. */
export interface ArchiveInfo {
  manifest: { Config: string; RepoTags: string[] | null; Layers: string[] };
  config: { config?: Record<string, unknown>; rootfs: { type: string; diff_ids: string[] } };
  /** `sha256:` + the config file's name: the image ID. */
  configDigest: string;
}

/** Reads manifest.json and the config of a docker-archive (with tar-stream, no engine). */
export async function readDockerArchive(tarPath: string): Promise<ArchiveInfo> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const keep = header.name.endsWith('.json');
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => keep && chunks.push(c));
      stream.on('end', () => {
        if (keep) files.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(tarPath).on('error', (e) => extract.destroy(e)).pipe(extract);
  await done;
  const manifests = JSON.parse(files.get('manifest.json')!.toString('utf8')) as ArchiveInfo['manifest'][];
  if (manifests.length !== 1) throw new Error(`${tarPath}: expected one image in manifest.json, found ${manifests.length}`);
  const manifest = manifests[0];
  const config = JSON.parse(files.get(manifest.Config)!.toString('utf8')) as ArchiveInfo['config'];
  return { manifest, config, configDigest: `sha256:${manifest.Config.replace(/\.json$/, '')}` };
}

/** A small image built for a test: its archive, tag and what is in it. */
export interface TinyImage {
  tar: string;
  tag: string;
  /** A store path only this image has (so its layer is new to the engine). */
  nonce: string;
}

const OFFLINE = new URL('../../offline', import.meta.url).pathname;

/**
 * Packs a FROM-scratch image with the real CLI: the offline set's busybox and tini, plus a tiny
 * store path unique to this call (so loading it always loads at least one new layer). User
 * 1000:100 (jovyan), Entrypoint tini, `Cmd` as given.
 */
export async function packTinyImage(opts: { cmd?: string[]; tag?: string } = {}): Promise<TinyImage> {
  const id = randomBytes(8).toString('hex');
  const expr = `let pkgs = import ${OFFLINE} {}; in {
    busybox = pkgs.busybox; tini = pkgs.tini;
    nonce = pkgs.writeTextDir "share/nixlab-test-nonce" "${id}";
  }`;
  const { stdout } = await execa('nix-build', ['--no-out-link', '-E', expr, '-A', 'busybox', '-A', 'tini', '-A', 'nonce']);
  const paths = stdout.trim().split('\n');
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-docker-'));
  const tarPath = join(dir, 'image.tar');
  const tag = opts.tag ?? `${uniqueName('img')}:t`;
  const args = ['pack', ...paths, '-o', tarPath, '--tag', tag];
  if (opts.cmd) args.push('--cmd', JSON.stringify(opts.cmd));
  const r = await nixlab(args);
  if (r.exitCode !== 0) throw new Error(`nixlab pack failed (${r.exitCode}):\n${r.stderr}`);
  return { tar: tarPath, tag, nonce: paths[2] };
}

/**
 * Copies a tar archive entry by entry, leaving out the entries `keep` refuses (e.g. layer files
 * of a docker-archive, for tests of what the engine does with a partial archive).
 */
export async function filterTar(src: string, dst: string, keep: (name: string) => boolean): Promise<string[]> {
  const dropped: string[] = [];
  const extract = tar.extract();
  const pack = tar.pack();
  extract.on('entry', (header, stream, next) => {
    if (!keep(header.name)) {
      dropped.push(header.name);
      stream.on('end', next);
      stream.resume();
      return;
    }
    stream.pipe(pack.entry(header, next));
  });
  extract.on('finish', () => pack.finalize());
  await Promise.all([pipeline(createReadStream(src), extract), pipeline(pack, createWriteStream(dst))]);
  return dropped;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; throws after `ms`. */
export async function until<T>(what: string, ms: number, check: () => Promise<T | undefined>, everyMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
