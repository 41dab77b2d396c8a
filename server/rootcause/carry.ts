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
import { carryClosureBits, closureBits, popcount } from './closures.js';
import { carryDownParts } from './down-parts.js';
import { carryNameOrder, prepareRcaGraph, type RcaGraph, type RcaNodeInfo } from './model.js';

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
  const recount = new Uint8Array(n);
  let recounted = 0;
  for (let i = 0; i < n; i++) {
    if (dirty[i] || previous.downstreamAll[i]! < 0) {
      recount[i] = 1;
      recounted++;
      continue;
    }
    prepared.downstreamAll[i] = previous.downstreamAll[i]!;
    prepared.downstreamUserFacing[i] = previous.downstreamUserFacing[i]!;
    prepared.reachesUnexpanded[i] = previous.reachesUnexpanded[i]!;
  }
  const closures = countClosures(prepared, recount);
  const numbered = carryClosureBits(previous, prepared, dirty);
  if (numbered) {
    const bits = closureBits(prepared);
    for (const [x, closure] of closures) bits.keepWalked(x, userFacingIn(prepared, closure));
  }
  carryDownParts(previous, prepared, dirty, numbered);
  carryNameOrder(previous, prepared);
  return { prepared, recounted };
}

/** At most this many bytes of closures are kept while counting (`countClosures`). */
const CLOSURES_KEPT_BYTES = 64 * 2 ** 20;

/**
 * Counts what a failure of each CI marked in `recount` breaks (its downstream closure),
 * dependents first, each walked only down to the CIs counted before it whose closures
 * were kept, which are ORed in instead. The CIs upstream of one change share most of
 * their closures (a site, its rooms, racks, hosts and clusters break much the same
 * tens of thousands of CIs at 100 000), which walking each from scratch reads again and
 * again. Returns the closures kept, as bitsets over every CI: those at least as big as a
 * bitset's words (smaller ones cost less to walk than to OR), up to CLOSURES_KEPT_BYTES.
 * Only for a graph whose every CI was expanded (what `prepareRcaGraphFrom` carries).
 */
export function countClosures(prepared: RcaGraph, recount: Uint8Array): Map<number, Uint32Array> {
  const { graph: g, spreader, userFacing, downstreamAll, downstreamUserFacing, reachesUnexpanded } = prepared;
  const n = g.ids.length;
  const words = (n + 31) >>> 5;
  const userFacingBits = new Uint32Array(words);
  for (let x = 0; x < n; x++) if (userFacing[x]) userFacingBits[x >>> 5]! |= 1 << (x & 31);
  const kept = new Map<number, Uint32Array>();
  let room = Math.floor(CLOSURES_KEPT_BYTES / (4 * words));
  let into = new Uint32Array(words);
  for (const x of dependentsFirst(prepared, recount)) {
    spreader.downstreamBits(x, into, (d) => kept.get(d));
    let all = 0;
    let facing = 0;
    for (let w = 0; w < words; w++) {
      const word = into[w]!;
      if (word === 0) continue;
      all += popcount(word);
      facing += popcount(word & userFacingBits[w]!);
    }
    downstreamAll[x] = all;
    downstreamUserFacing[x] = facing;
    reachesUnexpanded[x] = 0;
    if (all >= words && room > 0) {
      room--;
      kept.set(x, into);
      into = new Uint32Array(words);
    } else into.fill(0);
  }
  return kept;
}

/** The CIs marked in `marked`, each after the marked CIs among its dependents (a depth-first post-order; in a cycle, one of them comes first). */
function dependentsFirst(prepared: RcaGraph, marked: Uint8Array): number[] {
  const { dependents } = prepared.graph;
  const order: number[] = [];
  const seen = new Uint8Array(marked.length);
  const stack: number[] = [];
  const next: number[] = [];
  for (let s = 0; s < marked.length; s++) {
    if (!marked[s] || seen[s]) continue;
    seen[s] = 1;
    stack.push(s);
    next.push(0);
    while (stack.length > 0) {
      const top = stack.length - 1;
      const x = stack[top]!;
      const deps = dependents[x]!;
      let k = next[top]!;
      while (k < deps.length && (!marked[deps[k]!.ci] || seen[deps[k]!.ci])) k++;
      if (k < deps.length) {
        next[top] = k + 1;
        const d = deps[k]!.ci;
        seen[d] = 1;
        stack.push(d);
        next.push(0);
      } else {
        order.push(x);
        stack.pop();
        next.pop();
      }
    }
  }
  return order;
}

/** The user-facing CIs set in `closure` (a bitset over every CI). */
function userFacingIn(prepared: RcaGraph, closure: Uint32Array): Int32Array {
  const out: number[] = [];
  for (let w = 0; w < closure.length; w++) {
    for (let m = closure[w]!; m !== 0; m &= m - 1) {
      const x = (w << 5) + 31 - Math.clz32(m & -m);
      if (prepared.userFacing[x]) out.push(x);
    }
  }
  return Int32Array.from(out);
}
