// Failures leave nothing behind and say what happened: EPIPE on a pipe, an abort (SIGINT /
// SIGTERM through the command), a full disk, a read-only directory.
import { execa, type ResultPromise } from 'execa';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../src/errors.js';
import { buildFixture, pack } from './fixtures.js';

const repo = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'nixlab-faults-'));
const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts) await execa('umount', [m], { reject: false });
  rmSync(tmp, { recursive: true, force: true });
});

/** A tmpfs of `size` at a new directory (root only); unmounted after the tests. */
async function tmpfs(name: string, options: string): Promise<string> {
  const dir = join(tmp, name);
  mkdirSync(dir);
  await execa('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

describe('packImage failures', () => {
  let tree: string;
  beforeAll(async () => {
    tree = await buildFixture('tree', { optimise: true });
  });

  it('EPIPE: the reader of a stream goes away → UserError, no hang', async () => {
    // A plain pipe, as process.stdout is when piped (execa would swallow the EPIPE itself).
    const head = spawn('head', ['-c', '100'], { stdio: ['pipe', 'ignore', 'inherit'] });
    const closed = once(head, 'close');
    const p = pack({ storePaths: [tree], output: head.stdin });
    await expect(p).rejects.toThrow(UserError);
    // A child's stdin reports the broken pipe as a destroyed stream; process.stdout as EPIPE
    // (the command test below).
    await expect(p).rejects.toThrow(/stdout: writing the image failed: (EPIPE|ERR_STREAM_DESTROYED)/);
    await closed;
  });

  it('abort mid-pack → rejects with the reason, removes the temp file', async () => {
    const dir = join(tmp, 'abort');
    mkdirSync(dir);
    const controller = new AbortController();
    const reason = new Error('stop');
    const p = pack({
      storePaths: [tree],
      output: join(dir, 'x.tar'),
      signal: controller.signal,
      onProgress: () => controller.abort(reason),
    });
    await expect(p).rejects.toBe(reason);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a full disk (ENOSPC) → UserError naming the output, nothing left', async () => {
    const full = await tmpfs('full', 'size=1m');
    const p = pack({ storePaths: [tree], output: join(full, 'x.tar') });
    await expect(p).rejects.toThrow(UserError);
    await expect(p).rejects.toThrow(/x\.tar: writing the image failed: ENOSPC/);
    expect(readdirSync(full)).toEqual([]);
  });

  it('a read-only directory → UserError, nothing left (docker, OCI tar and OCI directory)', async () => {
    const ro = await tmpfs('ro', 'ro,size=1m');
    for (const [format, name] of [['docker', 'x.tar'], ['oci', 'y.tar'], ['oci', 'z']] as const) {
      await expect(pack({ storePaths: [tree], format, output: join(ro, name) })).rejects.toThrow(/EROFS/);
    }
    expect(readdirSync(ro)).toEqual([]);
  });

  it('an OCI directory output that exists and is not empty is refused before writing', async () => {
    const dir = join(tmp, 'taken');
    mkdirSync(dir);
    mkdirSync(join(dir, 'something'));
    await expect(pack({ storePaths: [tree], format: 'oci', output: dir })).rejects.toThrow(/already exists/);
  });
});

describe('nixlab pack (the command)', () => {
  const bin = join(repo, 'bin/run.js');
  beforeAll(async () => {
    // The command runs from dist/; build it when it is missing or older than the sources.
    const built = join(repo, 'dist/src/commands/pack.js');
    const sources = ['src/commands/pack.ts', 'src/image/pack.ts', 'src/image/sink.ts', 'src/image/tar.ts'].map((f) => statSync(join(repo, f)).mtimeMs);
    if (!existsSync(built) || statSync(built).mtimeMs < Math.max(...sources)) {
      await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repo, reject: false });
    }
  }, 300_000);

  it('EPIPE: `pack -o - | head -c 100` exits non-zero and says so', async () => {
    const tree = await buildFixture('tree', { optimise: true });
    const r = await execa('bash', ['-c', `node ${bin} pack ${tree} -o - | head -c 100 >/dev/null; exit \${PIPESTATUS[0]}`], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('EPIPE');
  });

  it('SIGTERM mid-pack: exits 143 and leaves no partial file', async () => {
    const big = await buildFixture('big');
    const dir = join(tmp, 'sigterm');
    mkdirSync(dir);
    const child: ResultPromise = execa('node', [bin, 'pack', big, '-o', join(dir, 'big.tar')], { reject: false });
    // Wait until it is writing (the temp file exists and grows).
    for (let i = 0; i < 600 && !readdirSync(dir).some((n) => n.includes('.tmp-') && statSync(join(dir, n)).size > 1 << 20); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(readdirSync(dir)).toHaveLength(1);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(r.stderr).toContain('interrupted by SIGTERM; nothing was written');
    expect(readdirSync(dir)).toEqual([]);
  }, 120_000);

  it('a write error: exit code 2 and a message naming the output', async () => {
    const ro = await tmpfs('ro-cli', 'ro,size=1m');
    const tiny = await buildFixture('tiny');
    const r = await execa('node', [bin, 'pack', tiny, '-o', join(ro, 'x.tar')], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/x\.tar: writing the image failed: EROFS/);
  });

  it('--json prints the result; inspect reads it back', async () => {
    const tiny = await buildFixture('tiny');
    const out = join(tmp, 'cli.tar');
    const r = await execa('node', [bin, 'pack', tiny, '-o', out, '--tag', 'cli-test:1', '--cmd', '["/bin/sh","-c","true"]', '--json']);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ format: 'docker', output: out, reference: 'cli-test:1' });
    const inspected = JSON.parse((await execa('node', [bin, 'inspect', out, '--json'])).stdout);
    expect(inspected.configDigest).toBe(result.imageId);
    expect(inspected.config.config.Cmd).toEqual(['/bin/sh', '-c', 'true']);
    const text = (await execa('node', [bin, 'inspect', out])).stdout;
    expect(text).toContain(tiny);
    expect(text).toContain('tags        cli-test:1');
  });
});
