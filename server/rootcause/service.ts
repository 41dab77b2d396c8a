/**
 * Root-cause analysis: from incidents and/or CIs observed failing, a ranked list of
 * candidate CIs with the observations each explains, its recent changes and the
 * evidence in words. One bounded subgraph is read (the candidates upstream of the
 * observations, then the downstream walk that tells what each candidate would break),
 * plus one read each for changes, recorded history and open incidents on the
 * candidates; the pure model (model.ts) does the rest in memory.
 */
import { z } from 'zod';
import { USER_FACING_CLASSES } from '../../graph-schema/index.js';
import type { Graph, Row } from '../db/index.js';
import { int, perDatabase, WINDOW_FIRST_MIN_IDS } from '../db/index.js';
import { BadUserInputError, NotFoundError, parseInput } from '../errors.js';
import { indexSubgraph, setMinUpsAt, type IndexedSubgraph, type SubgraphCI, type SubgraphRelationship } from '../impact/index.js';
import { getIncidents, incidentsOfCIs } from '../incidents/index.js';
import { changesOnCIsSince, type Change } from '../changes/index.js';
import { createProblem, type Problem } from '../problems/index.js';
import type { Actor } from '../itsm/index.js';
import { topologyCache, type TopologyProjection } from '../topology/index.js';
import {
  CLOCK_SLACK_MS,
  prepareRcaGraph,
  rankRootCauses,
  type RcaChange,
  type RcaGraph,
  type RcaHistorySummary,
  type RcaIncident,
  type RcaNodeInfo,
  type RcaOptions,
} from './model.js';
import { prepareRcaGraphFrom } from './carry.js';
import { closureBits } from './closures.js';
import { downParts } from './down-parts.js';
import * as Q from './cypher.js';
import { Calibrations, outageRoot, type Calibration, type Outage } from './calibration.js';

/** Recorded history and other incidents count up to this long after the first (or last) incident of an outage: the ranking's clock slack. */
export const HISTORY_GRACE_MS = CLOCK_SLACK_MS;
export const DEFAULT_MAX_DEPTH = 10;
export const DEFAULT_LIMIT = 10;
export const DEFAULT_CHANGES_WINDOW = 7 * 24 * 3_600_000;
/** CIs the downstream walk may read before it stops (damage beyond is a lower bound). */
export const DEFAULT_NODE_BUDGET = 120_000;

export const rootCauseRequestSchema = z
  .object({
    incidentIds: z.array(z.string().min(1, 'must not be empty')).nullish(),
    ciIds: z.array(z.string().min(1, 'must not be empty')).nullish(),
    changesSince: z.number().finite().nullish(),
    maxDepth: z.number().int().min(0, 'must be 0 or more').max(100, 'must be 100 or less').nullish(),
    limit: z.number().int().min(1, 'must be 1 or more').max(500, 'must be 500 or less').nullish(),
  })
  .refine((r) => (r.incidentIds?.length ?? 0) + (r.ciIds?.length ?? 0) > 0, {
    path: ['incidentIds'],
    message: 'give at least one incident or CI observed failing',
  });

export type RootCauseRequest = z.input<typeof rootCauseRequestSchema>;

export interface RootCauseCandidateResult {
  ciId: string;
  score: number;
  /** Observed failing CIs a failure of this candidate explains. */
  explains: string[];
  recentChanges: Change[];
  evidence: string[];
  /** Silent user-facing CIs its failure would break (DEGRADED ones weighted). */
  unobservedDamage: number;
  /** The second root that, with this one, explains more; null if none does. */
  partnerId: string | null;
}

export interface RootCauseResult {
  candidates: RootCauseCandidateResult[];
  /** The observed failing CIs, incidents' affected CIs first. */
  observations: string[];
  /** When the failure was first noticed: the earliest incident's opening, or now. */
  referenceTime: number;
  /** Candidates considered (upstream within maxDepth that explain something). */
  candidateCount: number;
  /** CIs read for the analysis (the whole projection when it answered), and whether the downstream walk read all it needed. */
  subgraphSize: number;
  complete: boolean;
  /** Names by CI id: of every candidate and user-facing CI read (the walk reads no other names); of every CI from the projection. */
  names: ReadonlyMap<string, { name: string }>;
  /**
   * Where the topology came from: the in-memory projection (server/topology; current,
   * checked against the graph's state) or the walk in Neo4j (no current projection yet).
   */
  source: 'projection' | 'neo4j';
  /** The reporting model learnt from resolved problems; null when too few are on record (the rate is then unknown). */
  calibration: Calibration | null;
  /** Where the time went (ms): the topology (walk or projection), reading the evidence, ranking. */
  timings: { subgraph: number; evidence: number; ranking: number };
}

export interface RootCauseOptions {
  /** Evaluation time (default now). */
  at?: number;
  nodeBudget?: number;
  model?: Partial<RcaOptions>;
  /** False: walk Neo4j even when a current projection exists (benches and tests compare the two). */
  projection?: boolean;
  /**
   * The reporting model: learnt from the graph's resolved problems when absent
   * (calibration.ts); null: none (the rate unknown, as with too few problems).
   */
  calibration?: Calibration | null;
  /** Other incidents on a candidate opened after this are left out (a past outage's analysis; default: none left out). */
  evidenceUntil?: number;
}

interface Fetched {
  nodes: Map<string, RcaNodeInfo>;
  cis: Map<string, SubgraphCI>;
  relationships: SubgraphRelationship[];
  /** Providers per upstream CI, to bound candidates by depth. */
  providers: Map<string, string[]>;
  unexpanded: Set<string>;
}

function readNode(row: Row, fetched: Fetched): string {
  const id = String(row.id);
  if (!fetched.nodes.has(id)) {
    fetched.nodes.set(id, { class: String(row.class), name: String(row.name ?? id) });
    fetched.cis.set(id, { id, minUp: typeof row.minUp === 'number' ? row.minUp : null, activeMembers: Number(row.members ?? 0) });
  }
  return id;
}

/** The upstream closure of the observations, then the downstream walk level by level. */
async function fetchSubgraph(graph: Graph, observed: string[], at: number, budget: number): Promise<Fetched> {
  const fetched: Fetched = { nodes: new Map(), cis: new Map(), relationships: [], providers: new Map(), unexpanded: new Set() };
  const edges = new Set<string>();
  const addEdge = (type: string, from: string, to: string) => {
    const key = `${from}|${type}|${to}`;
    if (edges.has(key)) return;
    edges.add(key);
    fetched.relationships.push({ type, from, to });
  };
  for (const row of await graph.read(Q.UPSTREAM, { ids: observed, at })) {
    const id = readNode(row, fetched);
    const providers = row.providers as [string, string][];
    fetched.providers.set(id, providers.map(([, p]) => p));
    for (const [type, p] of providers) addEdge(type, id, p);
  }
  let frontier = [...fetched.nodes.keys()];
  const expanded = new Set<string>();
  while (frontier.length > 0) {
    if (fetched.nodes.size >= budget) {
      for (const id of frontier) fetched.unexpanded.add(id);
      break;
    }
    for (const id of frontier) expanded.add(id);
    const next: string[] = [];
    for (const row of await graph.read(Q.DEPENDENTS, { ids: frontier, at, named: USER_FACING_CLASSES })) {
      const known = fetched.nodes.has(String(row.id));
      const id = readNode(row, fetched);
      for (const [type, p] of row.providers as [string, string][]) addEdge(type, id, p);
      if (!known && !expanded.has(id)) next.push(id);
    }
    frontier = next;
  }
  return fetched;
}

/**
 * Breadth-first from `starts` along `providers` (which yields only CIs that may be
 * candidates), at most maxDepth hops: the candidates, in the order found.
 */
function withinDepth<T>(starts: Iterable<T>, maxDepth: number, providers: (x: T) => Iterable<T>): T[] {
  const depth = new Map<T, number>();
  for (const x of starts) depth.set(x, 0);
  const queue = [...depth.keys()];
  for (let head = 0; head < queue.length; head++) {
    const x = queue[head]!;
    const d = depth.get(x)!;
    if (d >= maxDepth) continue;
    for (const p of providers(x)) {
      if (!depth.has(p)) {
        depth.set(p, d + 1);
        queue.push(p);
      }
    }
  }
  return queue;
}

/** Upstream CIs within maxDepth hops of an observation, on the subgraph read from Neo4j. */
function candidatesWithin(fetched: Fetched, observed: string[], maxDepth: number): string[] {
  const upstream = (id: string) => fetched.providers.has(id);
  return withinDepth(observed.filter(upstream), maxDepth, (id) => (fetched.providers.get(id) ?? []).filter(upstream));
}

/**
 * A projection prepared for ranking, once per indexed graph: a projection brought up to
 * date after writes that changed no CI's class and nothing that propagates keeps its
 * predecessor's graph (`updateTopologyProjection`), and with it what was prepared and
 * warmed (closures, DOWN parts; names are not part of it).
 */
const preparedProjections = new WeakMap<TopologyProjection['graph'], RcaGraph>();

/**
 * Prepares a projection for ranking (indexes, and what each CI's failure breaks, counted
 * for every CI: a few hundred ms at 100 000 CIs); done on first use if not before. The
 * API calls it when a projection loads (`TopologyCache.onLoad`), so no analysis waits for
 * it, then `warmProjection`. Given the projection it was brought up to date from, what
 * was prepared there for the CIs the writes left alone is carried over (carry.ts): the
 * counts, closures and DOWN parts of the rest are made again.
 */
export function prepareProjection(projection: TopologyProjection, previous?: TopologyProjection | null): RcaGraph {
  let prepared = preparedProjections.get(projection.graph);
  if (!prepared) {
    const before = previous ? preparedProjections.get(previous.graph) : undefined;
    prepared = (before && prepareRcaGraphFrom(before, projection.graph, projection.nodes)?.prepared) ?? prepareRcaGraph(projection.graph, projection.nodes, { countAll: true });
    preparedProjections.set(projection.graph, prepared);
  }
  return prepared;
}

/**
 * Computes, in slices that leave the event loop free between them, what rankings on the
 * projection would otherwise compute on first use: each CI's DOWN part, and the
 * user-facing CIs each failure breaks (bitsets for the big ones, lists for the rest):
 * about 1.5 s in all at 100 000 CIs. Then, once per process, the ranking's code
 * (`warmRankingCode`).
 */
export async function warmProjection(projection: TopologyProjection, slice = 2000): Promise<RcaGraph> {
  const prepared = prepareProjection(projection);
  const bits = closureBits(prepared);
  const parts = downParts(prepared);
  const n = prepared.graph.ids.length;
  for (let from = 0; from < n; from += slice) {
    bits.warm(from, Math.min(n, from + slice));
    parts.warm(from, Math.min(n, from + slice));
    await new Promise((resolve) => setImmediate(resolve));
  }
  await warmRankingCode(projection);
  return prepared;
}

/** Synthetic analyses warmRankingCode runs. */
export const WARM_ANALYSES = 12;
/** A learnt count for half of them (its code path differs). */
const WARM_REPORTING = { problems: 60, rate: 0.3, spread: 0.5, rateError: 0.01 };
let rankingCodeWarmed = false;
let rankingCodeWarming = false;

/**
 * Ranks synthetic failures on the projection, once per process: V8 compiles a ranking's
 * code while it runs, and the first analyses after a start took up to twice as long as
 * later ones (the bench's 25 analyses at 100 000 CIs, each run once in a fresh process:
 * p95 360–500 ms; after 12 synthetic ones, 290–330). Each is an outage as the bench
 * draws them: a random CI's failure that takes 40 or more user-facing CIs DOWN (big
 * failures run code small ones do not), 40 of them observed and 10 other user-facing
 * CIs, ranked with the rate unknown and, every other one, with a learnt count; the event
 * loop is free between them (each takes up to a few hundred ms at 100 000 CIs). Done
 * once any ran (a graph with no such failure leaves it to the next projection). Returns
 * how many ran.
 */
export async function warmRankingCode(projection: TopologyProjection): Promise<number> {
  if (rankingCodeWarmed || rankingCodeWarming) return 0;
  rankingCodeWarming = true;
  try {
    const done = await rankSynthetic(projection);
    if (done > 0) rankingCodeWarmed = true;
    return done;
  } finally {
    rankingCodeWarming = false;
  }
}

async function rankSynthetic(projection: TopologyProjection): Promise<number> {
  const prepared = prepareProjection(projection);
  const { graph: g, userFacing, aboveFragile } = prepared;
  const n = g.ids.length;
  const userFacingNodes: number[] = [];
  for (let i = 0; i < n; i++) if (userFacing[i] && g.active[i]) userFacingNodes.push(i);
  if (userFacingNodes.length < 50) return 0;
  // mulberry32: the same synthetic failures on the same graph.
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (xs: ArrayLike<number>) => xs[Math.floor(rand() * xs.length)]!;
  const counts = projection.state.classCounts;
  const userFacingTotal = USER_FACING_CLASSES.reduce((sum, c) => sum + (counts.get(c) ?? 0), 0);
  const parts = downParts(prepared);
  let done = 0;
  for (let attempt = 0; done < WARM_ANALYSES && attempt < 50 * WARM_ANALYSES; attempt++) {
    const root = Math.floor(rand() * n);
    if (!g.active[root] || aboveFragile[root]) continue;
    const down = parts.of(root).nodes.filter((i) => userFacing[i] === 1);
    if (down.length < 40) continue;
    const observed = new Set<string>();
    while (observed.size < 40) observed.add(g.ids[pick(down)]!);
    for (let k = 0; k < 10; k++) observed.add(g.ids[pick(userFacingNodes)]!);
    const ids = [...observed];
    const candidateNodes = upstreamInMemory(prepared, ids, DEFAULT_MAX_DEPTH);
    rankRootCauses({
      graph: g,
      prepared,
      nodes: projection.nodes,
      observations: ids.map((ciId) => ({ ciId, incidentIds: [] })),
      candidates: Array.from(candidateNodes, (i) => g.ids[i]!),
      candidateNodes,
      referenceTime: Date.now(),
      userFacingTotal,
      classCounts: counts,
      options: done % 2 === 1 ? { reporting: WARM_REPORTING } : undefined,
      describeFirst: DEFAULT_LIMIT,
    });
    done++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return done;
}

/**
 * Readies root cause when the API starts. Neo4j plans the reads of an analysis, so the
 * first analysis after Neo4j starts (or after the cluster member it is routed to starts)
 * does not plan them while an outage waits: 300-400 ms of the bench's first analysis at
 * 10 000 CIs. Each evidence read is asked both ways (for a few CIs, and for as many as
 * make it read the window instead), through the functions an analysis calls, so the plans
 * cached are theirs: about ids no CI or incident has, at a time nothing was implemented
 * after, so it reads next to nothing and writes nothing. And the reporting model is
 * learnt from the resolved problems and past outages now: learning starts in the background on an
 * analysis's first look, which therefore ranked without it. The walk of Neo4j is left out
 * (it serves only until the projection loads).
 */
export async function warmRootCause(graph: Graph): Promise<void> {
  const now = Date.now();
  const few = ['warm-up'];
  const many = Array.from({ length: WINDOW_FIRST_MIN_IDS }, (_v, k) => `warm-up-${k}`);
  for (const ids of [few, many]) {
    await Promise.all([changesOnCIsSince(graph, ids, now), historyOf(graph, ids, now, now), incidentsOfCIs(graph, ids, true)]);
  }
  await getIncidents(graph, few);
  await graph.read(Q.EXISTING_CIS, { ids: few });
  await calibrations(graph).refresh();
}

/**
 * A past outage's root (calibration.ts, `outageRoot`): its incidents ranked on the
 * projection with the rate unknown (so that a label never rests on the fit it feeds),
 * other incidents opened after its last one, plus the usual grace, left out. A stale
 * projection is reloaded first; 'later' when there is none (the cache disabled, or the
 * topology written to meanwhile): a walk of Neo4j per outage is too dear for learning.
 */
export async function labelOutage(graph: Graph, outage: Outage): Promise<string | null | 'later'> {
  const cache = topologyCache(graph);
  if (!(await cache.current()).projection) {
    if (!cache.settings.enabled) return 'later';
    // Learning runs in the background: it may wait for a stale projection's reload.
    await cache.refresh();
    if (!(await cache.current()).projection) return 'later';
  }
  const analysis = await rankRootCause(graph, { incidentIds: outage.incidentIds, limit: 1 }, { calibration: null, evidenceUntil: outage.lastOpenedAt + HISTORY_GRACE_MS });
  return outageRoot(outage.incidentIds.length, analysis.candidates);
}

/**
 * The reporting model of a database, learnt from its resolved problems and its past
 * outages (one per driver and database, as the topology cache; requests' graph views share it).
 */
export const calibrations: (graph: Graph) => Calibrations = perDatabase((graph) => new Calibrations(graph, (outage) => labelOutage(graph, outage)));

/** Active CIs within maxDepth hops upstream of an observation, the observed included (on the projection): their indices. */
function upstreamInMemory(prepared: RcaGraph, observed: string[], maxDepth: number): Int32Array {
  const { graph: g, provStart, provTarget } = prepared;
  const starts = observed.map((id) => g.index.get(id)).filter((i): i is number => i !== undefined && g.active[i] === 1);
  const providers = function* (x: number) {
    for (let e = provStart[x]!; e < provStart[x + 1]!; e++) if (g.active[provTarget[e]!]) yield provTarget[e]!;
  };
  return Int32Array.from(withinDepth(starts, maxDepth, providers));
}

/** CIs created after this many are looked up one by one among the candidates instead. */
const CREATED_SINCE_CAP = 10_000;

/** Which of `ids` were created after `after`: those created since are read first (usually few; an index range). */
export async function recordedAfter(graph: Graph, ids: string[], after: number, cap = CREATED_SINCE_CAP): Promise<Set<string>> {
  const since = await graph.read(Q.CREATED_SINCE, { after, cap: int(cap) });
  if (since.length >= cap) return new Set((await graph.read(Q.CREATED_AFTER, { ids, after })).map((r) => String(r.id)));
  const asked = new Set(ids);
  return new Set(since.map((r) => String(r.id)).filter((id) => asked.has(id)));
}

/**
 * Recorded changes on each of the CIs in [since, until], summarised (the first 6 fields
 * by name). Whichever is smaller is read: the entries in the window (usually few, against
 * thousands of candidates) or each CI's.
 */
export async function historyOf(graph: Graph, ids: string[], since: number, until: number): Promise<Map<string, RcaHistorySummary>> {
  const out = new Map<string, RcaHistorySummary>();
  const fields = (all: Iterable<string>) => [...new Set(all)].sort().slice(0, 6);
  if (ids.length === 0) return out;
  const window = ids.length >= WINDOW_FIRST_MIN_IDS ? await graph.read(Q.HISTORY_WINDOW, { since, until, cap: int(ids.length) }) : null;
  if (window && new Set(window.map((row) => String(row.entry))).size < ids.length) {
    const asked = new Set(ids);
    const byCI = new Map<string, { count: number; latestAt: number; fields: string[] }>();
    for (const row of window) {
      const ciId = String(row.ciId);
      if (!asked.has(ciId)) continue;
      const summary = byCI.get(ciId) ?? { count: 0, latestAt: Number.NEGATIVE_INFINITY, fields: [] };
      summary.count++;
      summary.latestAt = Math.max(summary.latestAt, Number(row.at));
      if (row.field !== null && row.field !== undefined) summary.fields.push(String(row.field));
      byCI.set(ciId, summary);
    }
    for (const [ciId, summary] of byCI) out.set(ciId, { ...summary, fields: fields(summary.fields) });
    return out;
  }
  for (const row of await graph.read(Q.HISTORY_SUMMARY, { ids, since, until })) {
    out.set(String(row.ciId), { count: Number(row.count), latestAt: Number(row.latestAt), fields: fields((row.fields as string[]).map(String)) });
  }
  return out;
}

/**
 * Ranks the CIs that most likely explain the observations. Unknown incident or CI ids
 * are NOT_FOUND naming them; no observation at all is BAD_USER_INPUT.
 */
export async function rankRootCause(graph: Graph, request: RootCauseRequest, options: RootCauseOptions = {}): Promise<RootCauseResult> {
  const input = parseInput(rootCauseRequestSchema, request);
  const at = options.at ?? Date.now();
  const incidentIds = [...new Set(input.incidentIds ?? [])];
  const ciIds = [...new Set(input.ciIds ?? [])];

  const incidents = await getIncidents(graph, incidentIds);
  const missingIncidents = incidentIds.filter((id) => !incidents.has(id));
  if (missingIncidents.length > 0) {
    throw new NotFoundError(`No incident with id ${missingIncidents.map((id) => `"${id}"`).join(', ')}`, {
      field: 'input.incidentIds',
      ids: missingIncidents,
    });
  }
  if (ciIds.length > 0) {
    const found = new Set((await graph.read(Q.EXISTING_CIS, { ids: ciIds })).map((r) => String(r.id)));
    const missing = ciIds.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(`No CI with id ${missing.map((id) => `"${id}"`).join(', ')}`, { field: 'input.ciIds', ids: missing });
    }
  }

  // Observations: incidents' affected CIs (with the incidents naming them), then the CIs given.
  const byCI = new Map<string, string[]>();
  let referenceTime = Number.POSITIVE_INFINITY;
  for (const incident of incidents.values()) {
    referenceTime = Math.min(referenceTime, incident.openedAt);
    for (const ciId of incident.affects) byCI.set(ciId, [...(byCI.get(ciId) ?? []), incident.id]);
  }
  for (const ciId of ciIds) if (!byCI.has(ciId)) byCI.set(ciId, []);
  if (byCI.size === 0) {
    throw new BadUserInputError('The incidents affect no CI: nothing to explain', [{ path: ['input', 'incidentIds'], message: 'no affected CIs' }]);
  }
  if (!Number.isFinite(referenceTime)) referenceTime = at;
  const observed = [...byCI.keys()];
  const since = input.changesSince ?? referenceTime - DEFAULT_CHANGES_WINDOW;

  const started = performance.now();
  const maxDepth = input.maxDepth ?? DEFAULT_MAX_DEPTH;
  // The topology's state (it also gives the class counts), and the projection if current.
  const current = await topologyCache(graph).current(options.at);
  const { state } = current;
  const projection = options.projection === false ? null : current.projection;
  let topology: { graph: IndexedSubgraph; prepared?: RcaGraph; nodes: ReadonlyMap<string, RcaNodeInfo>; unexpanded: ReadonlySet<string>; size: number };
  let candidates: string[];
  let candidateNodes: Int32Array | undefined;
  if (projection) {
    const prepared = prepareProjection(projection);
    topology = { graph: projection.graph, prepared, nodes: projection.nodes, unexpanded: new Set(), size: projection.graph.ids.length };
    candidateNodes = upstreamInMemory(prepared, observed, maxDepth);
    candidates = Array.from(candidateNodes, (i) => projection.graph.ids[i]!);
  } else {
    const fetched = await fetchSubgraph(graph, observed, at, options.nodeBudget ?? DEFAULT_NODE_BUDGET);
    if (options.at !== undefined) await setMinUpsAt(graph, [...fetched.cis.values()], at);
    const indexed = indexSubgraph({ cis: [...fetched.cis.values()], relationships: fetched.relationships }, at);
    topology = { graph: indexed, nodes: fetched.nodes, unexpanded: fetched.unexpanded, size: fetched.nodes.size };
    candidates = candidatesWithin(fetched, observed, maxDepth);
  }
  const fetchedAt = performance.now();
  const counts = state.classCounts;
  const [late, implemented, history, open, calibration] = await Promise.all([
    recordedAfter(graph, candidates, referenceTime + CLOCK_SLACK_MS),
    changesOnCIsSince(graph, candidates, since),
    // Recorded changes count up to 10 min after the first incident (the same grace as
    // for implemented changes): what changed after things broke did not break them.
    historyOf(graph, candidates, since, referenceTime + HISTORY_GRACE_MS),
    incidentsOfCIs(graph, candidates, true),
    options.calibration !== undefined ? options.calibration : calibrations(graph).current().then((c) => c ?? null),
  ]);
  const changeObjects = new Map<string, Change>();
  const changes = new Map<string, RcaChange[]>();
  for (const { change, implementedAt, ciIds: on } of implemented) {
    changeObjects.set(change.id, change);
    for (const ciId of on) changes.set(ciId, [...(changes.get(ciId) ?? []), { id: change.id, title: change.title, implementedAt }]);
  }
  const otherIncidents = new Map<string, RcaIncident[]>();
  const evidenceUntil = options.evidenceUntil ?? Number.POSITIVE_INFINITY;
  for (const [ciId, list] of open) {
    // A CI observed on its own (given in ciIds, no incident given names it): its open
    // incidents are what was observed, not more evidence against it, as when they are given.
    if (byCI.get(ciId)?.length === 0) continue;
    const others = list.filter((i) => !incidents.has(i.id) && i.openedAt >= since && i.openedAt <= evidenceUntil).map((i) => ({ id: i.id, openedAt: i.openedAt }));
    if (others.length) otherIncidents.set(ciId, others);
  }

  // A CI recorded after the outage began (beyond the clock slack: a replacement added
  // during it) did not cause it, and is no candidate, the observed CIs excepted. Unless no
  // observed CI was recorded before then either: the graph did not know the outage's CIs
  // then (a CMDB populated after it), and the graph as it is now is all there is.
  if (late.size > 0 && observed.some((ciId) => !late.has(ciId))) {
    const seen = new Set(observed);
    const keep = (ciId: string) => seen.has(ciId) || !late.has(ciId);
    if (candidateNodes) candidateNodes = candidateNodes.filter((i) => keep(topology.graph.ids[i]!));
    candidates = candidates.filter(keep);
  }

  const evidenceAt = performance.now();
  const ranked = rankRootCauses({
    graph: topology.graph,
    prepared: topology.prepared,
    nodes: topology.nodes,
    unexpanded: topology.unexpanded,
    observations: observed.map((ciId) => ({ ciId, incidentIds: byCI.get(ciId)! })),
    candidates,
    candidateNodes,
    changes,
    history,
    otherIncidents,
    referenceTime,
    reference: incidents.size > 0 ? 'the first incident' : 'the analysis',
    userFacingTotal: USER_FACING_CLASSES.reduce((sum, c) => sum + (counts.get(c) ?? 0), 0),
    classCounts: counts,
    options: calibration ? { reporting: calibration.reporting, degradedRatio: calibration.degradedRatio, ...options.model } : options.model,
    describeFirst: input.limit ?? DEFAULT_LIMIT,
  });
  const limit = input.limit ?? DEFAULT_LIMIT;
  return {
    candidates: ranked.slice(0, limit).map((c) => ({
      ciId: c.ciId,
      score: c.score,
      explains: c.explains,
      recentChanges: c.changes.map((ch) => changeObjects.get(ch.id)!),
      evidence: c.evidence,
      unobservedDamage: c.unobservedDamage,
      partnerId: c.partner,
    })),
    observations: observed,
    referenceTime,
    candidateCount: ranked.length,
    subgraphSize: topology.size,
    complete: topology.unexpanded.size === 0,
    names: topology.nodes,
    source: projection ? 'projection' : 'neo4j',
    calibration,
    timings: { subgraph: fetchedAt - started, evidence: evidenceAt - fetchedAt, ranking: performance.now() - evidenceAt },
  };
}

export const problemFromCandidateSchema = z.object({
  ciId: z.string().min(1, 'must not be empty'),
  incidentIds: z.array(z.string().min(1, 'must not be empty')).min(1, 'give at least one incident'),
  title: z.string().trim().min(1, 'must not be empty').max(500).nullish(),
});
export type ProblemFromCandidateInput = z.input<typeof problemFromCandidateSchema>;

/**
 * Turns a candidate into a problem in one step: the problem gathers the incidents, names
 * the candidate as its root-cause CI and carries the candidate's evidence as description.
 */
export async function createProblemFromCandidate(graph: Graph, raw: ProblemFromCandidateInput, who: Actor): Promise<Problem> {
  const input = parseInput(problemFromCandidateSchema, raw);
  // The CI is checked as the problems service checks it, so that an error names this input's field.
  const row = (await graph.read(Q.CI_NAMES, { ids: [input.ciId] }))[0];
  if (!row) throw new NotFoundError(`No CI with id "${input.ciId}" (input.ciId)`, { field: 'input.ciId' });
  if (row.status === 'RETIRED') {
    throw new BadUserInputError(`CI ${input.ciId} is retired and cannot be referenced by a new record`, [{ path: ['input', 'ciId'], message: `CI ${input.ciId} is retired` }]);
  }
  const name = String(row.name ?? input.ciId);
  const analysis = await rankRootCause(graph, { incidentIds: input.incidentIds, limit: 500 });
  const candidate = analysis.candidates.find((c) => c.ciId === input.ciId);
  const description = candidate
    ? [`Root-cause analysis ranked ${name} #${analysis.candidates.indexOf(candidate) + 1} of ${analysis.candidateCount} (score ${candidate.score.toFixed(3)}):`, ...candidate.evidence.map((e) => `- ${e}`)].join('\n')
    : `${name} was chosen as root cause; the analysis did not rank it among the candidates explaining these incidents.`;
  return createProblem(
    graph,
    { title: input.title ?? `Root cause: ${name}`, description, incidentIds: input.incidentIds, rootCauseCiId: input.ciId },
    who,
  );
}
