/** The two-root ceiling's count of report picks (test/eval/oracle.ts), against enumeration. */
import { describe, expect, it } from 'vitest';
import { lnPairPicks } from './eval/oracle.js';

/** Subsets of `of` with `k` members, as bitmasks. */
function subsets(of: number[], k: number): number[] {
  const out: number[] = [];
  const walk = (from: number, left: number, mask: number) => {
    if (left === 0) return void out.push(mask);
    for (let i = from; i <= of.length - left; i++) walk(i + 1, left - 1, mask | (1 << of[i]!));
  };
  walk(0, k, 0);
  return out;
}

describe('lnPairPicks', () => {
  it('counts the pairs of picks whose union is the reported set', () => {
    // a breaks CIs 0..5, b breaks 3..8 (3, 4, 5 both); reported: 0, 1, 3, 4, 6.
    const da = [0, 1, 2, 3, 4, 5];
    const db = [3, 4, 5, 6, 7, 8];
    const reported = (1 << 0) | (1 << 1) | (1 << 3) | (1 << 4) | (1 << 6);
    for (const [ka, kb] of [[2, 1], [3, 2], [4, 3], [2, 3], [3, 3], [4, 1]] as const) {
      let ways = 0;
      for (const sa of subsets(da, ka)) for (const sb of subsets(db, kb)) if ((sa | sb) === reported) ways++;
      const log = lnPairPicks(2, 1, 2, ka, kb);
      if (ways === 0) expect(log).toBe(Number.NEGATIVE_INFINITY);
      else expect(Math.exp(log)).toBeCloseTo(ways, 6);
    }
  });
});
