/**
 * What root cause prepared on a projection, carried over to the projection brought up to
 * date from it after a write that changed what propagates (a CI created, a relationship
 * added or closed, a farm's minUp). Preparing a 100 000-CI projection afresh counts every
 * CI's downstream closure (0.5 s), and the first rankings on it walk each candidate's DOWN
 * part and closure again (seconds, until warming ends); yet a write changes what a failure
 * breaks only for the CIs upstream of what it changed.
 *
 * The rule: a CI's closure, DOWN part and counts are read from its downstream (dependents,
 * their dependents, …), and from each CI there only its activity, class, minUp, member
 * count and dependents. A CI none of whose downstream CIs changed any of those
 * (`changedNodes`) breaks exactly what it broke before, so what was kept for it stands; the
 * CIs upstream of a changed one (`upstreamOf`, along the providers of either graph) are
 * counted and walked afresh. The order of the CIs by name is carried too, and brought up to
 * date on first use (`nameRanks`). It needs each CI numbered as before (the projection keeps
 * each CI's place, new ones last): otherwise, and for a graph read by a walk (its budget
 * cut it), nothing is carried.
 */
import type { IndexedSubgraph } from '../impact/index.js';
import { carryClosureBits } from './closures.js';
import { carryDownParts } from './down-parts.js';
import { carryNameOrder, countDownstream, prepareRcaGraph, type RcaGraph, type RcaNodeInfo } from './model.js';

/**
 * 1 for each CI of `next` whose own part in what a failure breaks differs from `previous`
 * (new CIs included): its row (a farm's member count included), or its dependents. A CI
 * whose providers changed (an edge into it added or closed) is not one: what it breaks is
 * read from its dependents, and a failure upstream of it reads the edge only when the
 * edge's provider is broken, that is, when the failure is upstream of that provider too
 * (whose dependents changed). An application created on a VM leaves the VM and what is
 * upstream of it to count again, not everything upstream of the VM's other applications.
 */
export function changedNodes(previous: RcaGraph, next: RcaGraph): Uint8Array {
  const [a, b] = [previous.graph, next.graph];
  const m = a.ids.length;
  const n = b.ids.length;
  const changed = new Uint8Array(n);
  const className = (p: RcaGraph, i: number) => (p.classOf[i]! < 0 ? null : p.classNames[p.classOf[i]!]);
  for (let i = 0; i < n; i++) {
    const after = b.dependents[i]!;
    if (i >= m) {
      changed[i] = 1;
      continue;
    }
    if (a.active[i] !== b.active[i] || a.minUp[i] !== b.minUp[i] || a.members[i] !== b.members[i] || previous.userFacing[i] !== next.userFacing[i] || className(previous, i) !== className(next, i)) {
      changed[i] = 1;
    }
    const before = a.dependents[i]!;
    let same = before.length === after.length;
    for (let k = 0; same && k < before.length; k++) {
      const [x, y] = [before[k]!, after[k]!];
      same = x.ci === y.ci && x.type === y.type && x.member === y.member;
    }
    if (!same) changed[i] = 1;
  }
  return changed;
}

/** `seeds` and every CI upstream of one, along the providers of `previous` and of `next`: 1 for each, in place. */
export function upstreamOf(seeds: Uint8Array, previous: RcaGraph, next: RcaGraph): Uint8Array {
  const m = previous.graph.ids.length;
  const stack: number[] = [];
  seeds.forEach((s, i) => {
    if (s) stack.push(i);
  });
  const visit = (p: RcaGraph, x: number) => {
    for (let e = p.provStart[x]!; e < p.provStart[x + 1]!; e++) {
      const y = p.provTarget[e]!;
      if (!seeds[y]) {
        seeds[y] = 1;
        stack.push(y);
      }
    }
  };
  while (stack.length > 0) {
    const x = stack.pop()!;
    visit(next, x);
    if (x < m) visit(previous, x);
  }
  return seeds;
}

/**
 * `g` prepared for ranking with every closure counted (as `prepareRcaGraph` with
 * countAll), carrying over from `previous` (a projection's, `g`'s predecessor) the counts,
 * closures and DOWN parts of the CIs the change left alone. Null when the CIs are not
 * numbered as in `previous`, or `previous` was not a whole projection: prepare afresh.
 */
export function prepareRcaGraphFrom(previous: RcaGraph, g: IndexedSubgraph, nodes: ReadonlyMap<string, RcaNodeInfo>): { prepared: RcaGraph; recounted: number } | null {
  const before = previous.graph;
  const m = before.ids.length;
  const n = g.ids.length;
  if (n < m || previous.unexpanded.some((u) => u !== 0)) return null;
  for (let i = 0; i < m; i++) if (g.ids[i] !== before.ids[i]) return null;
  const prepared = prepareRcaGraph(g, nodes);
  const dirty = upstreamOf(changedNodes(previous, prepared), previous, prepared);
  let recounted = 0;
  for (let i = 0; i < n; i++) {
    if (dirty[i] || previous.downstreamAll[i]! < 0) {
      recounted++;
      continue;
    }
    prepared.downstreamAll[i] = previous.downstreamAll[i]!;
    prepared.downstreamUserFacing[i] = previous.downstreamUserFacing[i]!;
    prepared.reachesUnexpanded[i] = previous.reachesUnexpanded[i]!;
  }
  countDownstream(prepared, Array.from({ length: n }, (_v, i) => i));
  const numbered = carryClosureBits(previous, prepared, dirty);
  carryDownParts(previous, prepared, dirty, numbered);
  carryNameOrder(previous, prepared);
  return { prepared, recounted };
}
