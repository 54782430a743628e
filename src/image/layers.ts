// Which store paths go into which layer. A planner turns the reference graph into an ordered
// list of path groups (most shared first); planLayers() fits that list into the layer budget.
import { InternalError, UserError } from '../errors.js';
import { byteOrder, type ClosureNode } from './closure.js';

/** Docker's overlay driver stacks at most ~125 layers; the customisation layer counts too. */
export const MAX_LAYERS_LIMIT = 125;
/** nixpkgs' buildLayeredImage default. */
export const DEFAULT_MAX_LAYERS = 100;

/** What a planner sees. */
export interface PlannerInput {
  graph: ClosureNode[];
  /** The paths the image is for (its entry points); everything else is there because of them. */
  roots: string[];
}

/**
 * A layer planner: the closure → ordered groups of store paths, one group per layer, most shared
 * (least likely to change) first. Every closure path must appear in exactly one group.
 * planLayers() merges the tail when there are more groups than the layer budget allows.
 */
export type LayerPlanner = (input: PlannerInput) => string[][];

/** The store layers of an image, in order (the customisation layer comes after them). */
export interface LayerPlan {
  /** Each layer's store paths, sorted by byte order. */
  storeLayers: string[][];
}

/**
 * Popularity of each path in the reference graph, as nixpkgs' references-by-popularity counts
 * it: the graph is unfolded into a tree from the roots, and a path scores higher the more often
 * and the deeper it appears. Self-references are ignored; iteration is in sorted order, so the
 * (floating point) sums are the same on every run.
 */
export function popularity(graph: ClosureNode[], roots: string[]): Map<string, number> {
  const children = new Map<string, string[]>();
  for (const node of graph) {
    children.set(node.path, node.references.filter((r) => r !== node.path).sort(byteOrder));
  }
  // contest(p): the counts contributed by the subtree below p (p itself excluded). Memoised per
  // path because a path's subtree is the same wherever it appears.
  const memo = new Map<string, Map<string, number>>();
  const onStack = new Set<string>();
  const contest = (p: string): Map<string, number> => {
    const cached = memo.get(p);
    if (cached) return cached;
    if (onStack.has(p)) throw new InternalError(`reference cycle through ${p}: Nix closures are acyclic apart from self-references`);
    onStack.add(p);
    const counts = new Map<string, number>();
    for (const child of children.get(p) ?? []) {
      counts.set(child, (counts.get(child) ?? 0) + 1);
      for (const [sub, n] of contest(child)) counts.set(sub, (counts.get(sub) ?? 0) + n + 1);
    }
    onStack.delete(p);
    memo.set(p, counts);
    return counts;
  };
  const result = new Map<string, number>();
  for (const root of [...new Set(roots)].sort(byteOrder)) {
    result.set(root, (result.get(root) ?? 0) + 1);
    for (const [sub, n] of contest(root)) result.set(sub, (result.get(sub) ?? 0) + n + 1);
  }
  return result;
}

/** The paths nothing else in the graph refers to. */
export function findRoots(graph: ClosureNode[]): string[] {
  const referenced = new Set<string>();
  for (const node of graph) for (const r of node.references) if (r !== node.path) referenced.add(r);
  return graph.map((n) => n.path).filter((p) => !referenced.has(p)).sort(byteOrder);
}

/**
 * The default planner: one store path per layer, most popular first, ties broken by path.
 * Paths unreachable from the roots come last.
 */
export const popularityPlanner: LayerPlanner = ({ graph, roots }) => {
  const pop = popularity(graph, roots.length ? roots : findRoots(graph));
  return graph
    .map((n) => n.path)
    .sort((a, b) => (pop.get(b) ?? 0) - (pop.get(a) ?? 0) || byteOrder(a, b))
    .map((p) => [p]);
};

/** Checks the layer budget: the customisation layer plus at least one store layer. */
export function validateMaxLayers(maxLayers: number, where = 'maxLayers'): void {
  if (!Number.isInteger(maxLayers) || maxLayers < 2 || maxLayers > MAX_LAYERS_LIMIT) {
    throw new UserError({
      where,
      message: `must be an integer from 2 to ${MAX_LAYERS_LIMIT}, got ${JSON.stringify(maxLayers)}`,
      hint: `use ${DEFAULT_MAX_LAYERS} (one layer is the customisation layer, the rest hold store paths)`,
    });
  }
}

/**
 * Plans the store layers: the planner's groups in order; beyond `maxLayers - 1` store layers
 * the remaining groups share the last one. Checks the planner covered every path exactly once.
 */
export function planLayers(
  graph: ClosureNode[],
  roots: string[],
  maxLayers: number = DEFAULT_MAX_LAYERS,
  planner: LayerPlanner = popularityPlanner,
): LayerPlan {
  validateMaxLayers(maxLayers);
  const groups = planner({ graph, roots }).filter((g) => g.length > 0);
  const expected = new Set(graph.map((n) => n.path));
  const seen = new Set<string>();
  for (const group of groups) {
    for (const p of group) {
      if (!expected.has(p)) throw new InternalError(`layer planner returned ${p}, which is not in the closure`);
      if (seen.has(p)) throw new InternalError(`layer planner returned ${p} twice`);
      seen.add(p);
    }
  }
  const missing = [...expected].filter((p) => !seen.has(p));
  if (missing.length) throw new InternalError(`layer planner left out ${missing.length} path(s), e.g. ${missing[0]}`);

  const budget = maxLayers - 1;
  const kept = groups.length > budget ? [...groups.slice(0, budget - 1), groups.slice(budget - 1).flat()] : groups;
  return { storeLayers: kept.map((g) => [...g].sort(byteOrder)) };
}
