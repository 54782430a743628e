// The module graph of src/ has no cycle: data flows one way (definitions → Nix → files →
// nix-build → closure → plan → archive → engine), and a loop of imports is the first sign of a
// helper living on the wrong floor. Every import that exists at run time counts (static,
// re-exports, `import()`); a statement that imports only types (`import type …`) does not: it is
// erased by the compiler, and a registry (kernel kinds, deployment targets) types the config it
// is part of, which is a loop of declarations, not of modules.
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
  const code = text.replace(/^\s*(?:import|export) type\b[^;]*;/gm, '');
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;
  for (const m of code.matchAll(re)) out.add(resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
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

  it('reads value imports, re-exports and import() calls, and skips type-only imports', () => {
    const text = "import { a } from './a.js';\nimport type { B } from './b.js';\nexport { c } from './c.js';\nconst d = await import('./d.js');\nimport './e.js';\n";
    expect(importsOf('/x/f.ts', text).sort()).toEqual(['/x/a.ts', '/x/c.ts', '/x/d.ts', '/x/e.ts']);
  });

  it('the cycle finder finds a planted cycle (so the check above can fail)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']], ['e', ['e']]]);
    expect(cycles(g)).toEqual([['a', 'b', 'c'], ['e']]);
  });
});
