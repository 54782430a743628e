// tarWithout: the shorter archive `nixlab load` streams to the engine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexTar, tarWithout } from '../../src/image/tar-index.js';

describe('issue 23 low: nixlab load printed MaxListenersExceededWarning', () => {
  it('tarWithout leaves no listener behind per backpressure wait (many waits, none piled up)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nixlab-tarwithout-'));
    mkdirSync(join(dir, 'src'));
    for (let i = 0; i < 24; i++) writeFileSync(join(dir, 'src', `f${String(i).padStart(2, '0')}`), Buffer.alloc(1 << 20, i));
    execFileSync('tar', ['-cf', join(dir, 'a.tar'), '-C', join(dir, 'src'), '.']);
    const entries = await indexTar(join(dir, 'a.tar'));
    const out = tarWithout(join(dir, 'a.tar'), entries, new Set(['./f03']));
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let most = 0;
    let bytes = 0;
    try {
      // A slow reader: the writer waits for 'drain' many times (far more than the 10 listeners
      // Node warns about).
      for await (const chunk of out) {
        bytes += (chunk as Buffer).length;
        most = Math.max(most, out.listenerCount('close'), out.listenerCount('drain'));
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      process.off('warning', onWarning);
    }
    expect(bytes).toBeGreaterThan(20 << 20);
    expect(most).toBeLessThanOrEqual(3);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
