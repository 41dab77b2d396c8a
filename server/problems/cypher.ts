/** Cypher for problems: named, parameterised, one clause per line. */

export const PROBLEM_FIELDS = `
p {.id, .number, .title, .description, .status, .workaround, .createdAt, .updatedAt, .createdBy, .transitions, .knownErrorAt, .resolvedAt, .closedAt} AS problem,
head([(p)-[:ROOT_CAUSE]->(c:CI) | c.id]) AS rootCauseId,
head([(p)-[:FIXED_BY]->(ch:Change) | ch.id]) AS fixedByChangeId,
[(i:Incident)-[:INSTANCE_OF]->(p) | i.id] AS incidentIds`;

export const LOCK_PROBLEM = `
MATCH (p:Problem {id: $id})
SET p._lock = true
REMOVE p._lock
RETURN count(p) AS found
`;

export const PROBLEMS_BY_IDS = `
UNWIND $ids AS id
MATCH (p:Problem {id: id})
RETURN ${PROBLEM_FIELDS}
`;

/**
 * Write-locks the incidents, as LOCK_PROBLEM does a problem: held to the end of the
 * transaction, so a second transaction linking one of them waits here and then reads the
 * link the first one committed (pass the ids sorted, so two of them lock in one order).
 */
export const LOCK_INCIDENTS = `
UNWIND $ids AS id
MATCH (i:Incident {id: id})
SET i._lock = true
REMOVE i._lock
`;

/** Which of the incidents exist, and the problem each already belongs to. */
export const INCIDENT_LINKS = `
UNWIND $ids AS id
OPTIONAL MATCH (i:Incident {id: id})
OPTIONAL MATCH (i)-[:INSTANCE_OF]->(p:Problem)
RETURN id, i IS NOT NULL AS found, p.id AS problemId
`;

export const CREATE_PROBLEM = `
CREATE (p:Problem)
SET p = $props
RETURN p.id AS id
`;

export const UPDATE_PROBLEM = `
MATCH (p:Problem {id: $id})
SET p += $set
RETURN p.id AS id
`;

export const LINK_INCIDENTS = `
MATCH (p:Problem {id: $id})
UNWIND $incidentIds AS incidentId
MATCH (i:Incident {id: incidentId})
MERGE (i)-[:INSTANCE_OF]->(p)
`;

export const UNLINK_INCIDENTS = `
MATCH (i:Incident)-[r:INSTANCE_OF]->(:Problem {id: $id})
WHERE i.id IN $incidentIds
DELETE r
`;

/**
 * Replaces the problem's one link of a type with one to the node with id $targetId, or
 * with none when $targetId is null: a problem has one root cause and one fix at a time.
 */
const replaceLink = (type: string, label: string) => `
MATCH (p:Problem {id: $id})
OPTIONAL MATCH (p)-[old:${type}]->(:${label})
DELETE old
WITH DISTINCT p
OPTIONAL MATCH (t:${label} {id: $targetId})
FOREACH (_ IN CASE WHEN t IS NULL THEN [] ELSE [1] END | CREATE (p)-[:${type}]->(t))
`;

export const SET_ROOT_CAUSE = replaceLink('ROOT_CAUSE', 'CI');

export const SET_FIXED_BY = replaceLink('FIXED_BY', 'Change');

export const CHANGE_EXISTS = `
OPTIONAL MATCH (c:Change {id: $id})
RETURN c IS NOT NULL AS found
`;

/** Newest first; the keyset cursor is the number. */
export const LIST_PROBLEMS = `
MATCH (p:Problem)
WHERE ($statuses IS NULL OR p.status IN $statuses)
  AND ($afterNumber IS NULL OR p.number < $afterNumber)
RETURN ${PROBLEM_FIELDS}
ORDER BY p.number DESC
LIMIT $limit
`;

export const COUNT_PROBLEMS = `
MATCH (p:Problem)
WHERE ($statuses IS NULL OR p.status IN $statuses)
RETURN count(p) AS total
`;
