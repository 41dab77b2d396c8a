/**
 * "What breaks if this one CI fails", asked for thousands of candidates on one indexed
 * subgraph. `spread` is the impact rule of server/impact/propagate.ts (least fixpoint
 * with HAS_MEMBER/minUp; the unit test checks both agree on random graphs); `downstream`
 * and `spreadDown` split it into what a failure breaks (its downstream closure) and what
 * it takes DOWN, which is all root cause walks per candidate. Buffers are allocated once
 * and only the touched entries are reset, so a walk costs O(what it reaches) instead of
 * O(subgraph): a rack under 40 hosts is cheap even when the subgraph holds 60 000 CIs.
 */
import type { IndexedSubgraph } from '../impact/index.js';

const NONE = 0;
const DEGRADED = 1;
const DOWN = 2;

export interface Spread {
  /** Node indices broken by the failure (the failed CI first), each with its state. */
  readonly nodes: Int32Array;
  /** 2 = DOWN, 1 = DEGRADED, aligned with nodes. */
  readonly states: Uint8Array;
  /** False when the walk stopped at its `stop` (what it found is a lower bound). */
  readonly complete: boolean;
  /** True when the walk stopped because `stop.limit` nodes with `stop.mask` set went DOWN. */
  readonly stopped: boolean;
  /**
   * Farms (HAS_MEMBER) that lost members but stayed up or only DEGRADED: a second failure
   * hitting one of them too can take it down, so a joint failure is not the union of two
   * single ones exactly when two failures share such a farm.
   */
  readonly softFarms: Int32Array;
  /** Of each soft farm's members, how many this failure took DOWN (aligned with softFarms). */
  readonly softFarmDown: Int32Array;
}

/**
 * Stop early once `limit` nodes with `mask` set have gone DOWN: the candidate's silent
 * damage is then known to be at least that, enough to rule it out.
 */
export interface SpreadStop {
  mask: Uint8Array;
  limit: number;
}

/** HAS_MEMBER edges out of a DOWN part, by farm: farm farms[k]'s members in the part are members[start[k] .. start[k + 1]). */
export interface MemberEdges {
  farms: Int32Array;
  start: Int32Array;
  members: Int32Array;
}

export class Spreader {
  private readonly state: Uint8Array;
  private readonly sent: Uint8Array;
  private readonly downMembers: Float64Array;
  private readonly impactedMembers: Float64Array;
  private readonly worstOther: Uint8Array;
  private readonly touched: Int32Array;
  private readonly mark: Uint8Array;
  private readonly failedMark: Uint8Array;
  /** Broken nodes in the order found, and the work stack (a node is pushed at most twice: DEGRADED, then DOWN). */
  private readonly broken: Int32Array;
  private readonly work: Int32Array;
  /** The base kept by spreadDownTogether (-1: none), how much of the buffers its walk used, and the farm counts a joint walk raised. */
  private seeded = -1;
  private seededTouched = 0;
  private seededBroken = 0;
  private readonly incremented: number[] = [];
  /**
   * A second failure's DOWN part during a joint walk (spreadDownTogether): its nodes hold
   * the walk's round, and count as DOWN without being written into `state` (nothing of
   * them to reset after).
   */
  private readonly partRound: Int32Array;
  private round = 0;
  /** Dependents in compressed rows (CSR): node p's are depTarget[depStart[p] .. depStart[p + 1]). */
  private readonly depStart: Int32Array;
  private readonly depTarget: Int32Array;
  private readonly depMember: Uint8Array;
  private readonly minUp: Float64Array;
  private readonly members: Float64Array;
  private readonly active: Uint8Array;

  constructor(g: IndexedSubgraph) {
    const n = g.ids.length;
    let edges = 0;
    for (const deps of g.dependents) edges += deps.length;
    this.depStart = new Int32Array(n + 1);
    this.depTarget = new Int32Array(edges);
    this.depMember = new Uint8Array(edges);
    let e = 0;
    for (let p = 0; p < n; p++) {
      this.depStart[p] = e;
      for (const dep of g.dependents[p] ?? []) {
        this.depTarget[e] = dep.ci;
        this.depMember[e] = dep.member ? 1 : 0;
        e++;
      }
    }
    this.depStart[n] = e;
    this.minUp = g.minUp;
    this.members = g.members;
    this.active = g.active;
    this.state = new Uint8Array(n);
    this.sent = new Uint8Array(n);
    this.downMembers = new Float64Array(n);
    this.impactedMembers = new Float64Array(n);
    this.worstOther = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.mark = new Uint8Array(n);
    this.failedMark = new Uint8Array(n);
    this.broken = new Int32Array(n);
    this.work = new Int32Array(2 * n + 1);
    this.partRound = new Int32Array(n);
  }

  /**
   * The CIs a failure of node(s) `failed` breaks and their states (several: a joint
   * failure, exactly as the impact rule sees it), to the end.
   */
  spread(failed: number | readonly number[]): Spread {
    this.release();
    // Typed stacks and fields in locals, no closures.
    const { depStart, depTarget, depMember, minUp, members, active, state, sent, downMembers, impactedMembers, worstOther, touched, mark, failedMark, broken, work } = this;
    let touchedCount = 0;
    let brokenCount = 0;
    let workCount = 0;
    for (const f of typeof failed === 'number' ? [failed] : failed) {
      if (!active[f] || failedMark[f]) continue;
      failedMark[f] = 1;
      mark[f] = 1;
      touched[touchedCount++] = f;
      state[f] = DOWN;
      broken[brokenCount++] = f;
      work[workCount++] = f;
    }
    while (workCount > 0) {
      const p = work[--workCount]!;
      const before = sent[p]!;
      const now = state[p]!;
      if (before === now) continue;
      sent[p] = now;
      const end = depStart[p + 1]!;
      for (let e = depStart[p]!; e < end; e++) {
        const d = depTarget[e]!;
        if (!mark[d]) {
          mark[d] = 1;
          touched[touchedCount++] = d;
        }
        if (depMember[e]) {
          if (before < DEGRADED && now >= DEGRADED) impactedMembers[d]!++;
          if (before < DOWN && now >= DOWN) downMembers[d]!++;
        } else if (now > worstOther[d]!) {
          worstOther[d] = now;
        }
        if (failedMark[d]) continue;
        const fromMembers = impactedMembers[d]! > 0 ? (members[d]! - downMembers[d]! < minUp[d]! ? DOWN : DEGRADED) : NONE;
        const other = worstOther[d]!;
        const next = other > fromMembers ? other : fromMembers;
        if (next > state[d]!) {
          if (state[d] === NONE) broken[brokenCount++] = d;
          state[d] = next;
          work[workCount++] = d;
        }
      }
    }
    return this.finish(brokenCount, touchedCount, true, false);
  }

  /** The result of a walk (the first `brokenCount` broken, their states), and every buffer it touched reset. */
  private finish(brokenCount: number, touchedCount: number, complete: boolean, stopped: boolean): Spread {
    const { broken, state, touched, mark, sent, downMembers, impactedMembers, worstOther, failedMark } = this;
    const nodes = broken.slice(0, brokenCount);
    const states = new Uint8Array(brokenCount);
    for (let k = 0; k < brokenCount; k++) states[k] = state[nodes[k]!]!;
    // Soft farms: members impacted (spread) or DOWN (spreadDown, which only counts those), the farm not DOWN.
    const softFarms: number[] = [];
    const softFarmDown: number[] = [];
    for (let k = 0; k < touchedCount; k++) {
      const i = touched[k]!;
      if ((impactedMembers[i]! > 0 || downMembers[i]! > 0) && state[i]! < DOWN) {
        softFarms.push(i);
        softFarmDown.push(downMembers[i]!);
      }
      mark[i] = 0;
      state[i] = NONE;
      sent[i] = NONE;
      downMembers[i] = 0;
      impactedMembers[i] = 0;
      worstOther[i] = NONE;
      failedMark[i] = 0;
    }
    return { nodes, states, complete, stopped, softFarms: Int32Array.from(softFarms), softFarmDown: Int32Array.from(softFarmDown) };
  }

  /**
   * The CIs a failure of `failed` (several: a joint failure) takes DOWN, without walking what it only DEGRADES: a
   * broken CI breaks every CI downstream of it at least DEGRADED (a DEGRADED provider
   * degrades its dependents, a DEGRADED member its farm), so what a failure breaks is
   * exactly its downstream closure, and only the DOWN part needs the rules. A CI goes
   * DOWN when a non-member provider is DOWN, or when a farm keeps fewer than minUp members
   * that are not DOWN. That is the whole rule except for a farm that has fewer members
   * than minUp to begin with (any broken member takes it DOWN): a caller must use
   * `spread` for failures upstream of one (`fragileFarms`).
   *
   * Stops once `stop.limit` nodes with `stop.mask` set are DOWN (then `stopped`). Soft
   * farms are those it takes members of DOWN without taking them DOWN.
   */
  spreadDown(failed: number | readonly number[], stop?: SpreadStop): Spread {
    this.release();
    const walk = this.walkDown(typeof failed === 'number' ? [failed] : failed, stop, 0, 0);
    return this.finish(walk.brokenCount, walk.touchedCount, !walk.stopped, walk.stopped);
  }

  /** Base's walk, kept between calls with the same base. */
  private seed(base: number): void {
    if (this.seeded === base) return;
    this.release();
    const walk = this.walkDown([base], undefined, 0, 0);
    this.seeded = base;
    this.seededTouched = walk.touchedCount;
    this.seededBroken = walk.brokenCount;
  }

  /** What a walk on top of base's found (a view of the buffer), and the buffers back to base's walk. */
  private unseed(touchedCount: number, brokenCount: number): Int32Array {
    const { state, downMembers, touched, mark, broken, incremented } = this;
    const nodes = broken.subarray(this.seededBroken, brokenCount);
    for (const i of nodes) state[i] = NONE;
    for (const f of incremented) downMembers[f]!--;
    for (let k = this.seededTouched; k < touchedCount; k++) mark[touched[k]!] = 0;
    return nodes;
  }

  /**
   * The HAS_MEMBER edges from `nodes` (a DOWN part) to farms outside it, grouped by farm:
   * farm k's DOWN members are members[start[k] .. start[k + 1]) (one entry per edge, as a
   * walk counts them).
   */
  memberEdgesOut(nodes: Int32Array): MemberEdges {
    this.release();
    const { depStart, depTarget, depMember, mark } = this;
    for (const x of nodes) mark[x] = 1;
    const byFarm = new Map<number, number[]>();
    for (const x of nodes) {
      for (let e = depStart[x]!; e < depStart[x + 1]!; e++) {
        const f = depTarget[e]!;
        if (!depMember[e] || mark[f]) continue;
        let list = byFarm.get(f);
        if (!list) byFarm.set(f, (list = []));
        list.push(x);
      }
    }
    for (const x of nodes) mark[x] = 0;
    const farms = Int32Array.from(byFarm.keys());
    const start = new Int32Array(farms.length + 1);
    farms.forEach((f, k) => (start[k + 1] = start[k]! + byFarm.get(f)!.length));
    const members = new Int32Array(start[farms.length]!);
    farms.forEach((f, k) => members.set(byFarm.get(f)!, start[k]!));
    return { farms, start, members };
  }

  /**
   * What `failed` and `base` take DOWN together that neither takes DOWN alone, on top of
   * base's walk (kept between calls with the same base). Failed's members of farms outside
   * its own DOWN part (`nodes`, member edges out `edges`) are counted, those base does not
   * already take DOWN; only from the farms that lose too many members to the two is
   * anything walked, and the walk does not enter failed's part (it counts as DOWN without
   * being set: a part of thousands of CIs costs nothing when no farm goes DOWN, one pass
   * when one does). What failed takes DOWN alone the caller knows from its part. A view of
   * the walk's buffer: valid until the next walk.
   */
  spreadDownTogether(base: number, nodes: Int32Array, edges: MemberEdges): Int32Array {
    const { state, downMembers, touched, mark, incremented, members, minUp, partRound } = this;
    this.seed(base);
    incremented.length = 0;
    let touchedCount = this.seededTouched;
    const together: number[] = [];
    for (let k = 0; k < edges.farms.length; k++) {
      const f = edges.farms[k]!;
      if (state[f] === DOWN) continue;
      let added = 0;
      for (let e = edges.start[k]!; e < edges.start[k + 1]!; e++) if (state[edges.members[e]!] !== DOWN) added++;
      if (added === 0) continue;
      if (!mark[f]) {
        mark[f] = 1;
        touched[touchedCount++] = f;
      }
      downMembers[f]! += added;
      for (let j = 0; j < added; j++) incremented.push(f);
      if (members[f]! - downMembers[f]! < minUp[f]!) together.push(f);
    }
    let round = -1;
    if (together.length > 0) {
      // A long-lived projection's spreader walks jointly without end: restart the rounds
      // before they leave the Int32 range.
      if (this.round === 0x7fffffff) {
        partRound.fill(0);
        this.round = 0;
      }
      round = ++this.round;
      for (let k = 0; k < nodes.length; k++) partRound[nodes[k]!] = round;
    }
    const walk = this.walkDown(together, undefined, touchedCount, this.seededBroken, incremented, round);
    return this.unseed(walk.touchedCount, walk.brokenCount);
  }

  /** Clears base's walk kept by spreadDownTogether (every other walk starts with this). */
  private release(): void {
    if (this.seeded < 0) return;
    this.finish(this.seededBroken, this.seededTouched, true, false);
    this.seeded = -1;
  }

  /**
   * The DOWN rule from `roots`, on the buffers as they are (their first `touchedCount`
   * touched and `brokenCount` broken entries already used); `incremented` logs each farm
   * whose DOWN-member count it raised; nodes whose `partRound` is `round` count as DOWN
   * (-1: none does).
   */
  private walkDown(roots: readonly number[], stop: SpreadStop | undefined, touchedCount: number, brokenCount: number, incremented?: number[], round = -1) {
    const { depStart, depTarget, depMember, minUp, members, active, state, downMembers, touched, mark, broken, work, partRound } = this;
    const mask = stop?.mask;
    const limit = stop ? stop.limit : Number.POSITIVE_INFINITY;
    let workCount = 0;
    let count = 0;
    let stopped = false;
    for (const f of roots) {
      if (!active[f] || state[f] === DOWN || partRound[f] === round) continue;
      if (!mark[f]) {
        mark[f] = 1;
        touched[touchedCount++] = f;
      }
      state[f] = DOWN;
      broken[brokenCount++] = f;
      work[workCount++] = f;
      if (mask?.[f]) count++;
    }
    if (count >= limit) {
      stopped = true;
      workCount = 0;
    }
    outer: while (workCount > 0) {
      const p = work[--workCount]!;
      const end = depStart[p + 1]!;
      for (let e = depStart[p]!; e < end; e++) {
        const d = depTarget[e]!;
        if (state[d] === DOWN || partRound[d] === round) continue;
        if (!mark[d]) {
          mark[d] = 1;
          touched[touchedCount++] = d;
        }
        if (depMember[e]) {
          incremented?.push(d);
          if (members[d]! - ++downMembers[d]! >= minUp[d]!) continue;
        }
        state[d] = DOWN;
        broken[brokenCount++] = d;
        work[workCount++] = d;
        // Checked per dependent: a hub with 30 000 dependents stops as early as a chain.
        if (mask?.[d] && ++count >= limit) {
          stopped = true;
          break outer;
        }
      }
    }
    return { touchedCount, brokenCount, stopped };
  }

  /**
   * Every active CI downstream of `from` (itself included), in the order found; `visit`
   * is called on each. Its size is what a failure of `from` breaks. With `skip`, the walk
   * does not enter CIs marked there (when they are a downstream-closed set, such as
   * another failure's closure, what is left is the part of this closure outside it).
   */
  downstream(from: number, visit: (node: number) => void, skip?: Uint8Array): number {
    this.release();
    const { depStart, depTarget, active, mark, touched, work } = this;
    if (!active[from] || skip?.[from]) return 0;
    let count = 0;
    let workCount = 0;
    mark[from] = 1;
    touched[count++] = from;
    work[workCount++] = from;
    while (workCount > 0) {
      const p = work[--workCount]!;
      visit(p);
      const end = depStart[p + 1]!;
      for (let e = depStart[p]!; e < end; e++) {
        const d = depTarget[e]!;
        if (mark[d] || skip?.[d]) continue;
        mark[d] = 1;
        touched[count++] = d;
        work[workCount++] = d;
      }
    }
    for (let k = 0; k < count; k++) mark[touched[k]!] = 0;
    return count;
  }

  /**
   * Sets in `into` (a bitset over every CI, 32 per word) the bit of every CI downstream of
   * `from` (itself included; nothing when it is not active), walking only where `into`
   * has no bit set yet. Where the walk meets a CI whose closure `closureOf` gives (a
   * bitset like `into`), it ORs that in instead of walking on: a closure holds the
   * closures of everything in it, so what is set stays downstream-closed.
   */
  downstreamBits(from: number, into: Uint32Array, closureOf: (node: number) => Uint32Array | undefined): void {
    this.release();
    const { depStart, depTarget, active, work } = this;
    if (!active[from]) return;
    let workCount = 0;
    into[from >>> 5]! |= 1 << (from & 31);
    work[workCount++] = from;
    while (workCount > 0) {
      const p = work[--workCount]!;
      const end = depStart[p + 1]!;
      for (let e = depStart[p]!; e < end; e++) {
        const d = depTarget[e]!;
        if ((into[d >>> 5]! >>> (d & 31)) & 1) continue;
        const closure = closureOf(d);
        if (closure) {
          for (let w = 0; w < closure.length; w++) into[w]! |= closure[w]!;
          continue;
        }
        into[d >>> 5]! |= 1 << (d & 31);
        work[workCount++] = d;
      }
    }
  }

  /** Farms with fewer members than minUp: one broken member, even DEGRADED, takes them DOWN. */
  fragileFarms(): number[] {
    const out: number[] = [];
    const hasMembers = new Uint8Array(this.members.length);
    for (let e = 0; e < this.depTarget.length; e++) if (this.depMember[e]) hasMembers[this.depTarget[e]!] = 1;
    for (let i = 0; i < hasMembers.length; i++) if (hasMembers[i] && this.members[i]! < this.minUp[i]!) out.push(i);
    return out;
  }
}
