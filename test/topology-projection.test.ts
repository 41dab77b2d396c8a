/**
 * The in-memory topology projection (server/topology) against the live walk in Neo4j:
 * root cause answers the same from both, and the projection is never used once the
 * topology changed: through the CI service, the sync engine's version, a script writing
 * Cypher directly (counts), a wiped and reloaded database (epoch), or old age.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { retireCI, updateCI } from '../server/cis/index.js';
import type { Graph } from '../server/db/index.js';
import { rankRootCause, type RootCauseResult } from '../server/rootcause/index.js';
import { DEFAULT_TOPOLOGY_CACHE_SETTINGS, readTopologyState, topologyCache, type TopologyCache } from '../server/topology/index.js';
import { generateCMDB, loadCMDB } from './generator/index.js';
import { prng, shuffle, topology } from './eval/faults.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { ci, rel } from './helpers/itsm.js';
import { testApi } from './helpers/api.js';

let graph: Graph;
let cache: TopologyCache;
const author = { actor: 'test', source: 'manual' };

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
  cache = topologyCache(graph);
  cache.settings = { ...DEFAULT_TOPOLOGY_CACHE_SETTINGS };
  cache.onLoad = null;
  cache.clear();
});

afterAll(closeTestGraph);

/** What a user sees of an answer (timings and the source aside). */
const answer = (r: RootCauseResult) => ({
  candidateCount: r.candidateCount,
  complete: r.complete,
  observations: r.observations,
  // Damage sums DEGRADED weights in the order the spread meets CIs: equal up to rounding.
  candidates: r.candidates.map((c) => ({ ...c, score: Number(c.score.toFixed(9)), unobservedDamage: Number(c.unobservedDamage.toFixed(6)) })),
});

/** The analysis through the live walk in Neo4j, then through a freshly loaded projection. */
async function bothWays(ciIds: string[]) {
  await cache.refresh();
  const live = await rankRootCause(graph, { ciIds, limit: 25 }, { projection: false });
  const projected = await rankRootCause(graph, { ciIds, limit: 25 });
  return { live, projected };
}

describe('the topology projection', () => {
  it('gives root cause exactly the answers of the walk in Neo4j, on a generated CMDB', async () => {
    const data = generateCMDB({ n: 1500, seed: 7 });
    await loadCMDB(graph, data);
    const t = topology(data, Date.now());
    const rand = prng(3);
    let compared = 0;
    for (let attempt = 0; compared < 4 && attempt < 200; attempt++) {
      const root = t.graph.ids[Math.floor(rand() * t.graph.ids.length)]!;
      const spread = t.spreader.spread(t.graph.index.get(root)!);
      const broken = Array.from(spread.nodes).filter((i) => t.userFacing[i]).map((i) => t.graph.ids[i]!);
      if (broken.length < 3) continue;
      const noise = shuffle(t.userFacingIds, rand).slice(0, 2);
      const observed = [...new Set([...shuffle(broken, rand).slice(0, Math.max(2, Math.ceil(broken.length * 0.3))), ...noise])];
      const { live, projected } = await bothWays(observed);
      expect(live.source).toBe('neo4j');
      expect(projected.source).toBe('projection');
      expect(answer(projected)).toEqual(answer(live));
      compared++;
    }
    expect(compared).toBe(4);
  });

  it('is not used once the topology changed, whoever changed it, and is reloaded', async () => {
    const db = await ci(graph, 'Database', 'orders-db');
    const svc = [await ci(graph, 'BusinessService', 'shop'), await ci(graph, 'BusinessService', 'billing'), await ci(graph, 'BusinessService', 'crm')];
    for (const s of svc.slice(0, 2)) await rel(graph, 'DEPENDS_ON', s, db);
    const rank = (ciIds = svc) => rankRootCause(graph, { ciIds });
    const fresh = async () => {
      await cache.refresh();
      const r = await rank();
      expect(r.source).toBe('projection');
      return r;
    };

    expect((await fresh()).candidates[0]!.explains.sort()).toEqual(svc.slice(0, 2).sort());
    // The API says which way it answered.
    const api = await testApi(graph);
    const served = await api.ok<{ rootCause: { fromProjection: boolean } }>('query($ids: [ID!]) { rootCause(input: { ciIds: $ids }) { fromProjection } }', { ids: svc });
    expect(served.rootCause.fromProjection).toBe(true);

    // Through the CI service: the version is raised in the write's transaction.
    const added = await rel(graph, 'DEPENDS_ON', svc[2]!, db);
    const afterAdd = await rank();
    expect(afterAdd.source).toBe('neo4j');
    expect(afterAdd.candidates[0]!.explains.sort()).toEqual([...svc].sort());
    expect((await fresh()).candidates[0]!.explains.sort()).toEqual([...svc].sort());

    await updateCI(graph, { id: db, attributes: { version: '16' } }, author);
    expect((await rank()).source).toBe('neo4j');
    await fresh();

    // A script writing Cypher directly, without raising the version: the counts tell.
    await graph.write("MATCH (s:CI {id: $s}), (d:CI {id: $d}) CREATE (s)-[:RUNS_ON {id: 'REL-raw', validFrom: 0}]->(d)", { s: svc[0], d: db });
    expect((await rank()).source).toBe('neo4j');
    await fresh();

    // A property edit by such a script changes no count: it is seen once the projection is older than maxAgeMs.
    await graph.write("MATCH ()-[r {id: $id}]->() SET r.validTo = timestamp() - 1", { id: added });
    cache.settings = { ...cache.settings, maxAgeMs: 0 };
    await new Promise((resolve) => setTimeout(resolve, 5));
    const aged = await rank();
    expect(aged.source).toBe('neo4j');
    expect(aged.candidates[0]!.explains.sort()).toEqual(svc.slice(0, 2).sort());
    cache.settings = { ...cache.settings, maxAgeMs: DEFAULT_TOPOLOGY_CACHE_SETTINGS.maxAgeMs };

    await fresh();
    await retireCI(graph, db, author);
    const retired = await rank();
    expect(retired.source).toBe('neo4j');
    expect(retired.candidates.map((c) => c.ciId)).not.toContain(db);
  });

  it('tells a wiped and reloaded database from the one before, even with the same counts', async () => {
    const data = generateCMDB({ n: 300, seed: 1 });
    await loadCMDB(graph, data);
    const first = await readTopologyState(graph);
    await cache.refresh();
    await wipe(graph);
    await loadCMDB(graph, generateCMDB({ n: 300, seed: 1 }));
    const second = await readTopologyState(graph);
    expect(second.classCounts).toEqual(first.classCounts);
    expect(second.key).not.toBe(first.key);
    expect((await cache.current()).projection).toBeNull();
  });

  it('hands each loaded projection to onLoad before it is used; a throw there is kept in lastError', async () => {
    await ci(graph, 'Server', 'host-1');
    const seen: number[] = [];
    cache.onLoad = (p) => void seen.push(p.graph.ids.length);
    const loaded = await cache.refresh();
    expect(seen).toEqual([loaded.graph.ids.length]);
    cache.onLoad = () => {
      throw new Error('preparing failed');
    };
    cache.clear();
    await cache.refresh();
    expect(String(cache.lastError)).toMatch(/preparing failed/);
    expect((await cache.current()).projection).not.toBeNull();
  });

  it('is not kept when turned off: answers come from the walk in Neo4j', async () => {
    const db = await ci(graph, 'Database', 'db');
    const s = await ci(graph, 'BusinessService', 'svc');
    await rel(graph, 'DEPENDS_ON', s, db);
    cache.settings = { ...cache.settings, enabled: false };
    await rankRootCause(graph, { ciIds: [s] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await rankRootCause(graph, { ciIds: [s] })).source).toBe('neo4j');
    await cache.refresh();
    expect((await cache.current()).projection).toBeNull();
  });
});
