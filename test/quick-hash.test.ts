// quickHash names nixlab's cache entries and notices damaged ones: the same text gives the same
// 16 hex digits, in every process; texts a character apart (and many similar names) do not share one.
import { quickHash } from '../src/quick-hash.js';

describe('quickHash', () => {
  it('is 16 hex digits, the same for the same text (fixed values: entries outlive a process)', () => {
    expect(quickHash('')).toMatch(/^[0-9a-f]{16}$/);
    expect(quickHash('kernels: []\n')).toBe(quickHash('kernels: []\n'));
    // Pinned: a change of the function renames every cache entry (a miss each, once).
    expect([quickHash(''), quickHash('numpy')]).toEqual(['9e7c5a528f0ca1d1', '4f159784f98fbf3d']);
    expect(new Set([quickHash(''), quickHash('\0'), quickHash('\0\0')]).size).toBe(3);
  });

  it('gives 200,000 similar texts 200,000 different hashes, and changes with any one character', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) seen.add(quickHash(`kernels:\n  - {kind: python, name: py${i}}\n`));
    expect(seen.size).toBe(200_000);
    const base = 'a'.repeat(64);
    const variants = new Set([base, ...Array.from({ length: 64 }, (_, i) => base.slice(0, i) + 'b' + base.slice(i + 1)), 'é' + base.slice(1), '\u{1F600}' + base.slice(2)].map(quickHash));
    expect(variants.size).toBe(67);
  });
});
