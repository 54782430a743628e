// Layer planning: nixpkgs' popularity contest, tie-breaking, the layer budget, pluggable planners.
import { UserError, InternalError } from '../../src/errors.js';
import type { ClosureNode } from '../../src/image/closure.js';
import { findRoots, planLayers, popularity, popularityPlanner, type LayerPlanner } from '../../src/image/layers.js';

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
