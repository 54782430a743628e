// Outputs are replaced atomically: a failure leaves the previous result untouched.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceDir, writeFileAtomic } from '../src/fsutil.js';

describe('atomic outputs', () => {
  const root = mkdtempSync(join(tmpdir(), 'nixlab-fs-'));

  it('replaces a directory with exactly the new entries', async () => {
    const dir = join(root, 'out');
    await replaceDir(dir, [{ path: 'a.txt', text: 'A' }, { path: 'sub/b.txt', text: 'B' }]);
    await replaceDir(dir, [{ path: 'c.txt', text: 'C' }]);
    expect(readdirSync(dir)).toEqual(['c.txt']);
    expect(readdirSync(root)).toEqual(['out']);
  });

  it('leaves the old directory and no temp files when writing fails', async () => {
    const dir = join(root, 'keep');
    await replaceDir(dir, [{ path: 'a.txt', text: 'old' }]);
    await expect(replaceDir(dir, [{ path: 'x', text: '1' }, { path: 'y', copyFrom: join(root, 'does-not-exist') }])).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old');
    expect(readdirSync(root).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('writes files through a temp name', async () => {
    const f = join(root, 'f.json');
    writeFileSync(f, 'old');
    await writeFileAtomic(f, 'new');
    expect(readFileSync(f, 'utf8')).toBe('new');
  });
});
