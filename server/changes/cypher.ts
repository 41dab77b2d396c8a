/** Cypher for changes and blackouts: named, parameterised, one clause per line. */

export const CHANGE_FIELDS = `
c {.id, .number, .title, .description, .status, .plannedStart, .plannedEnd, .createdAt, .updatedAt, .createdBy, .transitions,
   .authorizedBy, .authorizedAt, .approvedSnapshot, .implementedAt, .reviewOutcome, .reviewNote, .closedAt} AS change,
COLLECT { MATCH (c)-[r:TARGETS]->(t:CI) RETURN t.id ORDER BY r.position, t.id } AS targets`;

/** Statuses in which a change no longer takes part in collisions. */
export const INACTIVE_STATUSES = ['CLOSED', 'REJECTED', 'CANCELLED'];

export const LOCK_CHANGE = `
MATCH (c:Change {id: $id})
SET c._lock = true
REMOVE c._lock
RETURN count(c) AS found
`;

export const CHANGES_BY_IDS = `
UNWIND $ids AS id
MATCH (c:Change {id: id})
RETURN ${CHANGE_FIELDS}
`;

export const CREATE_CHANGE = `
CREATE (c:Change)
SET c = $props
WITH c
UNWIND range(0, size($ciIds) - 1) AS position
MATCH (t:CI {id: $ciIds[position]})
CREATE (c)-[:TARGETS {position: position}]->(t)
WITH DISTINCT c
RETURN ${CHANGE_FIELDS}
`;

export const UPDATE_CHANGE = `
MATCH (c:Change {id: $id})
SET c += $set
RETURN ${CHANGE_FIELDS}
`;

const FILTER = `
WHERE ($statuses IS NULL OR c.status IN $statuses)
  AND ($windowFrom IS NULL OR c.plannedEnd > $windowFrom)
  AND ($windowTo IS NULL OR c.plannedStart < $windowTo)
  AND ($ciId IS NULL OR EXISTS { (c)-[:TARGETS]->(:CI {id: $ciId}) })`;

/** In window order; the keyset cursor is (plannedStart, number). */
export const LIST_CHANGES = `
MATCH (c:Change)
${FILTER}
  AND ($afterStart IS NULL OR c.plannedStart > $afterStart OR (c.plannedStart = $afterStart AND c.number > $afterNumber))
RETURN ${CHANGE_FIELDS}
ORDER BY c.plannedStart, c.number
LIMIT $limit
`;

export const COUNT_CHANGES = `
MATCH (c:Change)
${FILTER}
RETURN count(c) AS total
`;

export const CHANGES_OF_CIS = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:TARGETS]-(c:Change)
RETURN ciId, ${CHANGE_FIELDS}
ORDER BY c.plannedStart DESC, c.number DESC
`;

/** Changes still in play whose planned window overlaps [from, to) (touching does not). */
export const ACTIVE_CHANGES_OVERLAPPING = `
MATCH (c:Change)
WHERE NOT c.status IN $inactive
  AND c.plannedStart < $to
  AND c.plannedEnd > $from
RETURN ${CHANGE_FIELDS}
ORDER BY c.plannedStart, c.number
`;

/** Open P1/P2 incidents on any of the CIs. */
export const SEVERE_OPEN_INCIDENTS = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:AFFECTS]-(i:Incident)
WHERE i.priority IN ['P1', 'P2']
  AND NOT i.status IN ['RESOLVED', 'CLOSED']
RETURN ciId, i.id AS incidentId, i.priority AS priority
ORDER BY i.priority, i.number
`;

/** Changes that entered IMPLEMENTING at or after $since on any of the CIs. */
export const IMPLEMENTED_SINCE = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:TARGETS]-(c:Change)
WHERE c.implementedAt >= $since
WITH c, collect(DISTINCT ciId) AS on
RETURN ${CHANGE_FIELDS}, on
ORDER BY c.implementedAt DESC, c.number DESC
`;

/**
 * Up to $cap changes implemented at or after $since, whatever they target, with the CIs
 * they target: fewer than $cap rows is the whole window (changesOnCIsSince reads it
 * instead of looking up each CI when the window is the smaller).
 */
export const IMPLEMENTED_IN_WINDOW = `
MATCH (c:Change)
WHERE c.implementedAt >= $since
WITH c
LIMIT $cap
RETURN ${CHANGE_FIELDS}, [(c)-[:TARGETS]->(t:CI) | t.id] AS on
ORDER BY c.implementedAt DESC, c.number DESC
`;

// ------------------------------------------------------------------ blackouts

export const BLACKOUT_FIELDS = `b {.id, .number, .name, .reason, .start, .end, .createdAt, .createdBy} AS blackout`;

export const CREATE_BLACKOUT = `
CREATE (b:Blackout)
SET b = $props
RETURN ${BLACKOUT_FIELDS}
`;

export const BLACKOUTS_BY_IDS = `
UNWIND $ids AS id
MATCH (b:Blackout {id: id})
RETURN ${BLACKOUT_FIELDS}
`;

/** Blackouts overlapping [from, to); both bounds optional. */
export const BLACKOUTS_OVERLAPPING = `
MATCH (b:Blackout)
WHERE ($to IS NULL OR b.start < $to)
  AND ($from IS NULL OR b.end > $from)
RETURN ${BLACKOUT_FIELDS}
ORDER BY b.start, b.number
`;
