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
 * a property edit made straight in Neo4j by another tool can go unseen). When Faultline
 * writes moved the version, it first catches up by re-reading the CIs they recorded as
 * touched (`updateTopologyProjection`). Otherwise the caller takes the live path and a
 * reload starts in the background: an answer is never computed on a projection known to
 * be stale.
 *
 * One projection per driver and database, per process; a cluster's API processes each
 * keep their own, all checked against the same version. It imports the pure impact rule
 * (impact/propagate.ts), not the impact domain's index: that pulls in GraphQL types, and
 * the CI service, which raises the version through this module, would import itself.
 */
import { int, perDatabase, rows, type Graph, type Row, type Tx } from '../db/index.js';
import { activeAt, indexSubgraph, membershipKey, propagatesAt, type IndexedSubgraph, type SubgraphCI, type SubgraphRelationship } from '../impact/propagate.js';
import * as Q from './cypher.js';

export interface TopologyState {
  /** The version and every count, as one comparable string. */
  key: string;
  /** The version: the Sequence's epoch and value ("" and 0 before any Faultline write). */
  version: string;
  /** CIs per class label (retired ones included: the count store does not know status). */
  classCounts: Map<string, number>;
  /** Relationships per propagating type (closed ones included). */
  typeCounts: Map<string, number>;
}

export interface TopologyProjection {
  state: TopologyState;
  /** The time the graph is indexed at (its load or update), and the first later time a loaded timestamp changes it. */
  loadedAt: number;
  validUntil: number;
  /** When the rows no update has re-read since were read: the age FAULTLINE_TOPOLOGY_MAX_AGE bounds. */
  wholeAt: number;
  /** Every CI not retired at loadedAt and the propagating relationships between them, indexed. */
  graph: IndexedSubgraph;
  /** Class, name and criticality per CI id (what root cause's evidence and impact's order read). */
  nodes: Map<string, ProjectedCI>;
  /** How long the load (or the update) took. */
  loadMs: number;
  /**
   * Null for a whole load; for a projection brought up to date from an older one, that
   * one's version, how many CIs were re-read, and whether what propagates changed (false:
   * the old index is kept, and what was prepared on it).
   */
  update: { from: string; touched: number; reindexed: boolean } | null;
}

/** What a projection keeps of a CI beside its index entry. */
export interface ProjectedCI {
  class: string;
  name: string;
  /** Absent where a caller builds its own map (root cause's tests and evaluation). */
  criticality?: number | null;
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
  const typeCounts = new Map<string, number>();
  let version = '';
  for (const [key, n] of entries) {
    if (key === 'version') version = n;
    else if (key.startsWith('class:')) classCounts.set(key.slice('class:'.length), Number(n));
    else if (key.startsWith('type:')) typeCounts.set(key.slice('type:'.length), Number(n));
  }
  return { key: entries.map(([k, n]) => `${k}=${n}`).join(';'), version, classCounts, typeCounts };
}

/** A state's version as its Sequence's epoch and value (epoch "" before any Faultline write). */
function versionOf(state: TopologyState): { epoch: string; value: number } {
  const slash = state.version.lastIndexOf('/');
  return { epoch: state.version.slice(0, slash), value: Number(state.version.slice(slash + 1)) };
}

/** The counts a state holds, keyed as the writes declare their creations (`class:X`, `type:Y`). */
function countsOf(state: TopologyState): Map<string, number> {
  return new Map([
    ...[...state.classCounts].map(([c, n]) => [`class:${c}`, n] as const),
    ...[...state.typeCounts].map(([t, n]) => [`type:${t}`, n] as const),
  ]);
}

/** The topology state now (one query, count-store reads only). */
export async function readTopologyState(graph: Graph): Promise<TopologyState> {
  return stateOf(await graph.read(Q.STATE));
}

/** The topology state, read in a transaction the caller runs other reads in. */
export async function readTopologyStateIn(tx: Tx): Promise<TopologyState> {
  return stateOf(rows(await tx.run(Q.STATE)));
}

const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** Rows of CIS and RELATIONSHIPS as the projection keeps them; `later` sees every timestamp. */
function ciRow(record: { get(key: string): unknown }, later: (t: number | null) => void) {
  const createdAt = num(record.get('createdAt'));
  const retiredAt = num(record.get('retiredAt'));
  later(createdAt);
  later(retiredAt);
  const name = record.get('name');
  const id = String(record.get('id'));
  return {
    ci: { id, createdAt, retiredAt, minUp: num(record.get('minUp')) } satisfies SubgraphCI,
    node: { class: String(record.get('class')), name: name === null ? id : String(name), criticality: num(record.get('criticality')) } satisfies ProjectedCI,
  };
}

function relationshipRow(record: { get(key: string): unknown }, later: (t: number | null) => void): SubgraphRelationship {
  const validFrom = num(record.get('validFrom'));
  const validTo = num(record.get('validTo'));
  later(validFrom);
  later(validTo);
  return { type: String(record.get('type')), from: String(record.get('from')), to: String(record.get('to')), validFrom, validTo };
}

/** A tracker of the first time after `now` at which one of the timestamps it sees changes what is active. */
function validity(now: number, until = Number.POSITIVE_INFINITY) {
  const v = {
    until,
    later: (t: number | null) => {
      if (t !== null && t > now && t < v.until) v.until = t;
    },
  };
  return v;
}

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
    const valid = validity(now);
    const cis: SubgraphCI[] = [];
    const nodes = new Map<string, ProjectedCI>();
    for await (const record of tx.run(Q.CIS, { now })) {
      const { ci, node } = ciRow(record, valid.later);
      cis.push(ci);
      nodes.set(ci.id, node);
    }
    const relationships: SubgraphRelationship[] = [];
    for await (const record of tx.run(Q.RELATIONSHIPS, { now })) {
      const rel = relationshipRow(record, valid.later);
      // Both ends were read above unless a write slipped in between; the state check catches that.
      if (nodes.has(rel.from) && nodes.has(rel.to)) relationships.push(rel);
    }
    const indexed = indexSubgraph({ cis, relationships }, now);
    return { state, loadedAt: now, validUntil: valid.until, wholeAt: now, graph: indexed, nodes, loadMs: performance.now() - started, update: null };
  });
}

/**
 * A projection catches up by re-reading the CIs the writes touched only while they are
 * at most this share of it (or this many): looked up one by one, more cost about what a
 * whole load's scan does.
 */
export const MAX_UPDATE_SHARE = 0.2;
export const MAX_UPDATE_FLOOR = 1000;

/**
 * The rows a projection was indexed from, as they stand at any time before its
 * validUntil, with the touched CIs' rows replaced by those read now: its active CIs and
 * the relationships between them (closed ones, and those to CIs not created yet, dropped
 * out at indexing and stay out until validUntil, when a projection reloads whole), less
 * every relationship on a touched CI (the caller adds them as read now). A CI not created
 * yet gets validUntil as its creation: before it, no later than its own. Each CI keeps its
 * place, so that indexing gives it the same number unless a CI before it was not read
 * again (retired): what root cause prepared for CIs the writes could not have changed is
 * then carried over (rootcause/carry.ts). CIs new to the projection come last.
 */
function rowsOf(p: TopologyProjection, touched: ReadonlySet<string>, read: ReadonlyMap<string, ReadCI>): { cis: SubgraphCI[]; relationships: SubgraphRelationship[] } {
  const g = p.graph;
  const cis: SubgraphCI[] = [];
  const relationships: SubgraphRelationship[] = [];
  for (let i = 0; i < g.ids.length; i++) {
    const id = g.ids[i]!;
    if (touched.has(id)) {
      const row = read.get(id);
      if (row) cis.push(row.ci);
      continue;
    }
    cis.push({ id, minUp: g.minUp[i]!, createdAt: g.active[i] ? null : p.validUntil });
    for (const dep of g.dependents[i]!) {
      const from = g.ids[dep.ci]!;
      if (!touched.has(from)) relationships.push({ type: dep.type, from, to: id });
    }
  }
  for (const [id, row] of read) if (!g.index.has(id)) cis.push(row.ci);
  return { cis, relationships };
}

type ReadCI = ReturnType<typeof ciRow>;

/**
 * Whether the touched CIs index now exactly as they did in `p`: each present in both with
 * the same activity, class and minUp (or absent from both), with the same propagating
 * edges as indexSubgraph keeps them (its rules: `propagatesAt`, active ends,
 * `membershipKey`). Then nothing that propagates changed (a rename, an attribute, a
 * source withdrawn) and `p`'s index, with all that was prepared on it, stands.
 */
function sameIndex(p: TopologyProjection, touched: ReadonlySet<string>, read: ReadonlyMap<string, ReadCI>, relationships: readonly SubgraphRelationship[], now: number): boolean {
  const g = p.graph;
  const activeNow = (id: string): boolean => {
    if (touched.has(id)) {
      const row = read.get(id);
      return row !== undefined && activeAt(now, row.ci.createdAt, row.ci.retiredAt);
    }
    const i = g.index.get(id);
    return i !== undefined && g.active[i] === 1;
  };
  for (const id of touched) {
    const i = g.index.get(id);
    const row = read.get(id);
    if (i === undefined || row === undefined) {
      if (i !== undefined || row !== undefined) return false;
      continue;
    }
    if (g.active[i] !== (activeNow(id) ? 1 : 0) || g.minUp[i] !== (typeof row.ci.minUp === 'number' ? row.ci.minUp : 1)) return false;
    if (p.nodes.get(id)?.class !== row.node.class) return false;
  }
  const before: string[] = [];
  g.dependents.forEach((deps, provider) => {
    const to = g.ids[provider]!;
    for (const d of deps) {
      const from = g.ids[d.ci]!;
      if (touched.has(from) || touched.has(to)) before.push(`${d.type}\u0000${from}\u0000${to}`);
    }
  });
  const after: string[] = [];
  const members = new Set<string>();
  for (const rel of relationships) {
    if (!propagatesAt(rel, now) || !activeNow(rel.from) || !activeNow(rel.to)) continue;
    const member = membershipKey(rel);
    if (member !== null) {
      if (members.has(member)) continue;
      members.add(member);
    }
    after.push(`${rel.type}\u0000${rel.from}\u0000${rel.to}`);
  }
  if (before.length !== after.length) return false;
  before.sort();
  after.sort();
  return before.every((key, j) => key === after[j]);
}

/**
 * Brings a projection up to the state now by re-reading only the CIs the writes since its
 * load touched, with every propagating relationship on them, in one read transaction;
 * null when it cannot be done exactly, and the caller reloads whole:
 * - the projection is past its validUntil, or was loaded before any Faultline write;
 * - the database was wiped (another epoch), or a write since did not say what it
 *   touched, or its record is gone (older than TOPOLOGY_CHANGE_KEEP_MS);
 * - the count store's counts are not the load's plus what the writes declared they
 *   created (a writer that does not raise the version created or deleted something);
 * - the writes touched more than MAX_UPDATE_SHARE of the CIs, and more than
 *   MAX_UPDATE_FLOOR (a large sync: a reload reads about as much).
 * The result is indexed from the old projection's rows with the touched CIs' rows
 * replaced, so it is what a load now would index (`test/topology-projection.test.ts`);
 * when the touched CIs index as before (`sameIndex`), it keeps the old index itself, so
 * that what root cause prepared on it stands.
 */
export async function updateTopologyProjection(graph: Graph, p: TopologyProjection): Promise<TopologyProjection | null> {
  const started = performance.now();
  const now = Date.now();
  const from = versionOf(p.state);
  if (now >= p.validUntil || from.epoch === '') return null;
  return graph.readTx(async (tx) => {
    const state = stateOf(rows(await tx.run(Q.STATE)));
    const to = versionOf(state);
    if (to.epoch !== from.epoch || to.value <= from.value) return null;
    const records = rows(await tx.run(Q.CHANGES_AFTER, { version: int(from.value), epoch: from.epoch })).filter((r) => Number(r.version) <= to.value);
    if (records.length !== to.value - from.value) return null;
    const touched = new Set<string>();
    const expected = countsOf(p.state);
    for (const [k, record] of records.entries()) {
      if (Number(record.version) !== from.value + 1 + k || !Array.isArray(record.ciIds)) return null;
      for (const id of record.ciIds as unknown[]) touched.add(String(id));
      const keys = record.createdKeys as string[];
      const counts = record.createdCounts as number[];
      keys.forEach((key, j) => expected.set(key, (expected.get(key) ?? 0) + Number(counts[j])));
    }
    for (const [key, n] of countsOf(state)) if ((expected.get(key) ?? 0) !== n) return null;
    if (touched.size > Math.max(MAX_UPDATE_FLOOR, MAX_UPDATE_SHARE * p.graph.ids.length)) return null;

    const ids = [...touched];
    const valid = validity(now, p.validUntil);
    const read = new Map<string, ReadCI>();
    for (const record of (await tx.run(Q.CIS_BY_IDS, { ids, now })).records) {
      const row = ciRow(record, valid.later);
      read.set(row.ci.id, row);
    }
    // Names, classes and criticalities: the same map when no touched CI's changed (root cause keeps its name order per map).
    const renamed = ids.some((id) => {
      const [before, after] = [p.nodes.get(id), read.get(id)?.node];
      return before?.name !== after?.name || before?.class !== after?.class || before?.criticality !== after?.criticality;
    });
    let nodes = p.nodes;
    if (renamed) {
      nodes = new Map(p.nodes);
      for (const id of ids) nodes.delete(id);
      for (const row of read.values()) nodes.set(row.ci.id, row.node);
    }
    const touching: SubgraphRelationship[] = [];
    for (const record of (await tx.run(Q.RELATIONSHIPS_OF, { ids, now })).records) {
      const rel = relationshipRow(record, valid.later);
      if (nodes.has(rel.from) && nodes.has(rel.to)) touching.push(rel);
    }
    const unchanged = sameIndex(p, touched, read, touching, now);
    let indexed = p.graph;
    if (!unchanged) {
      const { cis, relationships } = rowsOf(p, touched, read);
      relationships.push(...touching);
      indexed = indexSubgraph({ cis, relationships }, now);
    }
    const update = { from: p.state.version, touched: ids.length, reindexed: !unchanged };
    return { state, loadedAt: now, validUntil: valid.until, wholeAt: p.wholeAt, graph: indexed, nodes, loadMs: performance.now() - started, update };
  });
}

/**
 * A projection in use is reloaded ahead of time once its rows are older than this share
 * of FAULTLINE_TOPOLOGY_MAX_AGE (TopologyCache.renew), so that analyses do not walk Neo4j,
 * nor rank on a graph not warmed yet, when it reaches that age.
 */
export const RENEW_AT_AGE = 0.8;

/** The projection of one database, checked against the state on every use. */
export class TopologyCache {
  private projection: TopologyProjection | null = null;
  private loading: Promise<TopologyProjection> | null = null;
  private updating: Promise<TopologyProjection | null> | null = null;
  private renewing: Promise<void> | null = null;
  /** Why the last background load failed (null after a success). */
  lastError: unknown = null;
  /**
   * Called with each projection once loaded, before it is used (e.g. to prepare it for
   * root cause), and the projection it was brought up to date from (null for a whole
   * load); a throw is kept in lastError. What it returns is awaited only before a renewal
   * replaces a projection still in use (`current`): e.g. warming what it prepared.
   */
  onLoad: ((projection: TopologyProjection, previous: TopologyProjection | null) => unknown) | null = null;

  constructor(
    private readonly graph: Graph,
    public settings: TopologyCacheSettings = DEFAULT_TOPOLOGY_CACHE_SETTINGS,
  ) {}

  /**
   * The state now, and the projection when it is current for time `at` (undefined: the
   * present, whatever time the caller started at). A projection the topology writes since
   * its load have made stale is first brought up to date by re-reading the CIs they
   * touched (`updateTopologyProjection`, awaited: 0.1–0.3 s at 100 000 CIs, then onLoad);
   * when that cannot be done, null and, when the cache is enabled, a whole reload in the
   * background. A projection whose rows are older than RENEW_AT_AGE of maxAgeMs is
   * renewed ahead of time: it is still used while a whole load is read, prepared and
   * warmed in the background (`renew`), then the load replaces it; only a projection past
   * maxAgeMs itself is never used. `known`: the state, when the caller read it just now
   * (with `readTopologyStateIn`, beside its own reads).
   */
  async current(at?: number, known?: TopologyState): Promise<{ state: TopologyState; projection: TopologyProjection | null }> {
    const state = known ?? (await readTopologyState(this.graph));
    if (!this.settings.enabled) {
      this.projection = null;
      return { state, projection: null };
    }
    // Used when `at` is a time it describes (not before its load: that is history).
    const describing = (p: TopologyProjection) => (at === undefined || (at >= p.loadedAt && at < p.validUntil) ? p : null);
    const p = this.projection;
    const now = Date.now();
    const young = p !== null && now - p.wholeAt <= this.settings.maxAgeMs;
    if (p && young && now - p.wholeAt > RENEW_AT_AGE * this.settings.maxAgeMs) this.renew();
    if (p && young && p.state.key === state.key && now < p.validUntil) return { state, projection: describing(p) };
    if (p && young && !this.loading) {
      const updated = await this.update(p);
      if (updated) return { state: updated.state, projection: describing(updated) };
    }
    this.projection = null;
    this.refresh().catch(() => undefined); // lastError keeps why
    return { state, projection: null };
  }

  /**
   * Loads the projection whole in the background while the one in use still serves (and
   * catches up with writes), and replaces it once onLoad's work on the load is done (one
   * renewal at a time). The load may then be older than the state: the next use catches
   * it up, as any projection. A failure is kept in lastError; the projection in use serves
   * until maxAgeMs, and the next use after the failure tries again.
   */
  private renew(): void {
    if (this.renewing || this.loading) return;
    this.renewing = (async () => {
      try {
        const q = await loadTopologyProjection(this.graph);
        this.lastError = null;
        await this.onLoad?.(q, null);
        // Unless the projection was dropped meanwhile, or replaced by a newer whole load.
        if (this.settings.enabled && this.projection && this.projection.wholeAt < q.wholeAt) this.projection = q;
      } catch (error) {
        this.lastError = error;
      } finally {
        this.renewing = null;
      }
    })();
  }

  /** Brings `p` up to date (one update at a time; callers during one share it); null when it cannot be. */
  private update(p: TopologyProjection): Promise<TopologyProjection | null> {
    this.updating ??= updateTopologyProjection(this.graph, p)
      .then(
        (q) => {
          if (!q) return null;
          this.ready(q, p);
          if (this.projection === p) this.projection = this.settings.enabled ? q : null;
          return q;
        },
        (error: unknown) => {
          this.lastError = error;
          return null;
        },
      )
      .finally(() => {
        this.updating = null;
      });
    return this.updating;
  }

  /** Hands a projection to onLoad before it is used, without waiting for what it returns; a throw there, or a rejection, is kept in lastError. */
  private ready(p: TopologyProjection, previous: TopologyProjection | null): void {
    this.lastError = null;
    try {
      Promise.resolve(this.onLoad?.(p, previous)).catch((error: unknown) => {
        this.lastError = error;
      });
    } catch (error) {
      this.lastError = error;
    }
  }

  /** Loads the projection now (one load at a time; callers during a load share it). */
  refresh(): Promise<TopologyProjection> {
    this.loading ??= loadTopologyProjection(this.graph)
      .then(
        (p) => {
          this.ready(p, null);
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

  /**
   * The projection held, unchecked: what `current` will most likely answer. A caller may
   * work on it while it reads the state with its own reads, in one transaction
   * (`readTopologyStateIn`), then pass that state to `current` and use its work only if
   * `current` answers this same projection.
   */
  peek(): TopologyProjection | null {
    return this.settings.enabled ? this.projection : null;
  }

  /** Drops the projection (tests, or a caller that knows the graph changed behind Faultline's back). */
  clear(): void {
    this.projection = null;
  }

  /**
   * Drops `p` if it is the projection in use and loads the graph whole in the background:
   * a caller read CIs that contradict it (an edit made straight in Neo4j that raised no
   * version). Until the load, callers walk Neo4j.
   */
  contradicted(p: TopologyProjection): void {
    if (this.projection !== p) return;
    this.projection = null;
    this.refresh().catch(() => undefined); // lastError keeps why
  }
}

/** The cache of the graph's driver and database (made on first use, with the default settings). */
export const topologyCache: (graph: Graph) => TopologyCache = perDatabase((graph) => new TopologyCache(graph, { ...DEFAULT_TOPOLOGY_CACHE_SETTINGS }));
