import { describe, expect, it } from 'vitest';
import {
  backgroundRate,
  fitCalibration,
  MIN_PROBLEMS,
  OUTAGE_CHAIN_CHANCE,
  OUTAGE_GAP_MS,
  OUTAGE_MAX_SPAN_MS,
  OUTAGE_MIN_INCIDENTS,
  OUTAGE_MIN_POSTERIOR,
  outageGap,
  outageRoot,
  pastOutages,
  type PastIncident,
  type ReportingSample,
} from './calibration.js';

const sample = (down: number, reportedDown: number, degraded = 0, reportedDegraded = 0): ReportingSample => ({ down, reportedDown, degraded, reportedDegraded });

describe('fitCalibration', () => {
  it('learns nothing from fewer problems than MIN_PROBLEMS that broke something', () => {
    const few = Array.from({ length: MIN_PROBLEMS - 1 }, () => sample(10, 3));
    expect(fitCalibration(few)).toBeUndefined();
    // A problem whose root broke no user-facing CI tells nothing about reporting.
    expect(fitCalibration([...few, sample(0, 0, 4, 0)])).toBeUndefined();
    expect(fitCalibration([...few, sample(10, 3)])?.problems).toBe(MIN_PROBLEMS);
  });

  it('fits the rate on the failures that "at least one report" does not decide, the spread of the counts around it, and the DEGRADED ratio', () => {
    // 30 % of what each failure takes DOWN, rounded, at least one: the spread is the rounding.
    const sizes = [1, 1, 1, 2, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 10, 20, 30, 40, 50, 60, 70, 80, 90, 400];
    const samples = sizes.map((d) => sample(d, Math.max(1, Math.round(0.3 * d)), 2 * d, 0));
    const fit = fitCalibration(samples)!;
    const down = sizes.reduce((a, b) => a + b, 0);
    const reported = samples.reduce((a, s) => a + s.reportedDown, 0);
    // The pooled share is biased up by the smallest failures (one report of one or two CIs).
    const pooled = reported / down;
    expect(pooled).toBeGreaterThan(0.302);
    const large = samples.filter((s) => pooled * s.down >= 1);
    const slope = large.reduce((a, s) => a + s.reportedDown * s.down, 0) / large.reduce((a, s) => a + s.down * s.down, 0);
    expect(fit.problems).toBe(sizes.length);
    expect(fit.reporting.rate).toBeCloseTo(slope, 12);
    expect(Math.abs(fit.reporting.rate - 0.3)).toBeLessThan(0.001);
    // Over one fewer than the samples: the rate was fitted to them.
    const rms = Math.sqrt(samples.reduce((a, s) => a + (s.reportedDown - Math.max(1, fit.reporting.rate * s.down)) ** 2, 0) / (samples.length - 1));
    expect(fit.reporting.spread).toBeCloseTo(rms, 12);
    expect(fit.reporting.spread).toBeLessThan(0.6);
    expect(fit.reporting.rateError).toBeCloseTo(rms / Math.sqrt(large.reduce((a, s) => a + s.down * s.down, 0)), 12);
    // None of the DEGRADED ones reported: a small ratio (half a report over all of them), not zero.
    expect(fit.degradedRatio).toBeCloseTo(0.5 / (2 * down + 1) / fit.reporting.rate, 12);
  });

  it('keeps its figures in range whatever the records say', () => {
    const all = Array.from({ length: MIN_PROBLEMS }, () => sample(3, 3, 5, 5));
    const fit = fitCalibration(all)!;
    expect(fit.reporting.rate).toBe(1);
    expect(fit.reporting.spread).toBe(0);
    expect(fit.reporting.rateError).toBe(0);
    expect(fit.degradedRatio).toBeLessThanOrEqual(1);
    const none = Array.from({ length: MIN_PROBLEMS }, () => sample(100, 0));
    expect(fitCalibration(none)!.reporting.rate).toBeGreaterThan(0);
  });

  it('leaves out a count that strays far from the others, and fits again without it', () => {
    const sizes = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 120, 140, 160, 180, 200, 250, 300, 350, 400, 450, 500, 13, 27, 33];
    const exact = sizes.map((d) => sample(d, Math.max(1, Math.round(0.3 * d))));
    // A past outage whose cause the ranking took for a larger failure: that failure's 480
    // CIs, of which 170 were reported (the true root's 140 and 30 noise incidents inside).
    const wrong: ReportingSample = { ...sample(480, 170), selfLabelled: true };
    const fit = fitCalibration([...exact, wrong])!;
    expect(fit.outliers).toBe(1);
    expect(fit.problems).toBe(exact.length);
    expect(fit.outages).toBe(0);
    expect(fit.reporting).toEqual(fitCalibration(exact)!.reporting);
    expect(fit.reporting.spread).toBeLessThan(0.6);
    // Counts are judged against the median share (weighted by size) first: judged
    // against the least-squares fit through all of them (0.33), the counts stray by 4.6
    // reports at the median, the cut widens to 20, and nothing would be left out.
    const many = Array.from({ length: 6 }, () => wrong);
    const all = fitCalibration([...exact, ...many])!;
    expect(all.outliers).toBe(6);
    expect(all.outages).toBe(0);
    expect(all.reporting).toEqual(fitCalibration(exact)!.reporting);
  });

  it('learns nothing when fewer than MIN_PROBLEMS samples agree, however many there are', () => {
    const exact = Array.from({ length: MIN_PROBLEMS - 1 }, (_v, k) => sample(100 + 10 * k, Math.round(0.3 * (100 + 10 * k))));
    const wrong: ReportingSample = { ...sample(480, 170), selfLabelled: true };
    expect(fitCalibration([...exact, wrong, wrong])).toBeUndefined();
    expect(fitCalibration([...exact, sample(300, 90), wrong, wrong])?.outliers).toBe(2);
  });

  it('keeps counts that stray by less than a few reports, however alike the others are', () => {
    const samples = Array.from({ length: MIN_PROBLEMS }, (_v, k) => sample(100, 30 + (k === 0 ? 3 : 0)));
    expect(fitCalibration(samples)!.outliers).toBe(0);
    expect(fitCalibration([...samples, sample(100, 34)])!.outliers).toBe(1);
  });
});

describe('past outages no problem explains', () => {
  const at = Date.UTC(2026, 10, 1);
  let n = 0;
  const incident = (minutes: number, extra: Partial<PastIncident> = {}): PastIncident => {
    n++;
    return { id: `INC-${n}`, openedAt: at + minutes * 60_000, updatedAt: at + 86_400_000, open: false, grouped: false, affects: [`ci-${n}`], ...extra };
  };
  const gap = OUTAGE_GAP_MS / 60_000;

  it('are bursts of incidents opened close together, enough of them, all resolved, none grouped by a problem', () => {
    const burst = (start: number, count: number, extra: (k: number) => Partial<PastIncident> = () => ({})) =>
      Array.from({ length: count }, (_v, k) => incident(start + k * (gap - 1), extra(k)));
    const one = burst(0, 5);
    const tooFew = burst(1_000, OUTAGE_MIN_INCIDENTS - 1);
    const stillOpen = burst(2_000, 4, (k) => ({ open: k === 3 }));
    const grouped = burst(3_000, 4, (k) => ({ grouped: k === 0 }));
    const tooLong = burst(4_000, Math.ceil(OUTAGE_MAX_SPAN_MS / OUTAGE_GAP_MS) + 2);
    const shared = burst(20_000, 3, () => ({ affects: ['ci-shared'] }));
    // Incidents that affect no CI are left out of an outage, and do not count towards its size.
    const noCIs = burst(30_000, OUTAGE_MIN_INCIDENTS + 1, (k) => (k < 2 ? { affects: [] } : {}));
    const outages = pastOutages([...noCIs, ...shared, ...tooLong, ...grouped, ...stillOpen, ...tooFew, ...one].reverse());
    expect(outages.map((o) => o.incidentIds)).toEqual([one.map((i) => i.id), shared.map((i) => i.id)]);
    expect(pastOutages([...noCIs, burst(30_000 + 4 * (gap - 1), 1)[0]!])[0]!.incidentIds).toHaveLength(OUTAGE_MIN_INCIDENTS);
    expect(outages[0]).toMatchObject({ firstOpenedAt: one[0]!.openedAt, lastOpenedAt: one[4]!.openedAt, reported: one.map((i) => i.affects[0]) });
    expect(outages[1]!.reported).toEqual(['ci-shared']);
    // An incident updated since (reopened, re-linked) makes it another outage to label.
    const updated = pastOutages(one.map((i, k) => (k === 2 ? { ...i, updatedAt: i.updatedAt + 1 } : i)));
    expect(updated[0]!.key).not.toBe(outages[0]!.key);
    // Read up to a limit, the oldest burst may have begun before what was read: left out.
    expect(pastOutages([...shared, ...one], { truncated: true }).map((o) => o.incidentIds)).toEqual([shared.map((i) => i.id)]);
    // Opened more than the gap after the one before: two bursts.
    const split = pastOutages([...burst(50_000, 3), ...burst(50_000 + 2 * (gap - 1) + gap + 1, 3)]);
    expect(split).toHaveLength(2);
  });

  it('are told from a busy stream of unrelated incidents: the gap shrinks to what the stream makes unlikely', () => {
    // Two unrelated incidents an hour for three days (at 15 and 45 past each hour), and
    // an outage of five incidents a minute apart in the middle.
    const stream = Array.from({ length: 3 * 48 }, (_v, k) => incident(15 + 30 * k));
    const outage = Array.from({ length: 5 }, (_v, k) => incident(36 * 60 + 20 + k));
    const sorted = [...stream, ...outage].sort((x, y) => x.openedAt - y.openedAt);
    // Twelve per six hours at the median bin (the outage's has 17).
    expect(backgroundRate(sorted) * 3_600_000).toBeCloseTo(2, 12);
    expect(outageGap(backgroundRate(sorted)) / 60_000).toBeCloseTo((-Math.log(1 - OUTAGE_CHAIN_CHANCE) / 2) * 60, 12);
    // With the 30-minute gap the stream would chain into one burst of three days (left out).
    expect(pastOutages(sorted).map((o) => o.incidentIds)).toEqual([outage.map((i) => i.id)]);
    // A quiet stream keeps the whole gap: less than one bin, or a median bin with none.
    expect(outageGap(backgroundRate(outage))).toBe(OUTAGE_GAP_MS);
    expect(outageGap(0)).toBe(OUTAGE_GAP_MS);
  });

  it('get a root only when the ranking is sure of it and they drew enough incidents', () => {
    const ranked = [
      { ciId: 'db-1', score: OUTAGE_MIN_POSTERIOR },
      { ciId: 'host-1', score: 0.05 },
    ];
    expect(outageRoot(OUTAGE_MIN_INCIDENTS, ranked)).toBe('db-1');
    expect(outageRoot(OUTAGE_MIN_INCIDENTS - 1, ranked)).toBeNull();
    expect(outageRoot(10, [{ ciId: 'db-1', score: OUTAGE_MIN_POSTERIOR - 0.01 }])).toBeNull();
    expect(outageRoot(10, [])).toBeNull();
  });
});
