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
import { rows as dbRows, type Graph, type Row } from '../db/index.js';
import { NotFoundError, parseInput } from '../errors.js';
import { decodeCI, type CI } from '../cis/service.js';
import { activeAt, propagate, type ImpactedState, type ImpactPathStep, type ImpactState, type Propagation, type SubgraphCI, type SubgraphRelationship } from './propagate.js';
import { readTopologyStateIn, topologyCache, type TopologyProjection } from '../topology/index.js';
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
  /**
   * The CIs read so far. Walking Neo4j, every CI the impact names (and more). On the
   * projection, the sources and, up to READ_AHEAD_MAX impacted CIs, all of them; beyond
   * that the sources, then what `load` read.
   */
  cis: Map<string, CI>;
  /** The class of any CI the impact names (the sources and every impacted CI, at any depth). */
  classOf(ciId: string): string | undefined;
  /** The CIs the impact names among `ciIds`, read if not read yet; returns `cis`. */
  load(ciIds: Iterable<string>): Promise<Map<string, CI>>;
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

/** What an impact rests on: the propagation, and the CIs it names (read up front or on demand). */
interface Analysis {
  propagation: Propagation;
  /** The CIs read so far, by id. */
  cis: Map<string, CI>;
  /** Class, name and criticality of any CI the impact names (for the report's order and for callers selecting by class). */
  projected(ciId: string): { class: string; name: string; criticality: number | null } | undefined;
  /** Reads the given CIs the impact names that were not read yet (nothing with the walk: it read them all). */
  load(ciIds: Iterable<string>): Promise<Map<string, CI>>;
  fromProjection: boolean;
}

/** Walks Neo4j as it stood at `at`: the subgraph reachable from the sources, then the rule on it. */
async function walkNeo4j(graph: Graph, sourceIds: string[], at: number, atAsked: boolean): Promise<Analysis> {
  const sub = await fetchSubgraph(graph, sourceIds, at);
  if (atAsked) await setMinUpsAt(graph, sub.nodes, at);
  const { cis } = sub;
  return {
    propagation: propagate({ cis: sub.nodes, relationships: sub.relationships }, sourceIds, at),
    cis,
    projected: (id) => cis.get(id),
    load: async () => cis,
    fromProjection: false,
  };
}

/**
 * Up to this many impacted CIs, the projection path reads them all with the sources, in
 * one query, and checks them against the projection; beyond it (a hub's blast radius,
 * where reading every CI costs most of the answer) only the sources, and the rest as the
 * caller reads them (`load`: the entries of a report asked for, the business services a
 * change risk judges).
 */
export const READ_AHEAD_MAX = 5_000;

/** The bound in use (tests lower it to see on-demand reads on small graphs). */
export const impactSettings = { readAheadMax: READ_AHEAD_MAX };

/**
 * The impact now, on the in-memory topology projection (server/topology/) when it is
 * current: the rule runs on the whole graph held in memory, ordered by the names and
 * criticalities it holds, and Neo4j is read only for the CIs the answer names, for their
 * fields (every one up front up to READ_AHEAD_MAX impacted CIs, else the sources up front
 * and the others on demand). The projection held is most often current: the CIs are then
 * read in the transaction that reads the topology state, one round trip for both. Null
 * when there is no current projection (the caller walks Neo4j; a reload starts in the
 * background), or when the CIs read up front contradict it (then it is dropped and
 * reloaded in the background too): one it holds as active that is retired, missing or not
 * created yet, or the other way round, or one whose class, name, criticality or minUp
 * differs (an edit made straight in Neo4j that raised no version).
 */
async function onProjection(graph: Graph, sourceIds: string[]): Promise<Analysis | null> {
  const cache = topologyCache(graph);
  const cis = new Map<string, CI>();
  const decode = (rows: Row[]) =>
    rows.map((row) => {
      const decoded = decodeRow(row.ci as unknown[]);
      cis.set(decoded.ci.id, decoded.ci);
      return decoded;
    });
  const read = async (ids: string[]) => decode(ids.length === 0 ? [] : await graph.read(Q.CIS_BY_ID, { ids }));
  /** Whether every CI `p` names is read up front (at most READ_AHEAD_MAX impacted), or only the sources. */
  const readsAhead = (p: Propagation) => p.impacted.size <= impactSettings.readAheadMax;
  const upFront = (p: Propagation) => (readsAhead(p) ? [...sourceIds, ...p.impacted.keys()] : sourceIds);

  // Most often the projection held is current: propagate on it, and read the topology state
  // and the CIs it names in one transaction. Otherwise (writes since) `current` brings it up
  // to date or there is none, and the CIs are read after.
  let projection: TopologyProjection | null;
  let propagation: Propagation | null = null;
  let readUpFront: ReturnType<typeof decode> = [];
  const held = cache.peek();
  if (held) {
    const guess = propagate(held.graph, sourceIds);
    // Never empty: the sources are at least one (impactRequestSchema).
    const ids = upFront(guess);
    const [state, rows] = await graph.readTx((tx) => Promise.all([readTopologyStateIn(tx), tx.run(Q.CIS_BY_ID, { ids }).then(dbRows)]));
    projection = (await cache.current(undefined, state)).projection;
    if (projection === held) {
      propagation = guess;
      readUpFront = decode(rows);
    }
  } else {
    projection = (await cache.current()).projection;
  }
  if (!projection) return null;
  if (!propagation) {
    propagation = propagate(projection.graph, sourceIds);
    readUpFront = await read(upFront(propagation));
  }
  const impacted = propagation.impacted;
  const g = projection.graph;
  const now = Date.now();
  const agrees = (): boolean => {
    for (const { ci, createdAt, minUp } of readUpFront) {
      const i = g.index.get(ci.id);
      const active = i !== undefined && g.active[i] === 1;
      if (active !== activeAt(now, createdAt, ci.retiredAt)) return false;
      const node = projection.nodes.get(ci.id);
      if (active && (g.minUp[i] !== (minUp ?? 1) || node?.class !== ci.class || node.name !== ci.name || (node.criticality ?? null) !== ci.criticality)) return false;
    }
    for (const id of sourceIds) {
      const i = g.index.get(id);
      if (!cis.has(id) && i !== undefined && g.active[i] === 1) return false;
    }
    return !readsAhead(propagation) || [...impacted.keys()].every((id) => cis.has(id));
  };
  if (!agrees()) {
    cache.contradicted(projection);
    return null;
  }
  const { nodes } = projection;
  const sources = new Set(sourceIds);
  return {
    propagation,
    cis,
    // What the projection holds (a source it does not hold, retired, as read): the same
    // order however many CIs were read since.
    projected: (id) => {
      const node = nodes.get(id) ?? cis.get(id);
      return node && { class: node.class, name: node.name, criticality: node.criticality ?? null };
    },
    load: async (ids) => {
      await read([...new Set(ids)].filter((id) => !cis.has(id) && (impacted.has(id) || sources.has(id))));
      return cis;
    },
    fromProjection: true,
  };
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

/** The report's order: depth, then criticality (none last), then name, then id; keyed once per entry, not per comparison. */
function inReportOrder(entries: ImpactedEntry[], projected: Analysis['projected']): ImpactedEntry[] {
  const keyed = entries.map((entry) => {
    const ci = projected(entry.ciId);
    return { entry, criticality: ci?.criticality ?? Number.POSITIVE_INFINITY, name: ci?.name ?? '' };
  });
  keyed.sort((a, b) => {
    if (a.entry.depth !== b.entry.depth) return a.entry.depth - b.entry.depth;
    if (a.criticality !== b.criticality) return a.criticality - b.criticality;
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    return a.entry.ciId < b.entry.ciId ? -1 : a.entry.ciId > b.entry.ciId ? 1 : 0;
  });
  return keyed.map((k) => k.entry);
}

/** computeImpact, also handing back the CIs read on the way (for DataLoader priming). */
export async function computeImpactDetails(graph: Graph, request: ImpactRequest): Promise<ImpactDetails> {
  const input = parseInput(impactRequestSchema, request);
  const sourceIds = [...new Set(input.ciIds)];
  const maxDepth = input.maxDepth ?? DEFAULT_MAX_DEPTH;
  const at = input.at ?? Date.now();

  const analysis = (input.at == null ? await onProjection(graph, sourceIds) : null) ?? (await walkNeo4j(graph, sourceIds, at, input.at != null));
  const { cis, propagation, projected } = analysis;
  const missing = sourceIds.filter((id) => !cis.has(id));
  if (missing.length > 0) {
    throw new NotFoundError(`No CI with id ${missing.map((id) => `"${id}"`).join(', ')}`, { field: 'input.ciIds', ids: missing });
  }

  const select = (keep: (ciId: string, impacted: ImpactedState) => boolean): ImpactedEntry[] => {
    const entries: ImpactedEntry[] = [];
    for (const [ciId, impacted] of propagation.impacted) {
      if (keep(ciId, impacted)) entries.push(lazyEntry(ciId, impacted.state, impacted.depth, propagation.path));
    }
    return inReportOrder(entries, projected);
  };
  const impacted = select((_ciId, { depth }) => depth <= maxDepth);
  let downCount = 0;
  for (const { state } of propagation.impacted.values()) if (state === 'DOWN') downCount++;
  const totalCount = propagation.impacted.size;
  return {
    result: { sourceIds, impacted, totalCount, truncated: totalCount > impacted.length, downCount, degradedCount: totalCount - downCount },
    cis,
    classOf: (id) => projected(id)?.class,
    load: analysis.load,
    fromProjection: analysis.fromProjection,
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
