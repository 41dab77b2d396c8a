/**
 * A ceiling for the one-root evaluation: the Bayes ranking of a reader who knows the
 * fault-injection protocol exactly (faults.ts), which no real ranker can know. The root is
 * drawn layer first, then uniformly in its layer (or uniformly in the given pool, real graphs); exactly max(1, round(rate x |D|)) of
 * the user-facing CIs it takes DOWN (D) are reported; floor(noiseRate x reports + U)
 * noise reports land on user-facing CIs it leaves untouched; a change on it, with
 * probability 1/2, 5 min – 3 h 5 min before the first incident; decoys never on it. The
 * posterior of each candidate under that process ranks them. What it gets right is what
 * the observations and changes can tell at all; what it gets wrong, no ranking can.
 */
import { changeFactor, lnGamma } from '../../server/rootcause/model.js';
import { HOUR, MINUTE, upstream, type Scenario, type Topology } from './faults.js';

/** How many picks the scenario's noise draw makes at most (faults.ts). */
const NOISE_PICKS = 1000;
const lnChoose = (n: number, k: number) => lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);

/**
 * What the ceiling may forget, to see which knowledge of the protocol carries its accuracy
 * (`npm run eval:rca -- --oracle-forget beta,eta`):
 * - `prior-uniform` / `prior-class`: every CI (or every class) equally likely, not layer first;
 * - `count-beta`: the number reported is not known to be round(rate x |D|); the reporting
 *   rate is integrated out with a Beta(1, 1), as Faultline does;
 * - `count-binomial`: the rate is known but each broken user-facing CI is reported on its
 *   own with it (a binomial count), as a rate learnt from past outages would say;
 * - `noise-eta`: noise is not known to be 20 % of the reports on untouched CIs; each
 *   unexplained observation costs ln eta, eta = 0.2 N / user-facing CIs, as Faultline does;
 * - `change-faultline`: Faultline's change factor (changeFactor, boost 30) instead of the
 *   protocol's windows (decoys never on a root, root changes within 3 h 5 min);
 * - `change-base-rate`: a change's Bayes factor from the share b of candidates carrying one:
 *   1/2 over b with a change, 1/2 over 1 - b without.
 */
export const ORACLE_FORGETS = ['prior-uniform', 'prior-class', 'count-beta', 'count-binomial', 'noise-eta', 'change-faultline', 'change-base-rate'] as const;
export type OracleForget = (typeof ORACLE_FORGETS)[number];

export interface OracleProtocol {
  reportRate: number;
  noiseRate: number;
  forget?: ReadonlySet<OracleForget>;
}

/**
 * Candidates upstream of the observations, most probable first under the protocol; ties in
 * random order. `rootPool`: roots were drawn uniformly in it (real graphs), not layer first.
 */
export function oracleRanking(t: Topology, s: Scenario, protocol: OracleProtocol, rand: () => number, rootPool?: ReadonlySet<string>): string[] {
  const forget = protocol.forget ?? new Set<OracleForget>();
  const observed = new Set(s.observed.map((id) => t.graph.index.get(id)!));
  const ufTotal = t.userFacingIds.length;
  const candidates = upstream(t, s.observed);
  const near = new Set(candidates);
  const changesOn = new Map<string, number[]>();
  for (const c of s.changes) changesOn.set(c.ciId, [...(changesOn.get(c.ciId) ?? []), c.before]);
  // A decoy on x: two draws over every CI, two over the near misses; 5 min – 6 h 5 min.
  const decoyLog = (x: string) => Math.log((2 / t.graph.ids.length + (near.has(x) ? 2 / near.size : 0)) / (6 * HOUR));
  let decoyAll = 0;
  for (const [x, times] of changesOn) decoyAll += times.length * decoyLog(x);
  const baseRate = Math.min(0.99, Math.max(1e-6, candidates.filter((c) => changesOn.has(c)).length / candidates.length));

  const scored = candidates.map((id) => {
    const spread = t.spreader.spread(t.graph.index.get(id)!);
    let down = 0;
    let reportedDown = 0;
    let touchedUserFacing = 0;
    let explainedDegraded = false;
    spread.nodes.forEach((i, k) => {
      if (!t.userFacing[i]) return;
      touchedUserFacing++;
      if (spread.states[k] === 2) {
        down++;
        if (observed.has(i)) reportedDown++;
      } else if (observed.has(i)) explainedDegraded = true;
    });
    const unexplained = observed.size - reportedDown;
    const times = changesOn.get(id) ?? [];
    const impossible = () => ({ id, log: Number.NEGATIVE_INFINITY, r: rand() });
    // A root breaks some user-facing CI, and a report on a CI it only degrades is noise, which never lands there.
    if (down === 0 || explainedDegraded) return impossible();

    let prior: number;
    if (rootPool) prior = rootPool.has(id) ? 0 : Number.NEGATIVE_INFINITY;
    else if (forget.has('prior-uniform')) prior = 0;
    else if (forget.has('prior-class')) prior = -Math.log(t.classCounts.get(t.classes.get(id)!)!);
    else prior = -Math.log(t.data.byLayer[t.layers.get(id)!]?.length || 1);

    const take = Math.max(1, Math.round(down * protocol.reportRate));
    let reports: number;
    if (forget.has('count-beta')) reports = lnGamma(reportedDown + 1) + lnGamma(down - reportedDown + 1) - lnGamma(down + 2);
    else if (forget.has('count-binomial')) reports = reportedDown * Math.log(protocol.reportRate) + (down - reportedDown) * Math.log(1 - protocol.reportRate);
    else if (reportedDown !== take) return impossible();
    else reports = -lnChoose(down, take);

    let noise: number;
    if (forget.has('noise-eta')) noise = unexplained * Math.log((protocol.noiseRate * observed.size) / ufTotal);
    else {
      // The target is floor(rate x reports + U); the draw gives up after 1 000 picks over
      // every user-facing CI, so a small pool of untouched ones may leave it short: the
      // distinct pool CIs found in 1 000 picks are about Poisson with mean m.
      const expected = take * protocol.noiseRate;
      const low = Math.floor(expected);
      const pool = ufTotal - touchedUserFacing;
      const m = pool * (1 - (1 - 1 / ufTotal) ** NOISE_PICKS);
      const reached = (target: number) => {
        if (unexplained > target) return 0;
        // P(X = k) for k short of the target, P(X >= target) at it (X ~ Poisson(m)).
        let term = Math.exp(-m);
        let below = 0;
        for (let k = 0; k < target; k++) {
          if (k === unexplained) return term;
          below += term;
          term *= m / (k + 1);
        }
        return Math.max(0, 1 - below);
      };
      const p = (1 - (expected - low)) * reached(low) + (expected - low) * reached(low + 1);
      if (!(p > 0) || unexplained > pool) return impossible();
      noise = Math.log(p) - lnChoose(pool, unexplained);
    }

    let changes: number;
    if (forget.has('change-faultline')) changes = Math.log(Math.max(1, ...times.map((before) => changeFactor(before, 30))));
    else if (forget.has('change-base-rate')) changes = times.length > 0 ? Math.log(0.5 / baseRate) : Math.log(0.5 / (1 - baseRate));
    else {
      // Its change, if any, is the root's own (1/2, uniform over 3 h); the others are decoys.
      if (times.length > 1 || (times.length === 1 && (times[0]! < 5 * MINUTE || times[0]! > 3 * HOUR + 5 * MINUTE))) return impossible();
      changes = (times.length === 1 ? Math.log(0.5 / (3 * HOUR)) - decoyLog(id) : Math.log(0.5)) + decoyAll;
    }
    return { id, log: prior + reports + noise + changes, r: rand() };
  });
  return scored.filter((x) => Number.isFinite(x.log)).sort((a, b) => b.log - a.log || a.r - b.r).map((x) => x.id);
}
