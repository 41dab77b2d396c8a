/**
 * Impact analysis. Now (no `at`), on the in-memory topology projection when it is current:
 * the pure core (propagate.ts) runs on the whole propagating graph held in memory, and one
 * read fetches the CIs the answer names. Otherwise, and at a time asked for, one read
 * query fetches the subgraph reachable from the failed CIs at the evaluated time and the
 * core runs on it. Either way the states, depths and paths are exact; maxDepth only
 * bounds what is returned.
 */
import { z } from 'zod';
import { MIN_UP_CHANGES_AFTER, minUpBefore } from '../../graph-schema/index.js';
import type { Graph, Row } from '../db/index.js';
import { NotFoundError, parseInput } from '../errors.js';
import { decodeCI, type CI } from '../cis/service.js';
import { activeAt, propagate, type ImpactedState, type ImpactPathStep, type ImpactState, type Propagation, type SubgraphCI, type SubgraphRelationship } from './propagate.js';
import { topologyCache } from '../topology/index.js';
import * as Q from './cypher.js';

export interface ImpactRequest {
  ciIds: string[];
  maxDepth?: number;
  /** Epoch ms; default now. */
  at?: number;
}

export interface ImpactedEntry {
  ciId: string;
  state: ImpactState;
  depth: number;
  /** Computed on first read (a hub's report has 100k+ entries; most callers read few paths). */
  readonly path: ImpactPathStep[];
}

export interface ImpactResult {
  sourceIds: string[];
  /** Impacted CIs within maxDepth, the sources excluded, ordered by depth, criticality, name. */
  impacted: ImpactedEntry[];
  /** Every impacted CI at any depth (impacted.length when nothing was cut by maxDepth). */
  totalCount: number;
  /** True when impacted CIs exist beyond maxDepth. */
  truncated: boolean;
  /** Impacted CIs by state, at any depth (downCount + degradedCount = totalCount). */
  downCount: number;
  degradedCount: number;
}

export const DEFAULT_MAX_DEPTH = 10;

export const impactRequestSchema = z.object({
  ciIds: z.array(z.string().min(1, 'must not be empty')).min(1, 'give at least one CI id'),
  maxDepth: z.number().int().min(0, 'must be 0 or more').nullish(),
  at: z.number().finite().nullish(),
});

/** The result plus every CI it mentions, so the API can answer without reading them again. */
export interface ImpactDetails {
  result: ImpactResult;
  cis: Map<string, CI>;
  /**
   * Every impacted CI at any depth (the sources excluded) with its state and depth,
   * including what maxDepth cut from `result.impacted`: for callers that judge the whole
   * blast radius (a change's risk, footprint and collisions). No path, no order.
   */
  blastRadius: ReadonlyMap<string, ImpactedState>;
  /** Whether the in-memory topology projection answered (else a walk of Neo4j). */
  fromProjection: boolean;
  /** The impacted CIs at any depth that `keep` accepts, in the report's order (paths built on first read). */
  select(keep: (ciId: string, impacted: ImpactedState) => boolean): ImpactedEntry[];
}

interface FetchedSubgraph {
  cis: Map<string, CI>;
  nodes: SubgraphCI[];
  relationships: SubgraphRelationship[];
}

/** The positions of IMPACT_SUBGRAPH's `ci` list (then the internal node id, NODE_COLUMN). */
const CI_COLUMNS = ['id', 'class', 'name', 'status', 'criticality', 'attributes', 'sources', 'createdAt', 'updatedAt', 'retiredAt', 'minUp'] as const;
const NODE_COLUMN = CI_COLUMNS.length;

/** One row of IMPACT_SUBGRAPH's or CIS_BY_ID's `ci` column: the CI, what the impact rule reads of it, and its internal node id. */
function decodeRow(values: unknown[]): { ci: CI; createdAt: number | null; minUp: number | null; node: number } {
  const raw: Row = {};
  for (let i = 0; i < CI_COLUMNS.length; i++) raw[CI_COLUMNS[i]!] = values[i];
  return {
    ci: decodeCI(raw),
    createdAt: typeof raw.createdAt === 'number' ? raw.createdAt : null,
    minUp: typeof raw.minUp === 'number' ? raw.minUp : null,
    node: values[NODE_COLUMN] as number,
  };
}

async function fetchSubgraph(graph: Graph, ids: string[], at: number): Promise<FetchedSubgraph> {
  const rows: Row[] = await graph.read(Q.IMPACT_SUBGRAPH, { ids, at });
  const cis = new Map<string, CI>();
  const nodes: SubgraphCI[] = [];
  /** CI id by internal node id, for the dependents (named by internal id in the query). */
  const byNode = new Map<number, string>();
  for (const row of rows) {
    const { ci, createdAt, minUp, node } = decodeRow(row.ci as unknown[]);
    cis.set(ci.id, ci);
    byNode.set(node, ci.id);
    nodes.push({ id: ci.id, createdAt, retiredAt: ci.retiredAt, minUp, activeMembers: Number(row.members ?? 0) });
  }
  const relationships: SubgraphRelationship[] = [];
  for (const row of rows) {
    const to = byNode.get((row.ci as unknown[])[NODE_COLUMN] as number)!;
    // The query already kept only relationships valid at `at`. Every dependent is one
    // valid hop further, hence reached; one that is not (a relationship committed while
    // the query ran) is left out, as a dependent outside the subgraph always was.
    for (const [type, node] of row.dependents as [string, number][]) {
      const from = byNode.get(node);
      if (from !== undefined) relationships.push({ type, from, to });
    }
  }
  return { cis, nodes, relationships };
}

/** What an impact rests on: the CIs it names, and the propagation. */
interface Analysis {
  cis: Map<string, CI>;
  propagation: Propagation;
  fromProjection: boolean;
}

/** Walks Neo4j as it stood at `at`: the subgraph reachable from the sources, then the rule on it. */
async function walkNeo4j(graph: Graph, sourceIds: string[], at: number, atAsked: boolean): Promise<Analysis> {
  const sub = await fetchSubgraph(graph, sourceIds, at);
  if (atAsked) await setMinUpsAt(graph, sub.nodes, at);
  return { cis: sub.cis, propagation: propagate({ cis: sub.nodes, relationships: sub.relationships }, sourceIds, at), fromProjection: false };
}

/**
 * The impact now, on the in-memory topology projection (server/topology/) when it is
 * current: the rule runs on the whole graph held in memory, and Neo4j is read only for
 * the CIs the answer names (the sources and every impacted CI), for their fields and
 * order. Null when there is no current projection (the caller walks Neo4j; a reload
 * starts in the background), or when those CIs as read now contradict it: one it holds
 * as active that is retired, missing or not created yet, or the other way round, or a
 * farm whose minUp differs (an edit made straight in Neo4j that raised no version).
 */
async function onProjection(graph: Graph, sourceIds: string[]): Promise<Analysis | null> {
  const { projection } = await topologyCache(graph).current();
  if (!projection) return null;
  const g = projection.graph;
  const propagation = propagate(g, sourceIds);
  const rows = await graph.read(Q.CIS_BY_ID, { ids: [...sourceIds, ...propagation.impacted.keys()] });
  const now = Date.now();
  const cis = new Map<string, CI>();
  for (const row of rows) {
    const { ci, createdAt, minUp } = decodeRow(row.ci as unknown[]);
    cis.set(ci.id, ci);
    const i = g.index.get(ci.id);
    const held = i !== undefined && g.active[i] === 1;
    if (held !== activeAt(now, createdAt, ci.retiredAt)) return null;
    if (held && g.minUp[i] !== (minUp ?? 1)) return null;
  }
  for (const id of sourceIds) {
    const i = g.index.get(id);
    if (!cis.has(id) && i !== undefined && g.active[i] === 1) return null;
  }
  for (const id of propagation.impacted.keys()) if (!cis.has(id)) return null;
  return { cis, propagation, fromProjection: true };
}

/**
 * Sets each farm's minUp (a CI with members at `at`) to the one it had at `at`, from its
 * recorded changes (graph-schema/at-time.ts): the walks read the current one. Only for a
 * time asked for: at "now" no change comes after.
 */
export async function setMinUpsAt(graph: Graph, nodes: SubgraphCI[], at: number): Promise<void> {
  const farms = nodes.filter((n) => (n.activeMembers ?? 0) > 0);
  if (farms.length === 0) return;
  const rows = await graph.read(MIN_UP_CHANGES_AFTER, { ids: farms.map((f) => f.id), at });
  const then = new Map(rows.map((r) => [String(r.id), minUpBefore(r.changes as [unknown, unknown][])]));
  for (const farm of farms) {
    const minUp = then.get(farm.id);
    if (minUp !== undefined) farm.minUp = minUp;
  }
}

function lazyEntry(ciId: string, state: ImpactState, depth: number, pathOf: (id: string) => ImpactPathStep[]): ImpactedEntry {
  let path: ImpactPathStep[] | undefined;
  return {
    ciId,
    state,
    depth,
    get path() {
      return (path ??= pathOf(ciId));
    },
  };
}

const byDepthCriticalityName = (cis: Map<string, CI>) => (a: ImpactedEntry, b: ImpactedEntry) => {
  if (a.depth !== b.depth) return a.depth - b.depth;
  const ca = cis.get(a.ciId)!;
  const cb = cis.get(b.ciId)!;
  const ka = ca.criticality ?? Number.POSITIVE_INFINITY;
  const kb = cb.criticality ?? Number.POSITIVE_INFINITY;
  if (ka !== kb) return ka - kb;
  if (ca.name !== cb.name) return ca.name < cb.name ? -1 : 1;
  return ca.id < cb.id ? -1 : ca.id > cb.id ? 1 : 0;
};

/** computeImpact, also handing back the CIs read on the way (for DataLoader priming). */
export async function computeImpactDetails(graph: Graph, request: ImpactRequest): Promise<ImpactDetails> {
  const input = parseInput(impactRequestSchema, request);
  const sourceIds = [...new Set(input.ciIds)];
  const maxDepth = input.maxDepth ?? DEFAULT_MAX_DEPTH;
  const at = input.at ?? Date.now();

  const { cis, propagation, fromProjection } =
    (input.at == null ? await onProjection(graph, sourceIds) : null) ?? (await walkNeo4j(graph, sourceIds, at, input.at != null));
  const missing = sourceIds.filter((id) => !cis.has(id));
  if (missing.length > 0) {
    throw new NotFoundError(`No CI with id ${missing.map((id) => `"${id}"`).join(', ')}`, { field: 'input.ciIds', ids: missing });
  }

  const order = byDepthCriticalityName(cis);
  const select = (keep: (ciId: string, impacted: ImpactedState) => boolean): ImpactedEntry[] => {
    const entries: ImpactedEntry[] = [];
    for (const [ciId, impacted] of propagation.impacted) {
      if (keep(ciId, impacted)) entries.push(lazyEntry(ciId, impacted.state, impacted.depth, propagation.path));
    }
    return entries.sort(order);
  };
  const impacted = select((_ciId, { depth }) => depth <= maxDepth);
  let downCount = 0;
  for (const { state } of propagation.impacted.values()) if (state === 'DOWN') downCount++;
  const totalCount = propagation.impacted.size;
  return {
    result: { sourceIds, impacted, totalCount, truncated: totalCount > impacted.length, downCount, degradedCount: totalCount - downCount },
    cis,
    fromProjection,
    blastRadius: propagation.impacted,
    select,
  };
}

/**
 * If `ciIds` fail at `at` (default now), what goes DOWN or DEGRADED, how deep and why.
 * Unknown ids are NOT_FOUND; an empty list or a negative maxDepth is BAD_USER_INPUT.
 */
export async function computeImpact(graph: Graph, request: ImpactRequest): Promise<ImpactResult> {
  return (await computeImpactDetails(graph, request)).result;
}

/** The benchmark's baseline: reachability alone, same traversal, ids only. */
export async function reachableBaseline(graph: Graph, ciIds: string[], at: number = Date.now()): Promise<string[]> {
  const rows = await graph.read(Q.REACHABLE_BASELINE, { ids: ciIds, at });
  return rows.map((r) => String(r.id));
}
