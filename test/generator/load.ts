/**
 * Loads CMDB data into Neo4j through batched `UNWIND $rows AS row CREATE ...`
 * transactions, writing exactly the stored properties the CI service writes (see
 * server/cis/service.ts nodeProperties), so the API reads loaded CIs like any other.
 * Nodes first (grouped by class, the label is in the query text, from the catalogue),
 * then relationships (grouped by type; endpoints by the internal ids the node batches
 * returned, by the unique id index for CIs that existed before). Batches run with a
 * few transactions in flight.
 *
 * CREATE, not MERGE: this is a fresh bulk load (tests, benchmarks); ids must be new.
 */
import { randomUUID } from 'node:crypto';
import { findClass, findRelationshipType, identifierProperties, searchText, sortKey, type CIStatus } from '../../graph-schema/index.js';
import type { Graph } from '../../server/db/index.js';
import { topologyWrite } from '../../server/topology/index.js';

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
  /** Transactions in flight at once (default 2). */
  concurrency?: number;
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
const DEFAULT_CONCURRENCY = 2;

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
    sortName: sortKey(ci.name),
    provenance: JSON.stringify(Object.fromEntries(provenanceFields.map((f) => [f, { source, at: createdAt }]))),
    ...identifierProperties(ci.class, attributes),
  };
}

/**
 * A relationship row as a list (smaller to send and decode than a map): the endpoints
 * (internal node ids, or CI ids when an endpoint was not created by this load), the
 * relationship id, validFrom, validTo, lastSeen. `sources` is the load's one source.
 */
type RelationshipRow = [number | string, number | string, string, number, number | null, string];

function relationshipRow(rel: RelationshipRecord, source: string, defaultTime: number, from: number | string, to: number | string): RelationshipRow {
  const validFrom = rel.validFrom ?? defaultTime;
  return [from, to, rel.id ?? `REL-${randomUUID()}`, validFrom, rel.validTo ?? null, JSON.stringify({ [source]: validFrom })];
}

/** Creates the nodes and hands back their internal ids, so relationships need no index seek. */
const createNodes = (label: string) => `
UNWIND $rows AS row
CREATE (n:CI:${label})
SET n = row
RETURN row.id AS id, id(n) AS node
`;

const REL_PROPERTIES = '{id: row[2], attributes: null, validFrom: row[3], validTo: row[4], sources: [$source], lastSeen: row[5]}';

/**
 * Endpoints by internal id (NodeByIdSeek): valid for nodes this load created, which
 * nothing deletes while it runs. id() is deprecated in Neo4j 5 in favour of elementId(),
 * but it is a plain integer seek and elementId() measured slower.
 */
const createRelationshipsByNode = (type: string) => `
UNWIND $rows AS row
MATCH (a) WHERE id(a) = row[0]
MATCH (b) WHERE id(b) = row[1]
CREATE (a)-[r:${type} ${REL_PROPERTIES}]->(b)
`;

/** Endpoints that existed before this load: by CI id (unique index). */
const createRelationshipsById = (type: string) => `
UNWIND $rows AS row
MATCH (a:CI {id: row[0]})
MATCH (b:CI {id: row[1]})
CREATE (a)-[r:${type} ${REL_PROPERTIES}]->(b)
`;

/** One transaction's worth of rows for one label or type. */
interface Batch {
  query: string;
  rows: () => unknown[];
  /** Called with the rows the query returned. */
  returned?: (rows: Record<string, unknown>[]) => void;
}

/**
 * Runs the batches with `concurrency` transactions in flight. Batches of one phase are
 * disjoint (distinct new nodes; distinct new relationships), so parallel transactions
 * only meet on the locks of shared endpoints; a deadlock there is a transient error the
 * driver's managed transaction retries.
 */
async function runBatches(graph: Graph, batches: Batch[], concurrency: number, params: Record<string, unknown>, onDone: (rows: number) => void) {
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      const rows = batch.rows();
      const result = await graph.write(batch.query, { ...params, rows });
      batch.returned?.(result);
      onDone(rows.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, batches.length)) }, worker));
}

/** Writes the data; returns counts and how long each half took. */
export async function loadCMDB(graph: Graph, data: CMDBData, options: LoadOptions = {}): Promise<LoadStats> {
  const batchSize = options.batchSize ?? 5000;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const source = options.source ?? 'generator';
  const defaultTime = options.defaultTime ?? DEFAULT_TIME;
  const done = { cis: 0, relationships: 0 };

  const ciStart = performance.now();
  const ciBatches: Batch[] = [];
  const nodeIds = new Map<string, number>();
  for (const [cls, cis] of groupBy(data.cis, (c) => c.class)) {
    // Labels cannot be parameters; they come from the catalogue, never from data.
    if (!findClass(cls)) throw new Error(`unknown CI class "${cls}"`);
    const query = createNodes(cls);
    for (let i = 0; i < cis.length; i += batchSize) {
      const slice = cis.slice(i, i + batchSize);
      ciBatches.push({
        query,
        rows: () => slice.map((c) => ciRow(c, source, defaultTime)),
        returned: (rows) => {
          for (const r of rows) nodeIds.set(r.id as string, r.node as number);
        },
      });
    }
  }
  await runBatches(graph, ciBatches, concurrency, {}, (n) => {
    done.cis += n;
    options.onProgress?.(done);
  });
  const ciMs = performance.now() - ciStart;

  const relStart = performance.now();
  const relBatches: Batch[] = [];
  for (const [type, rels] of groupBy(data.relationships, (r) => r.type)) {
    if (!findRelationshipType(type)) throw new Error(`unknown relationship type "${type}"`);
    const byNode: RelationshipRecord[] = [];
    const byId: RelationshipRecord[] = [];
    for (const r of rels) (nodeIds.has(r.from) && nodeIds.has(r.to) ? byNode : byId).push(r);
    // By provider: a hub's many incoming relationships land in one or a few
    // transactions instead of every concurrent one contending for its lock.
    byNode.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
    for (const [list, query, end] of [
      [byNode, createRelationshipsByNode(type), (id: string) => nodeIds.get(id)!],
      [byId, createRelationshipsById(type), (id: string) => id],
    ] as const) {
      for (let i = 0; i < list.length; i += batchSize) {
        const slice = list.slice(i, i + batchSize);
        relBatches.push({ query, rows: () => slice.map((r) => relationshipRow(r, source, defaultTime, end(r.from), end(r.to))) });
      }
    }
  }
  await runBatches(graph, relBatches, concurrency, { source }, (n) => {
    done.relationships += n;
    options.onProgress?.(done);
  });
  // The graph changed outside the CI service: say so, as every topology writer must. It
  // does not say which CIs (too many to be worth it), so projections reload whole.
  await topologyWrite(graph, async () => undefined);
  return { cis: done.cis, relationships: done.relationships, ciMs, relationshipMs: performance.now() - relStart };
}
