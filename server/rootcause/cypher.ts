/** Cypher for root-cause analysis: named, parameterised, one clause per line. */
import { ACTIVE_AT, PROPAGATING_TYPES, VALID_AT } from '../../graph-schema/index.js';

/** Propagating relationship types from the graph-schema catalogue (not user values). */
const TYPES = PROPAGATING_TYPES.join('|');


/** The names of some CIs. */
export const CI_NAMES = `
UNWIND $ids AS id
MATCH (c:CI {id: id})
RETURN c.id AS id, c.name AS name, c.status AS status
`;

/** Which of the given CI ids exist. */
export const EXISTING_CIS = `
UNWIND $ids AS id
MATCH (c:CI {id: id})
RETURN c.id AS id
`;

/** The CIs created after $after, at most $cap (an index range: usually few). */
export const CREATED_SINCE = `
MATCH (c:CI)
WHERE c.createdAt > $after
WITH c
LIMIT $cap
RETURN c.id AS id
`;

/** Which of the given CIs were created after $after (when CREATED_SINCE finds too many). */
export const CREATED_AFTER = `
UNWIND $ids AS id
MATCH (c:CI {id: id})
WHERE c.createdAt > $after
RETURN c.id AS id
`;

/**
 * The candidates: every CI upstream of the observed ones along propagating relationships
 * valid at $at (the observed included), one pruning BFS, with each one's providers (to
 * bound the depth in code: a variable-length bound cannot be a parameter), its
 * class/name, minUp and rule 2's n (active members).
 */
export const UPSTREAM = `
UNWIND $ids AS id
MATCH (o:CI {id: id})
MATCH (o)-[rs:${TYPES}*0..]->(x:CI)
WHERE all(r IN rs WHERE ${VALID_AT('r')})
WITH DISTINCT x
WHERE ${ACTIVE_AT('x')}
RETURN x.id AS id, x.class AS class, x.name AS name, x.minUp AS minUp,
  COUNT { MATCH (x)-[m:HAS_MEMBER]->(p:CI) WHERE ${VALID_AT('m')} AND ${ACTIVE_AT('p')} RETURN DISTINCT p } AS members,
  [(x)-[e:${TYPES}]->(p:CI) WHERE ${VALID_AT('e')} | [type(e), p.id]] AS providers
`;

/**
 * One level of the downstream walk: the dependents of the frontier CIs (incoming
 * propagating relationships valid at $at), each with the frontier CIs it depends on.
 * Names only for the classes in $named (user-facing: the only walk CIs evidence names).
 */
export const DEPENDENTS = `
UNWIND $ids AS id
MATCH (:CI {id: id})<-[e:${TYPES}]-(y:CI)
WHERE ${VALID_AT('e')}
  AND ${ACTIVE_AT('y')}
WITH y, collect([type(e), id]) AS providers
RETURN y.id AS id, y.class AS class, CASE WHEN y.class IN $named THEN y.name END AS name, y.minUp AS minUp,
  COUNT { MATCH (y)-[m:HAS_MEMBER]->(p:CI) WHERE ${VALID_AT('m')} AND ${ACTIVE_AT('p')} RETURN DISTINCT p } AS members,
  providers
`;

/**
 * Recorded attribute and relationship changes on each CI (a relationship's history
 * entry records both endpoints) in [$since, $until], summarised.
 */
export const HISTORY_SUMMARY = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:RECORDS]-(h:HistoryEntry)
WHERE h.at >= $since
  AND h.at <= $until
RETURN ciId, count(h) AS count, max(h.at) AS latestAt, collect(DISTINCT h.field) AS fields
`;

/**
 * Up to $cap history entries in [$since, $until], whatever they record, one row per CI
 * each records: fewer than $cap entries is the whole window (read instead of looking up
 * each CI when it is the smaller).
 */
export const HISTORY_WINDOW = `
MATCH (h:HistoryEntry)
WHERE h.at >= $since
  AND h.at <= $until
WITH h
LIMIT $cap
MATCH (h)-[:RECORDS]->(c:CI)
RETURN h.id AS entry, h.at AS at, h.field AS field, c.id AS ciId
`;

/**
 * The latest $limit resolved or closed problems that name a root-cause CI and group
 * incidents: the root and when each incident opened (what tells whether they changed).
 */
export const RESOLVED_PROBLEMS = `
MATCH (p:Problem)-[:ROOT_CAUSE]->(root:CI)
WHERE p.status IN ['RESOLVED', 'CLOSED']
  AND EXISTS { (:Incident)-[:INSTANCE_OF]->(p) }
WITH p, root
ORDER BY coalesce(p.resolvedAt, p.closedAt, p.updatedAt) DESC, p.id
LIMIT $limit
RETURN p.id AS id, p.updatedAt AS updatedAt, root.id AS rootId,
  [(i:Incident)-[:INSTANCE_OF]->(p) | i.openedAt] AS opened`;

/** The same problems and, to learn from them, the CIs their incidents report. */
export const RESOLVED_PROBLEMS_REPORTED = `${RESOLVED_PROBLEMS},
  [(i:Incident)-[:INSTANCE_OF]->(p) | [(i)-[:AFFECTS]->(c:CI) | c.id]] AS reported
`;

/** The same problems with their incidents, to rank their outages again in hindsight (hindsight.ts). */
export const RESOLVED_PROBLEMS_INCIDENTS = `${RESOLVED_PROBLEMS},
  [(i:Incident)-[:INSTANCE_OF]->(p) | i.id] AS incidentIds
`;

/**
 * The latest $limit incidents opened since $since, whatever their status: when each
 * opened, whether it is still open, whether a problem groups it, and what it affects.
 * Calibrations groups them into past outages (calibration.ts, `pastOutages`).
 */
export const PAST_INCIDENTS = `
MATCH (i:Incident)
WHERE i.openedAt >= $since
WITH i
ORDER BY i.openedAt DESC, i.id
LIMIT $limit
RETURN i.id AS id, i.openedAt AS openedAt, i.updatedAt AS updatedAt,
  NOT i.status IN ['RESOLVED', 'CLOSED'] AS open,
  EXISTS { (i)-[:INSTANCE_OF]->(:Problem) } AS grouped,
  [(i)-[:AFFECTS]->(c:CI) | c.id] AS affects
`;
