/**
 * A small, seeded fault-injection evaluation through Neo4j, the ITSM services and the
 * root-cause service (the same harness as npm run eval:rca). Floors sit well below the
 * targets: they catch a broken ranking, not a slightly worse one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph } from './helpers/neo4j.js';
import { evaluate, memoryRanker } from './eval/evaluate.js';
import { serviceRanker } from './eval/service-ranker.js';

afterAll(async () => {
  await closeTestGraph();
});

describe('root-cause fault injection (small, seeded)', () => {
  it('ranks the injected root well above the naive baselines', { timeout: 600_000 }, async () => {
    const graph = await testGraph();
    const [result] = await evaluate(serviceRanker(graph), { sizes: [1_500], seeds: [7], trials: 16, variants: [1, 2] });
    const one = result!.variants.find((v) => v.variant === 1)!;
    const two = result!.variants.find((v) => v.variant === 2)!;
    // Floors well below what these trials give (2026-11-28 00:30: AC@3 ≡ 1.00 for one
    // root; both roots in the top 5 ≡ 0.69, 0.56 before a CI both roots take DOWN had
    // two chances to be reported): they catch a broken ranking.
    expect(one.equivalent.faultline.ac3).toBeGreaterThanOrEqual(0.6);
    expect(one.equivalent.faultline.ac3).toBeGreaterThan(one.equivalent.mostExplained.ac3);
    expect(one.equivalent.faultline.ac3).toBeGreaterThan(one.equivalent.mostUpstreamObserved.ac3);
    expect(two.bothTop5!.equivalent).toBeGreaterThanOrEqual(0.4);
    // The ceiling (a ranking that knows the protocol) finds the roots: it measured AC@1 ≡
    // 0.95 on n = 2,000, seeds 1–3, and both roots in the top 5 ≡ 0.86 on n = 2,000 and
    // 10,000, seeds 1–2 (2026-11-27 22:00).
    expect(one.equivalent.protocolOracle.ac1).toBeGreaterThanOrEqual(0.6);
    expect(two.bothTop5!.ceilingEquivalent).toBeGreaterThanOrEqual(0.5);
  });

  it('ranks better once it has resolved problems to learn from (in memory)', { timeout: 600_000 }, async () => {
    const config = { sizes: [2_000], seeds: [1], trials: 24, variants: [1, 2] as (1 | 2)[] };
    const [cold] = await evaluate(memoryRanker(), config);
    const [learnt] = await evaluate(memoryRanker(), { ...config, history: 60 });
    const before = cold!.variants[0]!.equivalent.faultline;
    const after = learnt!.variants[0]!.equivalent.faultline;
    // Measured on these trials (2026-11-27 18:00): AC@1 / AC@3 ≡ 0.79 / 0.92 without
    // problems on record, 0.88 / 0.96 learning from 60. A floor well below, and the
    // learnt ranking at least as good as the other on the same trials.
    expect(after.ac3).toBeGreaterThanOrEqual(0.7);
    expect(after.ac1).toBeGreaterThanOrEqual(before.ac1);
    expect(after.ac3).toBeGreaterThanOrEqual(before.ac3);
    // Two roots with the learnt count, both in the top 5 ≡: 0.71 on these trials
    // (2026-11-28 00:30; 0.50 before two chances per CI both roots take DOWN).
    expect(learnt!.variants[1]!.bothTop5!.equivalent).toBeGreaterThanOrEqual(0.4);
  });
});
