/** Cypher for the CI domain: named, parameterised, one clause per line. */
import { RELATIONSHIP_TYPES } from '../../graph-schema/index.js';

/** The projection every CI read returns. */
export const CI_FIELDS = `n {.id, .class, .name, .status, .criticality, .attributes, .sources, .createdAt, .updatedAt, .retiredAt}`;

export const CIS_BY_IDS = `
UNWIND $ids AS id
MATCH (n:CI {id: id})
RETURN ${CI_FIELDS} AS ci
`;

export const FIND_BY_IDENTIFIERS = `
UNWIND $keys AS k
MATCH (n:CI)
WHERE n[k.property] = k.value AND n.id <> $exceptId
RETURN k.property AS property, k.value AS value, n.id AS id, n.name AS name, n.class AS class
LIMIT 10
`;

export const CREATE_CI = `
CREATE (n:CI:$($class))
SET n = $props
RETURN ${CI_FIELDS} AS ci
`;

/**
 * Takes the CI's write lock for the rest of the transaction (setting and removing a
 * property locks the node and leaves it as it was), so read-check-write sequences on one
 * CI (update, duplicate-relationship check) run one at a time.
 */
export const LOCK_CI = `
MATCH (n:CI {id: $id})
SET n.__lock = true
REMOVE n.__lock
RETURN n.id AS id
`;

/** Replaces the node's properties with the full new set (labels stay). */
export const UPDATE_CI = `
MATCH (n:CI {id: $id})
SET n = $props
RETURN ${CI_FIELDS} AS ci
`;

/** Every stored property of one CI, to compute the next full set from. */
export const CI_PROPERTIES = `
MATCH (n:CI {id: $id})
RETURN properties(n) AS props
`;

export const RETIRE_CI = `
MATCH (n:CI {id: $id})
SET n.status = 'RETIRED', n.retiredAt = $now, n.updatedAt = $now
WITH n
OPTIONAL MATCH (n)-[r]-(:CI)
WHERE r.validTo IS NULL
SET r.validTo = $now
WITH n, collect(r {.id, type: type(r), from: startNode(r).id, to: endNode(r).id}) AS closed
RETURN ${CI_FIELDS} AS ci, closed
`;

/** Page of CIs ordered by (name, id), after a keyset cursor: the name's sort key where it has one (graph-schema sortKey: names with characters past U+FFFF). */
export const LIST_CIS = `
MATCH (n:CI)
WHERE ($classes IS NULL OR n.class IN $classes)
  AND ($statuses IS NULL OR n.status IN $statuses)
  AND ($afterKey IS NULL OR coalesce(n.sortName, n.name) > $afterKey OR (coalesce(n.sortName, n.name) = $afterKey AND n.id > $afterId))
RETURN ${CI_FIELDS} AS ci
ORDER BY coalesce(n.sortName, n.name), n.id
LIMIT $limit
`;

export const COUNT_CIS = `
MATCH (n:CI)
WHERE ($classes IS NULL OR n.class IN $classes)
  AND ($statuses IS NULL OR n.status IN $statuses)
RETURN count(n) AS total
`;

/** Full-text search (name and identifier values), with the same filters and order. */
export const SEARCH_CIS = `
CALL db.index.fulltext.queryNodes('ci_search', $query) YIELD node AS n
WHERE ($classes IS NULL OR n.class IN $classes)
  AND ($statuses IS NULL OR n.status IN $statuses)
  AND ($afterKey IS NULL OR coalesce(n.sortName, n.name) > $afterKey OR (coalesce(n.sortName, n.name) = $afterKey AND n.id > $afterId))
RETURN ${CI_FIELDS} AS ci
ORDER BY coalesce(n.sortName, n.name), n.id
LIMIT $limit
`;

export const COUNT_SEARCH = `
CALL db.index.fulltext.queryNodes('ci_search', $query) YIELD node AS n
WHERE ($classes IS NULL OR n.class IN $classes)
  AND ($statuses IS NULL OR n.status IN $statuses)
RETURN count(n) AS total
`;

export const REL_FIELDS = `r {.id, type: type(r), from: startNode(r).id, to: endNode(r).id, .attributes, .validFrom, .validTo, .sources, .lastSeen}`;

/** Every relationship touching the given CIs (open ones unless closed are asked for). */
export const RELATIONSHIPS_OF_CIS = `
UNWIND $ids AS ciId
MATCH (n:CI {id: ciId})-[r]-(:CI)
WHERE $includeClosed OR r.validTo IS NULL
RETURN ciId, ${REL_FIELDS} AS rel
`;

/** One arm per type so each uses its relationship property index. */
const ANY_REL_BY_ID = RELATIONSHIP_TYPES.map((t) => `  MATCH (:CI)-[r:${t.name} {id: $id}]->(:CI) RETURN r`).join(
  '\n  UNION\n',
);

export const RELATIONSHIP_BY_ID = `
CALL () {
${ANY_REL_BY_ID}
}
RETURN ${REL_FIELDS} AS rel
`;

export const OPEN_RELATIONSHIP_BETWEEN = `
MATCH (a:CI {id: $fromId})-[r:$($type)]->(b:CI {id: $toId})
WHERE r.validTo IS NULL
RETURN r.id AS id
`;

export const CREATE_RELATIONSHIP = `
MATCH (a:CI {id: $fromId}), (b:CI {id: $toId})
CREATE (a)-[r:$($type)]->(b)
SET r = $props
RETURN ${REL_FIELDS} AS rel
`;

export const CLOSE_RELATIONSHIP = `
CALL () {
${ANY_REL_BY_ID}
}
WITH r
WHERE r.validTo IS NULL
SET r.validTo = $now
RETURN ${REL_FIELDS} AS rel
`;
