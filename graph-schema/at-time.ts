/**
 * The graph as it stood at a time `$at`, as Cypher fragments (built from variable names,
 * never from user values; `$at` is a query parameter):
 * - a relationship held from its validFrom until its validTo;
 * - a CI was active from its createdAt until its retiredAt;
 * - a farm's minUp was the value its history records as replaced after `$at`, if any, or
 *   the one it has now. Every change of `attributes.minUp` is recorded (server/history:
 *   its old and new values as JSON), by the CI service and the sync engine alike.
 */

/** Whether relationship `r` held at $at. */
export const VALID_AT = (r: string) => `(${r}.validFrom IS NULL OR ${r}.validFrom <= $at) AND (${r}.validTo IS NULL OR ${r}.validTo > $at)`;

/** Whether CI `n` was active (created, not yet retired) at $at. */
export const ACTIVE_AT = (n: string) => `(${n}.createdAt IS NULL OR ${n}.createdAt <= $at) AND (${n}.retiredAt IS NULL OR ${n}.retiredAt > $at)`;

/**
 * CI `n`'s minUp at $at: the old value of its first recorded change of attributes.minUp
 * after $at (a number, or null when it had none or not a number: the JSON "null" or a
 * string is not read as one), else its minUp now. Looked up for farms only (a CI with
 * HAS_MEMBER relationships): no other CI's minUp is read.
 */
export const MIN_UP_AT = (n: string) =>
  `CASE WHEN EXISTS { (${n})-[:HAS_MEMBER]->() } THEN coalesce(head(COLLECT { MATCH (${n})<-[:RECORDS]-(h:HistoryEntry) WHERE h.entityType = 'CI' AND h.field = 'attributes.minUp' AND h.at > $at RETURN [toFloatOrNull(h.old)] AS old ORDER BY h.at LIMIT 1 }), [${n}.minUp])[0] ELSE ${n}.minUp END`;
