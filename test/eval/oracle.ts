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
import { popcount } from '../../server/rootcause/closures.js';
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
 * The log-probability that the noise draw put exactly `unexplained` reports on the given
 * CIs of a pool of `pool` untouched user-facing CIs, after `reports` real ones: its target
 * is floor(rate x reports + U), and it gives up after 1 000 picks over every user-facing
 * CI, so a small pool may leave it short (the distinct pool CIs found in 1 000 picks are
 * about Poisson with mean m). -Infinity when impossible.
 */
function noiseLog(unexplained: number, reports: number, pool: number, ufTotal: number, noiseRate: number): number {
  const expected = reports * noiseRate;
  const low = Math.floor(expected);
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
  if (!(p > 0) || unexplained > pool) return Number.NEGATIVE_INFINITY;
  return Math.log(p) - lnChoose(pool, unexplained);
}

/**
 * The changes' evidence on each candidate (log): under the protocol, its own change or
 * none against the decoys (`decoyAll`: every change's log density as a decoy, a constant
 * per scenario); forgetting the windows, Faultline's factor or a base-rate factor.
 */
function changeEvidence(t: Topology, s: Scenario, forget: ReadonlySet<OracleForget>) {
  const candidates = upstream(t, s.observed);
  const near = new Set(candidates);
  const changesOn = new Map<string, number[]>();
  for (const c of s.changes) changesOn.set(c.ciId, [...(changesOn.get(c.ciId) ?? []), c.before]);
  // A decoy on x: two draws over every CI, two over the near misses; 5 min – 6 h 5 min.
  const decoyLog = (x: string) => Math.log((2 / t.graph.ids.length + (near.has(x) ? 2 / near.size : 0)) / (6 * HOUR));
  let decoyAll = 0;
  for (const [x, times] of changesOn) decoyAll += times.length * decoyLog(x);
  const baseRate = Math.min(0.99, Math.max(1e-6, candidates.filter((c) => changesOn.has(c)).length / candidates.length));
  const changeLog = (id: string): number => {
    const times = changesOn.get(id) ?? [];
    if (forget.has('change-faultline')) return Math.log(Math.max(1, ...times.map((before) => changeFactor(before, 30))));
    if (forget.has('change-base-rate')) return times.length > 0 ? Math.log(0.5 / baseRate) : Math.log(0.5 / (1 - baseRate));
    return ownChange(times, decoyLog(id));
  };
  return { candidates, changeLog, decoyAll: forget.has('change-faultline') || forget.has('change-base-rate') ? 0 : decoyAll };
}

/** A root's log prior: layer first (or uniform in the pool, real graphs), unless forgotten. */
function rootPrior(t: Topology, id: string, forget: ReadonlySet<OracleForget>, rootPool?: ReadonlySet<string>): number {
  if (rootPool) return rootPool.has(id) ? 0 : Number.NEGATIVE_INFINITY;
  if (forget.has('prior-uniform')) return 0;
  if (forget.has('prior-class')) return -Math.log(t.classCounts.get(t.classes.get(id)!)!);
  return -Math.log(t.data.byLayer[t.layers.get(id)!]?.length || 1);
}

/**
 * A root's own changes against their being decoys: at most one, with probability 1/2,
 * uniform over 5 min – 3 h 5 min before the first incident (`decoyLog`: the log density
 * of a decoy on that CI, which it then is not). -Infinity when impossible.
 */
function ownChange(times: readonly number[], decoyLog: number): number {
  if (times.length > 1 || (times.length === 1 && (times[0]! < 5 * MINUTE || times[0]! > 3 * HOUR + 5 * MINUTE))) return Number.NEGATIVE_INFINITY;
  return times.length === 1 ? Math.log(0.5 / (3 * HOUR)) - decoyLog : Math.log(0.5);
}

/**
 * Candidates upstream of the observations, most probable first under the protocol; ties in
 * random order. `rootPool`: roots were drawn uniformly in it (real graphs), not layer first.
 */
export function oracleRanking(t: Topology, s: Scenario, protocol: OracleProtocol, rand: () => number, rootPool?: ReadonlySet<string>): string[] {
  const forget = protocol.forget ?? new Set<OracleForget>();
  const observed = new Set(s.observed.map((id) => t.graph.index.get(id)!));
  const ufTotal = t.userFacingIds.length;
  const { candidates, changeLog, decoyAll } = changeEvidence(t, s, forget);

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
    const impossible = () => ({ id, log: Number.NEGATIVE_INFINITY, r: rand() });
    // A root breaks some user-facing CI, and a report on a CI it only degrades is noise, which never lands there.
    if (down === 0 || explainedDegraded) return impossible();

    const prior = rootPrior(t, id, forget, rootPool);

    const take = Math.max(1, Math.round(down * protocol.reportRate));
    let reports: number;
    if (forget.has('count-beta')) reports = lnGamma(reportedDown + 1) + lnGamma(down - reportedDown + 1) - lnGamma(down + 2);
    else if (forget.has('count-binomial')) reports = reportedDown * Math.log(protocol.reportRate) + (down - reportedDown) * Math.log(1 - protocol.reportRate);
    else if (reportedDown !== take) return impossible();
    else reports = -lnChoose(down, take);

    let noise: number;
    if (forget.has('noise-eta')) noise = unexplained * Math.log((protocol.noiseRate * observed.size) / ufTotal);
    else {
      noise = noiseLog(unexplained, take, ufTotal - touchedUserFacing, ufTotal, protocol.noiseRate);
      if (!Number.isFinite(noise)) return impossible();
    }

    const changes = changeLog(id) + decoyAll;
    if (!Number.isFinite(changes)) return impossible();
    return { id, log: prior + reports + noise + changes, r: rand() };
  });
  return scored.filter((x) => Number.isFinite(x.log)).sort((a, b) => b.log - a.log || a.r - b.r).map((x) => x.id);
}

/**
 * The ceiling for the two-root variant: the Bayes posterior marginal of each candidate
 * (the probability that it is one of the two roots) under the protocol, which draws two
 * roots independently (layer first; distinct footprints), reports exactly
 * max(1, round(rate x |D|)) of each one's DOWN user-facing CIs (a CI both pick is
 * reported once), adds floor(noiseRate x reports + U) noise reports on user-facing CIs
 * neither touches, and a change on each root with probability 1/2. `forget` works as for
 * one root (count-beta integrates the rate out numerically). The report likelihood of a
 * pair is exact: with A' the reports only a breaks, B' only b, T both, a's pick is A' plus
 * x = k_a - |A'| of T and b's is B' plus y = k_b - |B'| of T, covering T between them:
 * C(|T|, x) C(x, y - |T| + x) ways of C(|D_a|, k_a) C(|D_b|, k_b).
 */
export function oracleRankingTwoRoots(t: Topology, s: Scenario, protocol: OracleProtocol, rand: () => number, rootPool?: ReadonlySet<string>): string[] {
  const forget = protocol.forget ?? new Set<OracleForget>();
  const obsIndex = new Map<number, number>();
  for (const id of s.observed) obsIndex.set(t.graph.index.get(id)!, obsIndex.size);
  const nObs = obsIndex.size;
  const words = Math.ceil(nObs / 32);
  const ufTotal = t.userFacingIds.length;
  const { candidates, changeLog, decoyAll } = changeEvidence(t, s, forget);

  interface Root {
    id: string;
    down: number;
    take: number;
    downObs: Uint32Array;
    touchedObs: Uint32Array;
    touchedUf: number[];
    downUf: number[];
    signature: string;
    log: number;
  }
  const roots: Root[] = [];
  for (const id of candidates) {
    const spread = t.spreader.spread(t.graph.index.get(id)!);
    const downObs = new Uint32Array(words);
    const touchedObs = new Uint32Array(words);
    const touchedUf: number[] = [];
    const downUf: number[] = [];
    const sig: string[] = [];
    let down = 0;
    spread.nodes.forEach((i, k) => {
      if (!t.userFacing[i]) return;
      touchedUf.push(i);
      sig.push(`${i}:${spread.states[k]}`);
      const o = obsIndex.get(i);
      if (o !== undefined) touchedObs[o >>> 5]! |= 1 << (o & 31);
      if (spread.states[k] === 2) {
        down++;
        downUf.push(i);
        if (o !== undefined) downObs[o >>> 5]! |= 1 << (o & 31);
      }
    });
    if (down === 0) continue;
    const take = Math.max(1, Math.round(down * protocol.reportRate));
    const exactCount = !forget.has('count-beta') && !forget.has('count-binomial');
    // Its own pick lies within the observations.
    if (exactCount && downObs.reduce((n, w) => n + popcount(w), 0) < take) continue;
    const prior = rootPrior(t, id, forget, rootPool);
    const log = prior + changeLog(id) - (exactCount ? lnChoose(down, take) : 0);
    if (!Number.isFinite(log)) continue;
    sig.sort();
    roots.push({ id, down, take, downObs, touchedObs, touchedUf, downUf, signature: sig.join(','), log });
  }

  const pairs: { a: number; b: number; log: number }[] = [];
  const mark = new Uint8Array(t.graph.ids.length);
  for (let ia = 0; ia < roots.length; ia++) {
    const a = roots[ia]!;
    for (let ib = ia + 1; ib < roots.length; ib++) {
      const b = roots[ib]!;
      if (a.signature === b.signature) continue;
      let bad = 0;
      let onlyA = 0;
      let onlyB = 0;
      let both = 0;
      for (let w = 0; w < words; w++) {
        const da = a.downObs[w]!;
        const db = b.downObs[w]!;
        // A report either root touches without taking it DOWN is neither a pick nor noise.
        bad |= (a.touchedObs[w]! | b.touchedObs[w]!) & ~(da | db);
        onlyA += popcount(da & ~db);
        onlyB += popcount(db & ~da);
        both += popcount(da & db);
      }
      if (bad) continue;
      const reports = onlyA + onlyB + both;
      const unexplained = nObs - reports;
      const etaNoise = forget.has('noise-eta');
      if (!etaNoise && unexplained > Math.floor(reports * protocol.noiseRate) + 1) continue;
      let count: number;
      if (forget.has('count-beta') || forget.has('count-binomial')) {
        let downBoth = 0;
        for (const i of a.downUf) mark[i] = 1;
        for (const i of b.downUf) if (mark[i]) downBoth++;
        for (const i of a.downUf) mark[i] = 0;
        // Each CI one root breaks is reported with rate r, one both break with 1 - (1 - r)^2.
        const silentOne = a.down + b.down - 2 * downBoth - onlyA - onlyB;
        const silentBoth = downBoth - both;
        const at = (r: number) => (onlyA + onlyB) * Math.log(r) + silentOne * Math.log(1 - r) + both * Math.log(1 - (1 - r) ** 2) + silentBoth * 2 * Math.log(1 - r);
        if (forget.has('count-binomial')) count = at(protocol.reportRate);
        else {
          // The rate integrated out over a uniform prior (midpoint rule, 200 steps).
          const logs = Array.from({ length: 200 }, (_x, k) => at((k + 0.5) / 200));
          const top = Math.max(...logs);
          count = top + Math.log(logs.reduce((acc, l) => acc + Math.exp(l - top), 0) / 200);
        }
      } else {
        count = lnPairPicks(onlyA, onlyB, both, a.take, b.take);
      }
      let noise: number;
      if (etaNoise) noise = unexplained * Math.log((protocol.noiseRate * nObs) / ufTotal);
      else {
        let touched = 0;
        for (const list of [a.touchedUf, b.touchedUf]) {
          for (const i of list) {
            if (mark[i]) continue;
            mark[i] = 1;
            touched++;
          }
        }
        for (const i of a.touchedUf) mark[i] = 0;
        for (const i of b.touchedUf) mark[i] = 0;
        noise = noiseLog(unexplained, reports, ufTotal - touched, ufTotal, protocol.noiseRate);
      }
      if (!Number.isFinite(noise) || !Number.isFinite(count)) continue;
      const log = a.log + b.log + count + noise + decoyAll;
      pairs.push({ a: ia, b: ib, log });
    }
  }
  if (pairs.length === 0) return [];
  const max = pairs.reduce((m, p) => Math.max(m, p.log), Number.NEGATIVE_INFINITY);
  const mass = new Float64Array(roots.length);
  for (const p of pairs) {
    const w = Math.exp(p.log - max);
    mass[p.a]! += w;
    mass[p.b]! += w;
  }
  return roots
    .map((r, k) => ({ id: r.id, mass: mass[k]!, r: rand() }))
    .filter((x) => x.mass > 0)
    .sort((p, q) => q.mass - p.mass || p.r - q.r)
    .map((x) => x.id);
}

/**
 * The log of how many ways two picks, of `ka` and `kb` CIs, give a reported set made of
 * `onlyA` CIs only a breaks, `onlyB` only b breaks and `both` both break: a's pick is its
 * `onlyA` plus x = ka - onlyA of the shared ones, b's its `onlyB` plus y = kb - onlyB, and
 * the two cover the shared ones: C(both, x) C(x, y - both + x). -Infinity: no way.
 */
export function lnPairPicks(onlyA: number, onlyB: number, both: number, ka: number, kb: number): number {
  const x = ka - onlyA;
  const y = kb - onlyB;
  if (x < 0 || y < 0 || x > both || y > both || x + y < both) return Number.NEGATIVE_INFINITY;
  return lnChoose(both, x) + lnChoose(x, y - both + x);
}
