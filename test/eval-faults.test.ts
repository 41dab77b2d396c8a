/** The fault-injection draw (test/eval/faults.ts): what the incidents land on, in each reading of the protocol. */
import { describe, expect, it } from 'vitest';
import { generateCMDB } from './generator/index.js';
import { drawScenario, prng, signature, topology, type Scenario } from './eval/faults.js';

describe('drawScenario', () => {
  const t = topology(generateCMDB({ n: 1_200, seed: 5 }), Date.now());
  const draw = (reportDegraded: boolean) => {
    const rand = prng(23);
    const out: Scenario[] = [];
    while (out.length < 40) {
      const s = drawScenario(t, rand, { roots: 1, reportRate: 0.3, noiseRate: 0.2, reportDegraded });
      if (s) out.push(s);
    }
    return out;
  };
  /** The state (2 DOWN, 1 DEGRADED) the root's failure gives each reported CI that is not noise. */
  const statesOfReports = (s: Scenario) => {
    const spread = t.spreader.spread(t.graph.index.get(s.roots[0]!)!);
    const state = new Map(Array.from(spread.nodes, (node, k) => [t.graph.ids[node]!, spread.states[k]!]));
    return s.observed.filter((id) => !s.noise.includes(id)).map((id) => state.get(id));
  };

  it('reports only what the root takes DOWN by default', () => {
    for (const s of draw(false)) expect(new Set(statesOfReports(s))).toEqual(new Set([2]));
  });

  it('reports what the root DEGRADES too with reportDegraded, and equivalence then ignores states', () => {
    const scenarios = draw(true);
    for (const s of scenarios) for (const state of statesOfReports(s)) expect([1, 2]).toContain(state);
    expect(scenarios.some((s) => statesOfReports(s).includes(1))).toBe(true);
    // A cluster member's failure degrades what its cluster's failure takes down: the same
    // CIs, other states. Equivalent in this reading only.
    const pairs = t.data.byLayer.clusterMember.flatMap((member) =>
      t.graph.dependents[t.graph.index.get(member)!]!.map((d) => [member, t.graph.ids[d.ci]!] as const),
    );
    const alike = pairs.find(([member, cluster]) => signature(t, [member], false) === signature(t, [cluster], false));
    expect(alike).toBeDefined();
    expect(signature(t, [alike![0]])).not.toBe(signature(t, [alike![1]]));
  });
});
