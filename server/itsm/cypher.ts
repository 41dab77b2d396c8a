/** Cypher shared by the ITSM records and the KPIs: named, parameterised, one clause per line. */

export const NEXT_NUMBER = `
MERGE (s:Sequence {name: $name})
ON CREATE SET s.value = 0
SET s.value = s.value + 1
RETURN s.value AS value
`;

export const CI_STATUSES = `
UNWIND $ids AS id
OPTIONAL MATCH (c:CI {id: id})
RETURN id, c.status AS status
`;

/** Incidents resolved in [from, to): the MTTR and SLA population. */
export const RESOLVED_INCIDENTS = `
MATCH (i:Incident)
WHERE i.resolvedAt >= $from
  AND i.resolvedAt < $to
RETURN i.id AS id, i.priority AS priority, i.openedAt AS openedAt, i.resolvedAt AS resolvedAt
`;

/** Changes closed in [from, to) with their review outcome. */
export const CLOSED_CHANGES = `
MATCH (c:Change)
WHERE c.status = 'CLOSED'
  AND c.closedAt >= $from
  AND c.closedAt < $to
RETURN c.reviewOutcome AS outcome, count(c) AS count
`;

/** Incidents opened in [from, to) per class of affected CI (an incident counts once per class). */
export const INCIDENTS_PER_CLASS = `
MATCH (i:Incident)-[:AFFECTS]->(c:CI)
WHERE i.openedAt >= $from
  AND i.openedAt < $to
RETURN c.class AS class, count(DISTINCT i) AS count
ORDER BY count DESC, class
`;

export const TOP_CIS_BY_INCIDENTS = `
MATCH (i:Incident)-[:AFFECTS]->(c:CI)
WHERE i.openedAt >= $from
  AND i.openedAt < $to
RETURN c.id AS ciId, c.name AS name, count(DISTINCT i) AS count
ORDER BY count DESC, name, ciId
LIMIT $limit
`;
