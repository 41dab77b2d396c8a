/** Writes that can change what propagates go through here: they raise the topology version in their own transaction. */
import type { Graph, Tx } from '../db/index.js';
import { BUMP_VERSION } from './cypher.js';

/**
 * Runs `work` in a write transaction that also raises the topology version (last, so
 * the version's lock is held only for the commit): a projection loaded before it is
 * seen to be stale by the next request, in every process.
 */
export function topologyWrite<T>(graph: Graph, work: (tx: Tx) => Promise<T>): Promise<T> {
  return graph.writeTx(async (tx) => {
    const result = await work(tx);
    await tx.run(BUMP_VERSION);
    return result;
  });
}
