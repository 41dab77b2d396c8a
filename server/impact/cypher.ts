/** Cypher for impact analysis: named, parameterised, one clause per line. */
import { ACTIVE_AT, PROPAGATING_TYPES, VALID_AT } from '../../graph-schema/index.js';

/** Propagating relationship types from the graph-schema catalogue (not user values). */
const TYPES = PROPAGATING_TYPES.join('|');


/**
 * Everything reachable against propagating arrows from the failed CIs over relationships
 * valid at $at, the failed CIs included. `WITH DISTINCT x` right after the variable-length
 * expansion lets Neo4j plan it as VarLengthExpand(Pruning,BFS): each CI is visited once,
 * paths are never enumerated. Per reached CI it returns its properties, its dependents
 * (incoming propagating relationships valid at $at: these dependents are reached too)
 * and rule 2's n (distinct active members, reached or not: two open memberships of the
 * same CI are one member). The CI projection is the CI
 * service's (decodeCI reads it) plus minUp and the internal node id, so the API needs no
 * second read of the CIs; it is a list, not a map (CI_COLUMNS in service.ts names the
 * positions): a 40k-CI report decodes markedly faster without 11 map keys per row.
 * Dependents are named by internal node id, not by their `id` property: every dependent
 * is itself reached (it is one valid propagating hop further), so the service maps the
 * internal id back through the rows' own ids, and the query reads no property of the
 * far end of every incoming relationship. Internal ids are only compared within this
 * one query's result, never stored or sent out.
 */
/** A CI as the impact service decodes it (CI_COLUMNS in service.ts names the positions). */
const CI_ROW = (x: string) =>
  `[${x}.id, ${x}.class, ${x}.name, ${x}.status, ${x}.criticality, ${x}.attributes, ${x}.sources, ${x}.createdAt, ${x}.updatedAt, ${x}.retiredAt, ${x}.minUp, id(${x})]`;

export const IMPACT_SUBGRAPH = `
UNWIND $ids AS id
MATCH (f:CI {id: id})
MATCH (f)<-[rs:${TYPES}*0..]-(x:CI)
WHERE all(r IN rs WHERE ${VALID_AT('r')})
WITH DISTINCT x
RETURN ${CI_ROW('x')} AS ci,
  COUNT { MATCH (x)-[m:HAS_MEMBER]->(p:CI) WHERE ${VALID_AT('m')} AND ${ACTIVE_AT('p')} RETURN DISTINCT p } AS members,
  [(x)<-[e:${TYPES}]-(y:CI) WHERE ${VALID_AT('e')} | [type(e), id(y)]] AS dependents
`;

/**
 * The CIs of an impact computed on the in-memory topology projection (the sources and
 * every impacted CI), as IMPACT_SUBGRAPH returns them: for the report's CI fields and
 * order, and to check the projection against the CIs as they are now.
 */
export const CIS_BY_ID = `
UNWIND $ids AS id
MATCH (x:CI {id: id})
RETURN ${CI_ROW('x')} AS ci
`;

/**
 * The baseline the benchmark compares against: reachability alone (the same pruning
 * BFS), with no redundancy, no states, no paths and no CI properties.
 */
export const REACHABLE_BASELINE = `
UNWIND $ids AS id
MATCH (f:CI {id: id})
MATCH (f)<-[rs:${TYPES}*1..]-(x:CI)
WHERE all(r IN rs WHERE ${VALID_AT('r')})
RETURN DISTINCT x.id AS id
`;
