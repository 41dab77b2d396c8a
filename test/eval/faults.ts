/**
 * Fault injection on a generated topology (issue 6): pick true roots, compute what their
 * failure breaks with the real impact rule, sample incidents and noise, put changes on
 * the roots and decoy changes elsewhere. Pure: the same (topology, seed) gives the same
 * scenarios, which the evaluation then replays in memory or through the API.
 */
import { USER_FACING_CLASSES } from '../../graph-schema/index.js';
import { indexSubgraph, type IndexedSubgraph } from '../../server/impact/propagate.js';
import { Spreader } from '../../server/rootcause/spread.js';
import { countBroken, type ReportingSample } from '../../server/rootcause/calibration.js';
import type { GeneratedCMDB, Layer } from '../generator/index.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Every layer that can fail and be depended on (directory users and groups cannot). */
export const ROOT_LAYERS: readonly Layer[] = [
  'site', 'room', 'rack', 'networkCore', 'networkDistribution', 'networkAccess', 'storage', 'host', 'clusterMember',
  'cluster', 'vm', 'container', 'loadBalancer', 'dbCluster', 'db', 'app', 'platformService', 'appService', 'businessService',
];

export interface ScenarioChange {
  ciId: string;
  /** ms before the first incident. */
  before: number;
  decoy: boolean;
}

export interface Scenario {
  roots: string[];
  rootLayers: Layer[];
  /** Observed failing CIs: sampled from what the roots break, then noise. */
  observed: string[];
  noise: string[];
  changes: ScenarioChange[];
}

export interface Topology {
  data: GeneratedCMDB;
  graph: IndexedSubgraph;
  spreader: Spreader;
  userFacing: Uint8Array;
  userFacingIds: string[];
  classes: Map<string, string>;
  /** CIs per class (what the service reads from the label counts). */
  classCounts: Map<string, number>;
  /** The generator layer of each CI. */
  layers: Map<string, Layer>;
  names: Map<string, string>;
  /** Providers per node index (upstream along propagating arrows). */
  providers: number[][];
}

export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A uniformly random permutation (Fisher–Yates). Sorting with a random comparator is not
 * one: it leaves elements near where they were, so "a random 30 %" of a spread taken that
 * way favours the CIs the spread reached first.
 */
export function shuffle<T>(xs: readonly T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function topology(data: GeneratedCMDB, at: number): Topology {
  const minUp = new Map<string, number>();
  for (const ci of data.cis) if (typeof ci.attributes?.minUp === 'number') minUp.set(ci.id, ci.attributes.minUp);
  const graph = indexSubgraph(
    {
      cis: data.cis.map((c) => ({ id: c.id, createdAt: null, retiredAt: c.retiredAt ?? null, minUp: minUp.get(c.id) ?? null })),
      relationships: data.relationships,
    },
    at,
  );
  const uf = new Set(USER_FACING_CLASSES);
  const classes = new Map(data.cis.map((c) => [c.id, c.class]));
  const classCounts = new Map<string, number>();
  for (const cls of classes.values()) classCounts.set(cls, (classCounts.get(cls) ?? 0) + 1);
  const names = new Map(data.cis.map((c) => [c.id, c.name]));
  const userFacing = new Uint8Array(graph.ids.length);
  graph.ids.forEach((id, i) => {
    if (uf.has(classes.get(id) ?? '')) userFacing[i] = 1;
  });
  const providers: number[][] = graph.ids.map(() => []);
  graph.dependents.forEach((deps, p) => deps.forEach((d) => providers[d.ci]!.push(p)));
  return {
    data,
    graph,
    spreader: new Spreader(graph),
    userFacing,
    userFacingIds: graph.ids.filter((_id, i) => userFacing[i]),
    classes,
    classCounts,
    layers: new Map(data.cis.map((c) => [c.id, c.layer])),
    names,
    providers,
  };
}

/**
 * The user-facing CIs a failure of `ciIds` breaks, with their states: the equivalence
 * signature. `withStates` false: the broken CIs alone (the equivalence of the
 * `reportDegraded` reading, where a DEGRADED CI draws incidents like a DOWN one).
 */
export function signature(t: Topology, ciIds: readonly string[], withStates = true): string {
  const states = new Map<number, number>();
  for (const id of ciIds) {
    const i = t.graph.index.get(id);
    if (i === undefined) continue;
    const s = t.spreader.spread(i);
    s.nodes.forEach((node, k) => {
      if (t.userFacing[node]) states.set(node, withStates ? Math.max(states.get(node) ?? 0, s.states[k]!) : 1);
    });
  }
  return [...states].sort((a, b) => a[0] - b[0]).map(([i, s]) => `${i}:${s}`).join(',');
}

/** User-facing CIs DOWN when these fail (`degradedToo`: DOWN or DEGRADED; joint failure: a cluster losing two members). */
export function downUserFacing(t: Topology, roots: readonly string[], degradedToo = false): string[] {
  // Joint failures are rare in the scenarios; the union of single failures is what
  // the incidents sample from (two independent roots rarely share a cluster).
  const out = new Set<string>();
  for (const id of roots) {
    const s = t.spreader.spread(t.graph.index.get(id)!);
    s.nodes.forEach((node, k) => {
      if (t.userFacing[node] && (degradedToo || s.states[k] === 2)) out.add(t.graph.ids[node]!);
    });
  }
  return [...out];
}

/**
 * What a resolved one-root scenario would leave on record as a problem (the root named,
 * the incidents on what it broke linked, the noise not): the sample calibration.ts
 * learns from.
 */
export function reportingSample(t: Topology, s: Scenario): ReportingSample {
  if (s.roots.length !== 1) throw new Error('reportingSample: one root');
  const spread = t.spreader.spread(t.graph.index.get(s.roots[0]!)!);
  const reported = new Set(s.observed.filter((id) => !s.noise.includes(id)).map((id) => t.graph.index.get(id)!));
  const sample: ReportingSample = { down: 0, degraded: 0, reportedDown: 0, reportedDegraded: 0 };
  spread.nodes.forEach((node, k) => {
    if (t.userFacing[node]) countBroken(sample, spread.states[k] === 2, reported.has(node));
  });
  return sample;
}

/** Upstream closure (node ids) of some CIs, for near-miss decoys. */
export function upstream(t: Topology, ciIds: readonly string[]): string[] {
  const seen = new Set<number>();
  const stack = ciIds.map((id) => t.graph.index.get(id)!).filter((i) => i !== undefined);
  for (const i of stack) seen.add(i);
  while (stack.length) {
    const i = stack.pop()!;
    for (const p of t.providers[i]!) {
      if (!seen.has(p)) {
        seen.add(p);
        stack.push(p);
      }
    }
  }
  return [...seen].map((i) => t.graph.ids[i]!);
}

/** How far apart a past outage's incidents opened (`--history`). */
export const PAST_INCIDENT_GAP_MS = 10_000;

/** When past outages put on record (`--history`) first opened: a day apart, the last a month before `now`. */
export function pastOutageTimes(count: number, now: number): number[] {
  return Array.from({ length: count }, (_v, k) => now - (count + 30) * DAY + k * DAY);
}

/** An unrelated incident of the past (`--background`), on a user-facing CI, `after` ms after the first past outage's first incident (before it when negative). */
export interface BackgroundIncident {
  ciId: string;
  after: number;
}

/**
 * Unrelated incidents between the past outages (`--background R`): a Poisson stream of R
 * per hour on user-facing CIs drawn uniformly, from a day before the first of `count`
 * outages (at `pastOutageTimes`) to a day after the last. What a busy service desk
 * records besides outages; the outage grouping must find the outages among them.
 */
export function backgroundIncidents(t: Topology, rand: () => number, perHour: number, count: number): BackgroundIncident[] {
  const out: BackgroundIncident[] = [];
  if (!(perHour > 0) || count === 0) return out;
  const gap = () => (-Math.log(1 - rand()) * HOUR) / perHour;
  for (let after = -DAY + gap(); after < count * DAY; after += gap()) {
    out.push({ ciId: t.userFacingIds[Math.floor(rand() * t.userFacingIds.length)]!, after: Math.round(after) });
  }
  return out;
}

/** The protocol: incidents on 30 % of what a root takes DOWN, noise incidents at 20 % of those. */
export const PROTOCOL = { reportRate: 0.3, noiseRate: 0.2 } as const;

export interface ScenarioOptions {
  roots: 1 | 2;
  reportRate: number;
  noiseRate: number;
  /**
   * Pick each root uniformly among these CIs instead of a layer first (real topologies,
   * where layers are a handful of CI roles, not the generator's 19 layers).
   */
  rootPool?: readonly string[];
  /** Decoy changes per scenario, half anywhere, half near misses (default 4: two and two). */
  decoys?: number;
  /**
   * Incidents on a share of every user-facing CI the roots break, DEGRADED ones too (the
   * other reading of "the impacted user-facing CIs": the impact report's `impacted`);
   * roots then need only break a user-facing CI, and distinct footprints are distinct
   * broken sets, states aside. Default false: the CIs they take DOWN (docs/rootcause.md).
   */
  reportDegraded?: boolean;
}

/** Whether `roots` distinct-footprint roots that break a user-facing CI can be drawn from the pool. */
export function canDrawRoots(t: Topology, pool: readonly string[], roots: number, reportDegraded = false): boolean {
  const seen = new Set<string>();
  for (const id of pool) {
    if (downUserFacing(t, [id], reportDegraded).length === 0) continue;
    seen.add(signature(t, [id], !reportDegraded));
    if (seen.size >= roots) return true;
  }
  return false;
}

/** One scenario; null when the drawn roots break no user-facing CI (drawn again by the caller). */
export function drawScenario(t: Topology, rand: () => number, options: ScenarioOptions): Scenario | null {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const layers = options.rootPool ? [] : ROOT_LAYERS.filter((l) => t.data.byLayer[l].length > 0);
  const roots: string[] = [];
  const rootLayers: Layer[] = [];
  const signatures: string[] = [];
  for (let r = 0; r < options.roots; r++) {
    let layer: Layer;
    let root: string;
    if (options.rootPool) {
      root = pick(options.rootPool);
      layer = t.data.cis.find((c) => c.id === root)!.layer;
    } else {
      layer = pick(layers);
      root = pick(t.data.byLayer[layer]);
    }
    if (downUserFacing(t, [root], options.reportDegraded).length === 0) return null;
    const sig = signature(t, [root], !options.reportDegraded);
    if (roots.includes(root) || signatures.includes(sig)) return null;
    roots.push(root);
    rootLayers.push(layer);
    signatures.push(sig);
  }
  const observed: string[] = [];
  for (const root of roots) {
    const broken = downUserFacing(t, [root], options.reportDegraded);
    const take = Math.max(1, Math.round(broken.length * options.reportRate));
    const shuffled = shuffle(broken, rand);
    for (const id of shuffled.slice(0, take)) if (!observed.includes(id)) observed.push(id);
  }
  // Noise is unrelated: neither broken nor degraded by the roots.
  const touched = new Set<number>();
  for (const r of roots) for (const i of t.spreader.spread(t.graph.index.get(r)!).nodes) touched.add(i);
  const noiseCount = Math.floor(observed.length * options.noiseRate + rand());
  const noise: string[] = [];
  for (let guard = 0; noise.length < noiseCount && guard < 1000; guard++) {
    const id = pick(t.userFacingIds);
    if (touched.has(t.graph.index.get(id)!) || noise.includes(id)) continue;
    noise.push(id);
  }
  const changes: ScenarioChange[] = [];
  for (const root of roots) if (rand() < 0.5) changes.push({ ciId: root, before: 5 * MINUTE + rand() * 3 * HOUR, decoy: false });
  // Decoys: two anywhere, two upstream of what is observed (near misses), all recent.
  const near = upstream(t, [...observed, ...noise]).filter((id) => !roots.includes(id));
  const all = t.graph.ids;
  const decoys = options.decoys ?? 4;
  for (let k = 0; k < decoys; k++) {
    const pool = k < decoys / 2 ? all : near;
    if (pool.length === 0) continue; // a tiny real graph: nothing upstream but the roots
    const id = pick(pool);
    if (roots.includes(id)) continue;
    changes.push({ ciId: id, before: 5 * MINUTE + rand() * 6 * HOUR, decoy: true });
  }
  return { roots, rootLayers, observed: [...observed, ...noise], noise, changes };
}
