// The Engine API client against the real engine at DOCKER_HOST (scripts/test.sh starts one):
// load a FROM-scratch image packed by the CLI, check it against its archive, run containers
// with the options nixlab's later stages use, and the error paths. The stream parsers also get
// table tests of their own (no engine needed).
import { execa } from 'execa';
import { chmodSync, createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { UserError } from '../../src/errors.js';
import {
  DockerEngine,
  EngineError,
  EngineStreamError,
  EngineUnreachableError,
  MAX_API_VERSION,
  compareApiVersions,
  demultiplex,
  jsonLines,
  msToNs,
  parseDockerHost,
  type JsonMessage,
} from '../../src/engine/docker-api.js';
import {
  dockerScope,
  filterTar,
  packTinyImage,
  readDockerArchive,
  uniqueName,
  until,
  type ArchiveInfo,
  type TinyImage,
} from '../helpers/docker.js';
import { freePort } from '../helpers/jupyter.js';

const IMAGE_CMD = ['sh', '-c', 'echo "uid=$(id -u) gid=$(id -g)"; echo to-stderr >&2; exit 7'];

describe('DockerEngine (real engine at DOCKER_HOST)', () => {
  const docker = dockerScope();
  let image: TinyImage;
  let archive: ArchiveInfo;
  // Containers below run the loaded image with no network unless the test makes one.
  const base = () => ({ Image: image.tag, HostConfig: { NetworkMode: 'none' } });

  beforeAll(async () => {
    image = await packTinyImage({ cmd: IMAGE_CMD });
    archive = await readDockerArchive(image.tar);
    await docker.loadImage(image.tar);
  });

  it('negotiates the API version: the engine\'s, at most MAX_API_VERSION', async () => {
    const v = await docker.engine.version();
    const api = await docker.engine.apiVersion();
    expect(api).toBe(compareApiVersions(v.ApiVersion, MAX_API_VERSION) < 0 ? v.ApiVersion : MAX_API_VERSION);
    expect((await docker.engine.ping()).apiVersion).toBe(v.ApiVersion);
    const info = await docker.engine.info();
    expect(info.Driver).not.toBe('');
    expect(info.ServerVersion).toBe(v.Version);
  });

  it('loads the archive as a stream, with progress, and the image matches the archive', async () => {
    // An image of its own, whose nonce layer is new to the engine.
    const fresh = await packTinyImage({ cmd: IMAGE_CMD });
    const freshArchive = await readDockerArchive(fresh.tar);
    const progress: JsonMessage[] = [];
    docker.trackImage(fresh.tag);
    const r = await docker.engine.loadImage(createReadStream(fresh.tar), { onProgress: (m) => progress.push(m) });
    expect(r.loaded).toEqual([fresh.tag]);
    expect(r.messages).toEqual(progress);
    // At least the nonce layer is loaded, with progress.
    const loading = progress.filter((m) => m.status === 'Loading layer');
    expect(loading.length).toBeGreaterThan(0);
    expect(loading.every((m) => typeof m.id === 'string' && (m.progressDetail?.total ?? 0) > 0)).toBe(true);

    const img = await docker.engine.inspectImage(fresh.tag);
    expect(img.Id).toBe(freshArchive.configDigest);
    expect(img.RootFS.Layers).toEqual(freshArchive.config.rootfs.diff_ids);
    expect(img.RootFS.Layers).toHaveLength(freshArchive.manifest.Layers.length);
    expect(img.RepoTags).toEqual([fresh.tag]);
    expect(img.Config.User).toBe('1000:100');
    expect(img.Config.Cmd).toEqual(IMAGE_CMD);
    expect(img.Config.Entrypoint?.[0]).toMatch(/^\/nix\/store\/[a-z0-9]{32}-tini-[^/]+\/bin\/tini$/);
    expect(img.Size).toBeGreaterThan(1_000_000);

    const listed = await docker.engine.listImages({ filters: { reference: [fresh.tag] } });
    expect(listed.map((i) => i.Id)).toEqual([img.Id]);
  });

  it('tags and untags: a second tag names the same image, removing it leaves the first', async () => {
    const repo = uniqueName('tag');
    await docker.engine.tagImage(image.tag, repo, 'second');
    docker.trackImage(`${repo}:second`);
    expect((await docker.engine.inspectImage(`${repo}:second`)).Id).toBe(archive.configDigest);
    expect((await docker.engine.inspectImage(image.tag)).RepoTags.sort()).toEqual([image.tag, `${repo}:second`].sort());
    expect(await docker.engine.removeImage(`${repo}:second`)).toEqual([{ Untagged: `${repo}:second` }]);
    expect((await docker.engine.inspectImage(image.tag)).RepoTags).toEqual([image.tag]);
  });

  it('a load that fails in the engine is an EngineStreamError with the engine\'s message', async () => {
    // Another image (its own nonce layer, new to the engine) without any layer file.
    const other = await packTinyImage();
    const partial = join(mkdtempSync(join(tmpdir(), 'nixlab-docker-')), 'partial.tar');
    const dropped = await filterTar(other.tar, partial, (name) => !name.startsWith('layers/'));
    expect(dropped.filter((n) => n.endsWith('.tar')).length).toBeGreaterThan(1);
    docker.trackImage(other.tag);
    const err = await docker.engine.loadImage(createReadStream(partial)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineStreamError);
    expect((err as EngineStreamError).status).toBe(200);
    expect((err as EngineStreamError).message).toMatch(/^Docker engine: POST \/v1\.\d+\/images\/load\?quiet=0 answered 200: .*layers\/\d+\.tar: no such file or directory/);
    await expect(docker.engine.inspectImage(other.tag)).rejects.toMatchObject({ status: 404 });

    const garbage = await docker.engine.loadImage(Readable.from([Buffer.from('not a tar archive\n')])).catch((e: unknown) => e);
    expect(garbage).toBeInstanceOf(EngineStreamError);
    expect((garbage as Error).message).toMatch(/tar/i);
  });

  it('a tar stream that fails while being read rejects with its own error', async () => {
    const missing = join(tmpdir(), uniqueName('missing'), 'image.tar');
    const err = await docker.engine.loadImage(createReadStream(missing)).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(EngineError);
    expect(err).not.toBeInstanceOf(UserError);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect((err as NodeJS.ErrnoException).path).toBe(missing);
  });

  it('runs the image as its user: exit code, stdout and stderr apart, times in the state', async () => {
    const t0 = Date.now();
    const r = await docker.runToEnd(base());
    expect(r).toMatchObject({ exitCode: 7, stdout: 'uid=1000 gid=100\n', stderr: 'to-stderr\n' });
    const c = await docker.engine.inspectContainer(r.id);
    expect(c.State).toMatchObject({ Status: 'exited', Running: false, ExitCode: 7, OOMKilled: false });
    // Both set (not the zero time 0001-01-01). Not ordered: moby records StartedAt when the start
    // call completes, which for a process this short can be after its exit (FinishedAt).
    for (const t of [c.State.StartedAt, c.State.FinishedAt]) {
      expect(Math.abs(Date.parse(t) - t0)).toBeLessThan(60_000);
    }
    expect(c.Config.User).toBe('1000:100');
  });

  it('User 4242:4242, a read-only root with tmpfs /tmp, a bind mount and a read-only bind', async () => {
    const host = mkdtempSync(join(tmpdir(), 'nixlab-bind-'));
    chmodSync(host, 0o777);
    writeFileSync(join(host, 'in.txt'), 'from the host\n');
    const ro = mkdtempSync(join(tmpdir(), 'nixlab-bind-ro-'));
    chmodSync(ro, 0o777);
    const script = [
      'id -u; id -g',
      'cat /data/in.txt',
      'echo written > /data/out.txt',
      'echo t > /tmp/t && echo tmp-writable',
      '(echo x > /rootfile) 2>/dev/null && echo root-writable || echo root-read-only',
      '(echo x > /ro/f) 2>/dev/null && echo ro-writable || echo ro-read-only',
    ].join('; ');
    const r = await docker.runToEnd({
      ...base(),
      Cmd: ['sh', '-c', script],
      User: '4242:4242',
      HostConfig: {
        NetworkMode: 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,size=16m,mode=1777' },
        Binds: [`${host}:/data`, `${ro}:/ro:ro`],
      },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(['4242', '4242', 'from the host', 'tmp-writable', 'root-read-only', 'ro-read-only', '']);
    expect(r.exitCode).toBe(0);
    expect(readFileSync(join(host, 'out.txt'), 'utf8')).toBe('written\n');
    expect(statSync(join(host, 'out.txt'))).toMatchObject({ uid: 4242, gid: 4242 });
    const c = await docker.engine.inspectContainer(r.id);
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(c.Mounts.map((m) => [m.Destination, m.RW]).sort()).toEqual([['/data', true], ['/ro', false]]);
  });

  it('follows the logs of a running container and stops reading when asked', async () => {
    const id = await docker.run({ ...base(), Cmd: ['sh', '-c', 'for i in one two three; do echo $i; sleep 0.2; done; exec sleep 600'] });
    let seen = '';
    for await (const frame of docker.engine.streamLogs(id, { follow: true })) {
      expect(frame.stream).toBe('stdout');
      seen += frame.data.toString('utf8');
      if (seen.includes('three\n')) break;
    }
    expect(seen).toBe('one\ntwo\nthree\n');
    expect((await docker.engine.inspectContainer(id)).State.Running).toBe(true);
    await docker.engine.removeContainer(id, { force: true });
    await expect(docker.engine.inspectContainer(id)).rejects.toMatchObject({ status: 404 });
  });

  it('stop: SIGTERM through tini ends it at once; PID 1 that ignores SIGTERM is killed after the timeout', async () => {
    const polite = await docker.run({ ...base(), Cmd: ['sleep', '600'] });
    let t0 = Date.now();
    await docker.engine.stopContainer(polite, { timeoutSeconds: 20 });
    expect(Date.now() - t0).toBeLessThan(10_000);
    const p = await docker.engine.inspectContainer(polite);
    expect(p.State).toMatchObject({ Status: 'exited', ExitCode: 143 }); // tini: 128 + SIGTERM
    // Stopping a stopped container is fine (the engine answers 304).
    await docker.engine.stopContainer(polite, { timeoutSeconds: 1 });

    // Without tini, sh is PID 1 and the kernel does not deliver SIGTERM to it: SIGKILL after 1 s.
    const stubborn = await docker.run({ ...base(), Entrypoint: ['sh', '-c', 'while :; do sleep 1; done'] });
    t0 = Date.now();
    await docker.engine.stopContainer(stubborn, { timeoutSeconds: 1 });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(15_000);
    expect((await docker.engine.inspectContainer(stubborn)).State).toMatchObject({ Status: 'exited', ExitCode: 137 });
    const w = await docker.engine.waitContainer(stubborn);
    expect(w.StatusCode).toBe(137);
  });

  it('wait gives up after its timeout with an EngineError', async () => {
    const id = await docker.run({ ...base(), Cmd: ['sleep', '600'] });
    const err = await docker.engine.waitContainer(id, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/\/wait\?condition=not-running failed: no answer within 0\.5s/);
  });

  it('restart runs the container again with its named volume; another container mounts the volume read-only', async () => {
    const vol = await docker.createVolume();
    const id = await docker.run({
      ...base(),
      User: '0:0',
      Cmd: ['sh', '-c', 'echo run >> /data/runs; wc -l < /data/runs; exec sleep 600'],
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: vol.Name, Target: '/data' }] },
    });
    const logsUntil = (text: string) =>
      until(`"${text}" in the logs`, 20_000, async () => ((await docker.engine.containerLogs(id)).stdout.includes(text) ? true : undefined));
    await logsUntil('1\n');
    const first = (await docker.engine.inspectContainer(id)).State.StartedAt;
    await docker.engine.restartContainer(id, { timeoutSeconds: 1 });
    await logsUntil('2\n');
    const again = await docker.engine.inspectContainer(id);
    expect(again.State.Running).toBe(true);
    expect(Date.parse(again.State.StartedAt)).toBeGreaterThan(Date.parse(first));
    expect(again.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: vol.Name, Destination: '/data', RW: true })]);

    const reader = await docker.runToEnd({
      ...base(),
      Cmd: ['sh', '-c', 'cat /data/runs; (echo x >> /data/runs) 2>/dev/null && echo writable || echo read-only'],
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: vol.Name, Target: '/data', ReadOnly: true }] },
    });
    expect(reader.stdout).toBe('run\nrun\nread-only\n');
    expect((await docker.engine.listVolumes({ filters: { name: [vol.Name] } })).map((v) => v.Name)).toEqual([vol.Name]);
  });

  it('a health check given at create overrides the image\'s: starting → healthy, and unhealthy', async () => {
    // Ready when the test says so (a file in a bind mount), not after a sleep that a loaded
    // machine could outlast before the first inspect.
    const ctl = mkdtempSync(join(tmpdir(), 'nixlab-health-'));
    chmodSync(ctl, 0o755);
    const healthy = await docker.run({
      ...base(),
      Cmd: ['sleep', '600'],
      Healthcheck: { Test: ['CMD-SHELL', 'test -e /ctl/ready'], Interval: msToNs(200), Timeout: msToNs(5000), Retries: 1000 },
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'bind', Source: ctl, Target: '/ctl', ReadOnly: true }] },
    });
    const failing = await docker.run({
      ...base(),
      Cmd: ['sleep', '600'],
      Healthcheck: { Test: ['CMD', 'false'], Interval: msToNs(200), Timeout: msToNs(5000), Retries: 2 },
    });
    expect((await docker.engine.inspectContainer(healthy)).State.Health?.Status).toBe('starting');
    writeFileSync(join(ctl, 'ready'), '');
    const health = (id: string, want: string) =>
      until(`${want} health`, 30_000, async () => {
        const h = (await docker.engine.inspectContainer(id)).State.Health;
        return h?.Status === want ? h : undefined;
      });
    const h = await health(healthy, 'healthy');
    expect(h.FailingStreak).toBe(0);
    expect(h.Log?.at(-1)?.ExitCode).toBe(0);
    const u = await health(failing, 'unhealthy');
    expect(u.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(u.Log?.every((e) => e.ExitCode === 1)).toBe(true);
  });

  it('networks: a server on an internal network answers a container connected later, by alias', async () => {
    const inner = await docker.createNetwork({ Internal: true });
    const innerName = (await docker.engine.inspectNetwork(inner)).Name;
    const outer = await docker.createNetwork({ Internal: true });
    const outerName = (await docker.engine.inspectNetwork(outer)).Name;
    const server = await docker.run({
      ...base(),
      Cmd: ['sh', '-c', 'mkdir -p /tmp/www && echo hello-from-server > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'],
      HostConfig: { NetworkMode: innerName },
      NetworkingConfig: { EndpointsConfig: { [innerName]: { Aliases: ['web'] } } },
    });
    const client = await docker.createContainer({
      ...base(),
      // busybox nc: static busybox's wget crashes on name lookups FROM scratch (glibc NSS).
      // Tries for up to 60 s (a loaded machine may start the server's httpd late).
      Cmd: ['sh', '-c', 'i=0; while [ $i -lt 120 ]; do printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc web 8080 && exit 0; i=$((i + 1)); sleep 0.5; done; exit 1'],
      HostConfig: { NetworkMode: outerName },
    });
    await docker.engine.connectNetwork(inner, client, { Aliases: ['client'] });
    await docker.engine.startContainer(client);
    const { StatusCode } = await docker.engine.waitContainer(client, { timeoutMs: 90_000 });
    const out = await docker.engine.containerLogs(client);
    expect(out.stdout).toMatch(/^HTTP\/1\.[01] 200 OK\r\n[\s\S]*\r\n\r\nhello-from-server\n$/);
    expect(StatusCode).toBe(0);
    const net = await docker.engine.inspectNetwork(inner);
    expect(net.Internal).toBe(true);
    // Only running containers have endpoints; the client has exited, its config keeps both networks.
    expect(Object.keys(net.Containers ?? {})).toEqual([server]);
    const c = await docker.engine.inspectContainer(client);
    expect(Object.keys(c.NetworkSettings.Networks).sort()).toEqual([innerName, outerName].sort());
    expect(c.NetworkSettings.Networks[innerName].Aliases).toEqual(expect.arrayContaining(['client']));

    await docker.engine.removeContainer(server, { force: true });
    await docker.engine.removeContainer(client, { force: true });
    await docker.engine.removeNetwork(inner);
    await expect(docker.engine.inspectNetwork(inner)).rejects.toMatchObject({ status: 404 });
  });

  it('publishes a port on 127.0.0.1, and host networking shares the host\'s ports', async () => {
    const net = await docker.createNetwork({});
    const netName = (await docker.engine.inspectNetwork(net)).Name;
    const published = await freePort();
    const httpd = (text: string, port: number) => ['sh', '-c', `mkdir -p /tmp/www && echo ${text} > /tmp/www/index.html && exec httpd -f -p ${port} -h /tmp/www`];
    const a = await docker.run({
      ...base(),
      Cmd: httpd('published', 8080),
      ExposedPorts: { '8080/tcp': {} },
      HostConfig: { NetworkMode: netName, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(published) }] } },
    });
    const direct = await freePort();
    await docker.run({ ...base(), Cmd: httpd('host-network', direct), HostConfig: { NetworkMode: 'host' } });
    const get = (port: number) =>
      until(`a server on 127.0.0.1:${port}`, 20_000, async () => {
        try {
          return await (await fetch(`http://127.0.0.1:${port}/`)).text();
        } catch {
          return undefined;
        }
      });
    expect(await get(published)).toBe('published\n');
    expect(await get(direct)).toBe('host-network\n');
    const ports = (await docker.engine.inspectContainer(a)).NetworkSettings.Ports;
    expect(ports?.['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(published) }]);
  });

  it('a missing image, container, volume or network is a 404 EngineError with the engine\'s message', async () => {
    const ref = `${uniqueName('absent')}:none`;
    const err = (await docker.engine.inspectImage(ref).catch((e: unknown) => e)) as EngineError;
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ method: 'GET', status: 404, exitCode: 1 });
    expect(err.path).toMatch(new RegExp(`^/v1\\.\\d+/images/${ref}/json$`));
    expect(err.engineMessage).toMatch(/no such image/i);
    expect(err.message).toBe(`Docker engine: GET ${err.path} answered 404: ${err.engineMessage}`);
    const name = uniqueName('absent');
    await expect(docker.engine.inspectContainer(name)).rejects.toMatchObject({ status: 404, engineMessage: expect.stringMatching(/no such container/i) });
    await expect(docker.engine.removeVolume(name)).rejects.toMatchObject({ status: 404 });
    await expect(docker.engine.removeNetwork(name)).rejects.toMatchObject({ status: 404 });
    // A 409: the name is taken.
    const taken = uniqueName('taken');
    await docker.createContainer(base(), taken);
    await expect(docker.createContainer(base(), taken)).rejects.toMatchObject({ status: 409, method: 'POST' });
  });
});

describe('DockerEngine without an engine', () => {
  it('a socket path where nothing listens: EngineUnreachableError, a UserError (exit 2) naming DOCKER_HOST', async () => {
    const host = `unix://${join(mkdtempSync(join(tmpdir(), 'nixlab-nosock-')), 'docker.sock')}`;
    const err = (await new DockerEngine({ host }).ping().catch((e: unknown) => e)) as EngineUnreachableError;
    expect(err).toBeInstanceOf(EngineUnreachableError);
    expect(err).toBeInstanceOf(UserError);
    expect(err.exitCode).toBe(2);
    expect(err.code).toBe('ENOENT');
    expect(err.problems[0].where).toBe(`DOCKER_HOST=${host}`);
    expect(err.message).toMatch(/no Docker engine is reachable there \(the socket does not exist\)\. Fix: start an engine .*export DOCKER_HOST/);
    // Any call (it negotiates first) fails the same way.
    await expect(new DockerEngine({ host }).listImages()).rejects.toBeInstanceOf(EngineUnreachableError);
  });

  it('a socket nobody listens on any more, and a closed TCP port: connection refused', async () => {
    const sock = join(mkdtempSync(join(tmpdir(), 'nixlab-deadsock-')), 'dead.sock');
    // A listener that exited without unlinking its socket (Python leaves the file behind).
    await execa('python3', ['-c', 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', sock]);
    expect(statSync(sock).isSocket()).toBe(true);
    const e1 = (await new DockerEngine({ host: `unix://${sock}` }).version().catch((e: unknown) => e)) as EngineUnreachableError;
    expect(e1).toBeInstanceOf(EngineUnreachableError);
    expect(e1.code).toBe('ECONNREFUSED');
    const port = await freePort();
    const e2 = (await new DockerEngine({ host: `tcp://127.0.0.1:${port}` }).ping().catch((e: unknown) => e)) as EngineUnreachableError;
    expect(e2).toBeInstanceOf(EngineUnreachableError);
    expect(e2.message).toContain(`DOCKER_HOST=tcp://127.0.0.1:${port}: no Docker engine is reachable there (connection refused)`);
  });

  it.each([
    ['http://127.0.0.1:2375', /unsupported scheme/],
    ['unix://relative.sock', /not absolute/],
    ['tcp://192.0.2.1:2375', /loopback/],
    ['tcp://127.0.0.1:99999', /loopback/],
  ])('DOCKER_HOST=%s is a UserError', (host, message) => {
    expect(() => parseDockerHost(host)).toThrow(UserError);
    expect(() => parseDockerHost(host)).toThrow(message);
  });

  it('parses unix and loopback tcp addresses; unset means the default socket', () => {
    expect(parseDockerHost('unix:///tmp/dk.x/docker.sock')).toEqual({ kind: 'unix', socketPath: '/tmp/dk.x/docker.sock', url: 'unix:///tmp/dk.x/docker.sock' });
    expect(parseDockerHost('tcp://127.0.0.1:2375')).toMatchObject({ kind: 'tcp', host: '127.0.0.1', port: 2375 });
    expect(parseDockerHost('tcp://[::1]:2375')).toMatchObject({ kind: 'tcp', host: '::1', port: 2375 });
    expect(parseDockerHost(undefined)).toMatchObject({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(parseDockerHost('')).toMatchObject({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('compares API versions numerically', () => {
    expect(compareApiVersions('1.41', '1.43')).toBe(-1);
    expect(compareApiVersions('1.9', '1.10')).toBe(-1);
    expect(compareApiVersions('1.43', '1.43')).toBe(0);
    expect(compareApiVersions('1.47', '1.43')).toBe(1);
  });
});

describe('stream formats', () => {
  const frame = (type: number, text: string) => {
    const data = Buffer.from(text);
    const h = Buffer.alloc(8);
    h[0] = type;
    h.writeUInt32BE(data.length, 4);
    return Buffer.concat([h, data]);
  };
  const bad = (why: string) => new Error(`bad: ${why}`);
  const collect = async <T>(it: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const x of it) out.push(x);
    return out;
  };
  /** The bytes cut into pieces of `size` (frames and lines split anywhere). */
  const pieces = (buf: Buffer, size: number) => Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));

  it.each([1, 3, 8, 9, 1000])('demultiplexes frames cut into %i-byte pieces', async (size) => {
    const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, ''), frame(1, 'ünïcode\n')]);
    const frames = await collect(demultiplex(pieces(all, size), bad));
    expect(frames.map((f) => [f.stream, f.data.toString('utf8')])).toEqual([
      ['stdout', 'out one\n'],
      ['stderr', 'err\n'],
      ['stdout', ''],
      ['stdout', 'ünïcode\n'],
    ]);
  });

  it('a truncated frame and a raw (TTY) stream are errors', async () => {
    const cut = frame(1, 'hello').subarray(0, 10);
    await expect(collect(demultiplex(pieces(cut, 4), bad))).rejects.toThrow(/bad: the stream ended inside a frame \(10 bytes left over\)/);
    await expect(collect(demultiplex(pieces(Buffer.from('raw tty output\n'), 100), bad))).rejects.toThrow(/bad: not a multiplexed stream/);
  });

  it.each([1, 2, 5, 1000])('splits JSON lines (\\r\\n, UTF-8 cut anywhere) in %i-byte pieces', async (size) => {
    const text = '{"status":"Loading layer","id":"ab"}\r\n\r\n{"stream":"Loaded image: é:1\\n"}\r\n{"error":"boom ✗"}';
    const msgs = await collect(jsonLines(pieces(Buffer.from(text), size), bad));
    expect(msgs).toEqual([{ status: 'Loading layer', id: 'ab' }, { stream: 'Loaded image: é:1\n' }, { error: 'boom ✗' }]);
  });

  it('a line that is not JSON is an error naming it', async () => {
    await expect(collect(jsonLines(Readable.from(['{"ok":1}\n', 'oops\n']), bad))).rejects.toThrow('bad: oops');
  });
});
