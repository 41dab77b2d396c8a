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
}

export class Spreader {
  private readonly state: Uint8Array;
  private readonly sent: Uint8Array;
  private readonly downMembers: Float64Array;
  private readonly impactedMembers: Float64Array;
  private readonly worstOther: Uint8Array;
  private readonly touched: Int32Array;
  private readonly mark: Uint8Array;

  constructor(private readonly g: IndexedSubgraph) {
    const n = g.ids.length;
    this.state = new Uint8Array(n);
    this.sent = new Uint8Array(n);
    this.downMembers = new Float64Array(n);
    this.impactedMembers = new Float64Array(n);
    this.worstOther = new Uint8Array(n);
    this.touched = new Int32Array(n);
    this.mark = new Uint8Array(n);
  }

  /** The CIs a failure of node `failed` breaks; stops after `cap` broken nodes. */
  spread(failed: number, cap = Number.POSITIVE_INFINITY): Spread {
    const g = this.g;
    let touchedCount = 0;
    const touch = (i: number) => {
      if (!this.mark[i]) {
        this.mark[i] = 1;
        this.touched[touchedCount++] = i;
      }
    };
    const broken: number[] = [];
    let complete = true;
    if (g.active[failed]) {
      touch(failed);
      this.state[failed] = DOWN;
      broken.push(failed);
      const work = [failed];
      while (work.length > 0) {
        const p = work.pop()!;
        const before = this.sent[p]!;
        const now = this.state[p]!;
        if (before === now) continue;
        this.sent[p] = now;
        for (const dep of g.dependents[p]!) {
          const d = dep.ci;
          touch(d);
          if (dep.member) {
            if (before < DEGRADED && now >= DEGRADED) this.impactedMembers[d]!++;
            if (before < DOWN && now >= DOWN) this.downMembers[d]!++;
          } else if (now > this.worstOther[d]!) {
            this.worstOther[d] = now;
          }
          if (d === failed) continue;
          const fromMembers =
            this.impactedMembers[d]! > 0 ? (g.members[d]! - this.downMembers[d]! < g.minUp[d]! ? DOWN : DEGRADED) : NONE;
          const next = Math.max(this.worstOther[d]!, fromMembers);
          if (next > this.state[d]!) {
            if (this.state[d] === NONE) broken.push(d);
            this.state[d] = next;
            work.push(d);
          }
        }
        if (broken.length >= cap) {
          complete = work.length === 0;
          break;
        }
      }
    }
    const nodes = Int32Array.from(broken);
    const states = Uint8Array.from(broken, (i) => this.state[i]!);
    for (let k = 0; k < touchedCount; k++) {
      const i = this.touched[k]!;
      this.mark[i] = 0;
      this.state[i] = NONE;
      this.sent[i] = NONE;
      this.downMembers[i] = 0;
      this.impactedMembers[i] = 0;
      this.worstOther[i] = NONE;
    }
    return { nodes, states, complete };
  }
}
