/**
 * Cypher of the sync engine: named, parameterised, one clause per line. Labels, types and
 * identifier property names come from the graph-schema catalogue only; values never
 * enter the text.
 */
import {
  findClass,
  findRelationshipType,
  identifierProperty,
  RELATIONSHIP_TYPES,
} from '../../graph-schema/index.js';

function label(cls: string): string {
  if (!findClass(cls)) throw new Error(`not a catalogue class: ${cls}`);
  return cls;
}

function relType(type: string): string {
  if (!findRelationshipType(type)) throw new Error(`not a catalogue relationship type: ${type}`);
  return type;
}

function keyProperty(attribute: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(attribute)) throw new Error(`not an identifier attribute: ${attribute}`);
  return identifierProperty(attribute);
}

/** CIs holding any of the values as identifier `attribute` (one index seek each). */
export const findByIdentifier = (attribute: string) => `
UNWIND $values AS value
MATCH (n:CI {${keyProperty(attribute)}: value})
RETURN value, n.id AS id, n.class AS class, n.status AS status, n.name AS name
`;

/** What reconciliation needs of existing CIs (not searchText or the other derived values). */
export const CI_STATES = `
UNWIND $ids AS id
MATCH (n:CI {id: id})
RETURN n.id AS id, n.class AS class, n.name AS name, n.status AS status, n.attributes AS attributes, n.provenance AS provenance, n.sources AS sources, n.syncScopes AS syncScopes, [k IN keys(n) WHERE k STARTS WITH 'key_'] AS keyProps
`;

/** Every CI this source+scope reported before. */
export const SCOPE_CIS = `
MATCH (n:CI)
WHERE $scopeKey IN n.syncScopes
RETURN n.id AS id, n.class AS class, n.name AS name, n.status AS status, n.sources AS sources, n.syncScopes AS syncScopes
`;

export const CI_PROVENANCE = `
UNWIND $ids AS id
MATCH (n:CI {id: id})
RETURN n.id AS id, n.provenance AS provenance
`;

/** Every catalogue relationship type: expansions skip the history links (:RECORDS). */
const CI_TYPES = RELATIONSHIP_TYPES.map((t) => relType(t.name)).join('|');

/**
 * Every open relationship this source+scope asserted before (it touches a CI of the
 * scope), each once: from a CI of the scope, or into one from a CI outside it. Streams
 * (no DISTINCT to buffer). Only the scopes other than this one are returned.
 */
export const SCOPE_RELATIONSHIPS = `
MATCH (n:CI)-[r:${CI_TYPES}]->(m:CI)
WHERE $scopeKey IN n.syncScopes
  AND $scopeKey IN r.syncScopes
  AND r.validTo IS NULL
RETURN r.id AS id, type(r) AS type, n.id AS from, m.id AS to, r.sources AS sources, [s IN r.syncScopes WHERE s <> $scopeKey] AS otherScopes, r.lastSeen AS lastSeen
UNION ALL
MATCH (n:CI)<-[r:${CI_TYPES}]-(m:CI)
WHERE $scopeKey IN n.syncScopes
  AND $scopeKey IN r.syncScopes
  AND r.validTo IS NULL
  AND NOT $scopeKey IN coalesce(m.syncScopes, [])
RETURN r.id AS id, type(r) AS type, m.id AS from, n.id AS to, r.sources AS sources, [s IN r.syncScopes WHERE s <> $scopeKey] AS otherScopes, r.lastSeen AS lastSeen
`;

export const openRelationshipsBetween = (type: string) => `
UNWIND $pairs AS p
MATCH (:CI {id: p.from})-[r:${relType(type)}]->(:CI {id: p.to})
WHERE r.validTo IS NULL
RETURN p.from AS from, p.to AS to, r.id AS id, r.sources AS sources, r.syncScopes AS syncScopes, r.lastSeen AS lastSeen
`;

/**
 * New CIs with their 'created' history entry in the same statement (one index seek per
 * CI instead of two). `row.history` holds the HistoryEntry properties exactly as
 * server/history's recordHistory writes them (engine.ts historyProps).
 */
export const createCIs = (cls: string) => `
UNWIND $rows AS row
MERGE (n:CI {id: row.id})
ON CREATE SET n = row.props
SET n:${label(cls)}
CREATE (h:HistoryEntry)
SET h = row.history
CREATE (h)-[:RECORDS]->(n)
`;

export const UPDATE_CIS = `
UNWIND $rows AS row
MATCH (n:CI {id: row.id})
SET n += row.props
`;

/**
 * The plan found no open relationship for these pairs, and the scope lock holds it true.
 * The 'created' history entry is written by the same statement, linked to both ends.
 */
export const createRelationships = (type: string) => `
UNWIND $rows AS row
MATCH (a:CI {id: row.from})
MATCH (b:CI {id: row.to})
CREATE (a)-[r:${relType(type)}]->(b)
SET r = row.props
CREATE (h:HistoryEntry)
SET h = row.history
CREATE (h)-[:RECORDS]->(a)
CREATE (h)-[:RECORDS]->(b)
`;

export const updateRelationships = (type: string) => `
UNWIND $rows AS row
MATCH (:CI)-[r:${relType(type)} {id: row.id}]->(:CI)
SET r += row.props
`;

/** Retires CIs: status, time, provenance; closes their open relationships. */
export const RETIRE_CIS = `
UNWIND $rows AS row
MATCH (n:CI {id: row.id})
SET n += row.props
WITH n, row
OPTIONAL MATCH (n)-[r]-(:CI)
WHERE r.validTo IS NULL
SET r.validTo = row.props.retiredAt
WITH n, collect(r {.id, from: startNode(r).id, to: endNode(r).id}) AS closed
RETURN n.id AS id, closed
`;

export const ACQUIRE_LOCK = `
MERGE (l:ImportLock {scope: $scopeKey})
ON CREATE SET l.runId = $runId, l.heartbeatAt = $now, l.startedAt = $now
WITH l
WHERE l.runId = $runId OR l.heartbeatAt < $staleBefore
SET l.runId = $runId, l.heartbeatAt = $now, l.startedAt = $now
RETURN l.runId AS runId
`;

export const LOCK_HOLDER = `
MATCH (l:ImportLock {scope: $scopeKey})
RETURN l.runId AS runId, l.heartbeatAt AS heartbeatAt
`;

export const HEARTBEAT = `
MATCH (l:ImportLock {scope: $scopeKey, runId: $runId})
SET l.heartbeatAt = $now
`;

export const RELEASE_LOCK = `
MATCH (l:ImportLock {scope: $scopeKey, runId: $runId})
DELETE l
`;

/** A run whose lock was taken over after it went stale was interrupted. */
export const FAIL_STALE_RUN = `
MATCH (r:ImportRun {id: $runId, status: 'RUNNING'})
SET r.status = 'FAILED', r.finishedAt = $now, r.error = 'interrupted (lock went stale and was taken over)'
`;

export const START_RUN = `
CREATE (r:ImportRun)
SET r = $props
`;

export const FINISH_RUN = `
MERGE (r:ImportRun {id: $props.id})
SET r += $props
`;
