/** Cypher for incidents: named, parameterised, one clause per line. */

/** The projection every incident read returns, with its links as ids. */
export const INCIDENT_FIELDS = `
i {.id, .number, .title, .description, .priority, .status, .openedAt, .resolvedAt, .closedAt, .updatedAt, .createdBy, .transitions} AS incident,
[(i)-[:AFFECTS]->(c:CI) | c.id] AS affects,
head([(i)-[:INSTANCE_OF]->(p:Problem) | p.id]) AS problemId`;

export const LOCK_INCIDENT = `
MATCH (i:Incident {id: $id})
SET i._lock = true
REMOVE i._lock
RETURN count(i) AS found
`;

export const INCIDENTS_BY_IDS = `
UNWIND $ids AS id
MATCH (i:Incident {id: id})
RETURN ${INCIDENT_FIELDS}
`;

export const CREATE_INCIDENT = `
CREATE (i:Incident)
SET i = $props
WITH i
UNWIND $ciIds AS ciId
MATCH (c:CI {id: ciId})
CREATE (i)-[:AFFECTS]->(c)
WITH DISTINCT i
RETURN ${INCIDENT_FIELDS}
`;

export const UPDATE_INCIDENT = `
MATCH (i:Incident {id: $id})
SET i += $set
RETURN ${INCIDENT_FIELDS}
`;

const FILTER = `
WHERE ($statuses IS NULL OR i.status IN $statuses)
  AND ($priorities IS NULL OR i.priority IN $priorities)
  AND ($openedFrom IS NULL OR i.openedAt >= $openedFrom)
  AND ($openedTo IS NULL OR i.openedAt < $openedTo)
  AND ($ciId IS NULL OR EXISTS { (i)-[:AFFECTS]->(:CI {id: $ciId}) })`;

/** Newest first; the keyset cursor is (openedAt, number). */
export const LIST_INCIDENTS = `
MATCH (i:Incident)
${FILTER}
  AND ($afterOpened IS NULL OR i.openedAt < $afterOpened OR (i.openedAt = $afterOpened AND i.number < $afterNumber))
RETURN ${INCIDENT_FIELDS}
ORDER BY i.openedAt DESC, i.number DESC
LIMIT $limit
`;

export const COUNT_INCIDENTS = `
MATCH (i:Incident)
${FILTER}
RETURN count(i) AS total
`;

/** Incidents affecting each of the CIs, newest first; open = neither RESOLVED nor CLOSED. */
export const INCIDENTS_OF_CIS = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:AFFECTS]-(i:Incident)
WHERE NOT $openOnly OR NOT i.status IN ['RESOLVED', 'CLOSED']
RETURN ciId, ${INCIDENT_FIELDS}
ORDER BY i.openedAt DESC, i.number DESC
`;

/**
 * Up to $cap open incidents (status in $open), whatever they affect: fewer than $cap rows
 * is all of them (incidentsOfCIs reads them instead of looking up each CI when they are
 * the fewer).
 */
export const OPEN_INCIDENTS_WINDOW = `
MATCH (i:Incident)
WHERE i.status IN $open
WITH i
LIMIT $cap
RETURN ${INCIDENT_FIELDS}
ORDER BY i.openedAt DESC, i.number DESC
`;

/** Incidents linked to each of the problems. */
export const INCIDENTS_OF_PROBLEMS = `
UNWIND $ids AS ofProblem
MATCH (:Problem {id: ofProblem})<-[:INSTANCE_OF]-(i:Incident)
RETURN ofProblem, ${INCIDENT_FIELDS}
ORDER BY i.openedAt, i.number
`;
