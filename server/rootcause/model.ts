/**
 * The root-cause ranking (docs/rootcause.md has the method and the evaluation): a
 * Bayesian score per hypothesis "these CIs failed", on one fetched subgraph, no I/O.
 *
 * A failure of c breaks exactly c's downstream closure (impact semantics: a broken CI
 * breaks its dependents at least DEGRADED); redundancy only decides which of them go
 * DOWN. So what c explains and how many user-facing CIs it breaks come from the closure
 * (counted once per graph), and only its DOWN part is walked per ranking. Of the
 * observations, E are explained (broken by c); the broken user-facing CIs nobody
 * reported weigh W (DOWN 1, DEGRADED `degradedRatio`). Users report a broken
 * user-facing CI with an unknown rate r ~ Beta(a, b), so
 *   P(obs | c) = B(E + a, W + b) / B(a, b) * eta^(N - E)
 * where each of the N - E unexplained observations is noise with the per-CI noise rate
 * eta. Integrating r out is the Occam factor: a site that explains 3 incidents and
 * breaks 2 000 silent services scores far below the database that explains the same 3
 * and breaks 4. With a reporting model learnt from resolved problems (calibration.ts),
 * the number of reports is instead about rate x (E + W), as learnt. The prior is raised
 * by changes implemented shortly before the first incident, by recorded
 * attribute/relationship changes and by open incidents on c.
 * Two-root hypotheses {a, b} (a among the best singles) are scored the same way, b's
 * prior times eta (a CI failing on its own is a second root or an unrelated report,
 * weighed alike); a candidate's score is its posterior
 * marginal, summed over every hypothesis that contains it. Upper bounds on the score
 * (convex in what is explained, falling with silent damage) rule candidates and pairs out
 * early.
 */
import { USER_FACING_CLASSES } from '../../graph-schema/index.js';
import type { IndexedSubgraph } from '../impact/index.js';
import { closureBits, popcount, SetFamily, type UserFacingBits } from './closures.js';
import { downParts } from './down-parts.js';
import { Spreader, type Spread } from './spread.js';
import { Int32Pool, Scratch } from './scratch.js';

export interface RcaObservation {
  ciId: string;
  /** Incidents that reported this CI (empty when it was given as a CI id). */
  incidentIds: string[];
}

export interface RcaChange {
  id: string;
  title: string;
  implementedAt: number;
}

export interface RcaHistorySummary {
  count: number;
  latestAt: number;
  fields: string[];
}

export interface RcaIncident {
  id: string;
  openedAt: number;
}

export interface RcaNodeInfo {
  class: string;
  name: string;
}

export interface RcaOptions {
  /** Expected share of observations unrelated to the outage (default 0.2). */
  noiseFraction: number;
  /** Beta prior on the reporting rate of broken user-facing CIs (default a=1, b=1). */
  reportA: number;
  reportB: number;
  /**
   * How much less often a DEGRADED user-facing CI is reported than a DOWN one (default
   * 0.02): a silent DEGRADED CI weighs this much, and explaining an observation only as
   * DEGRADED costs ln of it. A farm member's failure degrades what the farm's own
   * failure takes down; this is what tells them apart.
   */
  degradedRatio: number;
  /**
   * With the reporting unknown (no learnt `reporting`) and `degradedRatio` not given: the
   * ranking is made with a DEGRADED ratio of 1 (a DEGRADED user-facing CI draws incidents
   * as often as a DOWN one) when the likeliest single-CI explanation under ratio 1 is
   * likelier than the likeliest one under `degradedRatio` (posterior odds, priors
   * included) by more than one report on a DEGRADED CI gives (1 / degradedRatio) times
   * e^degradedSwitchNats, and every candidate's evidence then says so. Default 3 nats (a
   * factor of 20, "strong" evidence on the usual Bayes-factor scale); 0 or less: off.
   * Since 2026-12-07.
   */
  degradedSwitchNats: number;
  /**
   * Log prior that a given CI b failed too, independently, as a second root (to which b's
   * class prior and evidence are added). Default (unset): ln eta, the chance the noise
   * model gives any user-facing CI of an unrelated failure in this outage (noiseFraction x
   * observations / user-facing CIs), so that a second root and an unrelated report are
   * weighed alike: a CI failing on its own is either. Until 2026-11-28 it was a fixed
   * ln 0.02 per CI, about eta in the evaluation's analyses (40 to 700 observations on
   * 485 to 2 400 user-facing CIs) but 50 times eta for 50 observations among 24 000.
   */
  secondRootLogPrior?: number;
  /** How many of the best single candidates are paired with a second root (default 30). */
  pairedSingles: number;
  /**
   * Second place goes to the runner-up as a sole cause when it is within this many nats of
   * the likeliest single CI alone (default 1: at least e^-1 as likely); 0 turns it off and
   * the rest follow the posterior marginal only.
   */
  runnerUpNats: number;
  /**
   * Hypotheses scoring this far (natural log) below the best are negligible (default 20:
   * a posterior share below e^-20, 2e-9): candidates and pairs that cannot reach it are not
   * propagated further.
   */
  margin: number;
  /**
   * Also weigh pairs {a, b} where b explains nothing a does not, takes DOWN no
   * observation a takes DOWN or only DEGRADES, but has evidence of its own (default
   * true): "b failed too" is then carried by b's prior alone (a change on it). Pairs whose
   * members share DOWN observations, or where b takes DOWN what a only DEGRADES, are
   * weighed whatever this says: reports crowded where both break are how a second root
   * hidden inside the first one's footprint surfaces.
   */
  pairsWithoutGain: boolean;
  /**
   * Strongest prior factor a change right before the first incident gives. Default
   * (unset): the Bayes factor of "has a recent change" in this analysis, the odds that a
   * root carries one (`changeShare`) over the odds that a candidate does (the share of
   * the candidates that carry a change implemented before the first incident, with ten
   * candidates added at 1 in 31): strong when changes are rare among the candidates,
   * weak when most carry one; 30 with no candidates to go on.
   */
  changeBoost?: number;
  /** Share of outages whose root had a change shortly before (default 0.5; "most outages follow changes"). */
  changeShare: number;
  /** Strongest prior factor recorded attribute/relationship changes give (default 4). */
  historyBoost: number;
  /** Prior factor of open incidents on the candidate itself (default 3). */
  incidentBoost: number;
  /**
   * Spread the prior over classes, then over the CIs of a class (default true; needs
   * `classCounts`): a core switch, one of 4, is a likelier origin than an application,
   * one of 4 000. Relative to a uniform prior over CIs, c's factor is N / (K |class(c)|).
   */
  classPrior: boolean;
  /**
   * How many reports a failure draws, learnt from past problems (calibration.ts); unset
   * (the default, and whenever too few problems are on record): the reporting rate is
   * unknown and integrated out with Beta(reportA, reportB).
   */
  reporting?: LearntReporting;
  /**
   * Speed only, not the ranking: a pair member taking at least this many silent CIs DOWN
   * has what both members take DOWN counted on bitsets (DownParts.userFacingDown), not
   * read from its list (default 1 000).
   */
  bigDown: number;
}

/**
 * A failure that takes D user-facing CIs DOWN draws about `rate` x D reports (at least
 * one), give or take `spread` (the residual's standard deviation, in reports) and
 * `rateError` x D (the rate's own standard error), each broken CI as likely as another
 * to be among them. Learnt from `problems` past problems.
 */
export interface LearntReporting {
  problems: number;
  rate: number;
  spread: number;
  rateError: number;
}

export const DEFAULT_RCA_OPTIONS: RcaOptions = {
  noiseFraction: 0.2,
  reportA: 1,
  reportB: 1,
  degradedRatio: 0.02,
  degradedSwitchNats: 3,
  pairedSingles: 30,
  runnerUpNats: 1,
  margin: 20,
  bigDown: 1000,
  pairsWithoutGain: true,
  changeShare: 0.5,
  historyBoost: 4,
  incidentBoost: 3,
  classPrior: true,
};

export interface RcaInput {
  graph: IndexedSubgraph;
  /** Class and name of every CI in the subgraph. */
  nodes: ReadonlyMap<string, RcaNodeInfo>;
  /** CIs whose dependents were not fetched (the walk's budget): damage through them is unknown. */
  unexpanded?: ReadonlySet<string>;
  observations: readonly RcaObservation[];
  /** Candidate CI ids (upstream of the observations, the observations included). */
  candidates: readonly string[];
  /**
   * The same candidates as indices in `graph`, when the caller has them (a search on the
   * projection): saves looking each id up among 100 000, about 1 µs apiece.
   */
  candidateNodes?: Int32Array;
  /** Changes implemented since changesSince, per candidate. */
  changes?: ReadonlyMap<string, readonly RcaChange[]>;
  history?: ReadonlyMap<string, RcaHistorySummary>;
  /** Open incidents on candidates that are not among the observations' incidents. */
  otherIncidents?: ReadonlyMap<string, readonly RcaIncident[]>;
  /** When the failure was first noticed (first incident opened; now without incidents). */
  referenceTime: number;
  /** What referenceTime is, as the evidence names it (default "the first incident"; "the analysis" without incidents). */
  reference?: string;
  /** User-facing CIs in the whole graph (sets the noise rate). */
  userFacingTotal: number;
  /**
   * CIs per class in the whole graph: the prior spreads an outage's origin evenly over
   * classes, not over CIs (`classPrior`). Without it every CI is equally likely.
   */
  classCounts?: ReadonlyMap<string, number>;
  options?: Partial<RcaOptions>;
  /** Build evidence in words only for the first this many candidates (default all): a service returns a few. */
  describeFirst?: number;
  /**
   * The graph prepared once for many rankings (prepareRcaGraph on the same graph and
   * nodes): a whole-graph projection saves rebuilding it per request.
   */
  prepared?: RcaGraph;
}

export interface RankedCandidate {
  ciId: string;
  /**
   * Posterior marginal (0..1): the probability that this CI failed, summed over every
   * hypothesis it is part of (alone, or with a second root). 0 for a ruled-out candidate.
   */
  score: number;
  /** Log posterior of "this CI alone failed" (unnormalised). */
  logScore: number;
  explains: string[];
  /** Silent user-facing CIs its failure would break (DEGRADED ones weighted). */
  unobservedDamage: number;
  /** False when it was ruled out before its DOWN part was walked to the end, or its closure reaches CIs a walk in Neo4j did not read: the damage is then a lower bound. */
  damageExact: boolean;
  brokenCount: number;
  changes: RcaChange[];
  evidence: string[];
  /** The best second root paired with this one, when a pair explains more. */
  partner: string | null;
}

// ------------------------------------------------------------------ math

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let s = 0.99999999999980993;
  for (let i = 0; i < LANCZOS.length; i++) s += LANCZOS[i]! / (z + i + 1);
  const t = z + LANCZOS.length - 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

const lnBeta = (a: number, b: number) => lnGamma(a) + lnGamma(b) - lnGamma(a + b);

/** ln B(a, b) for the last a and b asked (a ranking asks the same prior's for every pair it scores). */
let lastBeta = { a: Number.NaN, b: Number.NaN, value: Number.NaN };
function lnBetaOfPrior(a: number, b: number): number {
  if (a !== lastBeta.a || b !== lastBeta.b) lastBeta = { a, b, value: lnBeta(a, b) };
  return lastBeta.value;
}

/**
 * ln Γ at whole numbers, remembered for every ranking (the bounds probe whole damages
 * again and again, up to twice the user-facing CIs of a graph): the same values as
 * lnGamma, computed once each. Other arguments go to lnGamma.
 */
let lnGammaTable = new Float64Array(0);
function lnGammaCached(x: number): number {
  if (!Number.isInteger(x) || x < 1 || x > 1 << 24) return lnGamma(x);
  if (x >= lnGammaTable.length) {
    const grown = new Float64Array(Math.max(1024, 2 * x)).fill(Number.NaN);
    grown.set(lnGammaTable);
    lnGammaTable = grown;
  }
  let v = lnGammaTable[x]!;
  if (Number.isNaN(v)) {
    v = lnGamma(x);
    lnGammaTable[x] = v;
  }
  return v;
}

function logSumExp(values: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < values.length; k++) if (values[k]! > max) max = values[k]!;
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let k = 0; k < values.length; k++) sum += Math.exp(values[k]! - max);
  return max + Math.log(sum);
}

/**
 * Two failures each draw their own reports: a CI only one of them takes DOWN is reported
 * with rate r, one both take DOWN had two chances, 1 - (1 - r)^2. With the rate unknown
 * (Beta(a, b)), the log probability of a reported set of `e` CIs, `e2` of them taken DOWN
 * by both, with `w` silent weight of which `d2` CIs both take DOWN (each counted once in
 * `w`; they stayed silent twice). Since 1 - (1 - r)^2 = r (1 + (1 - r)), it is
 * sum_k C(e2, k) B(e + a, w + d2 + b + k) / B(a, b), summed scaled (it can pass 1e308).
 */
export function lnTwoChancesBeta(e: number, w: number, e2: number, d2: number, a: number, b: number): number {
  const alpha = e + a;
  const beta = w + d2 + b;
  let term = 1;
  let sum = 1;
  let scale = 0;
  for (let k = 0; k < e2; k++) {
    term *= ((e2 - k) / (k + 1)) * ((beta + k) / (alpha + beta + k));
    sum += term;
    if (sum > 1e200) {
      sum /= 1e200;
      term /= 1e200;
      scale += 200 * Math.LN10;
    }
  }
  return lnGammaCached(alpha) + lnGammaCached(beta) - lnGammaCached(alpha + beta) - lnBetaOfPrior(a, b) + Math.log(sum) + scale;
}

/**
 * ln of how many times the odds of a report grow for a CI two failures take DOWN over one
 * that one does: ln((2 - r) / (1 - r)). A learnt rate may be 1 (every broken CI reported);
 * the odds are then kept finite, at those of r = 0.99.
 */
export function lnTwiceOdds(r: number): number {
  const rate = Math.min(r, 0.99);
  return Math.log((2 - rate) / (1 - rate));
}

/**
 * With the rate r known and the count `e` given: the log probability that the reported
 * CIs are a given set of them, out of `d` broken in all, when both failures take DOWN
 * `e2` of the reported and `d2` of the silent ones (as in lnTwoChancesBeta): s = e2 + d2
 * shared. Each CI both break is reported with odds rho = (2 - r) / (1 - r) times those of
 * one only one breaks, so it is rho^e2 / sum_j C(d - s, e - j) C(s, j) rho^j; with nothing
 * shared, the uniform pick 1 / C(d, e). Weights may be fractional (DEGRADED CIs).
 */
export function lnTwoChancesPick(e: number, d: number, e2: number, d2: number, r: number): number {
  const shared = e2 + d2;
  const d1 = d - shared;
  const lnRho = lnTwiceOdds(r);
  const lnC = (n: number, k: number) => lnGammaCached(n + 1) - lnGammaCached(k + 1) - lnGammaCached(n - k + 1);
  const lo = Math.max(0, Math.ceil(e - d1));
  const hi = Math.min(e, Math.floor(shared));
  if (lo > hi) return Number.NEGATIVE_INFINITY;
  // Terms by their ratio to the one before, summed around the largest (log-concave in j).
  let t = lnC(d1, e - lo) + lnC(shared, lo) + lo * lnRho;
  let max = t;
  let sum = 1;
  for (let j = lo; j < hi; j++) {
    t += Math.log(((e - j) / (d1 - e + j + 1)) * ((shared - j) / (j + 1))) + lnRho;
    if (t > max) {
      sum = sum * Math.exp(max - t) + 1;
      max = t;
    } else sum += Math.exp(t - max);
  }
  return e2 * lnRho - (max + Math.log(sum));
}

// ------------------------------------------------------------------ words

const MINUTE = 60_000;

/**
 * How long after the first incident a change or a recorded change still counts as before
 * it: clocks differ, and incidents are opened after things break, not as they do.
 */
export const CLOCK_SLACK_MS = 10 * MINUTE;

/** "40 min", "3 h 5 min", "2 days". */
export function duration(ms: number): string {
  const m = Math.round(Math.abs(ms) / MINUTE);
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return m % 60 === 0 ? `${Math.floor(m / 60)} h` : `${Math.floor(m / 60)} h ${m % 60} min`;
  return `${Math.round(m / 1440)} days`;
}

/** When something happened, `gap` ms before `reference` (negative: after it), in words. */
function relativeTo(gap: number, reference: string): string {
  if (gap >= 0) return `${duration(gap)} before ${reference}`;
  if (gap >= -CLOCK_SLACK_MS) return `${duration(gap)} after ${reference}, counted as before it (within the ${duration(CLOCK_SLACK_MS)} allowed for clocks and incidents opened late)`;
  return `${duration(gap)} after ${reference}`;
}

/** The first `max` names, and how many more of `total`. */
function list(names: string[], max = 5, total = names.length): string {
  if (total <= max) return names.slice(0, max).join(', ');
  return `${names.slice(0, max).join(', ')} and ${total - max} more`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** In a ranking's observation numbers per CI: a user-facing CI nobody reported. */
const SILENT = -2;

// ------------------------------------------------------------------ ranking

/** One candidate alone. `explained` and `silentDown` are laid in the ranking's Int32Pool: valid until the next ranking. */
interface Single {
  node: number;
  ciId: string;
  explained: Int32Array;
  /** The explained observations as a bitset, and those of them it takes DOWN (not only DEGRADED). */
  explainedBits: Uint32Array;
  downBits: Uint32Array;
  /** How many user-facing CIs nobody reported it breaks (DOWN or DEGRADED). */
  silentBroken: number;
  /** Those of them it takes DOWN (for pair overlaps); the rest it DEGRADES. */
  silentDown: Int32Array;
  /** Farms it takes members of DOWN without taking them down (a shared one can call for a joint propagation of a pair). */
  softFarms: Int32Array;
  /** How many members of each soft farm it takes DOWN (aligned with softFarms). */
  softFarmDown: Int32Array;
  weight: number;
  complete: boolean;
  /** Ruled out before its DOWN part was complete (its silent weight is a lower bound). */
  dead: boolean;
  brokenCount: number;
  degradedObservations: number;
  logPrior: number;
  /** The part of logPrior that is evidence (changes, recorded changes, open incidents), not the class. */
  evidencePrior: number;
  logLik: number;
  changes: RcaChange[];
  priorReasons: string[];
}

/**
 * Pairs awaiting their overlap, and once scored their log posterior, as columns: tens of
 * thousands per ranking, where one object each was garbage the collector had to move (in
 * an API process holding a 100 000-CI projection, each major collection's marking then
 * ran in steps inside the rankings).
 */
class PairColumns {
  length = 0;
  ka = new Int32Array(1024);
  kb = new Int32Array(1024);
  explained = new Int32Array(1024);
  degraded = new Int32Array(1024);
  /** Observations both members take DOWN (each had two chances to be reported). */
  twice = new Int32Array(1024);
  priors = new Float64Array(1024);
  shared = new Uint8Array(1024);
  bound = new Float64Array(1024);
  /** Set when the pair is scored. */
  logPost = new Float64Array(1024);

  push(ka: number, kb: number, explained: number, degraded: number, twice: number, priors: number, shared: boolean, bound: number): void {
    if (this.length === this.ka.length) this.grow();
    const k = this.length++;
    this.ka[k] = ka;
    this.kb[k] = kb;
    this.explained[k] = explained;
    this.degraded[k] = degraded;
    this.twice[k] = twice;
    this.priors[k] = priors;
    this.shared[k] = shared ? 1 : 0;
    this.bound[k] = bound;
  }

  /** Empty, keeping the columns' room (one instance serves every ranking). */
  reset(): void {
    this.length = 0;
  }

  /** The pairs' numbers, best bound first (equal bounds in the order pushed), in `order` (of `length` entries). */
  byBound(order: Int32Array): Int32Array {
    if (order.length !== this.length) throw new Error('PairColumns.byBound: order must have one entry per pair');
    for (let k = 0; k < order.length; k++) order[k] = k;
    const bound = this.bound;
    // The comparator returns small integers: a fractional difference would be boxed on
    // each of the million calls.
    return order.sort((x, y) => {
      const d = bound[y]! - bound[x]!;
      return d > 0 ? 1 : d < 0 ? -1 : x - y;
    });
  }

  private grow(): void {
    const size = 2 * this.ka.length;
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.ka = grown(this.ka, (n) => new Int32Array(n));
    this.kb = grown(this.kb, (n) => new Int32Array(n));
    this.explained = grown(this.explained, (n) => new Int32Array(n));
    this.degraded = grown(this.degraded, (n) => new Int32Array(n));
    this.twice = grown(this.twice, (n) => new Int32Array(n));
    this.priors = grown(this.priors, (n) => new Float64Array(n));
    this.shared = grown(this.shared, (n) => new Uint8Array(n));
    this.bound = grown(this.bound, (n) => new Float64Array(n));
    this.logPost = grown(this.logPost, (n) => new Float64Array(n));
  }
}

/** The arrays every ranking works in, and its pairs' columns: kept from one ranking to the next (scratch.ts says why). */
const scratch = new Scratch();
const pairColumns = new PairColumns();
const lists = new Int32Pool();

/** Prior factor of a change implemented `gap` ms before the first incident. */
export function changeFactor(gap: number, boost: number): number {
  // Implemented after the first incident (beyond clock slack) cannot be its cause.
  if (gap < -CLOCK_SLACK_MS) return 1;
  const g = Math.max(0, gap);
  return 1 + (boost - 1) * Math.exp(-g / (3 * 60 * MINUTE)) + 0.5 * Math.exp(-g / (48 * 60 * MINUTE));
}

/**
 * What a ranking needs of a graph beyond the graph itself, independent of the
 * observations: built once per graph, reused by every ranking on it.
 */
export interface RcaGraph {
  readonly graph: IndexedSubgraph;
  readonly spreader: Spreader;
  /** 1 for CIs of a user-facing class (the ones users report). */
  readonly userFacing: Uint8Array;
  /** Each CI's class, as an index into `classNames` (-1: not described). */
  readonly classOf: Int32Array;
  readonly classNames: readonly string[];
  /** Providers in compressed rows: node x's are provTarget[provStart[x] .. provStart[x + 1]). */
  readonly provStart: Int32Array;
  readonly provTarget: Int32Array;
  /**
   * Per node, what its failure breaks: itself and every CI downstream of it (`all`), and
   * how many of those are user-facing; -1 until counted (`countDownstream`).
   */
  readonly downstreamAll: Int32Array;
  readonly downstreamUserFacing: Int32Array;
  /** CIs whose dependents were not read (a walk's budget), and 1 where a counted closure holds one (its damage is then a lower bound). */
  readonly unexpanded: Uint8Array;
  readonly reachesUnexpanded: Uint8Array;
  /** 1 for CIs with a farm that has fewer members than minUp downstream: their DOWN part needs the full spread. */
  readonly aboveFragile: Uint8Array;
}

export function prepareRcaGraph(
  g: IndexedSubgraph,
  nodes: ReadonlyMap<string, RcaNodeInfo>,
  options: {
    /** Count every node's downstream closure now (a projection prepared once for many rankings); otherwise each ranking counts its candidates'. */
    countAll?: boolean;
    /** CIs whose dependents were not read (a walk's budget). */
    unexpanded?: Iterable<string>;
  } = {},
): RcaGraph {
  const n = g.ids.length;
  const userFacingClasses = new Set(USER_FACING_CLASSES);
  const userFacing = new Uint8Array(n);
  const classOf = new Int32Array(n).fill(-1);
  const classNames: string[] = [];
  const classIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const info = nodes.get(g.ids[i]!);
    if (!info) continue;
    if (userFacingClasses.has(info.class)) userFacing[i] = 1;
    let c = classIndex.get(info.class);
    if (c === undefined) {
      c = classNames.length;
      classNames.push(info.class);
      classIndex.set(info.class, c);
    }
    classOf[i] = c;
  }
  const provStart = new Int32Array(n + 1);
  for (const deps of g.dependents) for (const d of deps) provStart[d.ci + 1]!++;
  for (let i = 0; i < n; i++) provStart[i + 1]! += provStart[i]!;
  const provTarget = new Int32Array(provStart[n]!);
  const fill = provStart.slice(0, n);
  g.dependents.forEach((deps, p) => {
    for (const d of deps) provTarget[fill[d.ci]!++] = p;
  });
  const spreader = new Spreader(g);
  const aboveFragile = new Uint8Array(n);
  const stack = spreader.fragileFarms();
  for (const f of stack) aboveFragile[f] = 1;
  while (stack.length > 0) {
    const x = stack.pop()!;
    for (let e = provStart[x]!; e < provStart[x + 1]!; e++) {
      const p = provTarget[e]!;
      if (!aboveFragile[p]) {
        aboveFragile[p] = 1;
        stack.push(p);
      }
    }
  }
  const unexpandedMask = new Uint8Array(n);
  for (const id of options.unexpanded ?? []) {
    const i = g.index.get(id);
    if (i !== undefined) unexpandedMask[i] = 1;
  }
  const prepared: RcaGraph = {
    graph: g,
    spreader,
    userFacing,
    classOf,
    classNames,
    provStart,
    provTarget,
    downstreamAll: new Int32Array(n).fill(-1),
    downstreamUserFacing: new Int32Array(n).fill(-1),
    unexpanded: unexpandedMask,
    reachesUnexpanded: new Uint8Array(n),
    aboveFragile,
  };
  if (options.countAll) countDownstream(prepared, Array.from({ length: n }, (_v, i) => i));
  return prepared;
}

/** Each node's place among all nodes ordered by name (then id), and that order (`order[rank]` is a node). */
export type NameRanks = Int32Array & { order: Int32Array };

interface NameOrder {
  /** The names map it was made with; null: handed over from the graph before (`carryNameOrder`), not made with any yet. */
  nodes: RcaInput['nodes'] | null;
  /** Each node's name when the order was made. */
  names: readonly string[];
  ranks: NameRanks;
}

const nameOrders = new WeakMap<RcaGraph, NameOrder>();

/**
 * Each node's place among all nodes ordered by name (then id), and that order: made once
 * per graph and names map, when a ranking first orders or names CIs. A projection
 * brought up to date keeps its graph and takes a new names map when a name changed or a
 * CI was created, and a carried-over graph (carry.ts) numbers its CIs as the one before:
 * the order is then brought up to date from the one before (`carryNameOrder`), the nodes
 * whose name changed and the new ones taken out and merged back in, instead of sorting
 * every name again (about 80 ms at 100 000 CIs).
 */
export function nameRanks(prepared: RcaGraph, nodes: RcaInput['nodes'], name: (id: string) => string): NameRanks {
  const kept = nameOrders.get(prepared);
  if (kept?.nodes === nodes) return kept.ranks;
  const ids = prepared.graph.ids;
  const n = ids.length;
  const names = ids.map(name);
  const before = (x: number, y: number) => (names[x]! < names[y]! ? true : names[x]! > names[y]! ? false : ids[x]! < ids[y]!);
  // The nodes whose name changed since the kept order, and those new to it; null when there
  // is none to start from, or so many moved that sorting again is as quick.
  let moved: number[] | null = null;
  if (kept && kept.names.length <= n) {
    moved = [];
    for (let x = 0; x < n && moved.length <= n / 8; x++) if (x >= kept.names.length || kept.names[x] !== names[x]) moved.push(x);
    if (moved.length > n / 8) moved = null;
  }
  let order: Int32Array;
  if (kept && moved) {
    // The others keep their order (their names did not change); the moved ones, sorted, merge in.
    moved.sort((x, y) => (before(x, y) ? -1 : 1));
    const isMoved = new Uint8Array(n);
    for (const x of moved) isMoved[x] = 1;
    order = new Int32Array(n);
    let at = 0;
    let m = 0;
    for (const x of kept.ranks.order) {
      if (isMoved[x]) continue;
      while (m < moved.length && before(moved[m]!, x)) order[at++] = moved[m++]!;
      order[at++] = x;
    }
    while (m < moved.length) order[at++] = moved[m++]!;
  } else order = Int32Array.from(ids.keys()).sort((x, y) => (before(x, y) ? -1 : 1));
  const ranks = Object.assign(new Int32Array(n), { order });
  order.forEach((node, r) => (ranks[node] = r));
  nameOrders.set(prepared, { nodes, names, ranks });
  return ranks;
}

/** Hands `previous`'s name order to `prepared` (its CIs numbered as there: carry.ts), to be brought up to date on first use. */
export function carryNameOrder(previous: RcaGraph, prepared: RcaGraph): void {
  const kept = nameOrders.get(previous);
  if (kept && !nameOrders.has(prepared)) nameOrders.set(prepared, { ...kept, nodes: null });
}

/**
 * Counts what the failure of each of `nodes` breaks (its downstream closure), where not
 * counted yet: one walk per node, so a whole 100 000-CI graph costs a few hundred ms,
 * once per graph.
 */
export function countDownstream(prepared: RcaGraph, nodes: Iterable<number>): void {
  const { spreader, userFacing, downstreamAll, downstreamUserFacing, unexpanded, reachesUnexpanded } = prepared;
  let uf = 0;
  let cut = 0;
  const visit = (x: number) => {
    uf += userFacing[x]!;
    cut |= unexpanded[x]!;
  };
  for (const c of nodes) {
    if (downstreamAll[c]! >= 0) continue;
    uf = 0;
    cut = 0;
    downstreamAll[c] = spreader.downstream(c, visit);
    downstreamUserFacing[c] = uf;
    reachesUnexpanded[c] = cut;
  }
}

export function rankRootCauses(input: RcaInput): RankedCandidate[] {
  const o: RcaOptions = { ...DEFAULT_RCA_OPTIONS, ...input.options };
  const g = input.graph;
  const n = g.ids.length;
  const prepared = input.prepared ?? prepareRcaGraph(g, input.nodes, { unexpanded: input.unexpanded ?? [] });
  if (prepared.graph !== g) throw new Error('rankRootCauses: `prepared` was made for another graph');
  const { userFacing, spreader, provStart, provTarget } = prepared;
  const name = (id: string) => input.nodes.get(id)?.name ?? id;

  // Observation number per node; observations outside the subgraph cannot be explained
  // (-1: none; SILENT, set below: a user-facing CI nobody reported, so that loops over
  // thousands of CIs tell the two apart with one read). Each observation's node (-1:
  // outside the subgraph), looked up once.
  lists.reset();
  const obsOf = scratch.int32('obsOf', n, -1);
  const observations = [...new Map(input.observations.map((ob) => [ob.ciId, ob])).values()];
  const observationNodes = new Int32Array(observations.length).fill(-1);
  observations.forEach((ob, k) => {
    const i = g.index.get(ob.ciId);
    if (i === undefined) return;
    obsOf[i] = k;
    observationNodes[k] = i;
  });
  const nObs = observations.length;
  if (nObs === 0) return [];
  const eta = Math.min(0.5, Math.max(1e-7, (o.noiseFraction * nObs) / Math.max(input.userFacingTotal, nObs, 1)));
  const lnEta = Math.log(eta);
  // A given CI as a second, independent root (RcaOptions.secondRootLogPrior).
  const secondRoot = o.secondRootLogPrior ?? lnEta;
  const lnB0 = lnBeta(o.reportA, o.reportB);
  const lnDegraded = Math.log(o.degradedRatio);
  const lnG = lnGammaCached;
  // The report count. Unknown rate (no learnt reporting): Beta-binomial. Learnt: the
  // count is about normal around its expected value (for one root rate x D, at least 1;
  // for two, what each draws less what both would report twice), and which of the D
  // broken CIs were reported is a uniform pick. The spread is kept at 1/sqrt(2 pi) or
  // more, so the density of a count stays at most 1, as its probability would.
  const learnt = o.reporting;
  const rate = learnt?.rate ?? 0;
  const spread2 = learnt ? Math.max(learnt.spread, 1 / Math.sqrt(2 * Math.PI)) ** 2 : 0;
  const lnNormBase = -0.5 * Math.log(2 * Math.PI * spread2);
  const lnChooseOf = (e: number, w: number) => lnG(e + w + 1) - lnG(e + 1) - lnG(w + 1);
  const lnNormal = (e: number, mean: number, variance: number) => -((e - mean) ** 2) / (2 * variance) - 0.5 * Math.log(2 * Math.PI * variance);
  const lnCount = (e: number, w: number, mean: number, variance: number) => lnNormal(e, mean, variance) - lnChooseOf(e, w);
  const lnBetaReports = (e: number, w: number) => lnG(e + o.reportA) + lnG(w + o.reportB) - lnG(e + w + o.reportA + o.reportB) - lnB0;
  const rateError2 = (learnt?.rateError ?? 0) ** 2;
  const lnReports = learnt ? (e: number, w: number) => lnCount(e, w, Math.max(1, rate * (e + w)), spread2 + rateError2 * (e + w) ** 2) : lnBetaReports;
  const logLik = (explained: number, degraded: number, weight: number) => lnReports(explained, weight) + degraded * lnDegraded + (nObs - explained) * lnEta;
  /**
   * Two roots: each draws its own reports, so a CI both take DOWN had two chances to be
   * reported (`e2` such observations, `d2` such silent CIs; lnTwoChancesBeta). With a
   * learnt count: a and b would each draw rate x their own (D_a, D_b broken, D_ab by
   * both; what only DEGRADES counts delta), and a CI both break is reported once however
   * often it is picked: about rate^2 x D_ab fewer, a count whose own variance adds to
   * theirs; which CIs were reported is then a pick in which those both break weigh more
   * (lnTwoChancesPick).
   */
  const logLikPair = (explained: number, degraded: number, weight: number, da: number, db: number, dab: number, e2: number, d2: number) =>
    (learnt
      ? lnNormal(
          explained,
          Math.max(1, rate * da) + Math.max(1, rate * db) - rate * rate * dab,
          2 * spread2 + rateError2 * (da * da + db * db) + rate * rate * (1 - rate * rate) * dab,
        ) +
        lnTwoChancesPick(explained, explained + weight, e2, d2, rate)
      : lnTwoChancesBeta(explained, weight, e2, d2, o.reportA, o.reportB)) +
    degraded * lnDegraded +
    (nObs - explained) * lnEta;
  /**
   * How much more likely two chances can make a pair's reports than one rate over their
   * union, per observation both take DOWN: 2 (1 - (1 - r)^2 <= 2 r) with the rate
   * unknown; with it learnt, rho = (2 - r) / (1 - r) (lnTwoChancesPick). The pair bounds
   * add it.
   */
  const lnTwiceBound = learnt ? lnTwiceOdds(rate) : Math.LN2;
  /**
   * An upper bound on the likelihood of any hypothesis (one root or two) explaining E
   * with at least W silent weight: what the bounds below use. Without a learnt count it
   * is the likelihood itself (it falls as W grows); with one, the count's normal factor
   * is left out (it is at most 1), so it too falls with W and is convex in E.
   */
  const likUpper = learnt ? (e: number, w: number) => lnNormBase - lnChooseOf(e, w) + (nObs - e) * lnEta : (e: number, w: number) => logLik(e, 0, w);
  const observedIncidents = new Set(observations.flatMap((ob) => ob.incidentIds));

  // What counts against a candidate: user-facing CIs nobody reported.
  const silentMask = scratch.uint8('silentMask', n);
  for (let i = 0; i < n; i++) {
    if (userFacing[i] && obsOf[i]! < 0) {
      silentMask[i] = 1;
      obsOf[i] = SILENT;
    }
  }
  let silentTotal = input.userFacingTotal;
  for (let i = 0; i < n; i++) silentTotal += silentMask[i]!;

  // Reach: how many observations lie downstream of each node, one upstream walk per
  // observation. A failure breaks exactly its downstream closure (Spreader.spreadDown says
  // why), so these are exactly what its failure explains (redundancy only decides whether
  // DOWN or DEGRADED); reachBits holds which, as a bitset of `words` words per node
  // reached (row rowOf[node]): a second pass, once the reached nodes are known, keeps it
  // to their number even for thousands of observations.
  const reach = scratch.int32('reach', n);
  const words = (nObs + 31) >>> 5;
  const stamp = scratch.int32('stamp', n);
  const upstreamOf = (k: number, visit: (x: number) => void) => {
    const start = observationNodes[k]!;
    if (start < 0) return;
    const stack = [start];
    stamp[start] = k + 1;
    while (stack.length > 0) {
      const x = stack.pop()!;
      visit(x);
      for (let e = provStart[x]!; e < provStart[x + 1]!; e++) {
        const p = provTarget[e]!;
        if (stamp[p] !== k + 1) {
          stamp[p] = k + 1;
          stack.push(p);
        }
      }
    }
  };
  const rowOf = scratch.int32('rowOf', n, -1);
  let reachedCount = 0;
  for (let k = 0; k < nObs; k++) {
    upstreamOf(k, (x) => {
      if (reach[x]!++ === 0) rowOf[x] = reachedCount++;
    });
  }
  const reachBits = new Uint32Array(reachedCount * words);
  stamp.fill(0);
  for (let k = 0; k < nObs; k++) {
    const word = k >>> 5;
    const bit = 1 << (k & 31);
    upstreamOf(k, (x) => {
      reachBits[rowOf[x]! * words + word]! |= bit;
    });
  }

  // Priors: changes, recorded attribute/relationship changes, open incidents on the candidate.
  interface Candidate {
    node: number;
    ciId: string;
    logPrior: number;
    evidencePrior: number;
    changes: RcaChange[];
    priorReasons: string[];
  }
  const candidates: Candidate[] = [];
  const seen = scratch.uint8('seen', n);
  // CIs with evidence of their own (changes, recorded changes, open incidents): a handful
  // against thousands of candidates, so they are marked from the maps' side once, and only
  // marked candidates are looked up in them.
  const withEvidence = scratch.uint8('withEvidence', n);
  for (const byCI of [input.changes, input.history, input.otherIncidents]) {
    for (const ciId of byCI?.keys() ?? []) {
      const i = g.index.get(ciId);
      if (i !== undefined) withEvidence[i] = 1;
    }
  }
  const classCounts = o.classPrior ? input.classCounts : undefined;
  let ciTotal = 0;
  let classTotal = 0;
  for (const count of classCounts?.values() ?? []) {
    if (count <= 0) continue;
    ciTotal += count;
    classTotal++;
  }
  // Per class (prepared.classNames), relative to a uniform prior over CIs.
  const classLogPrior = prepared.classNames.map((cls) => {
    const count = classCounts?.get(cls);
    return count && count > 0 ? Math.log(ciTotal / (classTotal * count)) : 0;
  });
  // The change factor's strength: how unusual a recent change is among the candidates.
  // Set from them once they are known (collectCandidates), before any prior is computed.
  let changeBoost = o.changeBoost ?? 30;
  const reference = input.reference ?? 'the first incident';
  const candidateOf = (ciId: string, node: number): Candidate => {
    const cls = prepared.classOf[node]!;
    const classPart = cls >= 0 ? classLogPrior[cls]! : 0;
    if (!withEvidence[node]) return { node, ciId, logPrior: classPart, evidencePrior: 0, changes: [], priorReasons: [] };
    let logPrior = classPart;
    const priorReasons: string[] = [];
    const recorded = input.changes?.get(ciId);
    const changes = recorded ? [...recorded].sort((a, b) => b.implementedAt - a.implementedAt) : [];
    let bestChange = 1;
    for (const change of changes) {
      const gap = input.referenceTime - change.implementedAt;
      const factor = changeFactor(gap, changeBoost);
      bestChange = Math.max(bestChange, factor);
      priorReasons.push(
        gap >= -CLOCK_SLACK_MS
          ? `change ${change.id} ("${change.title}") implemented ${relativeTo(gap, reference)}`
          : `change ${change.id} ("${change.title}") implemented ${relativeTo(gap, reference)}, so it cannot have caused it`,
      );
    }
    logPrior += Math.log(bestChange);
    const history = input.history?.get(ciId);
    if (history && history.count > 0) {
      const gap = input.referenceTime - history.latestAt;
      const factor = gap >= -CLOCK_SLACK_MS ? 1 + (o.historyBoost - 1) * Math.exp(-Math.max(0, gap) / (6 * 60 * MINUTE)) : 1;
      logPrior += Math.log(factor);
      priorReasons.push(
        `${plural(history.count, 'recorded attribute/relationship change')} on it or its relationships (${list(history.fields, 4)}), the latest ${relativeTo(gap, reference)}`,
      );
    }
    const others = (input.otherIncidents?.get(ciId) ?? []).filter((i) => !observedIncidents.has(i.id));
    if (others.length > 0) {
      logPrior += Math.log(o.incidentBoost);
      priorReasons.push(`${plural(others.length, 'other open incident')} on it: ${list(others.map((i) => i.id), 3)}`);
    }
    return { node, ciId, logPrior, evidencePrior: logPrior - classPart, changes, priorReasons };
  };
  const collectCandidates = () => {
    const known = input.candidateNodes;
    if (known && known.length !== input.candidates.length) throw new Error('rankRootCauses: candidateNodes and candidates differ in length');
    const kept: { ciId: string; node: number }[] = [];
    let changed = 0;
    for (let k = 0; k < input.candidates.length; k++) {
      const ciId = input.candidates[k]!;
      const node = known ? known[k]! : g.index.get(ciId);
      if (node === undefined || seen[node] || !g.active[node] || reach[node] === 0) continue;
      seen[node] = 1;
      kept.push({ ciId, node });
      if (withEvidence[node] && input.changes?.get(ciId)?.some((c) => input.referenceTime - c.implementedAt >= -CLOCK_SLACK_MS)) changed++;
    }
    if (o.changeBoost === undefined) {
      // As if ten more candidates carried changes at 1 in 31 (the factor 30 of a fixed
      // prior): a handful of candidates says little about how common changes are. Shares
      // are kept within (0, 1): one of 0 or 1 would make a change decide alone.
      const odds = (p: number) => {
        const q = Math.min(0.999, Math.max(0.001, p));
        return q / (1 - q);
      };
      changeBoost = Math.max(1, odds(o.changeShare) / odds((changed + 10 / 31) / (kept.length + 10)));
    }
    for (const { ciId, node } of kept) candidates.push(candidateOf(ciId, node));
  };
  collectCandidates();
  if (candidates.length === 0) return [];
  const maxPrior = candidates.reduce((m, c) => Math.max(m, c.logPrior), Number.NEGATIVE_INFINITY);

  // What each candidate's failure breaks is its downstream closure, counted once per
  // graph (countDownstream); here only its DOWN part is walked, and only as far as it
  // matters. A silent CI it breaks weighs at least the DEGRADED ratio, so its silent
  // weight is known to be at least weightOf(0, silentBroken) before any walk.
  countDownstream(prepared, candidates.map((c) => c.node));
  const userFacingObservations = new Uint32Array(words);
  observationNodes.forEach((i, k) => {
    if (i >= 0 && userFacing[i]) userFacingObservations[k >>> 5]! |= 1 << (k & 31);
  });
  const delta = o.degradedRatio;
  /** Silent weight of `down` silent CIs DOWN and the rest of `broken` DEGRADED. */
  const weightOf = (down: number, broken: number) => down + delta * (broken - down);
  const noFarms = new Int32Array(0);
  const silentBuffer = scratch.int32('silentBuffer', n);
  const parts = downParts(prepared);

  /** The user-facing CIs a failure of `node` breaks that nobody reported: known before any walk. */
  const silentBrokenOf = (node: number) => {
    const row = rowOf[node]! * words;
    let explainedUserFacing = 0;
    for (let w = 0; w < words; w++) explainedUserFacing += popcount(reachBits[row + w]! & userFacingObservations[w]!);
    return prepared.downstreamUserFacing[node]! - explainedUserFacing;
  };

  /**
   * c alone: what it explains and breaks, its DOWN part walked until its silent weight
   * reaches `limit` (then `stopped`, and the weight is a lower bound).
   */
  const evaluate = (c: Candidate, limit: number): { single: Single; damage: number; stopped: boolean } => {
    const row = rowOf[c.node]! * words;
    const silentBroken = silentBrokenOf(c.node);
    let down: Pick<Spread, 'nodes' | 'softFarms' | 'softFarmDown'> | null = null;
    let stopped = false;
    if (weightOf(0, silentBroken) >= limit) stopped = true;
    else if (prepared.aboveFragile[c.node]) {
      // A farm downstream has fewer members than minUp (a DEGRADED member takes it DOWN):
      // the full rules, to the end.
      const full = spreader.spread(c.node);
      down = { ...full, nodes: Int32Array.from(Array.from(full.nodes).filter((_x, k) => full.states[k] === 2)) };
    } else {
      // Its DOWN part, kept per graph: cut at the count-th silent CI, it is what a walk
      // stopped there finds (the same walk, in the same order). Not kept yet (a graph read
      // for this request), a walk that may stop is cheaper than the whole part.
      const count = Number.isFinite(limit) ? Math.max(1, Math.ceil((limit - weightOf(0, silentBroken)) / (1 - delta))) : Number.POSITIVE_INFINITY;
      down = parts.keptDown(c.node) ?? (Number.isFinite(count) ? spreader.spreadDown(c.node, { mask: silentMask, limit: count }) : parts.of(c.node));
      let found = 0;
      for (let k = 0; Number.isFinite(count) && k < down.nodes.length; k++) {
        if (silentMask[down.nodes[k]!] && ++found >= count) {
          stopped = true;
          down = { nodes: down.nodes.subarray(0, k + 1), softFarms: noFarms, softFarmDown: noFarms };
          break;
        }
      }
    }
    const explainedBits = reachBits.slice(row, row + words);
    const downBits = new Uint32Array(words);
    // Indexed loops over typed arrays, and the silent CIs gathered in one buffer per
    // ranking: this runs for thousands of candidates over millions of CIs.
    const downNodes = down?.nodes ?? noFarms;
    let silentCount = 0;
    for (let k = 0; k < downNodes.length; k++) {
      const i = downNodes[k]!;
      const ob = obsOf[i]!;
      if (ob >= 0) downBits[ob >>> 5]! |= 1 << (ob & 31);
      else if (ob === SILENT) silentBuffer[silentCount++] = i;
    }
    const silentDown = lists.copy(silentBuffer, 0, silentCount);
    const explained = lists.alloc(reach[c.node]!);
    let e = 0;
    for (let w = 0; w < words; w++) {
      for (let bits = explainedBits[w]!; bits !== 0; bits &= bits - 1) explained[e++] = (w << 5) + (31 - Math.clz32(bits & -bits));
    }
    let downExplained = 0;
    for (let w = 0; w < words; w++) downExplained += popcount(downBits[w]!);
    const degradedObservations = explained.length - downExplained;
    const damage = weightOf(silentDown.length, silentBroken);
    return {
      damage,
      stopped,
      single: {
        node: c.node,
        ciId: c.ciId,
        explained,
        explainedBits,
        downBits,
        silentBroken,
        silentDown,
        softFarms: down?.softFarms ?? noFarms,
        softFarmDown: down?.softFarmDown ?? noFarms,
        weight: damage,
        complete: !stopped && !prepared.reachesUnexpanded[c.node],
        dead: stopped,
        brokenCount: prepared.downstreamAll[c.node]!,
        degradedObservations,
        logPrior: c.logPrior,
        evidencePrior: c.evidencePrior,
        logLik: logLik(explained.length, degradedObservations, damage),
        changes: c.changes,
        priorReasons: c.priorReasons,
      },
    };
  };

  // Bounds. For a fixed silent weight W, logLik is convex in the number explained E, so
  // over 1..E it peaks at an end; for a fixed E it falls as W grows. A candidate reaching
  // `r` observations with at least W silent damage can score at most ubSingle alone, and
  // at most ubPair as one of two roots: every observation explained, and two chances for
  // each of the r it reaches (the pair's observations both take DOWN are among them).
  const ubLik = (e: number, w: number) => (e <= 0 ? Number.NEGATIVE_INFINITY : Math.max(likUpper(1, w), likUpper(e, w)));
  const ubOf = (c: Candidate, w: number) =>
    Math.max(ubLik(reach[c.node]!, w) + c.logPrior, ubLik(nObs, w) + reach[c.node]! * lnTwiceBound + c.logPrior + maxPrior + secondRoot);
  /**
   * The smallest silent damage that rules c out against `cutoff` (Infinity: none does). It
   * depends on c only through its reach and prior, which thousands of candidates share: a
   * binary search of about 15 likelihoods is done once per reach, prior and cutoff.
   */
  const limits = new Map<number, Float64Array>();
  let limitsCutoff = Number.NaN;
  const damageLimit = (c: Candidate, cutoff: number) => {
    if (cutoff !== limitsCutoff) {
      limits.clear();
      limitsCutoff = cutoff;
    }
    let byReach = limits.get(c.logPrior);
    if (!byReach) {
      byReach = new Float64Array(nObs + 1).fill(Number.NaN);
      limits.set(c.logPrior, byReach);
    }
    const r = reach[c.node]!;
    const known = byReach[r]!;
    if (!Number.isNaN(known)) return known;
    let limit: number;
    if (ubOf(c, silentTotal) >= cutoff) limit = Number.POSITIVE_INFINITY;
    else {
      let lo = 0;
      let hi = silentTotal;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (ubOf(c, mid) < cutoff) hi = mid;
        else lo = mid + 1;
      }
      limit = lo;
    }
    byReach[r] = limit;
    return limit;
  };

  // Every candidate is first walked only until its silent damage reaches what it explains
  // (cheap; the small ones are then exact). The best exact single sets a cutoff `margin`
  // below it; a candidate whose bound falls under the cutoff is ruled out (its posterior
  // share is below e^-margin) and its walk stops there. The others, best bound first, are
  // walked until the cutoff rules them out or they are exact.
  const singles: Single[] = [];
  const deadSingles: { single: Single; ub: number }[] = [];
  let best = Number.NEGATIVE_INFINITY;
  const pending: { c: Candidate; single: Single; damage: number; ub: number }[] = [];
  const take = (single: Single) => {
    if (single.complete) best = Math.max(best, single.logLik + single.logPrior);
    singles.push(single);
  };
  // Those that reach few observations first (mostly small and exact, they set the
  // cutoff early); once there is a cutoff, one walk decides a candidate: exact, or
  // stopped at the damage that rules it out.
  const spreadOrder = [...candidates].sort((x, y) => reach[x.node]! - reach[y.node]! || g.dependents[x.node]!.length - g.dependents[y.node]!.length);
  // This phase and the hot ones below (bounding and scoring pairs, joint propagation) are
  // functions of their own: V8 optimises each apart and keeps it when this long function is
  // deoptimised, which used to send loops over thousands of candidates back to the
  // interpreter mid-way.
  const decideSingles = () => {
    for (const c of spreadOrder) {
      const ruledOutAt = !Number.isFinite(best) ? Number.POSITIVE_INFINITY : damageLimit(c, best - o.margin);
      // Before there is a cutoff: as far as it explains. After: what rules it out (or all of it).
      const { single, damage, stopped } = evaluate(c, !Number.isFinite(best) ? Math.max(1, reach[c.node]!) : ruledOutAt);
      if (!stopped) take(single);
      else if (damage >= ruledOutAt) deadSingles.push({ single, ub: ubOf(c, ruledOutAt) });
      else pending.push({ c, single, damage, ub: Number.NEGATIVE_INFINITY });
    }
    for (const p of pending) p.ub = ubOf(p.c, p.damage);
    pending.sort((x, y) => y.ub - x.ub);
    for (const p of pending) {
      const limit = damageLimit(p.c, best - o.margin);
      if (p.damage >= limit) {
        deadSingles.push({ single: p.single, ub: ubOf(p.c, limit) });
        continue;
      }
      const { single, damage, stopped } = evaluate(p.c, limit);
      if (!stopped) take(single);
      else deadSingles.push({ single, ub: ubOf(p.c, damage) });
    }
  };
  decideSingles();
  if (singles.length === 0 && deadSingles.length === 0) return [];

  // Is this an organisation where DEGRADED CIs draw incidents like DOWN ones? The
  // likeliest single-CI explanation under each ratio (RcaOptions.degradedSwitchNats; under
  // ratio 1 a candidate's silent weight is all it breaks, known without a walk). Ruled-out
  // candidates stay out of the comparison: under the default they cannot come near the best.
  // Both sides lean against switching where a walk stopped short: a single's weight is then
  // a lower bound (its likelihood an upper one), and a candidate whose closure reaches past
  // the walked subgraph is left out under ratio 1.
  if (o.degradedSwitchNats > 0 && !learnt && input.options?.degradedRatio === undefined && o.degradedRatio < 1) {
    // Loops, not Math.max(...xs): tens of thousands of candidates would overflow the stack.
    let asIs = Number.NEGATIVE_INFINITY;
    for (const x of singles) asIs = Math.max(asIs, x.logLik + x.logPrior);
    let likeDown = Number.NEGATIVE_INFINITY;
    for (const c of candidates) {
      const e = reach[c.node]!;
      if (e === 0 || prepared.reachesUnexpanded[c.node]) continue;
      // Under ratio 1 nothing explained costs ln delta and every silent CI weighs 1.
      likeDown = Math.max(likeDown, logLik(e, 0, silentBrokenOf(c.node)) + c.logPrior);
    }
    // One report on a CI the best cause only DEGRADES favours ratio 1 by 1 / degradedRatio
    // alone, and is as well read as a second failure that took that CI DOWN: the margin
    // asks for more than that.
    if (Number.isFinite(asIs) && likeDown > asIs - lnDegraded + o.degradedSwitchNats) {
      const ranked = rankRootCauses({ ...input, options: { ...input.options, degradedRatio: 1 } });
      const odds = likeDown - asIs < Math.log(1000) ? `${Math.round(Math.exp(likeDown - asIs))} times` : `e^${Math.round(likeDown - asIs)} times`;
      const note = `DEGRADED CIs weighed as reported as often as DOWN ones: the likeliest single cause is ${odds} likelier so than with DEGRADED CIs reported ${Math.round(1 / o.degradedRatio)} times less often (no resolved problems on record to learn how often they are)`;
      for (const c of ranked) c.evidence.push(note);
      return ranked;
    }
  }

  /**
   * What a first root a and a single b both break silently: all of it (`all(kb)`) and what
   * both take DOWN (`down(kb)`), asked per pair. A small b (too small for a bitset of its
   * closure: `closureBits`) has the user-facing CIs it breaks read once, counting for every
   * root; a big b is a popcount of two bitsets, or derived from a look-alike root's count
   * (`SetFamily`). What both take DOWN: b's silent DOWN part read once, counting for
   * every root.
   */
  const sharedSilent = (roots: readonly Single[]) => {
    const bits = closureBits(prepared);
    const observedUserFacing = Array.from(observationNodes).filter((i) => i >= 0 && userFacing[i]);
    const overflow = new Map<number, UserFacingBits>();
    const nSingles = singles.length;
    const maskWords = Math.max(1, (roots.length + 31) >>> 5);
    const rootMask = scratch.uint32('rootMask', n * maskWords);
    // Each root's silent footprint: which roots break each CI (for small singles' lists),
    // and as a set (for big singles' bitsets). A big root's set is its kept bitset less
    // the observed CIs; a small one's is made from its list.
    /** A kept set of user-facing CIs less the observed ones (a copy). */
    const lessObserved = (kept: UserFacingBits): UserFacingBits => {
      const set = { lo: kept.lo, words: kept.words.slice() };
      for (const x of observedUserFacing) {
        const b = bits.bitOf[x]! - (set.lo << 5);
        if (b >= 0 && b >>> 5 < set.words.length) set.words[b >>> 5]! &= ~(1 << (b & 31));
      }
      return set;
    };
    const footprints = roots.map((a, ka) => {
      const broken = bits.listOf(a.node, overflow, scratch.int32('bigList', bits.nodeOf.length));
      let count = 0;
      for (let k = 0; k < broken.length; k++) {
        const x = broken[k]!;
        if (silentMask[x] !== 1) continue;
        silentBuffer[count++] = x;
        rootMask[x * maskWords + (ka >>> 5)]! |= 1 << (ka & 31);
      }
      return bits.isBig(a.node) ? lessObserved(bits.of(a.node, overflow)) : bits.setOf(silentBuffer.subarray(0, count));
    });
    // What the roots take DOWN silently, as masks per CI like their footprints (a single's
    // DOWN part is a list: it is read once for every root, as a small single's footprint).
    const downMask = scratch.uint32('downMask', n * maskWords);
    roots.forEach((a, ka) => {
      for (let k = 0; k < a.silentDown.length; k++) downMask[a.silentDown[k]! * maskWords + (ka >>> 5)]! |= 1 << (ka & 31);
    });
    // The roots' silent footprints, counted against big singles' bitsets.
    const footprintFamily = new SetFamily(footprints, nSingles);
    // What the roots take DOWN silently as sets, counted against the DOWN bitsets of
    // singles that take thousands DOWN (DownParts.userFacingDown): made on first need. A
    // root's set is its kept bitset less the observed CIs, or made from its list.
    let downFamily: SetFamily | undefined;
    const downFamilyOf = () =>
      (downFamily ??= new SetFamily(
        roots.map((a) => {
          const kept = parts.userFacingDown(a.node);
          return kept ? lessObserved(kept) : bits.setOf(a.silentDown);
        }),
        nSingles,
      ));
    const small = scratch.int32('small', roots.length * nSingles);
    const walked = scratch.uint8('walked', nSingles);
    const bothDown = scratch.int32('bothDown', roots.length * nSingles);
    const walkedDown = scratch.uint8('walkedDown', nSingles);
    // One read of a list counts for every root: per root, how many of the list's CIs its
    // bit is set for in `masks`. CIs next to each other in a list mostly share their roots
    // (one mask), so runs of a mask are counted first; a run is then added to every root
    // of its mask at once, to counts kept bit-sliced (plane j holds bit j of every root's
    // count, a word per 32 roots): a few word operations, however many roots break it.
    const planes = new Uint32Array(maskWords << 5);
    const seenRoots = new Uint32Array(maskWords);
    const runMask = new Uint32Array(maskWords);
    const runCount = new Int32Array(maskWords);
    let top = 0;
    /** Adds runCount[w] to the count of every root in runMask[w]. */
    const flush = (w: number) => {
      let j = w << 5;
      let carry = 0;
      const mask = runMask[w]!;
      for (let c = runCount[w]!; c !== 0 || carry !== 0; c >>>= 1) {
        const addend = c & 1 ? mask : 0;
        const plane = planes[j]!;
        planes[j++] = plane ^ addend ^ carry;
        carry = (plane & addend) | (carry & (plane ^ addend));
      }
      top = Math.max(top, j - (w << 5));
      runCount[w] = 0;
    };
    const countRoots = (list: ArrayLike<number>, masks: Uint32Array, out: Int32Array, kb: number) => {
      for (let k = 0; k < list.length; k++) {
        const at = list[k]! * maskWords;
        for (let w = 0; w < maskWords; w++) {
          const m = masks[at + w]!;
          if (m === 0) continue;
          if (m !== runMask[w]) {
            flush(w);
            runMask[w] = m;
            seenRoots[w]! |= m;
          }
          runCount[w]!++;
        }
      }
      for (let w = 0; w < maskWords; w++) {
        flush(w);
        for (let m = seenRoots[w]!; m !== 0; m &= m - 1) {
          const bit = 31 - Math.clz32(m & -m);
          let count = 0;
          for (let j = 0; j < top; j++) count |= ((planes[(w << 5) + j]! >>> bit) & 1) << j;
          out[((w << 5) + bit) * nSingles + kb] = count;
        }
        seenRoots[w] = 0;
        runMask[w] = 0;
        planes.fill(0, w << 5, (w << 5) + top);
      }
      top = 0;
    };
    const rootIndex = new Map(roots.map((a, ka) => [a, ka]));
    const rootOf = (a: Single) => {
      const ka = rootIndex.get(a);
      if (ka === undefined) throw new Error('sharedSilent: not one of the roots');
      return ka;
    };
    return {
      all(a: Single, kb: number) {
        const ka = rootOf(a);
        const b = singles[kb]!;
        if (!bits.isBig(b.node)) {
          if (!walked[kb]) {
            walked[kb] = 1;
            countRoots(bits.listOf(b.node), rootMask, small, kb);
          }
          return small[ka * nSingles + kb]!;
        }
        return footprintFamily.count(ka, kb, bits.of(b.node, overflow));
      },
      down(a: Single, kb: number) {
        const b = singles[kb]!;
        if (b.silentDown.length >= o.bigDown) {
          const set = parts.userFacingDown(b.node);
          if (set) return downFamilyOf().count(rootOf(a), kb, set);
        }
        if (!walkedDown[kb]) {
          walkedDown[kb] = 1;
          countRoots(singles[kb]!.silentDown, downMask, bothDown, kb);
        }
        return bothDown[rootOf(a) * nSingles + kb]!;
      },
    };
  };

  /** The first `k` names, in order, of the silent CIs `node`'s failure breaks (from the kept lists: no walk). */
  const firstNames = (node: number, k: number): string[] => {
    const rank = nameRanks(prepared, input.nodes, name);
    const first: number[] = [];
    const bits = closureBits(prepared);
    const broken = bits.listOf(node, undefined, scratch.int32('bigList', bits.nodeOf.length));
    for (let j = 0; j < broken.length; j++) {
      const x = broken[j]!;
      if (!silentMask[x]) continue;
      const r = rank[x]!;
      if (first.length === k && r >= first[k - 1]!) continue;
      let at = first.length;
      while (at > 0 && first[at - 1]! > r) at--;
      first.splice(at, 0, r);
      if (first.length > k) first.pop();
    }
    return first.map((r) => name(g.ids[rank.order[r]!]!));
  };

  // Hypotheses: every single, and pairs {a, b} with a among the best singles (those within
  // the margin of the best single, at most `pairedSingles`) and b any single that explains
  // something a does not. A pair whose bound is negligible against the best hypothesis
  // found so far is skipped (pairs are scored best bound first); when a and b degrade a
  // common CI (two members of one farm) the pair is propagated jointly, otherwise the
  // union of the two is exact.
  const post = (s: Single) => s.logLik + s.logPrior;
  // The hypotheses: every single (number k: singles[k]), then the scored pairs (in
  // `candidatePairs`, numbered in the order `scored` lists them).
  let bestAll = Number.NEGATIVE_INFINITY;
  for (const s of singles) bestAll = Math.max(bestAll, post(s));
  const indexOf = new Map(singles.map((s, k) => [s, k]));
  // While a first root a's farm partners are found: per farm of a's, 1 + how many of its
  // members a takes DOWN (0: not one of a's; negative: already read).
  const softMark = scratch.int32('softMark', n);
  /**
   * Which singles take members of each farm DOWN, and how many (the singles' softFarms
   * turned around, in compressed rows by farm): a first root then finds the singles it
   * shares a farm with from its own few farms, instead of each single's farms being read
   * for every first root. Made on first need.
   */
  let farmRows: { start: Int32Array; single: Int32Array; down: Int32Array } | undefined;
  const farmRowsOf = () => {
    if (farmRows) return farmRows;
    const start = scratch.int32('farmStart', n + 1);
    let total = 0;
    for (const s of singles) {
      for (let k = 0; k < s.softFarms.length; k++) start[s.softFarms[k]! + 1]!++;
      total += s.softFarms.length;
    }
    for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
    const single = scratch.int32('farmSingle', total);
    const down = scratch.int32('farmDown', total);
    const cursor = scratch.int32('farmCursor', n);
    cursor.set(start.subarray(0, n));
    singles.forEach((s, kb) => {
      for (let k = 0; k < s.softFarms.length; k++) {
        const at = cursor[s.softFarms[k]!]!++;
        single[at] = kb;
        down[at] = s.softFarmDown[k]!;
      }
    });
    return (farmRows = { start, single, down });
  };
  // Per single, 1 + the number of the first root it shares a farm with (one that the two
  // together may take DOWN), as found for the first root being paired.
  const sharesFarm = scratch.int32('sharesFarm', singles.length);
  // Which singles are paired as first roots: the best ones as first roots, judged with
  // the rate unknown (Beta-binomial) even when a count is learnt: a root of a two-root
  // failure draws about twice the reports it would alone, which a sharp learnt count
  // makes look hopeless on its own, yet it is the first root of the likeliest pair (the
  // pairs are then scored with the learnt count). An observation a only DEGRADES may be
  // one its partner takes DOWN, so it is judged no worse than one a leaves unexplained:
  // a switch whose failure holds a second root's reports, a few of which it only
  // DEGRADES, was left out of the first roots at n = 10 000 with a learnt count (delta
  // learnt near 0 made each such report cost 9 nats). Each single's value is computed
  // once (ln Γ of fractional weights, which the sort would otherwise ask again and again).
  const lnDegradedOrPartner = Math.max(lnDegraded, lnEta);
  const pairingOf = Float64Array.from(
    singles,
    (s) => lnBetaReports(s.explained.length, s.weight) + s.degradedObservations * lnDegradedOrPartner + (nObs - s.explained.length) * lnEta + s.logPrior,
  );
  const pairing = (s: Single) => pairingOf[indexOf.get(s)!]!;
  const byPairing = singles
    .map((_s, k) => k)
    .sort((x, y) => pairingOf[y]! - pairingOf[x]!)
    .map((k) => singles[k]!);
  const bestPairing = byPairing.length > 0 ? pairing(byPairing[0]!) : Number.NEGATIVE_INFINITY;
  const paired = byPairing.slice(0, o.pairedSingles);
  const sharedSilentOf = sharedSilent(paired.filter((a) => pairing(a) + maxPrior + secondRoot >= bestPairing - o.margin));
  const isPaired = new Uint8Array(singles.length);
  const pairSeen = new Set<number>();
  // Pairs sharing a farm, scored as their union until propagated jointly (`p`: the pair's number in candidatePairs).
  const sharedPairs: { p: number; priors: number; unionWeight: number; unionBroken: number; da: number; db: number; dab: number; twice: number; bothDown: number }[] = [];
  for (const a of paired) isPaired[indexOf.get(a)!] = 1;
  // The pair bounds ask the likelihood with nothing DEGRADED at the heavier single's
  // weight, again and again: remembered per single and E (the same values). ubLik is the
  // larger of its values at E = 1 and at E.
  const likRows = scratch.float64('likRows', singles.length * (nObs + 1), Number.NaN);
  // What the pair loops read of every single (hundreds of thousands of pairs), in flat
  // arrays: one read each instead of a walk through an object to its arrays.
  const singleWeight = Float64Array.from(singles, (s) => s.weight);
  const singleExplained = Int32Array.from(singles, (s) => s.explained.length);
  const singleTakenDown = Int32Array.from(singles, (s) => s.explained.length - s.degradedObservations);
  const singlePrior = Float64Array.from(singles, (s) => s.logPrior);
  const explainedWords = new Uint32Array(singles.length * words);
  const downWords = new Uint32Array(singles.length * words);
  singles.forEach((s, k) => {
    explainedWords.set(s.explainedBits, k * words);
    downWords.set(s.downBits, k * words);
  });
  // Where likRows holds it, computed on first ask: an index, not the value, which a call
  // that is not inlined would box, hundreds of thousands of times per ranking.
  const likAt = (ka: number, kb: number, e: number) => {
    const k = singleWeight[ka]! >= singleWeight[kb]! ? ka : kb;
    const at = k * (nObs + 1) + e;
    if (Number.isNaN(likRows[at]!)) likRows[at] = likUpper(e, singleWeight[k]!);
    return at;
  };
  /**
   * What a root's reports are drawn from, for a pair's count: what it takes DOWN, observed
   * or silent, and what it only DEGRADES at delta each (a farm member that degrades 300
   * observations the other root takes DOWN does not draw 0.3 x 300 more reports).
   */
  const drawnFrom = (s: Single) => s.explained.length - (1 - delta) * s.degradedObservations + s.weight;
  /**
   * With a learnt count, how far below its peak (lnNormBase, what likUpper assumes) a
   * pair's normal count factor must stay for a pair explaining e: its mean lies between
   * what a and b draw less what both break at most, and what they draw; its variance
   * between what neither shares and what both share at most. 0 with the rate unknown.
   */
  const normalGap = (a: Single, b: Single, e: number) => {
    if (!learnt) return 0;
    const da = drawnFrom(a);
    const db = drawnFrom(b);
    const shared = Math.min(da, db);
    const meanMax = Math.max(1, rate * da) + Math.max(1, rate * db);
    const meanMin = meanMax - rate * rate * shared;
    const varMin = 2 * spread2 + rateError2 * (da * da + db * db);
    const varMax = varMin + rate * rate * (1 - rate * rate) * shared;
    const off = e < meanMin ? meanMin - e : e > meanMax ? e - meanMax : 0;
    return -(off * off) / (2 * varMax) - 0.5 * Math.log(2 * Math.PI * varMin) - lnNormBase;
  };
  // First what is cheap, for every pair: what it explains, what only DEGRADED, whether it
  // needs a joint propagation, and a bound (the union weighs at least the heavier single).
  // Then the pairs best bound first, what both break counted for each, until the bound
  // of the rest is negligible against the best hypothesis found so far.
  const candidatePairs = pairColumns;
  candidatePairs.reset();
  const floor = bestAll - o.margin;
  const boundPairs = () => {
    for (const a of paired) {
      if (pairing(a) + maxPrior + secondRoot < bestPairing - o.margin) break;
      const ka = indexOf.get(a)!;
      // The singles that take DOWN so many members of one of a's farms that, with a's, fewer
      // than minUp may stay up (counting every member either takes down as distinct).
      if (a.complete && a.softFarms.length > 0) {
        const rows = farmRowsOf();
        a.softFarms.forEach((i, k) => (softMark[i] = 1 + a.softFarmDown[k]!));
        for (const i of a.softFarms) {
          const mark = softMark[i]!;
          if (mark <= 0) continue;
          softMark[i] = -mark; // read once, however often a lists it
          for (let at = rows.start[i]!; at < rows.start[i + 1]!; at++) {
            if (g.members[i]! - (mark - 1 + rows.down[at]!) < g.minUp[i]!) sharesFarm[rows.single[at]!] = ka + 1;
          }
        }
        for (const i of a.softFarms) softMark[i] = 0;
      }
      const aAt = ka * words;
      for (let kb = 0; kb < singles.length; kb++) {
        if (kb === ka) continue;
        const priors = singlePrior[ka]! + singlePrior[kb]! + secondRoot;
        const twiceMost = Math.min(singleTakenDown[ka]!, singleTakenDown[kb]!);
        // ubLik at the heavier single's weight: the larger of its values at E = 1 and at E.
        const most = Math.min(nObs, singleExplained[ka]! + singleExplained[kb]!);
        if (most <= 0 || Math.max(likRows[likAt(ka, kb, 1)]!, likRows[likAt(ka, kb, most)]!) + twiceMost * lnTwiceBound + priors < floor) continue;
        const b = singles[kb]!;
        const bAt = kb * words;
        // Observations b explains and a does not; of those, the ones b only DEGRADES; the
        // ones a only DEGRADES that b takes DOWN; and those both take DOWN.
        let gained = 0;
        let newlyDegraded = 0;
        let upgraded = 0;
        let twice = 0;
        for (let w = 0; w < words; w++) {
          const aBits = explainedWords[aAt + w]!;
          const bBits = explainedWords[bAt + w]!;
          const aDown = downWords[aAt + w]!;
          const bDown = downWords[bAt + w]!;
          const bOnly = bBits & ~aBits;
          gained += popcount(bOnly);
          newlyDegraded += popcount(bOnly & ~bDown);
          upgraded += popcount(aBits & ~aDown & bDown);
          twice += popcount(aDown & bDown);
        }
        // A second failure that explains nothing more is weighed when it takes DOWN
        // observations a only DEGRADES (a report where a's redundancy holds is better
        // explained by b), when the two take DOWN observations in common (reports there
        // had two chances: denser reports where b breaks are its trace) or when it has
        // evidence of its own (a change, recorded changes, open incidents). Otherwise such
        // pairs add the same small share to every candidate inside a's footprint and are
        // left out.
        if (gained === 0 && twice === 0 && upgraded === 0 && (!o.pairsWithoutGain || b.evidencePrior <= 0)) continue;
        // Only pairs of two paired singles can come up twice.
        const key = isPaired[kb] ? Math.min(ka, kb) * singles.length + Math.max(ka, kb) : -1;
        if (key >= 0 && pairSeen.has(key)) continue;
        const explained = a.explained.length + gained;
        const normal = normalGap(a, b, explained);
        if (explained <= 0 || Math.max(likRows[likAt(ka, kb, 1)]!, likRows[likAt(ka, kb, explained)]!) + normal + twice * lnTwiceBound + priors < floor) continue;
        if (key >= 0) pairSeen.add(key);
        // A farm both hit can go DOWN only together: then the pair must be propagated
        // jointly. It cannot when, even counting every member either takes down as
        // distinct, enough stay up: the joint failure is then exactly the union. When one of
        // them is not exact (its closure reaches past a walk's budget), neither would a
        // joint propagation be: the union's lower bound is kept instead.
        const shared = a.complete && b.complete && sharesFarm[kb] === ka + 1;
        const degraded = a.degradedObservations - upgraded + newlyDegraded;
        // Jointly, what is only DEGRADED may go DOWN: a shared pair's bound leaves none.
        const bound = likRows[likAt(ka, kb, explained)]! + normal + twice * lnTwiceBound + (shared ? 0 : degraded * lnDegraded) + priors;
        if (bound >= floor) candidatePairs.push(ka, kb, explained, degraded, twice, priors, shared, bound);
      }
    }
  };
  boundPairs();
  // The scored pairs' numbers in candidatePairs, in the order scored.
  let scored: Int32Array = new Int32Array(0);
  let scoredCount = 0;
  const scorePairs = () => {
    const byBound = candidatePairs.byBound(scratch.int32('byBound', candidatePairs.length));
    scored = scratch.int32('scored', byBound.length);
    for (let k = 0; k < byBound.length; k++) {
      const p = byBound[k]!;
      if (candidatePairs.bound[p]! < bestAll - o.margin) break;
      const ka = candidatePairs.ka[p]!;
      const kb = candidatePairs.kb[p]!;
      const explained = candidatePairs.explained[p]!;
      const degraded = candidatePairs.degraded[p]!;
      const twice = candidatePairs.twice[p]!;
      const priors = candidatePairs.priors[p]!;
      const shared = candidatePairs.shared[p] === 1;
      const a = singles[ka]!;
      const b = singles[kb]!;
      // A CI both break weighs as the lesser of its two states.
      const bothBreak = sharedSilentOf.all(a, kb);
      const bothDown = sharedSilentOf.down(a, kb);
      const overlap = weightOf(bothDown, bothBreak);
      const unionWeight = a.weight + b.weight - overlap;
      // For a learnt count: what each breaks (explained and silent) and what both do.
      let bothExplain = 0;
      if (learnt) for (let w = 0; w < words; w++) bothExplain += popcount(a.explainedBits[w]! & b.explainedBits[w]!);
      const da = drawnFrom(a);
      const db = drawnFrom(b);
      const dab = twice + delta * (bothExplain - twice) + overlap;
      const logPost = logLikPair(explained, degraded, unionWeight, da, db, dab, twice, bothDown) + priors;
      candidatePairs.logPost[p] = logPost;
      scored[scoredCount++] = p;
      if (shared) sharedPairs.push({ p, priors, unionWeight, unionBroken: a.silentBroken + b.silentBroken - bothBreak, da, db, dab, twice, bothDown });
      else bestAll = Math.max(bestAll, logPost);
    }
  };
  scorePairs();
  // Pairs sharing a farm: jointly they break what the union breaks, some of it harder
  // (at best no observation left DEGRADED; the silent weight does not fall). Those that
  // can still matter are propagated jointly, and dropped when they cannot: the second
  // failure's DOWN part (kept per graph) set on top of the first's, which is walked once
  // for all its pairs; only what they take DOWN together and neither alone is walked.
  // Best bound first (the likeliest pairs raise the floor early, and fewer of the rest
  // need propagating), pairs of one first root together.
  const jointBound = (x: (typeof sharedPairs)[number]) => likUpper(candidatePairs.explained[x.p]!, x.unionWeight) + x.twice * lnTwiceBound + x.priors;
  sharedPairs.sort((x, y) => jointBound(y) - jointBound(x));
  const firstSeen = new Map<number, number>();
  sharedPairs.forEach((x, k) => firstSeen.set(candidatePairs.ka[x.p]!, Math.min(firstSeen.get(candidatePairs.ka[x.p]!) ?? k, k)));
  sharedPairs.sort((x, y) => firstSeen.get(candidatePairs.ka[x.p]!)! - firstSeen.get(candidatePairs.ka[y.p]!)!);
  const propagateShared = () => {
    const logPosts = candidatePairs.logPost;
    for (const { p, priors, unionWeight, unionBroken, da, db, dab, twice, bothDown } of sharedPairs) {
      const floor = bestAll - o.margin;
      const explained = candidatePairs.explained[p]!;
      if (likUpper(explained, unionWeight) + twice * lnTwiceBound + priors < floor) {
        logPosts[p] = Math.min(logPosts[p]!, floor - 1);
        continue;
      }
      let limit = Math.ceil(unionWeight);
      while (limit < silentTotal && likUpper(explained, limit) + twice * lnTwiceBound + priors >= floor) limit = Math.ceil(limit * 1.25) + 1;
      // Together they break what either breaks (the union of their closures, whose silent
      // CIs are counted); only the DOWN part is walked.
      const a = singles[candidatePairs.ka[p]!]!;
      const b = singles[candidatePairs.kb[p]!]!;
      let downExplained = 0;
      let silentDown = 0;
      if (prepared.aboveFragile[a.node] || prepared.aboveFragile[b.node]) {
        const full = spreader.spread([a.node, b.node]);
        for (let k = 0; k < full.nodes.length; k++) {
          const i = full.nodes[k]!;
          if (full.states[k] !== 2) continue;
          const ob = obsOf[i]!;
          if (ob >= 0) downExplained++;
          else if (ob === SILENT) silentDown++;
        }
      } else {
        // Both are exact (a shared pair needs both complete): their DOWN parts are known, so
        // what either takes DOWN is counted from them (observations as bits; silent CIs as
        // both counts less those both take DOWN); only what the two take DOWN together and
        // neither alone is walked, on top of a's walk, when it can still matter.
        for (let w = 0; w < words; w++) downExplained += popcount(a.downBits[w]! | b.downBits[w]!);
        silentDown = a.silentDown.length + b.silentDown.length - bothDown;
        const needed = Math.ceil((limit - weightOf(0, unionBroken)) / (1 - delta)) - silentDown;
        let moreExplained = 0;
        let moreSilent = 0;
        if (needed > 0) {
          const part = parts.of(b.node);
          const together = spreader.spreadDownTogether(a.node, part.nodes, part.edges);
          for (let k = 0; k < together.length; k++) {
            const i = together[k]!;
            const ob = obsOf[i]!;
            if (ob >= 0) moreExplained++;
            else if (ob === SILENT) moreSilent++;
          }
        }
        if (moreSilent >= needed) {
          logPosts[p] = Math.min(logPosts[p]!, floor - 1);
          continue;
        }
        downExplained += moreExplained;
        silentDown += moreSilent;
      }
      // What both take DOWN alone they take DOWN together: the two chances stay as they were.
      logPosts[p] = logLikPair(explained, explained - downExplained, weightOf(silentDown, unionBroken), da, db, dab, twice, bothDown) + priors;
      bestAll = Math.max(bestAll, logPosts[p]!);
    }
  };
  propagateShared();
  // Each single's best pair (the first scored of the best): its partner's number (-1: none).
  const bestPartner = new Int32Array(singles.length).fill(-1);
  const bestPairPost = new Float64Array(singles.length).fill(Number.NEGATIVE_INFINITY);
  const bestPairOf = new Int32Array(singles.length);
  const keepBest = (self: number, other: number, p: number) => {
    const logPost = candidatePairs.logPost[p]!;
    if (bestPartner[self]! < 0 || logPost > bestPairPost[self]!) {
      bestPartner[self] = other;
      bestPairPost[self] = logPost;
      bestPairOf[self] = p;
    }
  };
  const logPosts = new Float64Array(singles.length + scoredCount);
  for (let k = 0; k < singles.length; k++) logPosts[k] = post(singles[k]!);
  for (let k = 0; k < scoredCount; k++) {
    const p = scored[k]!;
    logPosts[singles.length + k] = candidatePairs.logPost[p]!;
    keepBest(candidatePairs.ka[p]!, candidatePairs.kb[p]!, p);
    keepBest(candidatePairs.kb[p]!, candidatePairs.ka[p]!, p);
  }
  const z = logSumExp(logPosts);
  // A candidate's score is its posterior marginal: the probability that it failed,
  // summed over every hypothesis it is part of (alone or with a second root).
  const marginal = new Float64Array(singles.length);
  for (let k = 0; k < singles.length; k++) marginal[k]! += Math.exp(logPosts[k]! - z);
  for (let k = 0; k < scoredCount; k++) {
    const share = Math.exp(logPosts[singles.length + k]! - z);
    const p = scored[k]!;
    marginal[candidatePairs.ka[p]!]! += share;
    marginal[candidatePairs.kb[p]!]! += share;
  }
  // Order: posterior; ties (indistinguishable failures) go to the one observed failing
  // itself, then to the smallest failure, then by name.
  const order = singles.map((_s, k) => k);
  const nameRank = nameRanks(prepared, input.nodes, name);
  order.sort((x, y) => {
    const mx = marginal[x]!;
    const my = marginal[y]!;
    // Within rounding, equal: a sum's last bits depend on the order it was added in.
    // (Signs, not differences: a fractional result would be boxed on each call.)
    if (Math.abs(mx - my) > 1e-9 * Math.max(mx, my)) return my > mx ? 1 : -1;
    const sx = singles[x]!;
    const sy = singles[y]!;
    if (Math.abs(post(sx) - post(sy)) > 1e-9) return post(sy) > post(sx) ? 1 : -1;
    const ox = obsOf[sx.node]! >= 0 ? 1 : 0;
    const oy = obsOf[sy.node]! >= 0 ? 1 : 0;
    if (ox !== oy) return oy - ox;
    if (sx.brokenCount !== sy.brokenCount) return sx.brokenCount - sy.brokenCount;
    // By name, then id: the order nameRanks keeps (made once per prepared graph, and
    // needed anyway for the evidence's names).
    return nameRank[sx.node]! - nameRank[sy.node]!;
  });
  // First place goes to the most probable single explanation: the best-placed member of
  // the likeliest one-CI hypothesis. A big root's look-alikes can outweigh it in marginal
  // mass (each smaller one also pairs with noise), and a pair's best member is often one
  // that pairs with noise, yet the root alone explains the most; the rest follow by
  // marginal so the top few still cover a second root. Only a sole cause that explains at
  // least half of the observations is put first: when every single CI is far off (two big
  // failures, neither of which fits the count alone), the likeliest one may be a CI that
  // explains one report of 183 and calls the rest noise, and the places go by marginal.
  const soleCause = (k: number) => 2 * singles[k]!.explained.length >= nObs;
  let bestLogPost = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < singles.length; k++) bestLogPost = Math.max(bestLogPost, logPosts[k]!);
  const inBest = new Uint8Array(singles.length);
  for (let k = 0; k < singles.length; k++) if (logPosts[k]! >= bestLogPost - 1e-9) inBest[k] = 1;
  const leader = order.findIndex((k) => inBest[k] === 1);
  if (leader >= 0 && soleCause(order[leader]!)) {
    if (leader > 0) order.unshift(...order.splice(leader, 1));
    // Second place: the runner-up as a sole cause, when it is about as likely alone as the
    // leader. Two look-alikes a few CIs apart (a load balancer and the cluster behind it)
    // are the two answers to "which CI alone explains this", yet the one that fits the
    // count a little worse may hold little marginal mass next to pairs of bigger failures
    // with a small CI that makes up their count, and was listed far down.
    if (o.runnerUpNats > 0) {
      let runnerUp = -1;
      for (let p = 1; p < order.length; p++) if (runnerUp < 0 || logPosts[order[p]!]! > logPosts[order[runnerUp]!]!) runnerUp = p;
      if (runnerUp > 1 && logPosts[order[runnerUp]!]! >= bestLogPost - o.runnerUpNats && soleCause(order[runnerUp]!)) order.splice(1, 0, ...order.splice(runnerUp, 1));
    }
  }

  // Ruled-out candidates (posterior share below e^-margin) follow, best bound first; what
  // they explain and break is what was found before they were ruled out.
  deadSingles.sort((x, y) => y.ub - x.ub);
  const rows = [
    ...order.map((k) => ({ s: singles[k]!, k, score: marginal[k]! })),
    ...deadSingles.map((d) => ({ s: d.single, k: -1, score: 0 })),
  ];
  const described = input.describeFirst ?? Number.POSITIVE_INFINITY;
  // s.explained is in observation order (read off a bitset), the order the observations were given in.
  const observationIds = observations.map((ob) => ob.ciId);
  return rows.map(({ s, k, score }, position): RankedCandidate => {
    // In the order the observations were given (incidents' CIs first), whatever order the spread found them in.
    const explains: string[] = new Array<string>(s.explained.length);
    for (let e = 0; e < s.explained.length; e++) explains[e] = observationIds[s.explained[e]!]!;
    const evidence: string[] = [];
    const pairNumber = k >= 0 && bestPartner[k]! >= 0 ? bestPairOf[k]! : -1;
    const pair = pairNumber >= 0 ? { partner: bestPartner[k]!, logPost: bestPairPost[k]!, explained: candidatePairs.explained[pairNumber]!, twice: candidatePairs.twice[pairNumber]! } : undefined;
    const partner = pair && pair.logPost > post(s) ? singles[pair.partner]!.ciId : null;
    const row = { ciId: s.ciId, score, logScore: post(s), explains, unobservedDamage: s.weight, damageExact: s.complete, brokenCount: s.brokenCount, changes: s.changes, evidence, partner };
    if (position >= described) return row;
    // Names only for what the evidence shows (list() prints the first few and a count).
    const observedNames = explains.slice(0, 5).map(name);
    evidence.push(`explains ${s.explained.length} of ${plural(nObs, 'failing CI')}: ${list(observedNames, 5, explains.length)}`);
    if (obsOf[s.node]! >= 0) {
      const incidents = observations[obsOf[s.node]!]!.incidentIds;
      evidence.push(incidents.length ? `is itself reported failing (${list(incidents, 3)})` : 'is itself observed failing');
    }
    // The first few by name: the same whichever way the graph was read.
    const silentNames = firstNames(s.node, 4);
    const bound = prepared.reachesUnexpanded[s.node] ? 'at least ' : '';
    evidence.push(
      s.silentBroken === 0
        ? bound
          ? 'would break no user-facing CI that is not already reported among the CIs read (the walk stopped at its budget before the end of what it breaks)'
          : 'would break no user-facing CI that is not already reported'
        : `would also have broken ${bound}${plural(s.silentBroken, 'user-facing CI')} that ${s.silentBroken === 1 ? 'reports' : 'report'} no incident: ${list(silentNames, 4, s.silentBroken)}`,
    );
    if (!s.dead && s.degradedObservations > 0) {
      evidence.push(`${plural(s.degradedObservations, 'of the failing CIs', 'of the failing CIs')} would only be DEGRADED by it (redundancy keeps enough members up)`);
    }
    if (s.dead) evidence.push('ruled out: it would break far more than is reported, whatever else it explains');
    else if (s.explained.length < nObs) evidence.push(`leaves ${plural(nObs - s.explained.length, 'failing CI')} unexplained`);
    evidence.push(...s.priorReasons);
    if (pair && partner) {
      // Failing CIs the partner would only DEGRADE and this one takes DOWN.
      const other = singles[pair.partner]!;
      let upgraded = 0;
      for (let w = 0; w < words; w++) upgraded += popcount(other.explainedBits[w]! & ~other.downBits[w]! & s.downBits[w]!);
      evidence.push(
        `together with ${name(partner)} as a second, independent failure it explains ${pair.explained} of ${plural(nObs, 'failing CI')}` +
          (pair.twice > 0 ? `; both would take down ${pair.twice} of them, which had two chances to draw an incident` : '') +
          (upgraded > 0 ? `; it would take down ${plural(upgraded, 'failing CI')} that ${name(partner)} would only DEGRADE` : ''),
      );
    }
    return row;
  });
}
