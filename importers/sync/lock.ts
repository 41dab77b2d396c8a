/**
 * One run per source+scope at a time: an (:ImportLock {scope}) node under a uniqueness
 * constraint. A run refreshes its heartbeat after every batch; a lock whose holder went
 * silent for longer than `staleMs` (a killed process) is taken over, and that run is
 * marked FAILED.
 */
import type { Graph } from '../../server/db/index.js';
import * as Q from './cypher.js';

/** Another run holds this source+scope. */
export class ImportLockedError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    readonly details: { runId?: unknown },
  ) {
    super(message);
    this.name = 'ImportLockedError';
  }
}

export async function acquireLock(graph: Graph, scopeKey: string, runId: string, staleMs: number): Promise<void> {
  const now = Date.now();
  const holder = await graph.read(Q.LOCK_HOLDER, { scopeKey });
  const previous = holder[0]?.runId as string | undefined;
  const rows = await graph.write(Q.ACQUIRE_LOCK, { scopeKey, runId, now, staleBefore: now - staleMs });
  if (rows[0]?.runId !== runId) {
    const current = await graph.read(Q.LOCK_HOLDER, { scopeKey });
    throw new ImportLockedError(
      `Another import of ${scopeKey} is running (${String(current[0]?.runId ?? previous)}); wait for it to finish`,
      { runId: current[0]?.runId ?? previous },
    );
  }
  if (previous && previous !== runId) await graph.write(Q.FAIL_STALE_RUN, { runId: previous, now });
}

export async function heartbeat(graph: Graph, scopeKey: string, runId: string): Promise<void> {
  await graph.write(Q.HEARTBEAT, { scopeKey, runId, now: Date.now() });
}

export async function releaseLock(graph: Graph, scopeKey: string, runId: string): Promise<void> {
  await graph.write(Q.RELEASE_LOCK, { scopeKey, runId });
}
