/**
 * How this organisation reports outages, learnt from its own resolved problems: for each
 * problem with a root-cause CI and incidents, how many user-facing CIs the root's failure
 * takes DOWN (D) and DEGRADED (G), and how many of each its incidents reported. From
 * them, the reporting model the ranking uses (model.ts, `RcaOptions.reporting`): the
 * share of a failure's DOWN user-facing CIs that get an incident, how far the count
 * strays from that share, and how much less often a DEGRADED one is reported.
 *
 * With fewer than MIN_PROBLEMS such problems the ranking keeps the rate unknown
 * (Beta-binomial, the default). The root's failure is propagated with the impact service
 * as the topology stood when the problem's first incident opened, once per problem
 * version; the fit is kept until the problems change.
 */
import type { Graph, Row } from '../db/index.js';
import { int, perDatabase } from '../db/index.js';
import { USER_FACING_CLASSES } from '../../graph-schema/index.js';
import { computeImpactDetails } from '../impact/index.js';
import type { LearntReporting } from './model.js';
import * as Q from './cypher.js';
import { NotFoundError } from '../errors.js';

/** Every impacted CI is counted, however deep (maxDepth only bounds what impact returns). */
const ALL_DEPTHS = 1_000_000;

/** Problems needed before a reporting model is learnt. */
export const MIN_PROBLEMS = 20;
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
}

export interface Calibration {
  /** Problems it was learnt from. */
  problems: number;
  reporting: LearntReporting;
  /** How much less often a DEGRADED user-facing CI is reported than a DOWN one. */
  degradedRatio: number;
}

/**
 * The reporting model of the samples, or undefined with fewer than MIN_PROBLEMS that
 * broke something. Rate: the least-squares slope of reports against DOWN CIs, through
 * the origin, over the problems large enough that "at least one report" does not decide
 * their count (a large failure weighs more, as its share is the better measured; the
 * pooled share, biased up by the smallest ones, only says which those are). Spread: the
 * root mean square of each problem's count less the rate's (at least one report); the
 * rate's standard error goes with it, so that a failure larger than most on record is
 * judged less sharply. DEGRADED: their reporting rate over the DOWN one, with half a
 * report and one CI added so that none reported gives a small ratio, not zero; kept
 * within [1e-4, 1].
 */
export function fitCalibration(samples: readonly ReportingSample[]): Calibration | undefined {
  const used = samples.filter((s) => s.down > 0);
  if (used.length < MIN_PROBLEMS) return undefined;
  let reported = 0;
  let down = 0;
  let reportedDegraded = 0;
  let degraded = 0;
  for (const s of used) {
    reported += s.reportedDown;
    down += s.down;
    reportedDegraded += s.reportedDegraded;
    degraded += s.degraded;
  }
  const clamp = (r: number) => Math.min(1, Math.max(1e-3, r));
  const pooled = clamp(reported / down);
  let sxy = 0;
  let sxx = 0;
  for (const s of used) {
    if (pooled * s.down < 1) continue;
    sxy += s.reportedDown * s.down;
    sxx += s.down * s.down;
  }
  const rate = sxx > 0 ? clamp(sxy / sxx) : pooled;
  let squares = 0;
  for (const s of used) squares += (s.reportedDown - Math.max(1, rate * s.down)) ** 2;
  const spread = Math.sqrt(squares / used.length);
  const rateError = sxx > 0 ? spread / Math.sqrt(sxx) : rate;
  const degradedRatio = Math.min(1, Math.max(1e-4, (reportedDegraded + 0.5) / (degraded + 1) / rate));
  return { problems: used.length, reporting: { problems: used.length, rate, spread, rateError }, degradedRatio };
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
 * One problem's sample: its root's failure propagated with the impact rules as the
 * topology stood then. Null when that cannot be counted: the root did not exist then.
 */
async function sampleOf(graph: Graph, p: ProblemRow): Promise<ReportingSample | null> {
  let details;
  try {
    details = await computeImpactDetails(graph, { ciIds: [p.rootId], at: p.firstOpenedAt, maxDepth: ALL_DEPTHS });
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  const { result, cis } = details;
  const reported = new Set(p.reported);
  const sample: ReportingSample = { down: 0, degraded: 0, reportedDown: 0, reportedDegraded: 0 };
  const seen = new Set<string>();
  const count = (ciId: string, state: string) => {
    if (seen.has(ciId) || !USER_FACING.has(cis.get(ciId)?.class ?? '')) return;
    seen.add(ciId);
    countBroken(sample, state === 'DOWN', reported.has(ciId));
  };
  // The root itself is down; it is among the impacted only when something loops back to it.
  count(p.rootId, 'DOWN');
  for (const entry of result.impacted) count(entry.ciId, entry.state);
  return sample;
}

/**
 * The calibration learnt from a graph's resolved problems, per graph. `current` reads
 * which problems there are (one query, without the CIs their incidents report); when
 * they changed, it learns from them in the background and answers with the last fit
 * meanwhile: each new or changed problem's
 * sample is an impact propagation (seconds for a large failure at 100 000 CIs), which
 * an analysis during an outage must not wait for. Samples are kept per problem version.
 */
export class Calibrations {
  private readonly samples = new Map<string, { version: string; sample: ReportingSample | null }>();
  private fitted: { key: string; calibration: Calibration | undefined } | undefined;
  private learning: Promise<Calibration | undefined> | undefined;
  /** Why the last background learning failed (null: it did not). */
  lastError: unknown = null;

  constructor(private readonly graph: Graph) {}

  /** The last fit; learning starts in the background when the problems changed since. */
  async current(): Promise<Calibration | undefined> {
    if (this.fitted?.key !== (await this.problemsKey()) && !this.learning) {
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

  /** Learns from the problems as they are now and returns the fit (benches, tests, the evaluation). */
  async refresh(): Promise<Calibration | undefined> {
    await this.learning;
    return this.fitted?.key === (await this.problemsKey()) ? this.fitted.calibration : this.learn();
  }

  private async problemsKey(): Promise<string> {
    return keyOf((await this.graph.read(Q.RESOLVED_PROBLEMS, { limit: int(MAX_PROBLEMS) })).map(problemRow));
  }

  /** Reads the problems with what their incidents report, samples new or changed ones, and fits. */
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
    const calibration = fitCalibration(samples);
    this.fitted = { key, calibration };
    return calibration;
  }
}

/** The calibrations of a database (one per driver and database, as the topology cache; requests' graph views share it). */
export const calibrations: (graph: Graph) => Calibrations = perDatabase((graph) => new Calibrations(graph));
