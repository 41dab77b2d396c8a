/** Writes that can change what propagates go through here: they raise the topology version in their own transaction. */
import type { Graph, Tx } from '../db/index.js';
import { RECORD_CHANGE } from './cypher.js';

/** How long each write's record of what it touched is kept (a projection older than this reloads whole). */
export const TOPOLOGY_CHANGE_KEEP_MS = 60 * 60_000;

/**
 * What one topology write says it changed, so that a projection can re-read just that
 * (`updateTopologyProjection`). A write that says nothing is recorded as unknown, and a
 * projection that meets it reloads whole: declaring is an optimisation, never a duty.
 */
export class TopologyChange {
  private ids: Set<string> | null = null;
  private readonly creations = new Map<string, number>();

  /** CIs whose own row (name, minUp, status, times) or propagating relationships this write may change. */
  touch(ids: Iterable<string>): void {
    this.ids ??= new Set();
    for (const id of ids) this.ids.add(id);
  }

  /**
   * `n` CIs of a class (`class:<Class>`) or relationships of a type (`type:<TYPE>`)
   * created: the projection checks the count store's counts against what the writes
   * declared, which catches creations by writers that did not declare them.
   */
  created(key: `class:${string}` | `type:${string}`, n = 1): void {
    this.ids ??= new Set();
    if (n > 0) this.creations.set(key, (this.creations.get(key) ?? 0) + n);
  }

  /** The record's parameters: `ciIds` null when nothing was declared. */
  params(): { ciIds: string[] | null; createdKeys: string[]; createdCounts: number[] } {
    return {
      ciIds: this.ids ? [...this.ids] : null,
      createdKeys: [...this.creations.keys()],
      createdCounts: [...this.creations.values()],
    };
  }
}

/**
 * Runs `work` in a write transaction that also raises the topology version and records
 * what `work` declared on its `TopologyChange` (last, so the version's lock is held only
 * for the commit): a projection loaded before it is seen to be stale by the next
 * request, in every process, and can catch up by re-reading the CIs it names.
 */
export function topologyWrite<T>(graph: Graph, work: (tx: Tx, change: TopologyChange) => Promise<T>): Promise<T> {
  return graph.writeTx(async (tx) => {
    const change = new TopologyChange();
    const result = await work(tx, change);
    await tx.run(RECORD_CHANGE, { ...change.params(), keepMs: TOPOLOGY_CHANGE_KEEP_MS });
    return result;
  });
}
