// The module graph of src/ has no cycle: data flows one way (definitions → Nix → files →
// nix-build → closure → plan → archive → engine), and a loop of imports is the first sign of a
// helper living on the wrong floor. Every relative import counts, type-only ones too: a type
// import still ties two modules' designs together.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve('src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The relative imports and re-exports of one file, resolved to .ts paths (`import()` calls included). */
export function importsOf(file: string, text: string): string[] {
  const out = new Set<string>();
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of text.matchAll(re)) out.add(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
  return [...out];
}

/** Strongly connected components of more than one file, or of one file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('imports in src/', () => {
  const graph = new Map(sources(SRC).map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

  it('every relative import names a file of src/', () => {
    const dangling = [...graph].flatMap(([f, deps]) => deps.filter((d) => !graph.has(d)).map((d) => `${relative(SRC, f)} → ${relative(SRC, d)}`));
    expect(dangling).toEqual([]);
  });

  it('form no cycle', () => {
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)))).toEqual([]);
  });

  it('the cycle finder finds a planted cycle (so the check above can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']], ['e', ['e']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
  });
});
