// Issue 23, high 1: `generate --out`, `build --generated-dir` and `compose --out` write only where
// nothing of the user's is lost: they refuse a directory or file nixlab did not write (exit 2,
// nothing changed), and replace a directory they wrote before.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GENERATED_MARKER } from '../../src/fsutil.js';
import { nixlab } from '../helpers/cli.js';

const DEMO = resolve('examples/demo');
const REFUSED = /holds files nixlab did not write .*; nothing was changed\. Fix: choose an empty or new directory/;

/** A copy of the demo project with a user file, in a git work tree. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nixlab-out23-'));
  cpSync(DEMO, dir, { recursive: true });
  writeFileSync(join(dir, 'NOTES.md'), 'my notes\n');
  execFileSync('git', ['init', '-q', dir]);
  return dir;
}

/** Every file under `dir` with its content, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) out[join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)] = readFileSync(join(e.parentPath ?? (e as unknown as { path: string }).path, e.name), 'utf8');
  }
  return out;
}

describe('issue 23 high 1: generate --out never deletes user files', () => {
  it('refuses `--out .` in a git work tree holding the config, and changes nothing', async () => {
    const dir = project();
    const before = snapshot(dir);
    const r = await nixlab(['generate', '--out', '.'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(REFUSED);
    expect(snapshot(dir)).toEqual(before);
    expect(existsSync(join(dir, '.git', 'HEAD'))).toBe(true);
    expect(readdirSync(join(dir, '..')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a directory holding a user file, and a regular file', async () => {
    const dir = project();
    mkdirSync(join(dir, 'existing'));
    writeFileSync(join(dir, 'existing', 'important.txt'), 'keep me');
    const r = await nixlab(['generate', '--out', 'existing'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(REFUSED);
    expect(readdirSync(join(dir, 'existing'))).toEqual(['important.txt']);
    writeFileSync(join(dir, 'afile'), 'a file');
    const f = await nixlab(['generate', '--out', 'afile'], { cwd: dir });
    expect(f.exitCode).toBe(2);
    expect(f.stderr).toMatch(/it is a file, not a directory/);
    expect(readFileSync(join(dir, 'afile'), 'utf8')).toBe('a file');
  });

  it('replaces a directory it generated before, atomically, marked as its own', async () => {
    const dir = project();
    expect((await nixlab(['generate', '--out', 'gen'], { cwd: dir })).exitCode).toBe(0);
    expect(readFileSync(join(dir, 'gen', GENERATED_MARKER), 'utf8')).toMatch(/^This directory was written by nixlab \(nixlab generate\)/);
    writeFileSync(join(dir, 'gen', 'stale.nix'), 'from an older run');
    writeFileSync(join(dir, 'nixlab.yaml'), readFileSync(join(dir, 'nixlab.yaml'), 'utf8').replace('name: sh', 'name: shell2'));
    const r = await nixlab(['generate', '--out', 'gen'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, 'gen', 'stale.nix'))).toBe(false);
    expect(readFileSync(join(dir, 'gen', 'default.nix'), 'utf8')).toContain('shell2');
    expect(readdirSync(dir).filter((n) => n.startsWith('.gen.'))).toEqual([]);
  });

  it('refuses `/` and a read-only directory with a message, not a raw EPERM or EBUSY', async () => {
    const dir = project();
    const root = await nixlab(['generate', '--out', '/'], { cwd: dir });
    expect(root.exitCode).toBe(2);
    expect(root.stderr).toMatch(REFUSED);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro', 'nixlab-test', ro]);
    try {
      const r = await nixlab(['generate', '--out', 'ro/out'], { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/cannot write the output directory: the file system is read-only \(EROFS\)\. Fix: /);
    } finally {
      execFileSync('umount', [ro]);
    }
  });

  it('build --generated-dir refuses a user directory before building', async () => {
    const dir = project();
    const r = await nixlab(['build', '--pkgs', 'offline', '--generated-dir', '.', '-o', 'x.tar'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(REFUSED);
    expect(existsSync(join(dir, 'NOTES.md'))).toBe(true);
    expect(existsSync(join(dir, 'x.tar'))).toBe(false);
  });

  it('compose --out never overwrites a README.md or docker-compose.yml of the user', async () => {
    const dir = project();
    writeFileSync(join(dir, 'README.md'), '# my project\n');
    const r = await nixlab(['compose', '--out', '.'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/README\.md is a file nixlab did not write .*nothing was changed/);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# my project\n');
    expect(existsSync(join(dir, 'docker-compose.yml'))).toBe(false);
    // Its own copies are rewritten.
    expect((await nixlab(['compose', '--out', 'lab'], { cwd: dir })).exitCode).toBe(0);
    expect((await nixlab(['compose', '--out', 'lab'], { cwd: dir })).exitCode).toBe(0);
  });
});
