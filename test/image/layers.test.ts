// Layer planning: nixpkgs' popularity contest, tie-breaking, the layer budget, pluggable planners,
// and the kernel-aware planner (groups, budget, stability), on hand-made and random graphs.
import fc from 'fast-check';
import { UserError, InternalError } from '../../src/errors.js';
import type { ClosureNode } from '../../src/image/closure.js';
import { findRoots, kernelGroups, kernelPlanner, planLayers, popularity, popularityPlanner, type KernelEnv, type LayerPlan, type LayerPlanner } from '../../src/image/layers.js';

const node = (path: string, references: string[]): ClosureNode => ({ path, references, narSize: 1 });

// The graph from the comment in nixpkgs' closure-graph.py:
//   A - B - C - D -\     with B -> E -> F, and A -> G
//    \   \   \      \
//     \   \   \ - E ---- F
//      \- G
const example: ClosureNode[] = [
  node('A', ['A', 'B', 'G']),
  node('B', ['C', 'E']),
  node('C', ['D', 'E']),
  node('D', ['F']),
  node('E', ['F']),
  node('F', ['F']),
  node('G', []),
];

describe('popularity', () => {
  it('matches the worked example of references-by-popularity', () => {
    expect(Object.fromEntries(popularity(example, ['A']))).toEqual({ A: 1, B: 2, C: 3, D: 4, E: 5, F: 9, G: 2 });
  });

  it('orders most popular first, ties by path', () => {
    expect(popularityPlanner({ graph: example, roots: ['A'], maxStoreLayers: 99 })).toEqual([['F'], ['E'], ['D'], ['C'], ['B'], ['G'], ['A']]);
  });

  it('finds the roots when none are given', () => {
    expect(findRoots(example)).toEqual(['A']);
    expect(popularityPlanner({ graph: example, roots: [], maxStoreLayers: 99 })).toEqual(popularityPlanner({ graph: example, roots: ['A'], maxStoreLayers: 99 }));
  });

  it('breaks ties by path whatever the input order', () => {
    const g = [node('/r', ['/z', '/a', '/m']), node('/z', []), node('/a', []), node('/m', [])];
    expect(popularityPlanner({ graph: [...g].reverse(), roots: ['/r'], maxStoreLayers: 99 })).toEqual([['/a'], ['/m'], ['/z'], ['/r']]);
  });

  it('refuses a reference cycle (not a Nix closure)', () => {
    expect(() => popularity([node('a', ['b']), node('b', ['a'])], ['a'])).toThrow(InternalError);
  });
});

describe('planLayers', () => {
  it('gives each path a layer when the budget allows', () => {
    expect(planLayers(example, ['A'], 100).storeLayers).toEqual([['F'], ['E'], ['D'], ['C'], ['B'], ['G'], ['A']]);
  });

  it('merges the least popular paths into the last store layer (maxLayers - 1 store layers)', () => {
    const plan = planLayers(example, ['A'], 4);
    expect(plan.storeLayers).toEqual([['F'], ['E'], ['A', 'B', 'C', 'D', 'G']]);
  });

  it('with maxLayers 2 puts the whole closure in one store layer', () => {
    expect(planLayers(example, ['A'], 2).storeLayers).toEqual([['A', 'B', 'C', 'D', 'E', 'F', 'G']]);
  });

  it.each([1, 0, 126, 2.5, NaN])('rejects maxLayers %p', (n) => {
    expect(() => planLayers(example, ['A'], n)).toThrow(UserError);
  });

  it('accepts another planner (kernel-aware grouping plugs in here)', () => {
    const grouped: LayerPlanner = ({ graph }) => [graph.filter((n) => n.path < 'D').map((n) => n.path), graph.filter((n) => n.path >= 'D').map((n) => n.path)];
    expect(planLayers(example, ['A'], 10, grouped).storeLayers).toEqual([['A', 'B', 'C'], ['D', 'E', 'F', 'G']]);
  });

  it.each<[string, LayerPlanner, RegExp]>([
    ['drops a path', ({ graph }) => graph.slice(1).map((n) => [n.path]), /left out 1/],
    ['repeats a path', ({ graph }) => [...graph.map((n) => [n.path]), ['A']], /returned A twice/],
    ['invents a path', ({ graph }) => [...graph.map((n) => [n.path]), ['X']], /not in the closure/],
  ])('catches a planner that %s', (_name, planner, message) => {
    expect(() => planLayers(example, ['A'], 10, planner)).toThrow(message);
  });
});

// A synthetic image: the server env and tini are shared; kernels a and b share numpy; b alone
// needs pandas; each kernel has a kernelspec; the joined kernelspecs, env and root tie them.
const sized = (path: string, references: string[], narSize = 1000): ClosureNode => ({ path, references, narSize });
const image: ClosureNode[] = [
  sized('glibc', []),
  sized('python', ['glibc']),
  sized('server', ['python']),
  sized('tini', []),
  sized('numpy', ['python']),
  sized('pandas', ['numpy']),
  sized('env-a', ['python', 'numpy']),
  sized('env-b', ['python', 'numpy', 'pandas']),
  sized('spec-a', ['env-a']),
  sized('spec-b', ['env-b']),
  sized('joined', ['spec-a', 'spec-b']),
  sized('env', ['server', 'joined']),
  sized('root', ['env', 'tini', 'env-a', 'env-b']),
];
const kernelsAB: KernelEnv[] = [
  { name: 'b', path: 'env-b' },
  { name: 'a', path: 'env-a' },
];

describe('kernelGroups', () => {
  it('puts shared paths first, then paths of several kernels, then each kernel, then the paths tying them', () => {
    expect(kernelGroups(image, kernelsAB)).toEqual([
      { group: 'shared', paths: ['glibc', 'python', 'server', 'tini'] },
      { group: 'kernels:a,b', paths: ['numpy'] },
      { group: 'kernel:a', paths: ['env-a', 'spec-a'] },
      { group: 'kernel:b', paths: ['pandas', 'env-b', 'spec-b'] },
      { group: 'image', paths: ['joined', 'env', 'root'] },
    ]);
  });

  it('counts a path the server needs as shared even when kernels need it too', () => {
    const g = kernelGroups(image, kernelsAB);
    expect(g[0]!.paths).toContain('python'); // in both kernels' closures, and the server's
  });

  it('gives two kernels with one environment a group of both', () => {
    const groups = kernelGroups(image, [...kernelsAB, { name: 'a2', path: 'env-a' }]);
    expect(groups.map((g) => g.group)).toEqual(['shared', 'kernels:a,a2,b', 'kernels:a,a2', 'kernel:b', 'image']);
    expect(groups.find((g) => g.group === 'kernels:a,a2')!.paths).toEqual(['env-a']);
  });

  it('with one kernel, what depends on it (every kernel) is the image group, its kernelspec too', () => {
    const one = image.filter((n) => !['env-b', 'spec-b', 'pandas'].includes(n.path)).map((n) => ({ ...n, references: n.references.filter((r) => !['env-b', 'spec-b'].includes(r)) }));
    expect(kernelGroups(one, [{ name: 'a', path: 'env-a' }]).map((g) => [g.group, g.paths])).toEqual([
      ['shared', ['glibc', 'python', 'server', 'tini']],
      ['kernel:a', ['numpy', 'env-a']],
      ['image', ['spec-a', 'joined', 'env', 'root']],
    ]);
  });

  it('without kernels, everything is shared', () => {
    expect(kernelGroups(image, []).map((g) => g.group)).toEqual(['shared']);
  });

  it('refuses a kernel environment outside the closure, naming the kernel', () => {
    expect(() => kernelGroups(image, [{ name: 'x', path: '/nix/store/missing' }])).toThrow(/kernel x: \/nix\/store\/missing is not in the image's closure/);
  });
});

describe('kernelPlanner', () => {
  const plan = (graph: ClosureNode[], maxLayers: number, kernels = kernelsAB) => planLayers(graph, findRoots(graph), maxLayers, kernelPlanner(kernels));

  it('gives each path a layer when the budget allows, labelled with its group', () => {
    const p = plan(image, 100);
    expect(p.storeLayers).toHaveLength(image.length);
    expect(p.groups).toEqual(['shared', 'shared', 'shared', 'shared', 'kernels:a,b', 'kernel:a', 'kernel:a', 'kernel:b', 'kernel:b', 'kernel:b', 'image', 'image', 'image']);
  });

  it('merges small paths of a group (never across groups) to fit the budget, the last groups first', () => {
    // 1 MB glibc and python keep their own layers at the 64 KiB rung; the small paths share.
    const big = image.map((n) => (['glibc', 'python'].includes(n.path) ? { ...n, narSize: 1 << 20 } : n));
    // 8 store layers: the image, kernel b and kernel a groups move to the 64 KiB rung; shared need not.
    expect(plan(big, 9).groups).toEqual(['shared', 'shared', 'shared', 'shared', 'kernels:a,b', 'kernel:a', 'kernel:b', 'image']);
    expect(plan(big, 9).storeLayers[6]).toEqual(['env-b', 'pandas', 'spec-b']);
    // 7: shared moves too.
    const p = plan(big, 8);
    expect(p.groups).toEqual(['shared', 'shared', 'shared', 'kernels:a,b', 'kernel:a', 'kernel:b', 'image']);
    expect(p.storeLayers.slice(0, 3)).toEqual([['glibc'], ['python'], ['server', 'tini']]);
  });

  it('merges whole groups only when one layer per group is still too many', () => {
    const p = plan(image, 4);
    expect(p.storeLayers).toHaveLength(3);
    for (const layer of p.storeLayers) {
      for (const g of kernelGroups(image, kernelsAB)) {
        const inside = g.paths.filter((x) => layer.includes(x));
        expect([0, g.paths.length]).toContain(inside.length);
      }
    }
    expect(p.groups.some((g) => g!.includes('+'))).toBe(true);
  });

  it('keeps the other layers identical when one kernel gets a new package', () => {
    // Adding `requests` to kernel a: a new path, and new env-a, spec-a, joined, env and root.
    const renamed = new Set(['env-a', 'spec-a', 'joined', 'env', 'root']);
    const rename = (p: string) => (renamed.has(p) ? `${p}-v2` : p);
    const v2 = [...image.map((n) => ({ ...n, path: rename(n.path), references: n.references.map(rename) })), sized('requests', ['python'])];
    v2.find((n) => n.path === 'env-a-v2')!.references.push('requests');
    const k2 = kernelsAB.map((k) => ({ ...k, path: rename(k.path) }));
    const before = plan(image, 100);
    const after = plan(v2, 100, k2);
    const unchanged = (p: LayerPlan) => p.storeLayers.filter((_, i) => !['kernel:a', 'image'].includes(p.groups[i]!));
    expect(unchanged(after)).toEqual(unchanged(before));
    expect(after.storeLayers[after.groups.indexOf('kernel:a')]).toEqual(['requests']);
  });
});

describe('kernelPlanner: stable layers first inside a kernel group', () => {
  // Kernel b's group: a large pandas, a mid-sized lib; kernel a: only its env and kernelspec.
  const big = image.map((n) => (n.path === 'pandas' ? { ...n, narSize: 40 << 20 } : n));
  big.push(sized('lib', ['python'], 300_000));
  big.find((n) => n.path === 'env-b')!.references.push('lib');
  /** `graph` with `pkg` (of `size` bytes) added to kernel b: new env-b, spec-b, joined, env, root. */
  const addToB = (graph: ClosureNode[], pkg: string, size: number) => {
    const renamed = new Set(['env-b', 'spec-b', 'joined', 'env', 'root']);
    const rename = (p: string) => (renamed.has(p) ? `${p}-v2` : p);
    const v2 = [...graph.map((n) => ({ ...n, path: rename(n.path), references: n.references.map(rename) })), sized(pkg, ['python'], size)];
    v2.find((n) => n.path === 'env-b-v2')!.references.push(pkg);
    return { graph: v2, kernels: kernelsAB.map((k) => ({ ...k, path: rename(k.path) })) };
  };
  const plan = (graph: ClosureNode[], kernels: KernelEnv[]) => planLayers(graph, findRoots(graph), 100, kernelPlanner(kernels));
  /** The layers a Docker engine holding `before` keeps: the common prefix (the chain rule). */
  const keptPrefix = (before: LayerPlan, after: LayerPlan) => {
    let i = 0;
    while (i < before.storeLayers.length && JSON.stringify(before.storeLayers[i]) === JSON.stringify(after.storeLayers[i])) i++;
    return after.storeLayers.slice(0, i).flat();
  };

  it('orders packages largest first, the environment and its kernelspec last', () => {
    expect(kernelGroups(big, kernelsAB).find((g) => g.group === 'kernel:b')!.paths).toEqual(['pandas', 'lib', 'env-b', 'spec-b']);
  });

  it('puts what the group\'s packages depend on before the packages: a new leaf package lands after them', () => {
    // kernel b: requests (small) needs urllib3 (larger than yaml); yaml, added, needs nothing new.
    const withDeps = big.map((n) => (n.path === 'env-b' ? { ...n, references: [...n.references, 'requests'] } : n));
    withDeps.push(sized('urllib3', ['python'], 900_000), sized('requests', ['urllib3'], 50_000));
    expect(kernelGroups(withDeps, kernelsAB).find((g) => g.group === 'kernel:b')!.paths).toEqual(['urllib3', 'pandas', 'lib', 'requests', 'env-b', 'spec-b']);
    const v2 = addToB(withDeps, 'yaml', 600_000);
    const after = plan(v2.graph, v2.kernels);
    expect(after.storeLayers.filter((_, i) => after.groups[i] === 'kernel:b')).toEqual([['urllib3'], ['pandas'], ['yaml'], ['lib'], ['requests'], ['env-b-v2'], ['spec-b-v2']]);
    expect(keptPrefix(plan(withDeps, kernelsAB), after)).toEqual(expect.arrayContaining(['urllib3', 'pandas']));
  });

  it('a small package lands after the large unchanged layer, which stays held', () => {
    const v2 = addToB(big, 'yaml', 100_000);
    const after = plan(v2.graph, v2.kernels);
    expect(after.storeLayers.filter((_, i) => after.groups[i] === 'kernel:b')).toEqual([['pandas'], ['lib'], ['yaml'], ['env-b-v2'], ['spec-b-v2']]);
    expect(keptPrefix(plan(big, kernelsAB), after)).toEqual(expect.arrayContaining(['pandas', 'lib']));
  });

  it('a package larger than some lands among them: only the smaller ones above it move', () => {
    const v2 = addToB(big, 'scipy', 1 << 20);
    const after = plan(v2.graph, v2.kernels);
    expect(after.storeLayers.filter((_, i) => after.groups[i] === 'kernel:b')).toEqual([['pandas'], ['scipy'], ['lib'], ['env-b-v2'], ['spec-b-v2']]);
    const kept = keptPrefix(plan(big, kernelsAB), after);
    expect(kept).toContain('pandas');
    expect(kept).not.toContain('lib');
  });
});

/** A random closure (a DAG: paths refer only to earlier ones) with random kernel environments. */
const arbImage = fc
  .integer({ min: 1, max: 45 })
  .chain((n) =>
    fc.record({
      refs: fc.array(fc.uniqueArray(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
      sizes: fc.array(fc.integer({ min: 0, max: 20 << 20 }), { minLength: n, maxLength: n }),
      kernels: fc.array(fc.nat(n - 1), { maxLength: 6 }),
      maxLayers: fc.integer({ min: 2, max: 125 }),
    }),
  )
  .map(({ refs, sizes, kernels, maxLayers }) => {
    const path = (i: number) => `/nix/store/p${String(i).padStart(3, '0')}`;
    const graph = refs.map((rs, i) => sized(path(i), rs.filter((r) => r < i).map(path), sizes[i]));
    return { graph, kernels: kernels.map((k, i) => ({ name: `k${i}`, path: path(k) })), maxLayers };
  });

describe('kernelPlanner properties', () => {
  it('puts every path in exactly one layer, within the budget, and never splits a group among other groups', () => {
    fc.assert(
      fc.property(arbImage, ({ graph, kernels, maxLayers }) => {
        const p = planLayers(graph, findRoots(graph), maxLayers, kernelPlanner(kernels));
        expect(p.storeLayers.length).toBeLessThanOrEqual(maxLayers - 1);
        expect(p.storeLayers.flat().sort()).toEqual(graph.map((n) => n.path).sort());
        const layerOf = new Map(p.storeLayers.flatMap((l, i) => l.map((x) => [x, i] as const)));
        for (const g of kernelGroups(graph, kernels)) {
          const layers = [...new Set(g.paths.map((x) => layerOf.get(x)!))].sort((a, b) => a - b);
          // Consecutive layers; when the group spans several, they hold nothing else.
          expect(layers[layers.length - 1]! - layers[0]!).toBe(layers.length - 1);
          if (layers.length > 1) for (const i of layers) expect(p.storeLayers[i]!.every((x) => g.paths.includes(x))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(arbImage, fc.integer(), ({ graph, kernels, maxLayers }, seed) => {
        const shuffled = [...graph].sort((a, b) => ((a.path.length * 31 + seed) % 7) - ((b.path.length * 31 + seed) % 7) || (a.path < b.path ? 1 : -1));
        const one = planLayers(graph, findRoots(graph), maxLayers, kernelPlanner(kernels));
        const two = planLayers(shuffled, findRoots(shuffled), maxLayers, kernelPlanner([...kernels].reverse()));
        expect(two).toEqual(one);
      }),
      { numRuns: 100 },
    );
  });

  it('changing one kernel (a new path in its closure, new paths for it and all that depends on it) changes only its own and the image layers', () => {
    fc.assert(
      fc.property(arbImage, fc.nat(), fc.array(fc.nat(), { maxLength: 3 }), ({ graph, kernels }, pick, newRefs) => {
        fc.pre(kernels.length > 0);
        const k = kernels[pick % kernels.length]!;
        const budget = graph.length + 10; // one path per layer: the rung is the same before and after
        // Everything that depends on k's environment (and it) gets a new store path.
        const dependents = new Set([k.path]);
        for (const n of graph) if (n.references.some((r) => dependents.has(r))) dependents.add(n.path);
        const rename = (p: string) => (dependents.has(p) ? `${p}-v2` : p);
        const closureOfK = new Set([k.path]);
        for (const n of [...graph].reverse()) if (closureOfK.has(n.path)) n.references.forEach((r) => closureOfK.add(r));
        const inK = [...closureOfK].filter((p) => p !== k.path);
        const added = sized('/nix/store/new', newRefs.map((r) => inK[r % Math.max(inK.length, 1)]).filter((p): p is string => !!p));
        const v2 = [added, ...graph.map((n) => ({ ...n, path: rename(n.path), references: [...n.references.map(rename), ...(n.path === k.path ? [added.path] : [])] }))];
        const k2 = kernels.map((x) => ({ ...x, path: rename(x.path) }));
        const before = planLayers(graph, findRoots(graph), budget, kernelPlanner(kernels));
        const after = planLayers(v2, findRoots(v2), budget, kernelPlanner(k2));
        const mentionsK = (g: string | null) => g === 'image' || g === `kernel:${k.name}` || (/^kernels:/.test(g ?? '') && g!.slice(8).split(',').includes(k.name));
        const others = (p: LayerPlan) => p.storeLayers.filter((_, i) => !mentionsK(p.groups[i]!));
        expect(others(after)).toEqual(others(before));
      }),
      { numRuns: 300 },
    );
  });
});
