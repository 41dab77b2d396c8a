import { describe, expect, it } from 'vitest';
import { fitCalibration, MIN_PROBLEMS, type ReportingSample } from './calibration.js';

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
    const rms = Math.sqrt(samples.reduce((a, s) => a + (s.reportedDown - Math.max(1, fit.reporting.rate * s.down)) ** 2, 0) / samples.length);
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
});
