/**
 * The graph as it stood at a time `$at`, as Cypher fragments (built from variable names,
 * never from user values; `$at` is a query parameter):
 * - a relationship held from its validFrom until its validTo;
 * - a CI was active from its createdAt until its retiredAt;
 * - a farm's minUp was the value its history records as replaced after `$at`, if any, or
 *   the one it has now (`MIN_UP_CHANGES_AFTER`, `minUpBefore`). Every change of
 *   `attributes.minUp` is recorded (server/history: its old and new values as JSON), by
 *   the CI service and the sync engine alike.
 */

/** Whether relationship `r` held at $at. */
export const VALID_AT = (r: string) => `(${r}.validFrom IS NULL OR ${r}.validFrom <= $at) AND (${r}.validTo IS NULL OR ${r}.validTo > $at)`;

/** Whether CI `n` was active (created, not yet retired) at $at. */
export const ACTIVE_AT = (n: string) => `(${n}.createdAt IS NULL OR ${n}.createdAt <= $at) AND (${n}.retiredAt IS NULL OR ${n}.retiredAt > $at)`;

/**
 * The recorded changes of `attributes.minUp` after $at of each CI in $ids, as [at, old
 * JSON] pairs: the earliest one's old value is what minUp was at $at (none: as now). A
 * separate read, not a subquery of the walks: in a projection next to a variable-length
 * expansion, a subquery let the planner choose plans that ran for minutes. The pattern
 * comprehension is expanded from each CI, never from the index on HistoryEntry.at.
 */
export const MIN_UP_CHANGES_AFTER = `
UNWIND $ids AS id
MATCH (c:CI {id: id})
RETURN id, [(c)<-[:RECORDS]-(h:HistoryEntry) WHERE h.entityType = 'CI' AND h.field = 'attributes.minUp' AND h.at > $at | [h.at, h.old]] AS changes
`;

/**
 * minUp at $at from a MIN_UP_CHANGES_AFTER row's `changes`: the old value of the earliest
 * (a number, or null when it was unset or not a number), or undefined when none: as now.
 */
export function minUpBefore(changes: readonly (readonly [unknown, unknown])[]): number | null | undefined {
  let first: readonly [unknown, unknown] | undefined;
  for (const change of changes) if (first === undefined || Number(change[0]) < Number(first[0])) first = change;
  if (first === undefined) return undefined;
  let old: unknown = null;
  try {
    old = typeof first[1] === 'string' ? (JSON.parse(first[1]) as unknown) : null;
  } catch {
    // An entry edited by hand into something that is not JSON holds no number either.
  }
  return typeof old === 'number' ? old : null;
}
