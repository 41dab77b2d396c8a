/**
 * Differential test of `impact` against an oracle written straight from DESIGN.md
 * ("Impact semantics"), sharing no code with server/impact: on seeded random graphs with
 * farms (HAS_MEMBER + minUp), duplicate memberships, cycles, informational edges, CIs
 * created and retired at different times and relationships opened and closed, every
 * `impact(at:)` answer must give exactly the oracle's states and depths, and each path
 * must be a shortest path from a failed CI through impacted CIs over relationships valid
 * at `at`.
 *
 * The oracle and the check are in test/helpers/impact-oracle.ts (shared with
 * test/impact-real-topologies.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { loadCMDB, prng, type RelationshipRecord } from './generator/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { expectImpactMatchesOracle, PROPAGATING, type OracleCase } from './helpers/impact-oracle.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const INFORMATIONAL = ['OWNED_BY', 'MANAGED_BY'];
const CLASSES = ['Application', 'Server', 'Cluster', 'BusinessService'];

type Case = OracleCase;

function randomCase(seed: number): Case {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const size = 8 + Math.floor(rand() * 18);
  const cis: Case['cis'] = [];
  for (let i = 0; i < size; i++) {
    const minUp = 1;
    const createdAt = T0 + Math.floor(rand() * 20) * HOUR;
    const retiredAt = rand() < 0.15 ? createdAt + (1 + Math.floor(rand() * 60)) * HOUR : null;
    cis.push({
      id: randomUUID(),
      class: pick(CLASSES),
      name: `ci-${String(i).padStart(2, '0')}`,
      criticality: 1 + Math.floor(rand() * 5),
      attributes: {},
      minUp,
      createdAt,
      retiredAt,
    });
  }
  const rels: RelationshipRecord[] = [];
  const edge = (type: string, from: string, to: string) => {
    const validFrom = T0 + Math.floor(rand() * 30) * HOUR;
    const validTo = rand() < 0.15 ? validFrom + (1 + Math.floor(rand() * 40)) * HOUR : null;
    rels.push({ id: `REL-${randomUUID()}`, type, from, to, validFrom, validTo });
    // Now and then a second, simultaneous membership of the same pair (counted once).
    if (type === 'HAS_MEMBER' && rand() < 0.1) rels.push({ id: `REL-${randomUUID()}`, type, from, to, validFrom, validTo });
  };
  // Farms: a quarter of the CIs have 2-4 members and a minUp between 1 and one more than that.
  for (const farm of cis) {
    if (rand() >= 0.25) continue;
    const members = new Set(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(cis)).filter((m) => m !== farm));
    for (const m of members) edge('HAS_MEMBER', farm.id, m.id);
    farm.minUp = 1 + Math.floor(rand() * (members.size + 1));
    farm.attributes = { minUp: farm.minUp };
  }
  const edges = Math.floor(size * (0.8 + rand()));
  for (let e = 0; e < edges; e++) {
    const from = pick(cis);
    const to = pick(cis);
    if (from === to) continue;
    const roll = rand();
    edge(roll < 0.1 ? 'HAS_MEMBER' : roll < 0.85 ? pick(PROPAGATING) : pick(INFORMATIONAL), from.id, to.id);
  }
  const failed = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(cis).id))];
  const at = T0 + (rand() < 0.7 ? 30 + Math.floor(rand() * 40) : Math.floor(rand() * 70)) * HOUR + HOUR / 2;
  return { cis, rels, failed, at };
}

let graph: Graph;
beforeAll(async () => {
  graph = await testGraph();
});
afterAll(closeTestGraph);

describe('impact agrees with an oracle written from DESIGN.md on random graphs', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => 1000 + i);
  it.each(seeds)('seed %i', async (seed) => {
    const c = randomCase(seed);
    await wipe(graph);
    const api: TestApi = await testApi(graph); // after wipe: it holds the token
    await loadCMDB(graph, { cis: c.cis, relationships: c.rels });
    await expectImpactMatchesOracle(api, c, `seed ${seed}`);
  });
});
