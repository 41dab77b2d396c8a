/**
 * What each CI's failure alone takes DOWN (Spreader.spreadDown), kept per prepared graph:
 * it does not depend on the observations, so a projection walks each CI once (a few
 * hundred ms at 100 000 CIs, `warm`) and every ranking on it reads lists instead of
 * walking. A graph prepared for one request computes the parts it asks for.
 *
 * Not for CIs upstream of a fragile farm (fewer members than minUp): their DOWN part
 * needs the full rules (`RcaGraph.aboveFragile`).
 */
import type { RcaGraph } from './model.js';
import type { MemberEdges } from './spread.js';
import { closureBits, type UserFacingBits } from './closures.js';

export interface DownPart {
  /** Every CI the failure takes DOWN, itself first, in the order the walk finds them. */
  nodes: Int32Array;
  /** Farms it takes members of DOWN without taking them DOWN, and how many members each. */
  softFarms: Int32Array;
  softFarmDown: Int32Array;
  /** Its HAS_MEMBER edges to farms outside it (a joint failure on top of another: Spreader.spreadDownTogether). */
  edges: MemberEdges;
}

export interface DownPartsOptions {
  /** At most this many CIs, over all kept parts (default 32 M: 128 MiB); a bitset's words count as CIs. */
  cacheNodes: number;
}

export class DownParts {
  /**
   * Each kept part packed in one array (a typed array costs more than a short part):
   * [#nodes, #soft farms, #farms out, #member edges, nodes, soft farms, their DOWN member
   * counts, farms out, their starts (#farms + 1), members].
   */
  private readonly packed: (Int32Array | undefined)[] = [];
  private readonly bits = new Map<number, UserFacingBits>();
  private keptNodes = 0;
  private readonly options: DownPartsOptions;

  constructor(
    private readonly prepared: RcaGraph,
    options: Partial<DownPartsOptions> = {},
  ) {
    this.options = { cacheNodes: 32 * 2 ** 20, ...options };
  }

  /**
   * The user-facing CIs `node`'s failure takes DOWN, as a bitset in ClosureBits' order:
   * for a big failure, what two failures both take DOWN is then a popcount of an AND,
   * where reading its part would visit thousands of CIs. Made from a kept part on first
   * ask and kept with it while the budget has room; undefined when the part is not kept
   * (it is not walked again for this).
   */
  userFacingDown(node: number): UserFacingBits | undefined {
    const found = this.bits.get(node);
    if (found) return found;
    const p = this.packed[node];
    if (!p) return undefined;
    const set = closureBits(this.prepared).setOf(p.subarray(4, 4 + p[0]!));
    if (this.keptNodes + set.words.length <= this.options.cacheNodes) {
      this.bits.set(node, set);
      this.keptNodes += set.words.length;
    }
    return set;
  }

  /**
   * `node`'s DOWN part without its member edges, if it is kept: what a ranking reads of
   * every candidate (three views, where the whole part takes six).
   */
  keptDown(node: number): Pick<DownPart, 'nodes' | 'softFarms' | 'softFarmDown'> | undefined {
    const p = this.packed[node];
    if (!p) return undefined;
    const nodes = p[0]!;
    const soft = p[1]!;
    return { nodes: p.subarray(4, 4 + nodes), softFarms: p.subarray(4 + nodes, 4 + nodes + soft), softFarmDown: p.subarray(4 + nodes + soft, 4 + nodes + 2 * soft) };
  }

  /** `node`'s DOWN part if it is kept. */
  kept(node: number): DownPart | undefined {
    const p = this.packed[node];
    if (!p) return undefined;
    const [nodes, soft, farms, members] = [p[0]!, p[1]!, p[2]!, p[3]!];
    let at = 4;
    const take = (length: number) => p.subarray(at, (at += length));
    return {
      nodes: take(nodes),
      softFarms: take(soft),
      softFarmDown: take(soft),
      edges: { farms: take(farms), start: take(farms + 1), members: take(members) },
    };
  }

  /** `node`'s DOWN part; kept while the cache has room. */
  of(node: number): DownPart {
    if (this.prepared.aboveFragile[node]) throw new Error('DownParts: upstream of a fragile farm, its DOWN part needs the full rules');
    const found = this.kept(node);
    if (found) return found;
    const { spreader } = this.prepared;
    const { nodes, softFarms, softFarmDown } = spreader.spreadDown(node);
    const edges = spreader.memberEdgesOut(nodes);
    const part = { nodes, softFarms, softFarmDown, edges };
    if (this.keptNodes + nodes.length <= this.options.cacheNodes) {
      const pieces = [nodes, softFarms, softFarmDown, edges.farms, edges.start, edges.members];
      const p = new Int32Array(4 + pieces.reduce((sum, x) => sum + x.length, 0));
      p.set([nodes.length, softFarms.length, edges.farms.length, edges.members.length]);
      let at = 4;
      for (const piece of pieces) {
        p.set(piece, at);
        at += piece.length;
      }
      this.packed[node] = p;
      this.keptNodes += nodes.length;
    }
    return part;
  }

  /**
   * Keeps the parts `before` kept for the CIs not `dirty`, and, when their bits are
   * numbered as here (`numbered`), their user-facing sets (see carryDownParts).
   */
  private keepFrom(before: DownParts, dirty: Uint8Array, numbered: boolean): void {
    before.packed.forEach((p, x) => {
      if (!p || dirty[x]) return;
      this.packed[x] = p;
      this.keptNodes += p[0]!;
    });
    if (!numbered) return;
    for (const [x, set] of before.bits) {
      if (dirty[x] || !this.packed[x]) continue;
      this.bits.set(x, set);
      this.keptNodes += set.words.length;
    }
  }

  /** The DownParts of `prepared` carried over from `before`'s (see carryDownParts). */
  static carried(prepared: RcaGraph, before: DownParts, dirty: Uint8Array, numbered: boolean): DownParts {
    const parts = new DownParts(prepared, before.options);
    parts.keepFrom(before, dirty, numbered);
    return parts;
  }

  /** Computes and keeps the parts of CIs from..to (exclusive) that may have one, while the cache has room. */
  warm(from = 0, to = this.prepared.graph.ids.length): void {
    for (let x = from; x < to && this.keptNodes < this.options.cacheNodes; x++) if (!this.prepared.aboveFragile[x]) this.of(x);
  }
}

const downPartsOf = new WeakMap<RcaGraph, DownParts>();

/**
 * Makes `prepared`'s DOWN parts from `previous`'s (the graph it was brought up to date
 * from, each CI numbered as there), keeping the parts of CIs not `dirty` (what their
 * failure takes DOWN is unchanged: rootcause/carry.ts), and their user-facing sets when
 * the closure bits were carried over too (`numbered`).
 */
export function carryDownParts(previous: RcaGraph, prepared: RcaGraph, dirty: Uint8Array, numbered: boolean): void {
  const before = downPartsOf.get(previous);
  if (!before || downPartsOf.has(prepared)) return;
  downPartsOf.set(prepared, DownParts.carried(prepared, before, dirty, numbered));
}

/** The DOWN parts of one prepared graph (made on first use). */
export function downParts(prepared: RcaGraph): DownParts {
  let parts = downPartsOf.get(prepared);
  if (!parts) {
    parts = new DownParts(prepared);
    downPartsOf.set(prepared, parts);
  }
  return parts;
}
