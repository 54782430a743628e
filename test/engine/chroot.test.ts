// The chroot runner, on an image packed from a real closure with tini and busybox.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryClosure } from '../../src/image/closure.js';
import { buildFixture, pack } from '../image/fixtures.js';
import { cleanupImages, cleanupImagesInBackground, imagesDir, runImage, startImage, TAIL_LINES } from '../../src/engine/chroot.js';

const tmp = mkdtempSync(join(tmpdir(), 'nixlab-run-test-'));
let image: string;
let busybox: string;

beforeAll(async () => {
  const runtime = await buildFixture('runtime');
  busybox = (await queryClosure([runtime])).find((n) => n.path.endsWith('-nixlab-fixture-busybox'))!.path;
  image = join(tmp, 'image.tar');
  await pack({
    storePaths: [runtime],
    output: image,
    reference: 'run-test:1',
    cmd: ['sh', '-c', 'id -u'],
    env: [`PATH=${busybox}/bin`, 'HOME=/home/jovyan', 'GREETING=hello world'],
    volumes: ['/home/jovyan/work'],
  });
});
afterAll(() => {
  cleanupImages();
  rmSync(tmp, { recursive: true, force: true });
});

describe('runImage', () => {
  it('runs Entrypoint (tini) + Cmd as the image user: id -u prints 1000', async () => {
    const r = await runImage({ image });
    expect(r).toMatchObject({ exitCode: 0, stdout: '1000\n', timedOut: false });
  });

  it('returns the exit code of the command', async () => {
    expect((await runImage({ image, cmd: ['sh', '-c', 'exit 3'] })).exitCode).toBe(3);
  });

  it('runs tini as PID 1 in its own PID namespace, in the WorkingDir', async () => {
    const r = await runImage({ image, cmd: ['sh', '-c', 'cat /proc/1/comm; echo $PPID; pwd; ls /proc | grep -c "^[0-9]"'] });
    // sh is tini's child; the namespace holds just tini, sh and ls/grep.
    expect(r.stdout).toMatch(/^tini\n1\n\/home\/jovyan\n[2-4]\n$/);
  });

  it('passes exactly the image Env plus -e overrides (nothing from the host)', async () => {
    const r = await runImage({ image, cmd: ['env'], env: { EXTRA: '1', HOME: '/tmp' } });
    expect(r.stdout.trim().split('\n').sort()).toEqual([`PATH=${busybox}/bin`, 'HOME=/tmp', 'GREETING=hello world', 'EXTRA=1'].sort());
  });

  it('runs as another uid:gid (4242:4242) with no supplementary groups', async () => {
    const r = await runImage({ image, cmd: ['sh', '-c', 'id -u; id -g; id -G'], user: '4242:4242' });
    expect(r.stdout).toBe('4242\n4242\n4242\n');
  });

  it('provides /dev and /proc as docker does', async () => {
    const r = await runImage({ image, cmd: ['sh', '-c', 'ls /dev; echo x > /dev/null; head -c 4 /dev/zero | wc -c; test -d /proc/self/fd && echo proc'] });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n');
    for (const d of ['null', 'zero', 'full', 'random', 'urandom', 'tty', 'pts', 'ptmx', 'shm', 'fd']) expect(lines).toContain(d);
    expect(lines).toContain('4');
    expect(lines).toContain('proc');
  });

  it('writes into a bind-mounted volume; the file belongs to the container uid on the host', async () => {
    const vol = join(tmp, 'vol');
    mkdirSync(vol);
    chmodSync(vol, 0o777);
    const r = await runImage({ image, cmd: ['sh', '-c', 'echo data > /home/jovyan/work/out.txt'], user: '4242:4242', volumes: [`${vol}:/home/jovyan/work`] });
    expect(r.exitCode).toBe(0);
    const st = lstatSync(join(vol, 'out.txt'));
    expect([st.uid, st.gid]).toEqual([4242, 4242]);
  });

  it('gives every run a fresh writable root (changes do not persist)', async () => {
    expect((await runImage({ image, cmd: ['sh', '-c', 'touch /tmp/mark && ls /tmp'] })).stdout).toBe('mark\n');
    expect((await runImage({ image, cmd: ['ls', '/tmp'] })).stdout).toBe('');
  });

  it('kills the container after timeoutMs', async () => {
    const r = await runImage({ image, cmd: ['sleep', '100'], timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: 137, signal: 'SIGKILL' });
  });
});

describe('startImage', () => {
  it('runs a long-lived process and stops it like docker stop (SIGTERM to PID 1)', async () => {
    const h = await startImage({ image, cmd: ['sh', '-c', 'echo ready; exec sleep 1000'] });
    for (let i = 0; i < 100 && !h.stdout.includes('ready'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(h.stdout).toBe('ready\n');
    expect(lstatSync(`/proc/${h.pid}`).isDirectory()).toBe(true);
    const r = await h.stop('SIGTERM', 5000);
    // tini forwards SIGTERM to sleep and exits with 128 + 15.
    expect(r.exitCode).toBe(143);
  });

  it('keeps the last lines of both streams for a caller that reports why it ended', async () => {
    const h = await startImage({ image, cmd: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do echo out$i; i=$((i+1)); done; echo last-err >&2; printf no-newline; exit 3'] });
    const r = await h.wait();
    expect(r.exitCode).toBe(3);
    const lines = h.lastLines();
    expect(lines).toHaveLength(TAIL_LINES);
    // stdout and stderr are two pipes: their order between each other is not kept.
    expect(lines).toEqual(expect.arrayContaining(['out29', 'last-err', 'no-newline']));
    expect(lines).not.toContain('out0');
  });
});

describe('cleanupImages', () => {
  // Last in this file: it drops the unpacked image the tests above share.
  it('removes the unpacked images and run directories of this process', async () => {
    expect((await runImage({ image, cmd: ['true'] })).exitCode).toBe(0);
    const dir = imagesDir();
    expect(dir).not.toBeNull();
    expect(readdirSync(dir!).some((d) => d.startsWith('image-'))).toBe(true);
    cleanupImages();
    expect(existsSync(dir!)).toBe(false);
    expect(imagesDir()).toBeNull();
  });

  it('in the background: returns at once, and a detached rm -rf removes them', async () => {
    expect((await runImage({ image, cmd: ['true'] })).exitCode).toBe(0);
    const dir = imagesDir()!;
    cleanupImagesInBackground();
    expect(imagesDir()).toBeNull();
    for (let i = 0; i < 600 && existsSync(dir); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(dir)).toBe(false);
  });
});
