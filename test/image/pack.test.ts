// packImage end to end, checked with the real tools: skopeo, podman load, skopeo copy + umoci
// unpack, then every extracted store entry compared with the store. Digests, determinism,
// a golden digest, validation before writing.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { UserError } from '../../src/errors.js';
import { queryClosure } from '../../src/image/closure.js';
import { inspectImage } from '../../src/image/inspect.js';
import type { PackResult } from '../../src/image/pack.js';
import { buildFixture, pack, type FlatPackOptions } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-pack-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** All regular-file entries of a tar file as name → bytes (small archives only). */
async function tarFiles(file: string): Promise<Map<string, Buffer>> {
  const extract = tar.extract();
  const out = new Map<string, Buffer>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      if (entry.header.type === 'file') out.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(readFileSync(file));
  await done;
  return out;
}

/** Compares a store path with its copy under an unpacked rootfs: types, modes, bytes, targets. */
function compareWithStore(storePath: string, rootfs: string): number {
  let n = 0;
  const visit = (p: string) => {
    n++;
    const a = lstatSync(p);
    const b = lstatSync(join(rootfs, p));
    expect([p, b.mode & 0o170777, b.uid, b.gid]).toEqual([p, a.mode & 0o170777, 0, 0]);
    if (a.isSymbolicLink()) expect([p, readlinkSync(join(rootfs, p))]).toEqual([p, readlinkSync(p)]);
    else if (a.isFile()) expect([p, sha256(readFileSync(join(rootfs, p)))]).toEqual([p, sha256(readFileSync(p))]);
    else for (const c of readdirSync(p)) visit(join(p, c));
    if (a.isDirectory()) expect(readdirSync(join(rootfs, p)).sort()).toEqual(readdirSync(p).sort());
  };
  visit(storePath);
  return n;
}

describe('packImage', () => {
  let runtime: string;
  let tree: string;
  let closure: string[];
  let opts: FlatPackOptions;
  let docker: PackResult;
  const dockerTar = join(tmp, 'image.tar');

  beforeAll(async () => {
    runtime = await buildFixture('runtime');
    tree = await buildFixture('tree', { optimise: true });
    closure = (await queryClosure([runtime, tree])).map((n) => n.path);
    opts = {
      storePaths: [runtime, tree],
      output: dockerTar,
      reference: 'nixlab-test/pack:1',
      cmd: ['sh', '-c', 'id -u'],
      env: ['JUPYTER_CONFIG_DIR=/etc/jupyter', 'JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime'],
      defaultEnv: true,
      volumes: ['/home/jovyan/work'],
      exposedPorts: [8888],
    };
    docker = await pack(opts);
  });

  it('reports layers most-shared first, the system layer last', () => {
    expect(docker.layers).toHaveLength(closure.length + 1);
    expect(docker.layers.flatMap((l) => l.storePaths).sort()).toEqual([...closure].sort());
    expect(docker.layers[docker.layers.length - 1]!.storePaths).toEqual([]);
    // The roots are referenced by nothing: least popular, so last (ties by path).
    expect(docker.layers.slice(-3, -1).map((l) => l.storePaths)).toEqual([runtime, tree].sort().map((p) => [p]));
    expect(docker.links.tini).toMatch(/-nixlab-fixture-tini\/bin\/tini$/);
    expect(docker.links.shell).toMatch(/-nixlab-fixture-busybox\/bin\/sh$/);
    expect(docker.links.caBundle).toMatch(/-nixlab-fixture-cacert\/etc\/ssl\/certs\/ca-bundle.crt$/);
  });

  it('names the config by the sha256 of its bytes and each layer by the sha256 of its tar', async () => {
    const files = await tarFiles(dockerTar);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toHaveLength(1);
    const config = files.get(manifest[0].Config)!;
    expect(manifest[0].Config).toBe(`${sha256(config)}.json`);
    expect(`sha256:${sha256(config)}`).toBe(docker.imageId);
    const diffIds = JSON.parse(config.toString()).rootfs.diff_ids;
    expect(manifest[0].Layers.map((p: string) => `sha256:${sha256(files.get(p)!)}`)).toEqual(diffIds);
    expect(diffIds).toEqual(docker.layers.map((l) => l.diffId));
    expect(manifest[0].RepoTags).toEqual(['nixlab-test/pack:1']);
    expect(lstatSync(dockerTar).size).toBe(docker.bytes);
  });

  it('has the config docker expects (tini entrypoint, numeric user, env, history per layer)', async () => {
    const { stdout } = await execa('skopeo', ['inspect', '--config', `docker-archive:${dockerTar}`]);
    const config = JSON.parse(stdout);
    expect(config.config).toMatchObject({
      User: '1000:100',
      Entrypoint: [docker.links.tini, '-g', '--'],
      Cmd: ['sh', '-c', 'id -u'],
      WorkingDir: '/home/jovyan',
      ExposedPorts: { '8888/tcp': {} },
      Volumes: { '/home/jovyan/work': {} },
    });
    expect(config.config.Env).toEqual([
      'JUPYTER_CONFIG_DIR=/etc/jupyter',
      'JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime',
      `PATH=${tree}/bin:/usr/bin:/bin`,
      'HOME=/home/jovyan',
      'LANG=C.UTF-8',
      'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
    ]);
    expect(config.created).toBe('1970-01-01T00:00:01Z');
    expect(config.history.map((h: { created_by: string }) => h.created_by)).toEqual([...docker.layers.map((l) => `nix store paths: ${l.storePaths.join(' ')}`).slice(0, -1), 'nixlab system layer']);
    const { stdout: summary } = await execa('skopeo', ['inspect', `docker-archive:${dockerTar}`]);
    expect(JSON.parse(summary).Layers).toEqual(docker.layers.map((l) => l.diffId));
  });

  it('loads with podman load (image id = config digest)', async () => {
    // podman refuses a runroot longer than 50 characters ("the specified runroot is longer than
    // 50 characters"), so it gets a short directory of its own.
    const runroot = mkdtempSync(join(tmpdir().length <= 40 ? tmpdir() : '/tmp', 'pr-'));
    const store = ['--root', join(tmp, 'podman-root'), '--runroot', runroot, '--storage-driver', 'vfs'];
    try {
      const load = await execa('podman', [...store, 'load', '-i', dockerTar]);
      expect(load.stdout).toContain('Loaded image: localhost/nixlab-test/pack:1');
      const images = JSON.parse((await execa('podman', [...store, 'images', '--format', 'json'])).stdout);
      expect(images.map((i: { Id: string }) => `sha256:${i.Id}`)).toEqual([docker.imageId]);
    } finally {
      await execa('podman', [...store, 'rmi', '-a', '-f'], { reject: false });
      rmSync(runroot, { recursive: true, force: true });
    }
  });

  it('unpacks (skopeo copy to OCI, umoci unpack) to exactly the closure plus the system layer', async () => {
    const oci = join(tmp, 'copied-oci');
    const bundle = join(tmp, 'bundle');
    await execa('skopeo', ['copy', `docker-archive:${dockerTar}`, `oci:${oci}:t`]);
    await execa('umoci', ['unpack', '--image', `${oci}:t`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    expect(readdirSync(join(rootfs, 'nix/store')).sort()).toEqual(closure.map((p) => p.slice('/nix/store/'.length)).sort());
    let entries = 0;
    for (const p of closure) entries += compareWithStore(p, rootfs);
    expect(entries).toBeGreaterThan(300);
    expect(readdirSync(rootfs).sort()).toEqual(['bin', 'etc', 'home', 'nix', 'root', 'tmp', 'usr', 'var']);
    expect(readFileSync(join(rootfs, 'etc/passwd'), 'utf8')).toContain('jovyan:x:1000:100:jovyan:/home/jovyan:/bin/sh\n');
    expect(readFileSync(join(rootfs, 'etc/group'), 'utf8')).toContain('users:x:100:jovyan\n');
    const home = lstatSync(join(rootfs, 'home/jovyan'));
    expect([home.uid, home.gid, home.mode & 0o7777]).toEqual([1000, 100, 0o755]);
    const work = lstatSync(join(rootfs, 'home/jovyan/work'));
    expect([work.uid, work.gid]).toEqual([1000, 100]);
    expect(lstatSync(join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(readlinkSync(join(rootfs, 'bin/sh'))).toBe(docker.links.shell);
    expect(readlinkSync(join(rootfs, 'usr/bin/env'))).toBe(docker.links.envBinary);
    expect(readlinkSync(join(rootfs, 'etc/ssl/certs/ca-certificates.crt'))).toBe(docker.links.caBundle);
    const runtimeSpec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    expect(runtimeSpec.process.user).toMatchObject({ uid: 1000, gid: 100 });
    expect(runtimeSpec.process.args).toEqual([docker.links.tini, '-g', '--', 'sh', '-c', 'id -u']);
  });

  it('is deterministic: packing again gives the same bytes', async () => {
    const again = await pack({ ...opts, output: join(tmp, 'again.tar') });
    expect(again.imageId).toBe(docker.imageId);
    expect(readFileSync(join(tmp, 'again.tar')).equals(readFileSync(dockerTar))).toBe(true);
  });

  it('writes the same docker-archive into a file (layers framed as listed, headers patched) as into a stream (listed first)', async () => {
    const { createWriteStream } = await import('node:fs');
    const streamed = join(tmp, 'docker-stream.tar');
    const out = createWriteStream(streamed);
    const s = await pack({ ...opts, output: out });
    await new Promise((resolve) => out.end(resolve));
    expect(s.layers.map((l) => l.diffId)).toEqual(docker.layers.map((l) => l.diffId));
    expect(readFileSync(streamed).equals(readFileSync(dockerTar))).toBe(true);
  });

  it('writes OCI layouts (directory, tar, stream) that umoci and skopeo read, all the same blobs', async () => {
    const dir = join(tmp, 'oci-dir');
    const file = join(tmp, 'oci.tar');
    const streamed = join(tmp, 'oci-stream.tar');
    const a = await pack({ ...opts, format: 'oci', output: dir });
    const b = await pack({ ...opts, format: 'oci', output: file });
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(streamed);
    const c = await pack({ ...opts, format: 'oci', output: out });
    await new Promise((resolve) => out.end(resolve));
    expect(b.manifest).toEqual(a.manifest);
    expect(c.manifest).toEqual(a.manifest);
    expect(a.imageId).toBe(docker.imageId); // same config: uncompressed layers, same diff_ids
    expect(readFileSync(streamed).equals(readFileSync(file))).toBe(true); // two-pass stream == patched file
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    expect(index.manifests[0]).toMatchObject({ digest: a.manifest!.digest, annotations: { 'org.opencontainers.image.ref.name': '1' } });
    for (const f of readdirSync(join(dir, 'blobs/sha256'))) expect(sha256(readFileSync(join(dir, 'blobs/sha256', f)))).toBe(f);
    await execa('umoci', ['unpack', '--image', `${dir}:1`, join(tmp, 'oci-bundle')]);
    compareWithStore(tree, join(tmp, 'oci-bundle/rootfs'));
    const { stdout } = await execa('skopeo', ['inspect', `oci-archive:${file}:1`]);
    expect(JSON.parse(stdout).Digest).toBe(a.manifest!.digest);
    const x = join(tmp, 'oci-x');
    await execa('mkdir', ['-p', x]);
    await execa('tar', ['-xf', file, '-C', x]);
    expect(readdirSync(join(x, 'blobs/sha256')).sort()).toEqual(readdirSync(join(dir, 'blobs/sha256')).sort());
  });

  it('reads back with inspectImage: layers verified, store paths per layer', async () => {
    for (const image of [dockerTar, join(tmp, 'oci-dir'), join(tmp, 'oci.tar')]) {
      const r = await inspectImage(image);
      expect(r.configDigest).toBe(docker.imageId);
      expect(r.layers.map((l) => [l.diffId, l.verified, l.storePaths])).toEqual(docker.layers.map((l) => [l.diffId, true, l.storePaths]));
    }
  });
});

describe('golden digest', () => {
  it('packs the tiny fixture to a known image id', async () => {
    const tiny = await buildFixture('tiny');
    const r = await pack({ storePaths: [tiny], output: join(tmp, 'tiny.tar'), reference: 'tiny:1', architecture: 'amd64', cmd: ['/bin/sh'], shell: false, envBinary: false, caBundle: false, created: '1970-01-01T00:00:01Z' });
    // Regenerate only on purpose: a change here changes every image nixlab has ever built.
    expect({ tiny, layers: r.layers.map((l) => l.diffId), imageId: r.imageId }).toEqual({
      tiny: '/nix/store/a8dlz3f11pp25jchmzpbqjwnn79z2h99-nixlab-fixture-tiny',
      layers: GOLDEN.layers,
      imageId: GOLDEN.imageId,
    });
    expect(sha256(readFileSync(join(tmp, 'tiny.tar')))).toBe(GOLDEN.archive);
  });

  it('follows SOURCE_DATE_EPOCH for created', async () => {
    const tiny = await buildFixture('tiny');
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const r = await pack({ storePaths: [tiny], output: join(tmp, 'sde.tar') });
      const config = JSON.parse((await tarFiles(join(tmp, 'sde.tar'))).get(`${r.imageId.slice(7)}.json`)!.toString());
      expect(config.created).toBe('2023-11-14T22:13:20Z');
      expect(config.history[0].created).toBe('2023-11-14T22:13:20Z');
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  });
});

const GOLDEN = {
  layers: ['sha256:1ad29ce2de193eb27f75770e3be70c11f3bad6effbf5488062405cd66aa1dbf3', 'sha256:29bad48c8cfb95f52a143e5f8b393e91288d63747990334abc9ee9fb9f9ee074'],
  imageId: 'sha256:1686d9aaaa58bcfe9653c2b473cd84d63b7c639a3d1ce2437c412a7b71b377af',
  archive: 'df6a1d893d253eb6834083379543138bf4df32aa9f85763e2550354bcb4bd8b6',
};

describe('validation before writing', () => {
  it.each<[string, Partial<FlatPackOptions>, RegExp]>([
    ['an uppercase repository', { reference: 'Nixlab:1' }, /use "nixlab"/],
    ['duplicate env keys', { env: ['A=1', 'A=2'] }, /A is set twice/],
    ['a token in the env', { env: { JUPYTER_TOKEN: 'secret' } }, /looks like a secret/],
    ['an entrypoint outside the closure', { entrypoint: ['/nix/store/00000000000000000000000000000000-x/bin/x'] }, /is not in the image's closure/],
    ['a bad maxLayers', { maxLayers: 1 }, /must be between 2 and 125/],
    ['a path that is not a store path', { storePaths: ['/etc'] }, /not a top-level store path/],
  ])('rejects %s and writes nothing', async (_name, extra, message) => {
    const tiny = await buildFixture('tiny');
    const output = join(tmp, 'invalid', 'x.tar');
    await execa('mkdir', ['-p', join(tmp, 'invalid')]);
    const p = pack({ storePaths: [tiny], output, ...extra });
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toThrow(message);
    expect(readdirSync(join(tmp, 'invalid'))).toEqual([]);
    expect(existsSync(output)).toBe(false);
  });
});

describe('outputs that are not plain files: written into, never replaced', () => {
  let tiny: string;
  let dir: string;
  let reference: Buffer;
  beforeAll(async () => {
    tiny = await buildFixture('tiny');
    dir = mkdtempSync(join(tmp, 'special-'));
    await pack({ storePaths: [tiny], output: join(dir, 'reference.tar') });
    reference = readFileSync(join(dir, 'reference.tar'));
  });

  it('a FIFO: its reader gets the same tar as a file, and the FIFO stays a FIFO (nothing beside it)', async () => {
    const fifo = join(dir, 'fifo');
    await execa('mkfifo', [fifo]);
    // The reader opens the FIFO while the pack waits in its open.
    const read = execa('cat', [fifo], { encoding: 'buffer' });
    const result = await pack({ storePaths: [tiny], output: fifo });
    expect(Buffer.from((await read).stdout).equals(reference)).toBe(true);
    expect(result.output).toBe(fifo);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['fifo', 'reference.tar']);
    rmSync(fifo);
  });

  it('a character device (a null device of its own): written into, still a device, the OCI tar too', async () => {
    const dev = join(dir, 'null');
    await execa('mknod', ['-m', '666', dev, 'c', '1', '3']);
    for (const format of ['docker', 'oci'] as const) {
      const result = await pack({ storePaths: [tiny], output: dev, format });
      expect(result.output).toBe(dev);
      expect(result.bytes).toBeGreaterThan(0);
      expect(lstatSync(dev).isCharacterDevice()).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['null', 'reference.tar']);
    rmSync(dev);
  });

  it('a symlink to a file: the file it names gets the image, the link stays', async () => {
    const target = join(dir, 'target.tar');
    const link = join(dir, 'link.tar');
    await execa('sh', ['-c', `echo old > ${target} && ln -s target.tar ${link}`]);
    await pack({ storePaths: [tiny], output: link });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('target.tar');
    expect(readFileSync(target).equals(reference)).toBe(true);
    rmSync(link);
    rmSync(target);
  });

  it('a symlink to a file that does not exist yet: that file is created, the link stays', async () => {
    const link = join(dir, 'ahead.tar');
    await execa('ln', ['-s', 'later/made.tar', link]);
    await execa('mkdir', [join(dir, 'later')]);
    await pack({ storePaths: [tiny], output: link });
    expect(readlinkSync(link)).toBe('later/made.tar');
    expect(readFileSync(join(dir, 'later', 'made.tar')).equals(reference)).toBe(true);
    rmSync(link);
    rmSync(join(dir, 'later'), { recursive: true });
  });

  it('a terminal (a pseudo-terminal held open by another process) is refused: a UserError, and it stays a terminal', async () => {
    const holder = execa('python3', ['-c', 'import os, pty, sys, time\nm, s = pty.openpty()\nprint(os.ttyname(s), flush=True)\ntime.sleep(120)']);
    try {
      const tty = await new Promise<string>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
      expect(tty).toMatch(/^\/dev\/pts\/\d+$/);
      const p = pack({ storePaths: [tiny], output: tty });
      await expect(p).rejects.toThrow(UserError);
      await expect(p).rejects.toThrow(`${tty}: is a terminal: refusing to write an image tar to it`);
      expect(lstatSync(tty).isCharacterDevice()).toBe(true);
    } finally {
      holder.kill();
      await holder.catch(() => undefined);
    }
  });

  it('`-o /dev/stdout --json` is refused like `-o - --json` (exit 2): the JSON would go into the tar', async () => {
    const r = await execa('node', [join(process.cwd(), 'bin/run.js'), 'pack', tiny, '-o', '/dev/stdout', '--json'], { reject: false });
    expect([r.exitCode, r.stdout]).toEqual([2, '']);
    expect(r.stderr).toContain('cannot print JSON when the image goes to stdout (/dev/stdout is stdout)');
  });

  it('a socket is refused before anything is written', async () => {
    const { createServer } = await import('node:net');
    const sock = join(dir, 'sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const p = pack({ storePaths: [tiny], output: sock });
      await expect(p).rejects.toThrow(UserError);
      await expect(p).rejects.toThrow(`${sock}: is a socket; an image is written to a file, a FIFO or a stream`);
      expect(lstatSync(sock).isSocket()).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['reference.tar', 'sock']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
