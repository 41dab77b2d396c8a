/**
 * The propagating graph held in memory between requests. Root-cause analysis asks "what
 * would each of thousands of candidates break", which reads most of a generated graph
 * when done in Neo4j per request (seconds at 100k CIs); in memory it is milliseconds.
 *
 * Freshness is checked on every use, never assumed: each use reads the topology state
 * (the version every Faultline topology write raises in its own transaction, plus the
 * CI and relationship counts from Neo4j's count store, which catch creations and
 * deletions by writers that do not raise the version) and uses the projection only when
 * the state is the one it was loaded at, the evaluated time lies in the window the
 * loaded timestamps keep valid, and it is younger than `maxAgeMs` (the bound on how long
 * a property edit made straight in Neo4j by another tool can go unseen). Otherwise the
 * caller takes the live path and a reload starts in the background: an answer is never
 * computed on a projection known to be stale.
 *
 * One projection per driver and database, per process; a cluster's API processes each
 * keep their own, all checked against the same version. It imports the pure impact rule
 * (impact/propagate.ts), not the impact domain's index: that pulls in GraphQL types, and
 * the CI service, which raises the version through this module, would import itself.
 */
import { perDatabase, rows, type Graph, type Row } from '../db/index.js';
import { indexSubgraph, type IndexedSubgraph, type SubgraphCI, type SubgraphRelationship } from '../impact/propagate.js';
import * as Q from './cypher.js';

export interface TopologyState {
  /** The version and every count, as one comparable string. */
  key: string;
  /** The version: the Sequence's epoch and value ("" and 0 before any Faultline write). */
  version: string;
  /** CIs per class label (retired ones included: the count store does not know status). */
  classCounts: Map<string, number>;
}

export interface TopologyProjection {
  state: TopologyState;
  /** The time the graph is indexed at (its load), and the first later time a loaded timestamp changes it. */
  loadedAt: number;
  validUntil: number;
  /** Every CI not retired at loadedAt and the propagating relationships between them, indexed. */
  graph: IndexedSubgraph;
  /** Class and name per CI id. */
  nodes: Map<string, { class: string; name: string }>;
  loadMs: number;
}

export interface TopologyCacheSettings {
  /** Keep a projection at all (FAULTLINE_TOPOLOGY_CACHE). */
  enabled: boolean;
  /** Reload a projection older than this even when the state is unchanged (FAULTLINE_TOPOLOGY_MAX_AGE). */
  maxAgeMs: number;
}

export const DEFAULT_TOPOLOGY_CACHE_SETTINGS: TopologyCacheSettings = { enabled: true, maxAgeMs: 10 * 60_000 };

function stateOf(rows: Row[]): TopologyState {
  const entries = rows.map((r) => [String(r.key), String(r.n)] as const);
  const classCounts = new Map<string, number>();
  let version = '';
  for (const [key, n] of entries) {
    if (key === 'version') version = n;
    else if (key.startsWith('class:')) classCounts.set(key.slice('class:'.length), Number(n));
  }
  return { key: entries.map(([k, n]) => `${k}=${n}`).join(';'), version, classCounts };
}

/** The topology state now (one query, count-store reads only). */
export async function readTopologyState(graph: Graph): Promise<TopologyState> {
  return stateOf(await graph.read(Q.STATE));
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/**
 * Reads the state, then every CI and propagating relationship, in one read transaction,
 * streaming the rows. The state is read first: a write committing meanwhile makes the
 * data newer than the state, so the next check sees a change and reloads (never the
 * other way round).
 */
export async function loadTopologyProjection(graph: Graph): Promise<TopologyProjection> {
  const started = performance.now();
  const now = Date.now();
  return graph.readTx(async (tx) => {
    const state = stateOf(rows(await tx.run(Q.STATE)));
    let validUntil = Number.POSITIVE_INFINITY;
    const later = (t: number | null) => {
      if (t !== null && t > now && t < validUntil) validUntil = t;
    };
    const cis: SubgraphCI[] = [];
    const nodes = new Map<string, { class: string; name: string }>();
    for await (const record of tx.run(Q.CIS, { now })) {
      const id = String(record.get('id'));
      const createdAt = num(record.get('createdAt'));
      const retiredAt = num(record.get('retiredAt'));
      later(createdAt);
      later(retiredAt);
      cis.push({ id, createdAt, retiredAt, minUp: num(record.get('minUp')) });
      const name = record.get('name');
      nodes.set(id, { class: String(record.get('class')), name: name === null ? id : String(name) });
    }
    const relationships: SubgraphRelationship[] = [];
    for await (const record of tx.run(Q.RELATIONSHIPS, { now })) {
      const from = String(record.get('from'));
      const to = String(record.get('to'));
      // Both ends were read above unless a write slipped in between; the state check catches that.
      if (!nodes.has(from) || !nodes.has(to)) continue;
      const validFrom = num(record.get('validFrom'));
      const validTo = num(record.get('validTo'));
      later(validFrom);
      later(validTo);
      relationships.push({ type: String(record.get('type')), from, to, validFrom, validTo });
    }
    const indexed = indexSubgraph({ cis, relationships }, now);
    return { state, loadedAt: now, validUntil, graph: indexed, nodes, loadMs: performance.now() - started };
  });
}

/** The projection of one database, checked against the state on every use. */
export class TopologyCache {
  private projection: TopologyProjection | null = null;
  private loading: Promise<TopologyProjection> | null = null;
  /** Why the last background load failed (null after a success). */
  lastError: unknown = null;
  /** Called with each projection once loaded, before it is used (e.g. to prepare it for root cause); a throw is kept in lastError. */
  onLoad: ((projection: TopologyProjection) => void) | null = null;

  constructor(
    private readonly graph: Graph,
    public settings: TopologyCacheSettings = DEFAULT_TOPOLOGY_CACHE_SETTINGS,
  ) {}

  /**
   * The state now, and the projection when it is current for time `at`; otherwise null
   * and, when the cache is enabled and the projection is stale or missing, a reload in
   * the background.
   */
  async current(at: number = Date.now()): Promise<{ state: TopologyState; projection: TopologyProjection | null }> {
    const state = await readTopologyState(this.graph);
    if (!this.settings.enabled) {
      this.projection = null;
      return { state, projection: null };
    }
    const p = this.projection;
    const now = Date.now();
    if (p && p.state.key === state.key && now < p.validUntil && now - p.loadedAt <= this.settings.maxAgeMs) {
      // Current; used when `at` is a time it describes (not before its load: that is history).
      return { state, projection: at >= p.loadedAt && at < p.validUntil ? p : null };
    }
    this.projection = null;
    this.refresh().catch(() => undefined); // lastError keeps why
    return { state, projection: null };
  }

  /** Loads the projection now (one load at a time; callers during a load share it). */
  refresh(): Promise<TopologyProjection> {
    this.loading ??= loadTopologyProjection(this.graph)
      .then(
        (p) => {
          this.lastError = null;
          try {
            this.onLoad?.(p);
          } catch (error) {
            this.lastError = error;
          }
          this.projection = this.settings.enabled ? p : null;
          return p;
        },
        (error: unknown) => {
          this.lastError = error;
          throw error;
        },
      )
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** Drops the projection (tests, or a caller that knows the graph changed behind Faultline's back). */
  clear(): void {
    this.projection = null;
  }
}

/** The cache of the graph's driver and database (made on first use, with the default settings). */
export const topologyCache: (graph: Graph) => TopologyCache = perDatabase((graph) => new TopologyCache(graph, { ...DEFAULT_TOPOLOGY_CACHE_SETTINGS }));
