// A fast 64-bit hash of a string, for nixlab's own cache entries: to name them and to notice a
// damaged one. Loading node:crypto costs 2–4 ms, as much as the rest of a cached YAML lookup and
// a twentieth of node's start, on every `nixlab validate`. It is not a cryptographic hash: the
// caches using it also compare what an entry is for, so a collision costs a miss, never a wrong
// answer; and nothing here is chosen by an attacker.

/** 16 hex digits: two 32-bit lanes over the UTF-16 code units, each finished with murmur3's avalanche step. */
export function quickHash(text: string): string {
  let a = 0x811c9dc5 ^ text.length;
  let b = 0x9e3779b9 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return hex(fmix(a ^ Math.imul(b, 0x85ebca6b))) + hex(fmix(b ^ Math.imul(a, 0xc2b2ae35)));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
