/**
 * `impact` on real service topologies: the 20 graphs of the MicroDepGraph dataset
 * (test/topologies/microdep.ts; read in place from ../shared/fixtures, never copied here),
 * each with a BusinessService on its entry points. For every graph, every CI as the single
 * failed CI and a few seeded random pairs, the API must give exactly the states and
 * depths of the oracle written from DESIGN.md (test/helpers/impact-oracle.ts), and each
 * path must be a shortest explanation. A farm variant of each graph makes its most
 * depended-on Application a farm (Cluster, minUp 2, three Application members) and checks
 * every single failure again plus every one- and two-member failure of the farm.
 *
 * All 40 graphs (plain and farm, namespaced apart) are loaded once, through loadCMDB; the
 * oracle runs on one graph at a time (they share no CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { DEFAULT_TIME, loadCMDB, prng } from './generator/index.js';
import { expectImpactMatchesOracle, type OracleCase } from './helpers/impact-oracle.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { classify, microdepCMDB, microdepProjects, readMicroDep, type MicroDepCMDB } from './topologies/microdep.js';

const projects = microdepProjects();
const plain = new Map(projects.map((p) => [p, microdepCMDB(readMicroDep(p))]));
const farms = new Map(projects.map((p) => [p, microdepCMDB(readMicroDep(p), { namespace: `${p}+farm`, farm: true })]));

let graph: Graph;
let api: TestApi;

beforeAll(async () => {
  graph = await testGraph();
  await wipe(graph);
  api = await testApi(graph);
  const all = [...plain.values(), ...farms.values()];
  await loadCMDB(graph, { cis: all.flatMap((d) => d.cis), relationships: all.flatMap((d) => d.relationships) });
}, 120_000);
afterAll(closeTestGraph);

function oracleCase(d: MicroDepCMDB, failed: string[]): OracleCase {
  const cis = d.cis.map((c) => ({ ...c, createdAt: DEFAULT_TIME, minUp: typeof c.attributes?.minUp === 'number' ? c.attributes.minUp : 1 }));
  return { cis, rels: d.relationships, failed, at: Date.now() };
}

const nameOf = (d: MicroDepCMDB, id: string) => d.cis.find((c) => c.id === id)!.name;

/** Every CI alone, then `pairs` seeded random pairs of distinct CIs. */
async function checkFailures(d: MicroDepCMDB, pairs: number) {
  for (const ci of d.cis) await expectImpactMatchesOracle(api, oracleCase(d, [ci.id]), `${d.namespace}: ${ci.name} fails`, { omitAt: true });
  const rand = prng(projects.indexOf(d.project) + 1);
  for (let k = 0; k < pairs; k++) {
    const a = d.cis[Math.floor(rand() * d.cis.length)]!.id;
    let b = a;
    while (b === a) b = d.cis[Math.floor(rand() * d.cis.length)]!.id;
    await expectImpactMatchesOracle(api, oracleCase(d, [a, b]), `${d.namespace}: ${nameOf(d, a)} and ${nameOf(d, b)} fail`, { omitAt: true });
  }
}

describe('MicroDepGraph fixtures', () => {
  it('reads all 20 graphs (199 services and stores, 373 dependencies)', () => {
    expect(projects).toHaveLength(20);
    const graphs = projects.map((p) => readMicroDep(p));
    expect(graphs.reduce((a, g) => a + g.nodes.length, 0)).toBe(199);
    expect(graphs.reduce((a, g) => a + g.edges.length, 0)).toBe(373);
  });

  it('edges run from the dependent to the provider: no data store depends on anything', () => {
    // The direction evidence: a store is only ever a target (Robot_Shop: shipping -> mysql).
    const robot = readMicroDep('Robot_Shop');
    expect(robot.edges).toContainEqual({ source: 'shipping', target: 'mysql' });
    for (const p of projects) {
      const g = readMicroDep(p);
      for (const e of g.edges) expect(classify(e.source), `${p}: ${e.source} -> ${e.target}`).not.toBe('Database');
    }
  });
});

describe('impact on real topologies agrees with the oracle', () => {
  it.each(projects)('%s: every CI alone and 5 random pairs', async (p) => {
    await checkFailures(plain.get(p)!, 5);
  });
});

describe('impact on real topologies with a farm (minUp 2 of 3) agrees with the oracle', () => {
  it.each(projects)('%s: every member subset, every CI alone, 3 random pairs', async (p) => {
    const d = farms.get(p)!;
    const farm = d.farm!;
    const [m1, m2, m3] = farm.members as [string, string, string];
    for (const failed of [[m1], [m2], [m3], [m1, m2], [m1, m3], [m2, m3]]) {
      await expectImpactMatchesOracle(api, oracleCase(d, failed), `${d.namespace}: farm members ${failed.map((id) => nameOf(d, id)).join(', ')} fail`, {
        omitAt: true,
      });
    }
    // The rule itself, not only agreement: one member down degrades, two take it down.
    expect(await apiState([m1], farm.application), `${d.namespace}: one member down`).toBe('DEGRADED');
    expect(await apiState([m1, m2], farm.application), `${d.namespace}: two members down`).toBe('DOWN');
    await checkFailures(d, 3);
  });
});

/** The API's state of one CI when `failed` fail (undefined: not impacted). */
async function apiState(failed: string[], ci: string): Promise<string | undefined> {
  const { impact } = await api.ok<{ impact: { impacted: { ci: { id: string }; state: string }[] } }>(
    'query($input: ImpactInput!) { impact(input: $input) { impacted { ci { id } state } } }',
    { input: { ciIds: failed } },
  );
  return impact.impacted.find((e) => e.ci.id === ci)?.state;
}
