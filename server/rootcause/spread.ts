/**
 * "What breaks if this one CI fails", asked for thousands of candidates on one indexed
 * subgraph. It is the impact rule of server/impact/propagate.ts (least fixpoint with
 * HAS_MEMBER/minUp; the unit test checks both agree on random graphs), but its buffers
 * are allocated once and only the touched entries are reset, so a candidate costs
 * O(what it breaks) instead of O(subgraph): a rack under 40 hosts is cheap even when
 * the fetched subgraph holds 60 000 CIs.
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
  /** False when the walk stopped at `cap` broken nodes (what it found is a lower bound). */
  readonly complete: boolean;
  /** True when the walk stopped because `stop.limit` silent nodes went DOWN. */
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
 * Stop early once this many nodes with `mask` set have gone DOWN: the candidate's
 * silent damage is then known to be at least `limit`, enough to rule it out.
 */
export interface SpreadStop {
  mask: Uint8Array;
  limit: number;
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
  }

  /**
   * The CIs a failure of node(s) `failed` breaks (several: a joint failure, exactly as
   * the impact rule sees it); stops after `cap` broken nodes or at `stop`.
   */
  spread(failed: number | readonly number[], cap = Number.POSITIVE_INFINITY, stop?: SpreadStop): Spread {
    const { depStart, depTarget, depMember, minUp, members, active } = this;
    let touchedCount = 0;
    const touch = (i: number) => {
      if (!this.mark[i]) {
        this.mark[i] = 1;
        this.touched[touchedCount++] = i;
      }
    };
    const roots = (typeof failed === 'number' ? [failed] : failed).filter((f) => active[f]);
    const broken: number[] = [];
    let complete = true;
    let stopped = 0;
    let stoppedAtLimit = false;
    const work: number[] = [];
    for (const f of roots) {
      if (this.failedMark[f]) continue;
      this.failedMark[f] = 1;
      touch(f);
      this.state[f] = DOWN;
      broken.push(f);
      work.push(f);
      if (stop?.mask[f]) stopped++;
    }
    if (work.length > 0) {
      while (work.length > 0) {
        const p = work.pop()!;
        const before = this.sent[p]!;
        const now = this.state[p]!;
        if (before === now) continue;
        this.sent[p] = now;
        const end = depStart[p + 1]!;
        for (let e = depStart[p]!; e < end; e++) {
          const d = depTarget[e]!;
          touch(d);
          if (depMember[e]) {
            if (before < DEGRADED && now >= DEGRADED) this.impactedMembers[d]!++;
            if (before < DOWN && now >= DOWN) this.downMembers[d]!++;
          } else if (now > this.worstOther[d]!) {
            this.worstOther[d] = now;
          }
          if (this.failedMark[d]) continue;
          const fromMembers =
            this.impactedMembers[d]! > 0 ? (members[d]! - this.downMembers[d]! < minUp[d]! ? DOWN : DEGRADED) : NONE;
          const next = Math.max(this.worstOther[d]!, fromMembers);
          if (next > this.state[d]!) {
            if (this.state[d] === NONE) broken.push(d);
            if (next === DOWN && stop?.mask[d]) stopped++;
            this.state[d] = next;
            work.push(d);
            // Checked per dependent: a hub with 30 000 dependents stops as early as a chain.
            if ((stop && stopped >= stop.limit) || broken.length >= cap) break;
          }
        }
        if (stop && stopped >= stop.limit) {
          complete = false;
          stoppedAtLimit = true;
          break;
        }
        if (broken.length >= cap) {
          complete = false;
          break;
        }
      }
    }
    // Plain loops: typed-array from() with a map function is many times slower in V8.
    const nodes = new Int32Array(broken.length);
    const states = new Uint8Array(broken.length);
    for (let k = 0; k < broken.length; k++) {
      nodes[k] = broken[k]!;
      states[k] = this.state[broken[k]!]!;
    }
    const softFarms: number[] = [];
    const softFarmDown: number[] = [];
    for (let k = 0; k < touchedCount; k++) {
      const i = this.touched[k]!;
      if (this.impactedMembers[i]! > 0 && this.state[i]! < DOWN) {
        softFarms.push(i);
        softFarmDown.push(this.downMembers[i]!);
      }
      this.mark[i] = 0;
      this.state[i] = NONE;
      this.sent[i] = NONE;
      this.downMembers[i] = 0;
      this.impactedMembers[i] = 0;
      this.worstOther[i] = NONE;
      this.failedMark[i] = 0;
    }
    return { nodes, states, complete, stopped: stoppedAtLimit, softFarms: Int32Array.from(softFarms), softFarmDown: Int32Array.from(softFarmDown) };
  }
}
