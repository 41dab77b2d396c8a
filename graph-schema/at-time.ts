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
 *
 * The entries are read by a pattern comprehension, which Neo4j always expands from `n`
 * (its own history). A subquery (`COLLECT { MATCH … WHERE h.at > $at … }`) let the
 * planner start from the index on HistoryEntry.at instead: every entry after $at, for
 * every farm reached, and an impact at a past time in a database with much history ran
 * for minutes.
 */
export const MIN_UP_AT = (n: string) =>
  `CASE WHEN EXISTS { (${n})-[:HAS_MEMBER]->() } THEN head([first IN [reduce(first = null, e IN [(${n})<-[:RECORDS]-(h:HistoryEntry) WHERE h.entityType = 'CI' AND h.field = 'attributes.minUp' AND h.at > $at | [h.at, toFloatOrNull(h.old)]] | CASE WHEN first IS NULL OR e[0] < first[0] THEN e ELSE first END)] WHERE first IS NOT NULL | first[1]] + [${n}.minUp]) ELSE ${n}.minUp END`;
