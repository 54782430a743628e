// Issue 23, low: a SIGKILL during pack left `.NAME.tmp-PID-*` (27 MB in the probe) that later
// builds never removed. The next pack to the same output removes it once its process is gone.
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildFixture } from './fixtures.js';

describe('issue 23 low: a SIGKILL during pack leaves a temp file', () => {
  it('the next pack to the same output sweeps it (and only it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-sigkill-'));
    const out = join(dir, 'out.tar');
    // Over 8 GiB (sparse): the pack is still writing when it is killed.
    const big = await buildFixture('big');
    const killed = execa('node', [resolve('bin/run.js'), 'pack', big, '-o', out], { reject: false });
    const temp = () => readdirSync(dir).filter((n) => n.startsWith('.out.tar.tmp-'));
    const deadline = Date.now() + 60_000;
    while (temp().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    killed.kill('SIGKILL');
    await killed;
    expect(temp()).toHaveLength(1);
    const r = await execa('node', [resolve('bin/run.js'), 'pack', await buildFixture('dep'), '-o', out], { reject: false });
    expect(r.exitCode).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(dir)).toEqual(['out.tar']);
  });
});
