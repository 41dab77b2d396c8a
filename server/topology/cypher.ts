/** Cypher for the topology version and the whole-graph projection: named, parameterised, one clause per line. */
import { CI_CLASS_NAMES, PROPAGATING_TYPES } from '../../graph-schema/index.js';

/** Propagating relationship types from the graph-schema catalogue (not user values). */
const TYPES = PROPAGATING_TYPES.join('|');

/**
 * Raises the topology version and records what the write declared it touched: run in the
 * same transaction as every write that can change what propagates (CIs created, updated
 * or retired; relationships added or closed). The version is a Sequence, like the ITSM
 * numbers; concurrent writers queue on its lock. Its epoch, drawn when it is created,
 * tells a wiped and reloaded database from the one before. The record (`TopologyChange`:
 * the CIs touched, or null when the writer did not say, and the CIs and relationships it
 * created per class and type) lets a projection re-read only those CIs; records older
 * than $keepMs are deleted here, after the lock, so two writers never delete the same one.
 */
export const RECORD_CHANGE = `
MERGE (s:Sequence {name: 'topology'})
ON CREATE SET s.value = 0, s.epoch = randomUUID()
SET s.value = s.value + 1
CREATE (t:TopologyChange {epoch: s.epoch, version: s.value, at: timestamp(), ciIds: $ciIds, createdKeys: $createdKeys, createdCounts: $createdCounts})
WITH s
CALL (s) {
  MATCH (old:TopologyChange)
  WHERE old.at < timestamp() - $keepMs
  WITH old LIMIT 1000
  DELETE old
}
RETURN s.value AS version
`;

/**
 * What tells a projection it is stale, cheaply: the version, then the CIs per class and
 * the relationships per propagating type, all from Neo4j's count store (O(1) each). The
 * counts catch CIs and relationships created or deleted by writers that do not raise the
 * version (a script writing Cypher directly). Class and type names come from the catalogue.
 */
export const STATE = [
  `OPTIONAL MATCH (s:Sequence {name: 'topology'})\nRETURN 'version' AS key, coalesce(s.epoch, '') + '/' + toString(coalesce(s.value, 0)) AS n`,
  ...CI_CLASS_NAMES.map((c) => `CALL () { MATCH (c:${c}) RETURN count(c) AS n }\nRETURN 'class:${c}' AS key, n`),
  ...PROPAGATING_TYPES.map((t) => `CALL () { MATCH ()-[r:${t}]->() RETURN count(r) AS n }\nRETURN 'type:${t}' AS key, n`),
].join('\nUNION ALL\n');

/** Every CI not retired by $now, with what the impact rule, the evidence and impact's order need. */
export const CIS = `
MATCH (c:CI)
WHERE c.retiredAt IS NULL OR c.retiredAt > $now
RETURN c.id AS id, c.class AS class, c.name AS name, c.criticality AS criticality, c.minUp AS minUp, c.createdAt AS createdAt, c.retiredAt AS retiredAt
`;

/** Every propagating relationship not closed by $now between CIs not retired by $now. */
export const RELATIONSHIPS = `
MATCH (a:CI)-[r:${TYPES}]->(b:CI)
WHERE (r.validTo IS NULL OR r.validTo > $now)
  AND (a.retiredAt IS NULL OR a.retiredAt > $now)
  AND (b.retiredAt IS NULL OR b.retiredAt > $now)
RETURN type(r) AS type, a.id AS from, b.id AS to, r.validFrom AS validFrom, r.validTo AS validTo
`;

/** The records of the writes after a version, oldest first (a projection catching up). */
export const CHANGES_AFTER = `
MATCH (t:TopologyChange)
WHERE t.version > $version AND t.epoch = $epoch
RETURN t.version AS version, t.ciIds AS ciIds, t.createdKeys AS createdKeys, t.createdCounts AS createdCounts
ORDER BY version
`;

/** The given CIs as CIS reads them (absent when missing or retired by $now). */
export const CIS_BY_IDS = `
UNWIND $ids AS id
MATCH (c:CI {id: id})
WHERE c.retiredAt IS NULL OR c.retiredAt > $now
RETURN c.id AS id, c.class AS class, c.name AS name, c.criticality AS criticality, c.minUp AS minUp, c.createdAt AS createdAt, c.retiredAt AS retiredAt
`;

/** The propagating relationships RELATIONSHIPS reads that touch one of the given CIs, each once. */
export const RELATIONSHIPS_OF = `
UNWIND $ids AS id
MATCH (x:CI {id: id})-[r:${TYPES}]-(:CI)
WITH DISTINCT r
MATCH (a:CI)-[r]->(b:CI)
WHERE (r.validTo IS NULL OR r.validTo > $now)
  AND (a.retiredAt IS NULL OR a.retiredAt > $now)
  AND (b.retiredAt IS NULL OR b.retiredAt > $now)
RETURN type(r) AS type, a.id AS from, b.id AS to, r.validFrom AS validFrom, r.validTo AS validTo
`;
