/**
 * The fault-injection evaluation of root-cause ranking (issue 6). For each topology
 * (size, seed) and variant (one root, two roots) it draws scenarios (faults.ts), asks a
 * ranker, and scores AC@1/3/5, mean rank and latency strictly and up to equivalence
 * (same broken user-facing CIs, same states), against two naive baselines.
 *
 * Rankers: `memoryRanker` runs the model on the whole generated graph in memory (many
 * trials, fast); test/eval/service-ranker.ts loads the topology into Neo4j and goes
 * through ITSM incidents and changes and the root-cause service, end to end.
 */
import { rankRootCauses, type RcaChange, type RcaOptions } from '../../server/rootcause/model.js';
import { generateCMDB, type GeneratedCMDB } from '../generator/index.js';
import { oracleRanking, oracleRankingTwoRoots, type OracleForget } from './oracle.js';
import {
  fitCalibration,
  MAX_OUTAGE_INCIDENTS,
  outageRoot,
  outagesToLearnFrom,
  type Calibration,
  type PastIncident,
  type ReportingSample,
} from '../../server/rootcause/calibration.js';
import { DEFAULT_CHANGES_WINDOW } from '../../server/rootcause/service.js';
import { backgroundIncidents, canDrawRoots, drawScenario, HOUR, PAST_INCIDENT_GAP_MS, pastOutageTimes, PROTOCOL, prng, reportingSample, signature, topology, upstream, type BackgroundIncident, type Scenario, type Topology } from './faults.js';

export interface Ranker {
  /** Prepares a topology (load it, index it); called once per topology. */
  prepare(t: Topology): Promise<void>;
  /** The ranked candidate ids for a scenario whose first incident is at `t0`, and how long the ranking took. */
  rank(t: Topology, scenario: Scenario, t0: number): Promise<{ ranked: string[]; ms: number }>;
  /**
   * Puts past outages of the topology on record for the ranking to learn from
   * (calibration.ts): as resolved problems (one root each, the incidents on what it
   * broke linked), or, `unlabelled`, as resolved incidents alone (noise included), no
   * problem naming a root, with the `background` incidents between them. Returns what
   * was learnt (undefined: too few samples, the rate stays unknown).
   */
  learn(t: Topology, past: Scenario[], record: PastRecord): Promise<Calibration | undefined>;
  close?(): Promise<void>;
}

/** How past outages are on record (`Ranker.learn`). */
export interface PastRecord {
  /** As resolved incidents alone, no problems (the ranking labels them itself). */
  unlabelled: boolean;
  /** Unrelated resolved incidents between them (faults.ts, `backgroundIncidents`; only with `unlabelled`). */
  background?: readonly BackgroundIncident[];
}

/** A topology given to the evaluation instead of generating one (a real graph). */
export interface TopologySource {
  /** Table row: topologies of one group are pooled. */
  group: string;
  /** For progress lines (the graph's name). */
  label: string;
  /** Seeds the scenario draws (with `size`). */
  seed: number;
  size: number;
  data: GeneratedCMDB;
  /** Roots are drawn uniformly among these CIs (default: the generator's layer-first draw). */
  rootPool?: readonly string[];
}

export interface EvalConfig {
  /** Generated topologies: every size with every seed (ignored when `topologies` is given). */
  sizes: number[];
  seeds: number[];
  /** Given topologies (e.g. test/topologies/microdep.ts) instead of generated ones. */
  topologies?: TopologySource[];
  /** Scenarios per topology and variant. */
  trials: number;
  variants: (1 | 2)[];
  reportRate?: number;
  noiseRate?: number;
  /** Decoy changes per scenario (default 4). */
  decoys?: number;
  /** What the ceiling ranking forgets of the protocol (oracle.ts; a diagnostic). */
  oracleForget?: ReadonlySet<OracleForget>;
  /**
   * Past one-root outages per topology put on record as resolved problems before the
   * trials (default 0: none, the reporting rate is then unknown to the ranking). Drawn
   * with their own seed, by the same protocol.
   */
  history?: number;
  /** The past outages are put on record as resolved incidents alone, without problems (the ranking labels them itself). */
  unlabelled?: boolean;
  /** Unrelated resolved incidents per hour between the unlabelled past outages (`backgroundIncidents`; default 0). */
  background?: number;
  /**
   * Incidents on the DEGRADED user-facing CIs too, and equivalence as the same broken CIs
   * whatever their states (faults.ts, ScenarioOptions.reportDegraded; a diagnostic of the
   * other reading of the protocol). The ceiling models the DOWN reading and is left out.
   */
  reportDegraded?: boolean;
}

export interface MethodStats {
  ac1: number;
  ac3: number;
  ac5: number;
  meanRank: number;
}

export interface VariantResult {
  variant: 1 | 2;
  trials: number;
  /** Scenarios drawn again because the root broke no user-facing CI. */
  redrawn: number;
  /** Share of scenarios where another candidate is indistinguishable from a root. */
  tieRate: number;
  strict: Record<Method, MethodStats>;
  equivalent: Record<Method, MethodStats>;
  latencyMs: { p50: number; p95: number; max: number };
  observations: { mean: number; max: number };
  /** Two roots: both within the first 5 (strict, up to equivalence; the ceiling's up to equivalence). */
  bothTop5?: { strict: number; equivalent: number; ceilingEquivalent: number };
  /**
   * Two roots: share of trials where each root explains an observation the other does not
   * break (otherwise no ranking can tell from the observations that the second one
   * failed), and both in the top 5 ≡ within those.
   */
  separable?: { share: number; bothTop5Equivalent: number };
  byLayer: Map<string, { n: number; ac1: number }>;
}

/** `protocolOracle`: the ceiling (oracle.ts). */
export const METHODS = ['faultline', 'mostExplained', 'mostUpstreamObserved', 'protocolOracle'] as const;
export type Method = (typeof METHODS)[number];

const nearestRank = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

/** Baseline 1: the candidate whose failure breaks the most observations; ties in random order. */
function mostExplained(t: Topology, s: Scenario, rand: () => number): string[] {
  const observed = new Set(s.observed.map((id) => t.graph.index.get(id)!));
  const scored = upstream(t, s.observed).map((id) => {
    const spread = t.spreader.spread(t.graph.index.get(id)!);
    let e = 0;
    for (const i of spread.nodes) if (observed.has(i)) e++;
    return { id, e, r: rand() };
  });
  return scored.sort((a, b) => b.e - a.e || a.r - b.r).map((x) => x.id);
}

/** Baseline 2: the observed CI with the most other observations downstream of it; ties random. */
function mostUpstreamObserved(t: Topology, s: Scenario, rand: () => number): string[] {
  const observed = new Set(s.observed.map((id) => t.graph.index.get(id)!));
  const scored = s.observed.map((id) => {
    let e = 0;
    for (const i of t.spreader.spread(t.graph.index.get(id)!).nodes) if (observed.has(i)) e++;
    return { id, e, r: rand() };
  });
  return scored.sort((a, b) => b.e - a.e || a.r - b.r).map((x) => x.id);
}

/** Whether each root explains an observation the other root's failure does not break. */
function separableRoots(t: Topology, s: Scenario): boolean {
  const broken = s.roots.map((r) => new Set(t.spreader.spread(t.graph.index.get(r)!).nodes));
  const observed = s.observed.map((id) => t.graph.index.get(id)!);
  return broken.every((mine, k) => observed.some((i) => mine.has(i) && !broken[1 - k]!.has(i)));
}

/**
 * A root's place in a ranked list: 1-based, or the list's length + 1 when the list does not
 * name it (`listed` false). A root the list does not name is never "in the top k", however
 * short the list: counting it there would reward a short list (until 2026-11-27 17:00 it did,
 * in the baselines' favour: "most upstream observed CI" lists only observed CIs).
 */
interface Place {
  rank: number;
  listed: boolean;
}

function rankOf(candidates: string[], match: (id: string, position: number) => boolean): Place {
  for (let k = 0; k < candidates.length; k++) if (match(candidates[k]!, k)) return { rank: k + 1, listed: true };
  return { rank: candidates.length + 1, listed: false };
}

const inTop = (p: Place, k: number) => p.listed && p.rank <= k;
/** Two roots: a trial counts the worse of the two places. */
const worse = (places: Place[]): Place => places.reduce((a, b) => (!b.listed || (a.listed && b.rank > a.rank) ? b : a));

/** How deep equivalence is checked (signatures cost a propagation each). */
const EQUIVALENCE_DEPTH = 30;

function ranks(t: Topology, candidates: string[], root: string, rootSignature: string, withStates: boolean) {
  const strict = rankOf(candidates, (id) => id === root);
  const cache = new Map<string, string>();
  const alike = rankOf(candidates, (id, k) => {
    if (k >= EQUIVALENCE_DEPTH) return false;
    let sig = cache.get(id);
    if (sig === undefined) cache.set(id, (sig = signature(t, [id], withStates)));
    return sig === rootSignature;
  });
  const equivalent = alike.listed && alike.rank < strict.rank ? alike : strict;
  return { strict, equivalent };
}

function stats(places: Place[]): MethodStats {
  if (places.length === 0) return { ac1: Number.NaN, ac3: Number.NaN, ac5: Number.NaN, meanRank: Number.NaN };
  const n = places.length;
  return {
    ac1: places.filter((p) => inTop(p, 1)).length / n,
    ac3: places.filter((p) => inTop(p, 3)).length / n,
    ac5: places.filter((p) => inTop(p, 5)).length / n,
    meanRank: places.reduce((a, p) => a + p.rank, 0) / n,
  };
}

export interface TopologyResult {
  /** Set for given topologies: the table pools results by group. */
  group?: string;
  size: number;
  seed: number;
  cis: number;
  variants: VariantResult[];
}

/** The topologies to evaluate, each built when its turn comes (a 10k-CI generated graph is not small). */
function* sources(config: EvalConfig): Generator<Omit<TopologySource, 'group'> & { group?: string }> {
  if (config.topologies) {
    yield* config.topologies;
    return;
  }
  for (const size of config.sizes) {
    for (const seed of config.seeds) yield { size, seed, label: `size ${size} seed ${seed}`, data: generateCMDB({ n: size, seed }) };
  }
}

/** What a ranker learnt from the past outages, in one line. */
export function describeLearnt(c: Calibration | undefined): string {
  if (!c) return 'nothing learnt (too few samples: the report rate stays unknown)';
  const r = c.reporting;
  return `learnt from ${c.problems} problems and ${c.outages} outages (${c.outliers} outliers left out): rate ${r.rate.toFixed(3)} ± ${r.rateError.toFixed(3)}, spread ${r.spread.toFixed(2)} reports`;
}

export async function evaluate(ranker: Ranker, config: EvalConfig, log: (line: string) => void = () => {}): Promise<TopologyResult[]> {
  const results: TopologyResult[] = [];
  const reportRate = config.reportRate ?? PROTOCOL.reportRate;
  const noiseRate = config.noiseRate ?? PROTOCOL.noiseRate;
  // Equivalence: the same broken user-facing CIs, in the same states unless DEGRADED ones draw incidents too.
  const withStates = !config.reportDegraded;
  for (const source of sources(config)) {
    const { size, seed, data, rootPool } = source;
    const scenarioOptions = (roots: 1 | 2) => ({ roots, reportRate, noiseRate, rootPool, decoys: config.decoys, reportDegraded: config.reportDegraded });
    const t = topology(data, Date.now());
    await ranker.prepare(t);
    if (config.history) {
      const pastRand = prng(seed * 1000 + 99 + size);
      const past: Scenario[] = [];
      for (let guard = 0; past.length < config.history; guard++) {
        if (guard > 1000 * config.history) throw new Error(`${source.label}: cannot draw past outages`);
        const s = drawScenario(t, pastRand, scenarioOptions(1));
        if (s) past.push(s);
      }
      const unlabelled = config.unlabelled ?? false;
      const background = unlabelled && config.background ? backgroundIncidents(t, prng(seed * 1000 + 77 + size), config.background, past.length) : [];
      const learnt = await ranker.learn(t, past, { unlabelled, background });
      log(`${source.label}: ${describeLearnt(learnt)}`);
    }
    const variants: VariantResult[] = [];
    const poolSet = rootPool ? new Set(rootPool) : undefined;
    for (const variant of config.variants) {
      if (rootPool && !canDrawRoots(t, rootPool, variant, config.reportDegraded)) {
        log(`${source.label}: no ${variant} root(s) with distinct footprints; skipped`);
        continue;
      }
      const rand = prng(seed * 1000 + variant * 7 + size);
      const per: Record<'strict' | 'equivalent', Record<Method, Place[]>> = {
        strict: { faultline: [], mostExplained: [], mostUpstreamObserved: [], protocolOracle: [] },
        equivalent: { faultline: [], mostExplained: [], mostUpstreamObserved: [], protocolOracle: [] },
      };
      const latencies: number[] = [];
      const observationCounts: number[] = [];
      const byLayer = new Map<string, { n: number; ac1: number }>();
      let ties = 0;
      let redrawn = 0;
      const both = { strict: 0, equivalent: 0, oracle: 0 };
      const separable = { n: 0, both: 0 };
      for (let trial = 0; trial < config.trials; trial++) {
        let scenario: Scenario | null = null;
        while (!scenario) {
          scenario = drawScenario(t, rand, scenarioOptions(variant));
          if (!scenario && ++redrawn > 1000 * config.trials) throw new Error(`${source.label}: cannot draw a ${variant}-root scenario`);
        }
        observationCounts.push(scenario.observed.length);
        const t0 = Date.now() - 2 * HOUR;
        const { ranked, ms } = await ranker.rank(t, scenario, t0);
        latencies.push(ms);
        const lists: Record<Method, string[]> = {
          faultline: ranked,
          mostExplained: mostExplained(t, scenario, rand),
          mostUpstreamObserved: mostUpstreamObserved(t, scenario, rand),
          protocolOracle: config.reportDegraded ? [] : (variant === 1 ? oracleRanking : oracleRankingTwoRoots)(
            t,
            scenario,
            { reportRate, noiseRate, forget: config.oracleForget },
            prng(seed * 7919 + trial),
            poolSet,
          ),
        };
        const sigs = scenario.roots.map((r) => signature(t, [r], withStates));
        // Ties: another candidate (upstream of the observations) indistinguishable from a root.
        const candidates = upstream(t, scenario.observed);
        if (
          candidates.some((c) => !scenario.roots.includes(c) && sigs.includes(signature(t, [c], withStates)))
        ) {
          ties++;
        }
        for (const method of METHODS) {
          if (method === 'protocolOracle' && lists.protocolOracle.length === 0) continue;
          const r = scenario.roots.map((root, k) => ranks(t, lists[method], root, sigs[k]!, withStates));
          // One root: its rank; two roots: the worse of the two.
          per.strict[method].push(worse(r.map((x) => x.strict)));
          per.equivalent[method].push(worse(r.map((x) => x.equivalent)));
          if (method === 'protocolOracle' && variant === 2 && r.every((x) => inTop(x.equivalent, 5))) both.oracle++;
          if (method === 'faultline') {
            if (variant === 2) {
              if (r.every((x) => inTop(x.strict, 5))) both.strict++;
              if (r.every((x) => inTop(x.equivalent, 5))) both.equivalent++;
              if (separableRoots(t, scenario)) {
                separable.n++;
                if (r.every((x) => inTop(x.equivalent, 5))) separable.both++;
              }
            } else {
              const layer = scenario.rootLayers[0]!;
              const entry = byLayer.get(layer) ?? { n: 0, ac1: 0 };
              entry.n++;
              if (inTop(r[0]!.equivalent, 1)) entry.ac1++;
              byLayer.set(layer, entry);
            }
          }
        }
      }
      latencies.sort((a, b) => a - b);
      const n = config.trials;
      variants.push({
        variant,
        trials: n,
        redrawn,
        tieRate: ties / n,
        strict: Object.fromEntries(METHODS.map((m) => [m, stats(per.strict[m])])) as Record<Method, MethodStats>,
        equivalent: Object.fromEntries(METHODS.map((m) => [m, stats(per.equivalent[m])])) as Record<Method, MethodStats>,
        latencyMs: { p50: nearestRank(latencies, 0.5), p95: nearestRank(latencies, 0.95), max: latencies.at(-1) ?? Number.NaN },
        observations: { mean: observationCounts.reduce((a, b) => a + b, 0) / n, max: Math.max(...observationCounts) },
        bothTop5: variant === 2 ? { strict: both.strict / n, equivalent: both.equivalent / n, ceilingEquivalent: config.reportDegraded ? Number.NaN : both.oracle / n } : undefined,
        separable: variant === 2 ? { share: separable.n / n, bothTop5Equivalent: separable.n ? separable.both / separable.n : Number.NaN } : undefined,
        byLayer,
      });
      log(`${source.label} ${variant} root(s): ${n} trials done`);
    }
    results.push({ group: source.group, size, seed, cis: data.cis.length, variants });
  }
  await ranker.close?.();
  return results;
}

const nodesOf = new WeakMap<Topology, Map<string, { class: string; name: string }>>();
const nodes = (t: Topology) => {
  let known = nodesOf.get(t);
  if (!known) nodesOf.set(t, (known = new Map([...t.classes].map(([id, cls]) => [id, { class: cls, name: t.names.get(id) ?? id }]))));
  return known;
};

/**
 * The model on the whole generated graph for one scenario whose first incident is at
 * `t0`, with the scenario's changes or those given (implemented at the times given).
 */
function rankInMemory(t: Topology, scenario: Scenario, t0: number, options: Partial<RcaOptions> | undefined, onRecord?: RcaChangeOn[]) {
  const changes = new Map<string, RcaChange[]>();
  const list = onRecord ?? scenario.changes.map((c, k) => ({ ciId: c.ciId, change: { id: `CHG-${k + 1}`, title: c.decoy ? 'routine change' : 'change', implementedAt: t0 - c.before } }));
  for (const { ciId, change } of list) changes.set(ciId, [...(changes.get(ciId) ?? []), change]);
  return rankRootCauses({
    graph: t.graph,
    nodes: nodes(t),
    observations: scenario.observed.map((ciId) => ({ ciId, incidentIds: [] })),
    candidates: upstream(t, scenario.observed),
    changes,
    referenceTime: t0,
    userFacingTotal: t.userFacingIds.length,
    classCounts: t.classCounts,
    options,
  });
}

interface RcaChangeOn {
  ciId: string;
  change: RcaChange;
}

/**
 * The samples past outages teach, in memory: as resolved problems, or, `unlabelled`, as
 * the service labels a past outage no problem explains (calibration.ts): ranked with the
 * rate unknown and the changes on record in its window (its own and those of the
 * outages around it, at `pastOutageTimes`, as service-ranker.ts records them), its root
 * taken when the ranking is sure, what that root breaks counted against every incident
 * of the outage, noise included. The outages are found as the service finds them
 * (`outagesToLearnFrom` over the latest MAX_OUTAGE_INCIDENTS incidents): each outage's
 * incidents 10 s apart from its time on, and the background incidents, which may join
 * an outage, chain outages together or make outages of their own.
 */
export function pastSamples(t: Topology, past: readonly Scenario[], { unlabelled, background = [] }: PastRecord, now = Date.now()): ReportingSample[] {
  if (!unlabelled) return past.map((s) => reportingSample(t, s));
  const times = pastOutageTimes(past.length, now);
  const onRecord: RcaChangeOn[] = past.flatMap((s, k) =>
    s.changes.map((c, j) => ({ ciId: c.ciId, change: { id: `CHG-${k}-${j}`, title: c.decoy ? 'routine change' : 'change', implementedAt: Math.round(times[k]! - c.before) } })),
  );
  const resolved = (id: string, ciId: string, openedAt: number): PastIncident => ({ id, openedAt, updatedAt: 0, open: false, grouped: false, affects: [ciId] });
  const incidents = [
    ...past.flatMap((s, k) => s.observed.map((ciId, j) => resolved(`P${k}-${j}`, ciId, times[k]! + j * PAST_INCIDENT_GAP_MS))),
    ...background.map((b, k) => resolved(`B${k}`, b.ciId, times[0]! + b.after)),
  ].sort((a, b) => b.openedAt - a.openedAt);
  const samples: ReportingSample[] = [];
  for (const outage of outagesToLearnFrom(incidents.slice(0, MAX_OUTAGE_INCIDENTS))) {
    const t0 = outage.firstOpenedAt;
    const changes = onRecord.filter((c) => c.change.implementedAt >= t0 - DEFAULT_CHANGES_WINDOW);
    const seen: Scenario = { roots: [], rootLayers: [], observed: outage.reported, noise: [], changes: [] };
    const root = outageRoot(outage.incidentIds.length, rankInMemory(t, seen, t0, undefined, changes));
    if (root) samples.push({ ...reportingSample(t, { ...seen, roots: [root] }), selfLabelled: true });
  }
  return samples;
}

/** The model on the whole generated graph, in memory: no database, the same scoring (`options`: a diagnostic override of the defaults). */
export function memoryRanker(options?: Partial<RcaOptions>): Ranker {
  const learnt = new WeakMap<Topology, Partial<RcaOptions>>();
  return {
    async prepare() {},
    async learn(t, past, record) {
      const calibration = fitCalibration(pastSamples(t, past, record));
      if (calibration) learnt.set(t, { reporting: calibration.reporting, degradedRatio: calibration.degradedRatio });
      return calibration;
    },
    async rank(t, scenario, t0) {
      const start = performance.now();
      const ranked = rankInMemory(t, scenario, t0, { ...learnt.get(t), ...options });
      return { ranked: ranked.map((c) => c.ciId), ms: performance.now() - start };
    },
  };
}
