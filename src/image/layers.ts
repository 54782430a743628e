// Which store paths go into which layer. A planner turns the reference graph into an ordered
// list of layers (most shared first); planLayers() fits that list into the layer budget.
// popularityPlanner is nixpkgs' one-path-per-layer contest; kernelPlanner groups the closure by
// the kernels that need each path, so a change to one kernel leaves every other layer as it was.
import { LAYERS, maxLayers as maxLayersRule } from '../definitions/rules.js';
import { InternalError, UserError, type Problem } from '../errors.js';
import { resolveStorePaths, type ClosureNode } from './closure.js';
import { byteOrder } from './names.js';


/** What a planner sees. */
export interface PlannerInput {
  graph: ClosureNode[];
  /** The paths the image is for (its entry points); everything else is there because of them. */
  roots: string[];
  /** Store layers at most (the layer budget minus the system layer). */
  maxStoreLayers: number;
}

/** A layer as a group-aware planner proposes it: its paths and the group they belong to. */
export interface PlannedLayer {
  paths: string[];
  /** `shared`, `kernel:<name>`, `kernels:<a>,<b>`, `image` (see kernelPlanner), or a planner's own. */
  group: string;
}

/**
 * A layer planner: the closure → ordered layers, most shared (least likely to change) first.
 * Every closure path must appear in exactly one layer. A layer is a list of paths, or a
 * PlannedLayer that also names its group. planLayers() fits the result into the budget: plain
 * lists by merging the tail, grouped layers by merging within a group (see fitLayers()).
 */
export type LayerPlanner = (input: PlannerInput) => (string[] | PlannedLayer)[];

/** The store layers of an image, in order (the system layer comes after them). */
export interface LayerPlan {
  /** Each layer's store paths, sorted by byte order. */
  storeLayers: string[][];
  /** Each layer's group, or null when the planner does not group (popularity). */
  groups: (string | null)[];
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

/**
 * Plans the store layers: the planner's layers in order, fitted into `maxLayers - 1` store
 * layers. Checks the planner covered every path exactly once.
 */
export function planLayers(
  graph: ClosureNode[],
  roots: string[],
  maxLayers: number = LAYERS.default,
  planner: LayerPlanner = popularityPlanner,
): LayerPlan {
  const bad = maxLayersRule.explain(maxLayers);
  if (bad) throw new UserError({ where: 'maxLayers', ...bad });
  const budget = maxLayers - 1;
  const proposed = planner({ graph, roots, maxStoreLayers: budget })
    .map((l) => (Array.isArray(l) ? { paths: l, group: null } : l))
    .filter((l) => l.paths.length > 0);
  const expected = new Set(graph.map((n) => n.path));
  const seen = new Set<string>();
  for (const layer of proposed) {
    for (const p of layer.paths) {
      if (!expected.has(p)) throw new InternalError(`layer planner returned ${p}, which is not in the closure`);
      if (seen.has(p)) throw new InternalError(`layer planner returned ${p} twice`);
      seen.add(p);
    }
  }
  const missing = [...expected].filter((p) => !seen.has(p));
  if (missing.length) throw new InternalError(`layer planner left out ${missing.length} path(s), e.g. ${missing[0]}`);

  let kept: { paths: string[]; group: string | null }[];
  if (proposed.every((l) => l.group === null)) {
    // Ungrouped (popularity): the least popular paths share the last layer, as nixpkgs does.
    kept = proposed.length > budget ? [...proposed.slice(0, budget - 1), { paths: proposed.slice(budget - 1).flatMap((l) => l.paths), group: null }] : proposed;
  } else {
    const sizes = new Map(graph.map((n) => [n.path, n.narSize]));
    kept = fitLayers(proposed.map((l) => ({ paths: l.paths, group: l.group ?? 'ungrouped' })), budget, (p) => sizes.get(p) ?? 0);
  }
  return { storeLayers: kept.map((l) => [...l.paths].sort(byteOrder)), groups: kept.map((l) => l.group) };
}

/**
 * Merges grouped layers until at most `budget` remain, least valuable first: the two adjacent
 * layers of the same group with the smallest combined size (a small layer saves little when
 * it is reused), ties to the earliest. Only when every group is down to one layer are whole
 * groups merged (again the smallest adjacent pair; the layer's group becomes `a+b`): a group is
 * never split across layers that hold other groups' paths.
 */
export function fitLayers(layers: PlannedLayer[], budget: number, sizeOf: (path: string) => number): PlannedLayer[] {
  const out = layers.map((l) => ({ paths: [...l.paths], group: l.group, size: l.paths.reduce((n, p) => n + sizeOf(p), 0) }));
  const mergeAt = (i: number, group: string) => {
    const [a, b] = [out[i]!, out[i + 1]!];
    out.splice(i, 2, { paths: [...a.paths, ...b.paths], group, size: a.size + b.size });
  };
  while (out.length > budget) {
    let best = -1;
    for (let i = 0; i + 1 < out.length; i++) {
      if (out[i]!.group !== out[i + 1]!.group) continue;
      if (best < 0 || out[i]!.size + out[i + 1]!.size < out[best]!.size + out[best + 1]!.size) best = i;
    }
    if (best >= 0) {
      mergeAt(best, out[best]!.group);
      continue;
    }
    best = 0;
    for (let i = 1; i + 1 < out.length; i++) if (out[i]!.size + out[i + 1]!.size < out[best]!.size + out[best + 1]!.size) best = i;
    mergeAt(best, `${out[best]!.group}+${out[best + 1]!.group}`);
  }
  return out.map(({ paths, group }) => ({ paths, group }));
}

/** A kernel's environment: the store path its kernelspec runs (one per kernel). */
export interface KernelEnv {
  /** The kernel's name (`py-data`). Several kernels may share one environment. */
  name: string;
  /** Its environment's store path (must be in the image's closure). */
  path: string;
}

const KERNEL_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Parses `NAME=PATH` group specs (`nixlab pack --group`); PATH may be a symlink to a store path
 * (`result/kernels/py-data`). All problems are reported at once.
 */
export async function parseKernelEnvs(specs: string[], where = '--group'): Promise<KernelEnv[]> {
  const problems: Problem[] = [];
  const parsed: { name: string; path: string }[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const name = spec.slice(0, Math.max(eq, 0));
    if (eq <= 0 || !KERNEL_NAME.test(name) || name === '.' || name === '..') {
      problems.push({ where: `${where} ${spec}`, message: 'must be NAME=STORE_PATH with a name of letters, digits, `.`, `_` and `-`', hint: 'write e.g. --group py-data=./result/kernels/py-data' });
    } else parsed.push({ name, path: spec.slice(eq + 1) });
  }
  const out: KernelEnv[] = [];
  for (const { name, path } of parsed) {
    try {
      out.push({ name, path: (await resolveStorePaths([path]))[0]! });
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      problems.push(...error.problems.map((p) => ({ ...p, where: `${where} ${name}=${p.where}` })));
    }
  }
  if (problems.length) throw new UserError(problems);
  return out;
}

/** Group of the paths every kernel and the server need (the base of the image). */
export const SHARED_GROUP = 'shared';
/** Group of the paths that tie several kernels together (image root, notebook env, joined kernelspecs). */
export const IMAGE_GROUP = 'image';
/** The group of paths only `kernel` needs. */
export const kernelGroup = (kernel: string) => `kernel:${kernel}`;

/** A group of store paths, in layer order (see kernelGroups()). */
export interface PathGroup {
  group: string;
  paths: string[];
}

/**
 * Groups the closure by which kernels need each path, in layer order:
 *
 * - `shared`: what the image needs whatever the kernels are — every path reachable from the
 *   image's roots without going through a kernel environment (glibc, the interpreter, the
 *   Jupyter server env, tini, certificates), as long as it does not itself depend on a kernel.
 * - `kernels:<a>,<b>,…`: paths in the closures of several kernels (and not shared), most
 *   kernels first, then by name.
 * - `kernel:<name>`: paths only that kernel needs — its environment's exclusive closure, and
 *   paths that depend on its environment alone (its kernelspec), by kernel name.
 * - `image`: paths that depend on several kernels' environments (the image root, the notebook
 *   env, the joined kernelspecs): they change whenever any kernel does, so they come last.
 *
 * Within the shared and image groups, paths are ordered by popularity in the group's own
 * subgraph; within a kernel group, stable first (orderStableFirst()). Either way the order
 * (and the layers) of a group depend only on the group's contents, not on the other kernels.
 */
export function kernelGroups(graph: ClosureNode[], kernels: KernelEnv[]): PathGroup[] {
  const index = new Map(graph.map((n, i) => [n.path, i]));
  const names = [...new Set(kernels.map((k) => k.name))].sort(byteOrder);
  const problems = kernels.filter((k) => !index.has(k.path));
  if (problems.length) {
    throw new UserError(
      problems.map((k) => ({ where: `kernel ${k.name}`, message: `${k.path} is not in the image's closure`, hint: "pass the kernel environment's store path, and a root whose closure contains it" })),
    );
  }
  const refs = graph.map((n) => n.references.filter((r) => r !== n.path).map((r) => index.get(r)).filter((i): i is number => i !== undefined));
  const bit = (name: string) => 1n << BigInt(names.indexOf(name));
  // Which kernels each environment path is (several names may share one environment).
  const envOf = new Map<number, bigint>();
  for (const k of kernels) envOf.set(index.get(k.path)!, (envOf.get(index.get(k.path)!) ?? 0n) | bit(k.name));
  const all = (1n << BigInt(names.length)) - 1n;

  // needs[i]: the kernels whose closure holds path i.
  const needs = graph.map(() => 0n);
  for (const [env, mask] of envOf) {
    const stack = [env];
    const seen = new Set(stack);
    while (stack.length) {
      const i = stack.pop()!;
      needs[i]! |= mask;
      for (const r of refs[i]!) {
        if (seen.has(r)) continue;
        seen.add(r);
        stack.push(r);
      }
    }
  }
  // dependsOn[i]: the kernels whose environment is in path i's closure (i itself excluded).
  const dependsOn = graph.map(() => 0n);
  const done = new Uint8Array(graph.length);
  for (let start = 0; start < graph.length; start++) {
    const stack: [number, number][] = [[start, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [i, next] = top;
      if (done[i]) {
        stack.pop();
        continue;
      }
      if (next < refs[i]!.length) {
        top[1]++;
        const r = refs[i]![next]!;
        if (!done[r]) stack.push([r, 0]);
        continue;
      }
      let mask = 0n;
      for (const r of refs[i]!) mask |= dependsOn[r]! | (envOf.get(r) ?? 0n);
      dependsOn[i] = mask;
      done[i] = 1;
      stack.pop();
    }
  }
  // base[i]: reachable from the graph's roots without entering a kernel environment.
  const base = new Uint8Array(graph.length);
  const incoming = new Uint8Array(graph.length);
  refs.forEach((rs) => rs.forEach((r) => (incoming[r] = 1)));
  const stack = graph.map((_, i) => i).filter((i) => !incoming[i] && !envOf.has(i));
  for (const i of stack) base[i] = 1;
  while (stack.length) {
    const i = stack.pop()!;
    for (const r of refs[i]!) {
      if (base[r] || envOf.has(r)) continue;
      base[r] = 1;
      stack.push(r);
    }
  }

  const popcount = (m: bigint) => {
    let n = 0;
    for (; m; m &= m - 1n) n++;
    return n;
  };
  const label = (mask: bigint) => {
    const members = names.filter((_, b) => (mask >> BigInt(b)) & 1n);
    return members.length === 1 ? kernelGroup(members[0]!) : `kernels:${members.join(',')}`;
  };
  const groupOf = graph.map((_, i) => {
    const deps = dependsOn[i]!;
    if (deps === 0n && (base[i] || needs[i] === 0n)) return { rank: 0, mask: 0n, group: SHARED_GROUP };
    if (needs[i] === 0n && (popcount(deps) >= 2 || deps === all)) return { rank: 3, mask: deps, group: IMAGE_GROUP };
    const mask = needs[i]! | deps;
    return { rank: popcount(mask) >= 2 ? 1 : 2, mask, group: label(mask) };
  });
  const members = new Map<string, { rank: number; kernels: number; paths: ClosureNode[]; tail: Set<string> }>();
  groupOf.forEach((g, i) => {
    let m = members.get(g.group);
    if (!m) members.set(g.group, (m = { rank: g.rank, kernels: popcount(g.mask), paths: [], tail: new Set() }));
    m.paths.push(graph[i]!);
    // A kernel environment, and what depends on one (its kernelspec): new whenever a package is.
    if (envOf.has(i) || dependsOn[i] !== 0n) m.tail.add(graph[i]!.path);
  });
  return [...members.entries()]
    .sort(([a, x], [b, y]) => x.rank - y.rank || y.kernels - x.kernels || byteOrder(a, b))
    .map(([group, m]) => ({ group, paths: m.rank === 1 || m.rank === 2 ? orderStableFirst(m.paths, m.tail) : orderByPopularity(m.paths) }));
}

/**
 * A kernel group's paths, in the order that keeps its layers when a package is added: first the
 * packages other packages of the group depend on, then the packages nothing else in the group
 * needs (those the kernel declares: where a new one lands), each part largest first (ties by
 * path), and last the environments and kernelspecs (`tail`, in popularity order: the environment
 * before its kernelspec), which are new at every change. Docker resends every layer above a
 * changed one, so a package added to the kernel resends its own layer, the smaller declared
 * packages' and the tail, never the group's large layers or the dependencies below it.
 * (Popularity put a leaf package wherever its references ranked it, often below the group's
 * largest layer.) A new package that brings new dependencies lands them among the
 * dependencies: what is above them is resent.
 */
function orderStableFirst(nodes: ClosureNode[], tail: ReadonlySet<string>): string[] {
  const body = nodes.filter((n) => !tail.has(n.path));
  const inBody = new Set(body.map((n) => n.path));
  const needed = new Set(body.flatMap((n) => n.references.filter((r) => r !== n.path && inBody.has(r))));
  const bySize = (a: ClosureNode, b: ClosureNode) => b.narSize - a.narSize || byteOrder(a.path, b.path);
  return [
    ...body.filter((n) => needed.has(n.path)).sort(bySize).map((n) => n.path),
    ...body.filter((n) => !needed.has(n.path)).sort(bySize).map((n) => n.path),
    ...orderByPopularity(nodes.filter((n) => tail.has(n.path))),
  ];
}

/** Paths of a subgraph, most popular first (popularity counted within the subgraph only). */
function orderByPopularity(nodes: ClosureNode[]): string[] {
  const inside = new Set(nodes.map((n) => n.path));
  const sub = nodes.map((n) => ({ ...n, references: n.references.filter((r) => inside.has(r)) }));
  const pop = popularity(sub, findRoots(sub));
  return sub
    .map((n) => n.path)
    .sort((a, b) => (pop.get(b) ?? 0) - (pop.get(a) ?? 0) || byteOrder(a, b));
}

/**
 * Minimum layer sizes tried in turn by kernelPlanner: with 0 every path has its own layer; with
 * a higher one, consecutive small paths of a group share a layer until it holds that many
 * bytes; with Infinity each group is one layer. A fixed ladder (rather than a size computed from
 * the whole closure) means a group's layers change only when the group does — or when the
 * image crosses a rung, which takes a change large enough to need many more layers.
 */
export const MIN_LAYER_SIZES = [0, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20, 1 << 30, Infinity];

/** Splits a group's ordered paths into layers of at least `min` bytes (the last may be smaller). */
function chunk(paths: string[], min: number, sizeOf: (p: string) => number): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const p of paths) {
    current.push(p);
    bytes += sizeOf(p);
    if (bytes >= min) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * The kernel-aware planner (the default of `nixlab build`): layers grouped by kernelGroups(),
 * shared paths first and the paths tying kernels together last, so that changing one kernel's
 * packages changes only that kernel's layers and the small `image` layer. Within each group,
 * one path per layer when the budget allows. Otherwise groups move up MIN_LAYER_SIZES one rung
 * at a time, the last group first: the groups at the end of the image are the least stable
 * (Docker resends every layer above a changed one anyway), so they are coarsened before the
 * shared base is, and a change that needs one more layer moves a rung near the end rather than
 * every group's. Beyond one layer per group, whole groups are merged (fitLayers()).
 */
export function kernelPlanner(kernels: KernelEnv[]): LayerPlanner {
  return ({ graph, maxStoreLayers }) => {
    const groups = kernelGroups(graph, kernels);
    const sizes = new Map(graph.map((n) => [n.path, n.narSize]));
    const sizeOf = (p: string) => sizes.get(p) ?? 0;
    // chunks[g][r]: group g's layers at rung r (computed when first needed).
    const chunks = groups.map(() => [] as string[][][]);
    const layersOf = (g: number, rung: number) => (chunks[g]![rung] ??= chunk(groups[g]!.paths, MIN_LAYER_SIZES[rung]!, sizeOf));
    const rungs = groups.map(() => 0);
    let total = groups.reduce((n, _, g) => n + layersOf(g, 0).length, 0);
    for (let rung = 1; rung < MIN_LAYER_SIZES.length && total > maxStoreLayers; rung++) {
      for (let g = groups.length - 1; g >= 0 && total > maxStoreLayers; g--) {
        total += layersOf(g, rung).length - layersOf(g, rungs[g]!).length;
        rungs[g] = rung;
      }
    }
    const layers = groups.flatMap((g, i) => layersOf(i, rungs[i]!).map((paths) => ({ paths, group: g.group })));
    return layers.length <= maxStoreLayers ? layers : fitLayers(layers, maxStoreLayers, sizeOf);
  };
}
