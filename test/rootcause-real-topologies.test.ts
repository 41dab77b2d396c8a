/**
 * The root-cause fault-injection evaluation (test/eval/, protocol in docs/rootcause.md)
 * on the 20 real MicroDepGraph topologies (`npm run eval:rca -- --topology microdep`),
 * small and seeded: in memory on every graph, and end to end (Neo4j, ITSM incidents and
 * changes, the root-cause service walking Neo4j, the path without a current topology
 * projection; test/rootcause-eval.test.ts runs the service on the projection) with a
 * few trials per graph. Floors sit well below
 * what was measured (docs/rootcause.md, "On real topologies"): they catch a broken
 * ranking or a broken harness, not a slightly worse one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, memoryRanker, type TopologyResult } from './eval/evaluate.js';
import { microdepTopologies } from './eval/real-topologies.js';
import { serviceRanker } from './eval/service-ranker.js';
import { pool } from './eval/table.js';
import { closeTestGraph, testGraph } from './helpers/neo4j.js';

afterAll(async () => {
  await closeTestGraph();
});

/** Trial-weighted mean of one figure over the graphs. */
function pooled(results: TopologyResult[], variant: 1 | 2, get: (v: ReturnType<typeof pool>[number]) => number): number {
  const vs = pool(results, variant);
  const n = vs.reduce((a, v) => a + v.trials, 0);
  return vs.reduce((a, v) => a + get(v) * v.trials, 0) / n;
}

describe('root-cause fault injection on real topologies (small, seeded)', () => {
  it('in memory, all 20 graphs: the root is usually near the top', async () => {
    const results = await evaluate(memoryRanker(), { sizes: [], seeds: [], topologies: microdepTopologies(), trials: 10, variants: [1, 2] });
    expect(results).toHaveLength(20);
    expect(pool(results, 1)).toHaveLength(20);
    // Measured with 30 trials per graph (2026-11-27 morning): AC@3 ≡ 0.68, AC@5 ≡ 0.85,
    // two roots both in the top 5 ≡ 0.56.
    expect(pooled(results, 1, (v) => v.equivalent.faultline.ac3)).toBeGreaterThanOrEqual(0.45);
    expect(pooled(results, 1, (v) => v.equivalent.faultline.ac5)).toBeGreaterThanOrEqual(0.6);
    expect(pooled(results, 2, (v) => v.bothTop5!.equivalent)).toBeGreaterThanOrEqual(0.35);
  });

  it('end to end through Neo4j and the root-cause service, 3 trials per graph', { timeout: 600_000 }, async () => {
    const graph = await testGraph();
    const results = await evaluate(serviceRanker(graph, { walk: true }), { sizes: [], seeds: [], topologies: microdepTopologies(), trials: 3, variants: [1, 2] });
    expect(results).toHaveLength(20);
    // End to end with 10 trials per graph (2026-11-27 morning): AC@5 ≡ 0.82, both in the top 5 ≡ 0.56.
    expect(pooled(results, 1, (v) => v.equivalent.faultline.ac5)).toBeGreaterThanOrEqual(0.5);
    expect(pooled(results, 2, (v) => v.bothTop5!.equivalent)).toBeGreaterThanOrEqual(0.25);
  });
});
