/**
 * How this organisation reports outages, learnt from its own resolved problems: for each
 * problem with a root-cause CI and incidents, how many user-facing CIs the root's failure
 * takes DOWN (D) and DEGRADED (G), and how many of each its incidents reported. From
 * them, the reporting model the ranking uses (model.ts, `RcaOptions.reporting`): the
 * share of a failure's DOWN user-facing CIs that get an incident, how far the count
 * strays from that share, and how much less often a DEGRADED one is reported.
 *
 * Past outages no problem explains count too (`pastOutages`): bursts of resolved
 * incidents, each root the ranking's own when it is sure of it (OUTAGE_MIN_POSTERIOR,
 * ranked with the rate unknown, so a label never rests on the fit it feeds). A young
 * CMDB, or a team that files few problems, thus learns from its incidents alone.
 *
 * With fewer than MIN_PROBLEMS samples the ranking keeps the rate unknown
 * (Beta-binomial, the default). The root's failure is propagated with the impact service
 * as the topology stood when the first incident opened, once per problem version or
 * outage; the fit is kept until the problems change, and past outages are looked for
 * again every OUTAGE_RECHECK_MS.
 */
import type { Graph, Row } from '../db/index.js';
import { int } from '../db/index.js';
import { USER_FACING_CLASSES } from '../../graph-schema/index.js';
import { computeImpactDetails } from '../impact/index.js';
import type { LearntReporting } from './model.js';
import * as Q from './cypher.js';
import { NotFoundError } from '../errors.js';

/** Every impacted CI is counted, however deep (maxDepth only bounds what impact returns). */
const ALL_DEPTHS = 1_000_000;

/**
 * Samples (resolved problems and past outages) that agree, outliers left out, needed
 * before a reporting model is learnt. Ten put the rate within a few thousandths on the
 * generated CMDBs and the spread within about a quarter of itself (docs/rootcause.md,
 * "How many past outages it takes").
 */
export const MIN_PROBLEMS = 10;
/** How many of the latest resolved problems are read. */
export const MAX_PROBLEMS = 200;

/** One past problem: what its root's failure broke, and what its incidents reported. */
export interface ReportingSample {
  /** User-facing CIs the root's failure takes DOWN / only DEGRADES. */
  down: number;
  degraded: number;
  /** Of those, how many the problem's incidents reported. */
  reportedDown: number;
  reportedDegraded: number;
  /** A past outage no problem explains, its root the ranking's (Calibrations, "outages"); unset: a resolved problem's. */
  selfLabelled?: boolean;
}

export interface Calibration {
  /** Resolved problems it was learnt from. */
  problems: number;
  /** Past outages no problem explains that it was learnt from, each root the ranking's (0 unless given). */
  outages: number;
  /** Samples left out as outliers. */
  outliers: number;
  reporting: LearntReporting;
  /** How much less often a DEGRADED user-facing CI is reported than a DOWN one. */
  degradedRatio: number;
}

/** A count further than this many robust standard deviations from the fit is an outlier (and at least OUTLIER_MIN_REPORTS). */
export const OUTLIER_SDS = 3;
export const OUTLIER_MIN_REPORTS = 3;

/**
 * The reporting model of the samples, or undefined with fewer than MIN_PROBLEMS that
 * broke something and agree (outliers, below, left out). Rate: the least-squares slope
 * of reports against DOWN CIs, through the origin, over the problems large enough that
 * "at least one report" does not decide their count (a large failure weighs more, as its
 * share is the better measured; the pooled share, biased up by the smallest ones, only
 * says which those are). Spread: the root mean square of each problem's count less the
 * rate's (at least one report), over one fewer than the samples (the rate was fitted to
 * them); the rate's standard error goes with it, so that a failure larger than most on
 * record is judged less sharply. DEGRADED: their reporting rate over the DOWN one, with
 * half a report and one CI added so that none reported gives a small ratio, not zero;
 * kept within [1e-4, 1].
 *
 * Outliers: a sample whose count strays from the rate by more than OUTLIER_SDS robust
 * standard deviations (1.4826 times the median absolute residual), and by more than
 * OUTLIER_MIN_REPORTS, is left out. Counts are judged first against the samples' median
 * share, weighted by size (`medianShare`; a least-squares fit is pulled towards the
 * outliers it should find: a few large ones move it enough that every other count looks
 * off), then against the least-squares fit of those kept, until the same samples are
 * kept. A problem filed against the wrong CI, or a past outage whose cause the ranking
 * took for a larger one (`selfLabelled`), would otherwise widen the spread for every
 * analysis.
 */
export function fitCalibration(samples: readonly ReportingSample[]): Calibration | undefined {
  const used = samples.filter((s) => s.down > 0);
  if (used.length < MIN_PROBLEMS) return undefined;
  let rate = medianShare(used);
  let from: readonly ReportingSample[] = used;
  for (let round = 0; round < 10; round++) {
    const residuals = used.map((s) => Math.abs(s.reportedDown - Math.max(1, rate * s.down)));
    const cut = Math.max(OUTLIER_MIN_REPORTS, OUTLIER_SDS * 1.4826 * median(residuals));
    const kept = used.filter((_s, k) => residuals[k]! <= cut);
    const settled = round > 0 && kept.length === from.length && kept.every((s, k) => s === from[k]);
    from = kept;
    if (settled || kept.length < MIN_PROBLEMS) break;
    rate = fitReporting(kept).rate;
  }
  if (from.length < MIN_PROBLEMS) return undefined;
  const fit = fitReporting(from);
  const outages = from.filter((s) => s.selfLabelled).length;
  return {
    problems: from.length - outages,
    outages,
    outliers: used.length - from.length,
    reporting: { problems: from.length, rate: fit.rate, spread: fit.spread, rateError: fit.rateError },
    degradedRatio: fit.degradedRatio,
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The least-absolute-deviations rate through the origin (minimising the sum of
 * |reports - rate x DOWN|): the median of the shares reported, each weighted by its DOWN
 * CIs, over the samples that "at least one report" does not decide (the pooled share if
 * none). Unweighted, the median share leans on the small failures, whose shares rounding
 * moves by a few hundredths, and then the largest counts look off by many reports.
 */
function medianShare(used: readonly ReportingSample[]): number {
  const pooled = pooledShare(used);
  const large = used.filter((s) => pooled * s.down >= 1).sort((a, b) => a.reportedDown / a.down - b.reportedDown / b.down);
  if (!large.length) return pooled;
  const half = large.reduce((a, s) => a + s.down, 0) / 2;
  let below = 0;
  for (const s of large) {
    below += s.down;
    if (below >= half) return s.reportedDown / s.down;
  }
  return pooled;
}

/** A report rate kept within [1e-3, 1]. */
const clampRate = (r: number) => Math.min(1, Math.max(1e-3, r));

/** The share of all DOWN user-facing CIs reported, within [1e-3, 1]: biased up by the smallest failures, it only says which ones "at least one report" decides. */
function pooledShare(used: readonly ReportingSample[]): number {
  let reported = 0;
  let down = 0;
  for (const s of used) {
    reported += s.reportedDown;
    down += s.down;
  }
  return clampRate(reported / down);
}

function fitReporting(used: readonly ReportingSample[]): { rate: number; spread: number; rateError: number; degradedRatio: number } {
  let reportedDegraded = 0;
  let degraded = 0;
  for (const s of used) {
    reportedDegraded += s.reportedDegraded;
    degraded += s.degraded;
  }
  const pooled = pooledShare(used);
  let sxy = 0;
  let sxx = 0;
  for (const s of used) {
    if (pooled * s.down < 1) continue;
    sxy += s.reportedDown * s.down;
    sxx += s.down * s.down;
  }
  const rate = sxx > 0 ? clampRate(sxy / sxx) : pooled;
  let squares = 0;
  for (const s of used) squares += (s.reportedDown - Math.max(1, rate * s.down)) ** 2;
  const spread = Math.sqrt(squares / Math.max(1, used.length - 1));
  const rateError = sxx > 0 ? spread / Math.sqrt(sxx) : rate;
  const degradedRatio = Math.min(1, Math.max(1e-4, (reportedDegraded + 0.5) / (degraded + 1) / rate));
  return { rate, spread, rateError, degradedRatio };
}

/** Counts one user-facing CI the root broke (DOWN or only DEGRADED), and whether it was reported, into `sample`. */
export function countBroken(sample: ReportingSample, down: boolean, reported: boolean): void {
  if (down) {
    sample.down++;
    if (reported) sample.reportedDown++;
  } else {
    sample.degraded++;
    if (reported) sample.reportedDegraded++;
  }
}

/** Incidents opened at most this long after the one before belong to the same outage (at most: see `outageGap`). */
export const OUTAGE_GAP_MS = 30 * 60_000;
/**
 * The chance, at most, that an unrelated incident of the background stream chains onto an
 * outage at either end (`outageGap`); the background rate is read per bin of this length.
 */
export const OUTAGE_CHAIN_CHANCE = 0.1;
export const BACKGROUND_BIN_MS = 6 * 3_600_000;
/** A burst of incidents longer than this is not one outage (a steady flow of unrelated ones). */
export const OUTAGE_MAX_SPAN_MS = 6 * 3_600_000;
/** An outage draws at least this many incidents (fewer: everyday incidents, not "many things failing at once"). */
export const OUTAGE_MIN_INCIDENTS = 3;
/** The posterior the ranking must give its first candidate for it to be taken as an outage's root. */
export const OUTAGE_MIN_POSTERIOR = 0.8;
/** How many of the latest past outages are learnt from. */
export const MAX_OUTAGES = 200;
/** How far back, and how many incidents at most, are read to find them. */
export const OUTAGE_LOOKBACK_MS = 365 * 24 * 3_600_000;
export const MAX_OUTAGE_INCIDENTS = 20_000;
/** Past outages are looked for again when the last look is older than this. */
export const OUTAGE_RECHECK_MS = 10 * 60_000;
/** ... or this long after a look that left outages for later. */
export const OUTAGE_RETRY_MS = 60_000;

/** An incident as `pastOutages` reads it. */
export interface PastIncident {
  id: string;
  openedAt: number;
  updatedAt: number;
  /** Not yet RESOLVED or CLOSED. */
  open: boolean;
  /** A problem groups it. */
  grouped: boolean;
  affects: string[];
}

/** A past outage no problem explains: a burst of resolved incidents. */
export interface Outage {
  /** Its incidents and their last updates: the outage is labelled again when this changes. */
  key: string;
  incidentIds: string[];
  firstOpenedAt: number;
  lastOpenedAt: number;
  /** The CIs its incidents affect. */
  reported: string[];
}

/**
 * The rate of the background stream of incidents (per ms): the median number opened per
 * BACKGROUND_BIN_MS over the whole bins these incidents (sorted by opening) cover. Outages
 * fill few bins, so the median is what a service desk records besides them; 0 when the
 * incidents cover less than one bin.
 */
export function backgroundRate(sorted: readonly PastIncident[]): number {
  if (sorted.length < 2) return 0;
  const from = sorted[0]!.openedAt;
  const bins = Math.floor((sorted.at(-1)!.openedAt - from) / BACKGROUND_BIN_MS);
  if (bins < 1) return 0;
  const counts = new Array<number>(bins).fill(0);
  for (const i of sorted) {
    const k = Math.floor((i.openedAt - from) / BACKGROUND_BIN_MS);
    if (k < bins) counts[k]!++;
  }
  return median(counts) / BACKGROUND_BIN_MS;
}

/**
 * How close incidents must open to belong to one outage: OUTAGE_GAP_MS, or less on a busy
 * stream, the time within which the next unrelated incident opens with chance
 * OUTAGE_CHAIN_CHANCE (-ln(1 - p) / rate). A 30-minute gap on a stream of two unrelated
 * incidents an hour chains one or two of them onto each end of most outages, and those
 * that land on what the root broke count as reports: the learnt rate then overstates how
 * outages are reported (docs/rootcause.md, "A busy service desk").
 */
export function outageGap(rate: number): number {
  return rate > 0 ? Math.min(OUTAGE_GAP_MS, -Math.log(1 - OUTAGE_CHAIN_CHANCE) / rate) : OUTAGE_GAP_MS;
}

/**
 * The past outages among these incidents, oldest first: incidents each opened within
 * `outageGap` of the one before (the stream's `backgroundRate` read from them), spanning
 * at most OUTAGE_MAX_SPAN_MS, all resolved or closed (an open one: it may not be over)
 * and none grouped by a problem (the problem tells that outage's root; its other
 * incidents were that day's noise), of which OUTAGE_MIN_INCIDENTS or more affect a CI
 * (those that affect none are left out of it).
 * `truncated`: the incidents are the latest up to a limit, so the oldest burst is left out.
 */
export function pastOutages(incidents: readonly PastIncident[], { truncated = false } = {}): Outage[] {
  const sorted = [...incidents].sort((a, b) => a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const gap = outageGap(backgroundRate(sorted));
  const bursts: PastIncident[][] = [];
  for (const incident of sorted) {
    const last = bursts.at(-1);
    if (last && incident.openedAt - last.at(-1)!.openedAt <= gap) last.push(incident);
    else bursts.push([incident]);
  }
  // Read up to a limit: the oldest burst may have begun before the oldest incident read.
  if (truncated) bursts.shift();
  return bursts
    .filter((b) => b.at(-1)!.openedAt - b[0]!.openedAt <= OUTAGE_MAX_SPAN_MS && b.every((i) => !i.open && !i.grouped))
    .map((b) => b.filter((i) => i.affects.length > 0))
    .filter((b) => b.length >= OUTAGE_MIN_INCIDENTS)
    .map((b) => ({
      key: b.map((i) => `${i.id}@${i.updatedAt}`).join(','),
      incidentIds: b.map((i) => i.id),
      firstOpenedAt: b[0]!.openedAt,
      lastOpenedAt: b.at(-1)!.openedAt,
      reported: [...new Set(b.flatMap((i) => i.affects))],
    }));
}

/**
 * The past outages learnt from: the latest MAX_OUTAGES among the latest incidents, read
 * up to MAX_OUTAGE_INCIDENTS (as many: the read hit its limit, `truncated`).
 */
export function outagesToLearnFrom(latest: readonly PastIncident[]): Outage[] {
  return pastOutages(latest, { truncated: latest.length >= MAX_OUTAGE_INCIDENTS }).slice(-MAX_OUTAGES);
}

/**
 * The root of a past outage, from the ranking of its incidents with the rate unknown:
 * its first candidate when the posterior of that candidate is OUTAGE_MIN_POSTERIOR or
 * more and the outage drew OUTAGE_MIN_INCIDENTS or more; otherwise none (the outage
 * teaches nothing: an unsure label would teach the ranking its own doubts).
 */
export function outageRoot(incidents: number, ranked: readonly { ciId: string; score: number }[]): string | null {
  const first = ranked[0];
  return incidents >= OUTAGE_MIN_INCIDENTS && first && first.score >= OUTAGE_MIN_POSTERIOR ? first.ciId : null;
}

/**
 * Labels a past outage (the ranking with the rate unknown, then `outageRoot`): the root,
 * null when there is none, 'later' when it cannot rank now (no topology projection: a
 * walk of Neo4j per outage is too dear for background learning).
 */
export type OutageLabeller = (outage: Outage) => Promise<string | null | 'later'>;

const pastIncident = (r: Row): PastIncident => ({
  id: String(r.id),
  openedAt: Number(r.openedAt),
  updatedAt: Number(r.updatedAt ?? r.openedAt),
  open: r.open === true,
  grouped: r.grouped === true,
  affects: (r.affects as unknown[]).map(String),
});

const USER_FACING = new Set<string>(USER_FACING_CLASSES);

interface ProblemRow {
  id: string;
  version: string;
  rootId: string;
  firstOpenedAt: number;
  reported: string[];
}

/** A problem row as read (RESOLVED_PROBLEMS, and the CIs reported when `reported` was read too). */
function problemRow(r: Row): ProblemRow {
  const opened = (r.opened as unknown[]).map(Number);
  return {
    id: String(r.id),
    version: `${String(r.updatedAt)}|${String(r.rootId)}|${[...opened].sort((a, b) => a - b).join(' ')}`,
    rootId: String(r.rootId),
    firstOpenedAt: opened.reduce((m, t) => Math.min(m, t), Number.POSITIVE_INFINITY),
    reported: r.reported === undefined ? [] : [...new Set((r.reported as unknown[][]).flat().map(String))],
  };
}

/** Which problems, in which versions: a fit is current while this stays the same. */
const keyOf = (rows: readonly ProblemRow[]) => rows.map((r) => `${r.id}@${r.version}`).join(',');

/**
 * The user-facing CIs `rootId`'s failure at `at` breaks, each with its state, the root
 * itself DOWN when it is one (it is among the impacted only when something loops back to
 * it), propagated with the impact rules as the topology stood then, however deep. Null
 * when the root did not exist then. What a past outage teaches (`sampleOf`), and what
 * tells two failures apart (rootcause/hindsight.ts).
 */
export async function userFacingBroken(graph: Graph, rootId: string, at: number): Promise<Map<string, string> | null> {
  let details;
  try {
    details = await computeImpactDetails(graph, { ciIds: [rootId], at, maxDepth: ALL_DEPTHS });
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  const { result } = details;
  const broken = new Map<string, string>();
  const add = (ciId: string, state: string) => {
    if (!broken.has(ciId) && USER_FACING.has(details.classOf(ciId) ?? '')) broken.set(ciId, state);
  };
  add(rootId, 'DOWN');
  for (const entry of result.impacted) add(entry.ciId, entry.state);
  return broken;
}

/**
 * One problem's sample: its root's failure propagated with the impact rules as the
 * topology stood then. Null when that cannot be counted: the root did not exist then.
 */
async function sampleOf(graph: Graph, p: Pick<ProblemRow, 'rootId' | 'firstOpenedAt' | 'reported'>): Promise<ReportingSample | null> {
  const broken = await userFacingBroken(graph, p.rootId, p.firstOpenedAt);
  if (!broken) return null;
  const reported = new Set(p.reported);
  const sample: ReportingSample = { down: 0, degraded: 0, reportedDown: 0, reportedDegraded: 0 };
  for (const [ciId, state] of broken) countBroken(sample, state === 'DOWN', reported.has(ciId));
  return sample;
}

/**
 * The calibration learnt from a graph's resolved problems and past outages, per graph.
 * `current` reads which problems there are (one query, without the CIs their incidents
 * report); when they changed, or past outages were last looked for OUTAGE_RECHECK_MS
 * ago, it learns in the background and answers with the last fit meanwhile: each new
 * or changed problem's or outage's sample is an impact propagation (seconds for a large
 * failure at 100 000 CIs), and an outage's label a ranking, which an analysis during an
 * outage must not wait for. Samples are kept per problem version and per outage.
 */
export class Calibrations {
  private readonly samples = new Map<string, { version: string; sample: ReportingSample | null }>();
  private readonly outageSamples = new Map<string, ReportingSample | null>();
  private outagesLookedAt = Number.NEGATIVE_INFINITY;
  private fitted: { key: string; calibration: Calibration | undefined } | undefined;
  private learning: Promise<Calibration | undefined> | undefined;
  /** Why the last background learning failed (null: it did not). */
  lastError: unknown = null;
  /** Why a past outage could not be labelled or counted, the last time one could not (it is tried again later). */
  lastOutageError: unknown = null;

  /** `labelOutage`: how past outages are labelled (the root-cause service's ranking); without it, only problems are learnt from. */
  constructor(
    private readonly graph: Graph,
    private readonly labelOutage?: OutageLabeller,
  ) {}

  /** The last fit; learning starts in the background when the problems changed since, or past outages are due a look. */
  async current(): Promise<Calibration | undefined> {
    const due = this.labelOutage !== undefined && Date.now() - this.outagesLookedAt > OUTAGE_RECHECK_MS;
    if ((due || this.fitted?.key !== (await this.problemsKey())) && !this.learning) {
      this.learning = this.learn()
        .then(
          (c) => {
            this.lastError = null;
            return c;
          },
          (error: unknown) => {
            this.lastError = error;
            return undefined;
          },
        )
        .finally(() => (this.learning = undefined));
    }
    return this.fitted?.calibration;
  }

  /** Learns from the problems and past outages as they are now and returns the fit (start-up, benches, tests, the evaluation). */
  async refresh(): Promise<Calibration | undefined> {
    await this.learning;
    const learning = this.learn().finally(() => (this.learning = undefined));
    this.learning = learning.catch(() => undefined);
    return learning;
  }

  /**
   * The fit of the last learning without one problem's sample: what an analysis of that
   * problem's own outage could have learnt from the others (rootcause/hindsight.ts).
   * Undefined when nothing was learnt yet, or too few samples are left.
   */
  fittedWithout(problemId: string): Calibration | undefined {
    if (!this.fitted) return undefined;
    const samples: ReportingSample[] = [];
    for (const [id, kept] of this.samples) if (id !== problemId && kept.sample) samples.push(kept.sample);
    for (const sample of this.outageSamples.values()) if (sample) samples.push(sample);
    return fitCalibration(samples);
  }

  private async problemsKey(): Promise<string> {
    return keyOf((await this.graph.read(Q.RESOLVED_PROBLEMS, { limit: int(MAX_PROBLEMS) })).map(problemRow));
  }

  /** Reads the problems with what their incidents report and the past outages, samples new or changed ones, and fits. */
  private async learn(): Promise<Calibration | undefined> {
    const rows = (await this.graph.read(Q.RESOLVED_PROBLEMS_REPORTED, { limit: int(MAX_PROBLEMS) })).map(problemRow);
    const key = keyOf(rows);
    const samples: ReportingSample[] = [];
    for (const row of rows) {
      let kept = this.samples.get(row.id);
      if (!kept || kept.version !== row.version) {
        kept = { version: row.version, sample: await sampleOf(this.graph, row) };
        this.samples.set(row.id, kept);
      }
      if (kept.sample) samples.push(kept.sample);
    }
    // Only the problems read are kept (older ones fell out of the latest MAX_PROBLEMS).
    const read = new Set(rows.map((r) => r.id));
    for (const id of this.samples.keys()) if (!read.has(id)) this.samples.delete(id);
    if (this.labelOutage) samples.push(...(await this.outages(this.labelOutage)));
    const calibration = fitCalibration(samples);
    this.fitted = { key, calibration };
    return calibration;
  }

  /** The samples of the latest MAX_OUTAGES past outages that have a root (each labelled and propagated once). */
  private async outages(label: OutageLabeller): Promise<ReportingSample[]> {
    const lookedAt = Date.now();
    const incidents = (await this.graph.read(Q.PAST_INCIDENTS, { since: lookedAt - OUTAGE_LOOKBACK_MS, limit: int(MAX_OUTAGE_INCIDENTS) })).map(pastIncident);
    const outages = outagesToLearnFrom(incidents);
    const samples: ReportingSample[] = [];
    let deferred = false;
    for (const outage of outages) {
      if (!this.outageSamples.has(outage.key)) {
        let sample: ReportingSample | null;
        try {
          const rootId = await label(outage);
          if (rootId === 'later') {
            deferred = true;
            continue;
          }
          sample = rootId === null ? null : await sampleOf(this.graph, { rootId, firstOpenedAt: outage.firstOpenedAt, reported: outage.reported });
        } catch (error) {
          // One outage that cannot be ranked or propagated does not stop learning from the others; it is tried again later.
          this.lastOutageError = error;
          deferred = true;
          continue;
        }
        this.outageSamples.set(outage.key, sample && { ...sample, selfLabelled: true });
      }
      const sample = this.outageSamples.get(outage.key);
      if (sample) samples.push(sample);
    }
    const current = new Set(outages.map((o) => o.key));
    for (const key of this.outageSamples.keys()) if (!current.has(key)) this.outageSamples.delete(key);
    // Outages left for later (no projection, or an error) are looked at again a minute later.
    this.outagesLookedAt = deferred ? lookedAt - OUTAGE_RECHECK_MS + OUTAGE_RETRY_MS : lookedAt;
    return samples;
  }
}

