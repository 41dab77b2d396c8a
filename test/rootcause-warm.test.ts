/**
 * The ranking's code warmed on a projection once per process (server/rootcause/service.ts,
 * warmRankingCode): synthetic analyses, ranked in memory, no Neo4j.
 */
import { describe, expect, it } from 'vitest';
import { indexSubgraph } from '../server/impact/index.js';
import { WARM_ANALYSES, warmRankingCode } from '../server/rootcause/index.js';
import type { TopologyProjection } from '../server/topology/index.js';
import { generateCMDB } from './generator/index.js';
import { topology } from './eval/faults.js';

const projectionOf = (graph: TopologyProjection['graph'], nodes: TopologyProjection['nodes'], classCounts: Map<string, number>): TopologyProjection => ({
  state: { key: 'test', version: 'test', classCounts, typeCounts: new Map() },
  loadedAt: 0,
  validUntil: Number.POSITIVE_INFINITY,
  wholeAt: 0,
  graph,
  nodes,
  loadMs: 0,
  update: null,
});

describe('warmRankingCode', () => {
  it('ranks synthetic outages once per process, on the first projection that has any', async () => {
    // Three applications on one host: no failure takes 40 user-facing CIs DOWN.
    const tiny = indexSubgraph(
      {
        cis: ['host', 'a1', 'a2', 'a3'].map((id) => ({ id, minUp: null })),
        relationships: ['a1', 'a2', 'a3'].map((from) => ({ type: 'RUNS_ON', from, to: 'host' })),
      },
      0,
    );
    const tinyNodes = new Map([['host', { class: 'Server', name: 'host' }], ...['a1', 'a2', 'a3'].map((id) => [id, { class: 'Application', name: id }] as const)]);
    expect(await warmRankingCode(projectionOf(tiny, tinyNodes, new Map([['Server', 1], ['Application', 3]])))).toBe(0);

    const t = topology(generateCMDB({ n: 1_500, seed: 4 }), Date.now());
    const nodes = new Map([...t.classes].map(([id, cls]) => [id, { class: cls, name: t.names.get(id) ?? id }]));
    const projection = projectionOf(t.graph, nodes, t.classCounts);
    expect(await warmRankingCode(projection)).toBe(WARM_ANALYSES);
    // Done for this process.
    expect(await warmRankingCode(projection)).toBe(0);
  });
});
