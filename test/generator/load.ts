/**
 * Loads CMDB data into Neo4j through batched `UNWIND $rows AS row CREATE ...`
 * transactions, writing exactly the stored properties the CI service writes (see
 * server/cis/service.ts nodeProperties), so the API reads loaded CIs like any other.
 * Nodes first (grouped by class, the label is in the query text, from the catalogue),
 * then relationships (grouped by type, endpoints found by the unique id index).
 *
 * CREATE, not MERGE: this is a fresh bulk load (tests, benchmarks); ids must be new.
 */
import { randomUUID } from 'node:crypto';
import { findClass, findRelationshipType, identifierProperties, searchText, type CIStatus } from '../../graph-schema/index.js';
import type { Graph } from '../../server/db/index.js';

export interface CIRecord {
  id: string;
  class: string;
  name: string;
  status?: CIStatus;
  criticality?: number | null;
  attributes?: Record<string, unknown>;
  createdAt?: number;
  retiredAt?: number | null;
}

/** A relationship from the dependent (`from`) to the provider (`to`). */
export interface RelationshipRecord {
  type: string;
  from: string;
  to: string;
  id?: string;
  validFrom?: number;
  validTo?: number | null;
}

export interface CMDBData {
  cis: readonly CIRecord[];
  relationships: readonly RelationshipRecord[];
}

export interface LoadOptions {
  /** Rows per transaction (default 5000). */
  batchSize?: number;
  /** Source name recorded in sources/provenance (default 'generator'). */
  source?: string;
  /** createdAt / validFrom for records without one (default 2025-01-01). */
  defaultTime?: number;
  onProgress?: (done: { cis: number; relationships: number }) => void;
}

export interface LoadStats {
  cis: number;
  relationships: number;
  ciMs: number;
  relationshipMs: number;
}

export const DEFAULT_TIME = Date.UTC(2025, 0, 1);

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = groups.get(k);
    if (!list) groups.set(k, (list = []));
    list.push(item);
  }
  return groups;
}

/** The stored node properties of a CI record (as server/cis/service.ts writes them). */
export function ciRow(ci: CIRecord, source: string, defaultTime: number): Record<string, unknown> {
  const attributes = ci.attributes ?? {};
  const createdAt = ci.createdAt ?? defaultTime;
  const status = ci.status ?? 'ACTIVE';
  const retiredAt = ci.retiredAt ?? (status === 'RETIRED' ? createdAt : null);
  const provenanceFields = ['name', 'status', 'criticality', ...Object.keys(attributes).map((a) => `attributes.${a}`)];
  return {
    id: ci.id,
    class: ci.class,
    name: ci.name,
    status,
    criticality: ci.criticality ?? null,
    attributes: JSON.stringify(attributes),
    sources: [source],
    createdAt,
    updatedAt: retiredAt ?? createdAt,
    retiredAt,
    minUp: typeof attributes.minUp === 'number' ? attributes.minUp : null,
    searchText: searchText(ci.class, attributes, ci.name),
    provenance: JSON.stringify(Object.fromEntries(provenanceFields.map((f) => [f, { source, at: createdAt }]))),
    ...identifierProperties(ci.class, attributes),
  };
}

function relationshipRow(rel: RelationshipRecord, source: string, defaultTime: number) {
  const validFrom = rel.validFrom ?? defaultTime;
  return {
    from: rel.from,
    to: rel.to,
    props: {
      id: rel.id ?? `REL-${randomUUID()}`,
      attributes: null,
      validFrom,
      validTo: rel.validTo ?? null,
      sources: [source],
      lastSeen: JSON.stringify({ [source]: validFrom }),
    },
  };
}

const createNodes = (label: string) => `
UNWIND $rows AS row
CREATE (n:CI:${label})
SET n = row
`;

const createRelationships = (type: string) => `
UNWIND $rows AS row
MATCH (a:CI {id: row.from})
MATCH (b:CI {id: row.to})
CREATE (a)-[r:${type}]->(b)
SET r = row.props
`;

/** Writes the data; returns counts and how long each half took. */
export async function loadCMDB(graph: Graph, data: CMDBData, options: LoadOptions = {}): Promise<LoadStats> {
  const batchSize = options.batchSize ?? 5000;
  const source = options.source ?? 'generator';
  const defaultTime = options.defaultTime ?? DEFAULT_TIME;
  const done = { cis: 0, relationships: 0 };

  const ciStart = performance.now();
  for (const [cls, cis] of groupBy(data.cis, (c) => c.class)) {
    // Labels cannot be parameters; they come from the catalogue, never from data.
    if (!findClass(cls)) throw new Error(`unknown CI class "${cls}"`);
    const query = createNodes(cls);
    for (let i = 0; i < cis.length; i += batchSize) {
      const rows = cis.slice(i, i + batchSize).map((c) => ciRow(c, source, defaultTime));
      await graph.write(query, { rows });
      done.cis += rows.length;
      options.onProgress?.(done);
    }
  }
  const ciMs = performance.now() - ciStart;

  const relStart = performance.now();
  for (const [type, rels] of groupBy(data.relationships, (r) => r.type)) {
    if (!findRelationshipType(type)) throw new Error(`unknown relationship type "${type}"`);
    const query = createRelationships(type);
    for (let i = 0; i < rels.length; i += batchSize) {
      const rows = rels.slice(i, i + batchSize).map((r) => relationshipRow(r, source, defaultTime));
      await graph.write(query, { rows });
      done.relationships += rows.length;
      options.onProgress?.(done);
    }
  }
  return { cis: done.cis, relationships: done.relationships, ciMs, relationshipMs: performance.now() - relStart };
}
