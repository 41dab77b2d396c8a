/**
 * The pure impact core (DESIGN.md, "Impact semantics"): given an in-memory subgraph, a
 * time and the failed CIs, the exact state of every impacted CI, its depth and one
 * shortest explaining path. No I/O, so root cause can ask "what would fail if X failed"
 * for many candidates on one fetched subgraph.
 *
 * States are the least fixpoint of the rules, computed with a worklist: a CI's state only
 * rises (none -> DEGRADED -> DOWN), so every CI is re-evaluated at most twice per
 * provider edge and cycles terminate. Per-CI counters (members down, members impacted,
 * worst other contribution) make each re-evaluation O(1), so a cluster with thousands of
 * members or a hub with thousands of dependents costs O(V + E), not O(V * E).
 */
import { PROPAGATING_TYPES, REDUNDANCY_TYPE } from '../../graph-schema/index.js';

export type ImpactState = 'DOWN' | 'DEGRADED';

export interface ImpactPathStep {
  ciId: string;
  /** Relationship type that leads to the next step; null on the last step. */
  relationship: string | null;
}

export interface SubgraphCI {
  id: string;
  /** Epoch ms; null or absent = existed forever. */
  createdAt?: number | null;
  /** Epoch ms; null or absent = not retired. */
  retiredAt?: number | null;
  /** Rule 2's minUp; default 1. */
  minUp?: number | null;
  /**
   * Rule 2's n (active members at the evaluated time) when the subgraph does not hold
   * every member of this CI; when absent, n is counted from the subgraph's HAS_MEMBER
   * relationships.
   */
  activeMembers?: number | null;
}

/** A relationship from the dependent (`from`) to the provider (`to`). */
export interface SubgraphRelationship {
  type: string;
  from: string;
  to: string;
  validFrom?: number | null;
  validTo?: number | null;
}

export interface Subgraph {
  cis: readonly SubgraphCI[];
  relationships: readonly SubgraphRelationship[];
}

const NONE = 0;
const DEGRADED = 1;
const DOWN = 2;
const STATE_NAMES: readonly (ImpactState | null)[] = [null, 'DEGRADED', 'DOWN'];
const PROPAGATING = new Set(PROPAGATING_TYPES);

/** A subgraph indexed for one evaluated time; build once, propagate many times. */
export interface IndexedSubgraph {
  readonly at: number;
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Per provider: its dependents, their edge type and whether the edge is HAS_MEMBER. */
  readonly dependents: readonly (readonly Dependent[])[];
  readonly active: Uint8Array;
  readonly minUp: Float64Array;
  readonly members: Float64Array;
}

interface Dependent {
  ci: number;
  type: string;
  member: boolean;
}

/** Whether something valid from `from` to `to` (null: unbounded) is active at `at`. */
export const activeAt = (at: number, from: number | null | undefined, to: number | null | undefined) =>
  (from === null || from === undefined || from <= at) && (to === null || to === undefined || to > at);

/** Whether a relationship takes part in propagation at `at`: of a propagating type, open, not a loop (its ends must be active too). */
export const propagatesAt = (rel: SubgraphRelationship, at: number): boolean =>
  PROPAGATING.has(rel.type) && rel.from !== rel.to && activeAt(at, rel.validFrom, rel.validTo);

/** Two open HAS_MEMBER edges between the same pair are one member, not two: the key they share (null for other types). */
export const membershipKey = (rel: SubgraphRelationship): string | null => (rel.type === REDUNDANCY_TYPE ? `${rel.from}\u0000${rel.to}` : null);

/** Indexes a subgraph as it stood at `at`: inactive CIs and closed relationships drop out. */
export function indexSubgraph(subgraph: Subgraph, at: number): IndexedSubgraph {
  const ids: string[] = [];
  const index = new Map<string, number>();
  const active: number[] = [];
  const minUp: number[] = [];
  const members: number[] = [];
  const memberOverride: boolean[] = [];
  const add = (id: string, ci?: SubgraphCI): number => {
    let i = index.get(id);
    if (i === undefined) {
      i = ids.length;
      index.set(id, i);
      ids.push(id);
      active.push(1);
      minUp.push(1);
      members.push(0);
      memberOverride.push(false);
    }
    if (ci) {
      active[i] = activeAt(at, ci.createdAt, ci.retiredAt) ? 1 : 0;
      minUp[i] = typeof ci.minUp === 'number' ? ci.minUp : 1;
      if (typeof ci.activeMembers === 'number') {
        members[i] = ci.activeMembers;
        memberOverride[i] = true;
      }
    }
    return i;
  };
  for (const ci of subgraph.cis) add(ci.id, ci);

  const dependents: Dependent[][] = ids.map(() => []);
  const seenMembership = new Set<string>();
  for (const rel of subgraph.relationships) {
    if (!propagatesAt(rel, at)) continue;
    const from = add(rel.from);
    const to = add(rel.to);
    while (dependents.length < ids.length) dependents.push([]);
    if (!active[from] || !active[to]) continue;
    const key = membershipKey(rel);
    const member = key !== null;
    if (member) {
      if (seenMembership.has(key)) continue;
      seenMembership.add(key);
      if (!memberOverride[from]) members[from]!++;
    }
    dependents[to]!.push({ ci: from, type: rel.type, member });
  }
  return {
    at,
    ids,
    index,
    dependents,
    active: Uint8Array.from(active),
    minUp: Float64Array.from(minUp),
    members: Float64Array.from(members),
  };
}

export interface ImpactedState {
  state: ImpactState;
  depth: number;
}

export interface Propagation {
  /** The failed CIs that took part (known and active at the evaluated time), in input order. */
  readonly failed: readonly string[];
  /** Every impacted CI except the failed ones, with its state and depth. */
  readonly impacted: ReadonlyMap<string, ImpactedState>;
  /** One shortest path from a failed CI to `ciId`, both ends included; [] if not impacted. */
  path(ciId: string): ImpactPathStep[];
}

function isIndexed(value: Subgraph | IndexedSubgraph): value is IndexedSubgraph {
  return 'dependents' in value;
}

/**
 * Per-CI working arrays of one indexed graph, kept between propagations and handed back
 * zeroed: a propagation touches only what it impacts, so on the whole-graph projection
 * (1M CIs) a small blast radius does not pay for allocating and clearing arrays over every
 * CI. Propagation is synchronous, so one set per graph is never shared by two at once.
 */
interface Scratch {
  state: Uint8Array;
  sent: Uint8Array;
  isFailed: Uint8Array;
  downMembers: Float64Array;
  impactedMembers: Float64Array;
  worstOther: Uint8Array;
  /** BFS depth + 1 (0: not reached yet). */
  depth1: Int32Array;
}

const scratches = new WeakMap<IndexedSubgraph, Scratch>();

function takeScratch(g: IndexedSubgraph): Scratch {
  const kept = scratches.get(g);
  if (kept) {
    scratches.delete(g);
    return kept;
  }
  const n = g.ids.length;
  return {
    state: new Uint8Array(n),
    sent: new Uint8Array(n),
    isFailed: new Uint8Array(n),
    downMembers: new Float64Array(n),
    impactedMembers: new Float64Array(n),
    worstOther: new Uint8Array(n),
    depth1: new Int32Array(n),
  };
}

/** Zeroes what a propagation wrote (only the CIs it touched) and keeps the arrays for the next one. */
function giveBack(g: IndexedSubgraph, s: Scratch, touched: readonly number[]): void {
  for (const i of touched) {
    s.state[i] = 0;
    s.sent[i] = 0;
    s.isFailed[i] = 0;
    s.downMembers[i] = 0;
    s.impactedMembers[i] = 0;
    s.worstOther[i] = 0;
    s.depth1[i] = 0;
  }
  scratches.set(g, s);
}

/**
 * What fails, and how, when `failedIds` fail at time `at` (default now). Failed CIs
 * unknown to the subgraph or inactive at `at` take no part.
 */
export function propagate(
  subgraph: Subgraph | IndexedSubgraph,
  failedIds: Iterable<string>,
  at: number = Date.now(),
): Propagation {
  const g = isIndexed(subgraph) ? subgraph : indexSubgraph(subgraph, at);
  const s = takeScratch(g);
  const { state, sent, isFailed, downMembers, impactedMembers, worstOther, depth1 } = s;
  /** Every CI whose working entries this propagation writes: the failed and the impacted ones. */
  const touched: number[] = [];

  const failed: number[] = [];
  for (const id of failedIds) {
    const i = g.index.get(id);
    if (i === undefined || !g.active[i] || isFailed[i]) continue;
    isFailed[i] = 1;
    state[i] = DOWN;
    failed.push(i);
    touched.push(i);
  }

  // Least fixpoint by worklist: a CI is pushed whenever its state rises. A dependent's
  // counters only change when its state rises too (any impacted member or provider makes
  // it at least DEGRADED) or when it failed: so `touched` holds every entry written.
  const work: number[] = [...failed];
  while (work.length > 0) {
    const p = work.pop()!;
    const before = sent[p]!;
    const now = state[p]!;
    if (before === now) continue;
    sent[p] = now;
    for (const dep of g.dependents[p]!) {
      const d = dep.ci;
      if (dep.member) {
        if (before < DEGRADED && now >= DEGRADED) impactedMembers[d]!++;
        if (before < DOWN && now >= DOWN) downMembers[d]!++;
      } else if (now > worstOther[d]!) {
        worstOther[d] = now;
      }
      if (isFailed[d]) continue;
      const fromMembers =
        impactedMembers[d]! > 0 ? (g.members[d]! - downMembers[d]! < g.minUp[d]! ? DOWN : DEGRADED) : NONE;
      const next = Math.max(worstOther[d]!, fromMembers);
      if (next > state[d]!) {
        if (state[d] === NONE) touched.push(d);
        state[d] = next;
        work.push(d);
      }
    }
  }

  // Depth and one shortest path: BFS from the failed CIs through impacted CIs only. The
  // path data is kept per CI reached, in BFS order (`queue`), not per CI of the graph.
  const queue: number[] = [];
  const parentAt: number[] = [];
  const typeAt: (string | null)[] = [];
  for (const f of failed) {
    depth1[f] = 1;
    queue.push(f);
    parentAt.push(-1);
    typeAt.push(null);
  }
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head]!;
    for (const dep of g.dependents[p]!) {
      const d = dep.ci;
      if (state[d] === NONE || depth1[d] !== 0) continue;
      depth1[d] = depth1[p]! + 1;
      queue.push(d);
      parentAt.push(head);
      typeAt.push(dep.type);
    }
  }

  const impacted = new Map<string, ImpactedState>();
  /** Each reached CI's place in `queue`. */
  const placeOf = new Map<number, number>();
  const depthAt = new Int32Array(queue.length);
  for (let k = 0; k < queue.length; k++) {
    const i = queue[k]!;
    depthAt[k] = depth1[i]! - 1;
    placeOf.set(i, k);
    if (!isFailed[i]) impacted.set(g.ids[i]!, { state: STATE_NAMES[state[i]!]!, depth: depthAt[k]! });
  }
  const failedIdsOut = failed.map((i) => g.ids[i]!);
  giveBack(g, s, touched);

  // Path steps are shared between paths (callers must not mutate them): step k->parent is the same object in
  // every path through k, so a 40k-CI report allocates one step per CI, not one per hop.
  const lastSteps: (ImpactPathStep | undefined)[] = new Array<ImpactPathStep | undefined>(queue.length);
  const innerSteps: (ImpactPathStep | undefined)[] = new Array<ImpactPathStep | undefined>(queue.length);
  const lastStep = (k: number) => (lastSteps[k] ??= { ciId: g.ids[queue[k]!]!, relationship: null });
  /** The step at k's parent on the way to k. */
  const innerStep = (k: number) => (innerSteps[k] ??= { ciId: g.ids[queue[parentAt[k]!]!]!, relationship: typeAt[k]! });

  return {
    failed: failedIdsOut,
    impacted,
    path(ciId: string): ImpactPathStep[] {
      const i = g.index.get(ciId);
      const target = i === undefined ? undefined : placeOf.get(i);
      if (target === undefined) return [];
      const steps: ImpactPathStep[] = new Array<ImpactPathStep>(depthAt[target]! + 1);
      steps[depthAt[target]!] = lastStep(target);
      for (let k = target; parentAt[k] !== -1; k = parentAt[k]!) steps[depthAt[k]! - 1] = innerStep(k);
      return steps;
    },
  };
}
