// "Did you mean" suggestions: the candidates close to what the user wrote.

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}


/**
 * Up to `max` candidates close to `input` (ignoring case, `_` and `-`; at most a third of its
 * letters wrong), closest first, ties in the candidates' order.
 */
export function nearest(input: string, candidates: readonly string[], max: number): string[] {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const n = norm(input);
  const limit = Math.max(1, Math.floor(n.length / 3));
  const close: { c: string; d: number; i: number }[] = [];
  candidates.forEach((c, i) => {
    const m = norm(c);
    if (Math.abs(m.length - n.length) > limit) return; // cheap: the distance is at least that
    const d = distance(n, m);
    if (d <= limit) close.push({ c, d, i });
  });
  return close
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, max)
    .map((x) => x.c);
}
