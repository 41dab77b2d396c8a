/**
 * The in-memory topology projection (server/topology) against the live walk in Neo4j:
 * root cause answers the same from both; a Faultline write (the CI service, the sync
 * engine) brings it up to date by re-reading what the write touched, to exactly what a
 * whole load would index; and it is never used stale: after a script writing Cypher
 * directly (counts), a wiped and reloaded database (epoch), a write that does not say
 * what it touched, or old age, the analysis walks Neo4j while it reloads whole.
 */
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCI, createRelationship, removeRelationship, retireCI, updateCI } from '../server/cis/index.js';
import type { Graph } from '../server/db/index.js';
import type { IndexedSubgraph } from '../server/impact/index.js';
import { runSync, type SourceItem } from '../importers/sync/index.js';
import { prepareProjection, rankRootCause, warmProjection, type RootCauseResult } from '../server/rootcause/index.js';
import { closureBits } from '../server/rootcause/closures.js';
import { downParts } from '../server/rootcause/down-parts.js';
import { prepareRcaGraph, type RcaGraph } from '../server/rootcause/model.js';
import {
  DEFAULT_TOPOLOGY_CACHE_SETTINGS,
  RENEW_AT_AGE,
  TOPOLOGY_CHANGE_KEEP_MS,
  loadTopologyProjection,
  readTopologyState,
  topologyWrite,
  type TopologyCache,
  type TopologyProjection,
} from '../server/topology/index.js';
import { generateCMDB, loadCMDB } from './generator/index.js';
import { prng, shuffle, topology } from './eval/faults.js';
import { closeTestGraph, wipe } from './helpers/neo4j.js';
import { wipedWithCache } from './helpers/topology.js';
import { ci, rel } from './helpers/itsm.js';
import { testApi } from './helpers/api.js';

let graph: Graph;
let cache: TopologyCache;
const author = { actor: 'test', source: 'manual' };

beforeEach(async () => {
  ({ graph, cache } = await wipedWithCache());
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

/** A projection's index and names, independent of the order its rows were read in. */
function canonical(p: TopologyProjection) {
  const g: IndexedSubgraph = p.graph;
  return {
    cis: g.ids.map((id, i) => `${id} active=${g.active[i]} minUp=${g.minUp[i]} members=${g.members[i]} ${JSON.stringify(p.nodes.get(id))}`).sort(),
    edges: g.ids.flatMap((id, i) => g.dependents[i]!.map((d) => `${g.ids[d.ci]} -${d.type}${d.member ? '(member)' : ''}-> ${id}`)).sort(),
  };
}

/**
 * What root cause prepared on a projection, by CI id, independent of how its CIs are
 * numbered: each one's counts, the user-facing CIs its failure breaks, and its DOWN part.
 */
function preparedById(prepared: RcaGraph): Map<string, string> {
  const { ids } = prepared.graph;
  const [bits, parts] = [closureBits(prepared), downParts(prepared)];
  const named = (xs: ArrayLike<number>) => Array.from(xs, (x) => ids[x]!).sort();
  return new Map(
    ids.map((id, x) => {
      const part = prepared.aboveFragile[x] ? null : parts.of(x);
      const soft = part ? Array.from(part.softFarms, (f, k) => `${ids[f]}:${part.softFarmDown[k]}`).sort() : null;
      return [id, JSON.stringify([prepared.downstreamAll[x], prepared.downstreamUserFacing[x], named(bits.listOf(x)), part && named(part.nodes), soft])];
    }),
  );
}

/** How many DOWN parts a prepared graph keeps (carried over from its predecessor's, or walked since). */
const keptParts = (prepared: RcaGraph) => prepared.graph.ids.filter((_id, x) => downParts(prepared).kept(x)).length;

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

    // Through the CI service: the version is raised in the write's transaction, with what
    // it touched, and the next analysis re-reads that before it answers.
    const added = await rel(graph, 'DEPENDS_ON', svc[2]!, db);
    const afterAdd = await rank();
    expect(afterAdd.source).toBe('projection');
    expect(afterAdd.candidates[0]!.explains.sort()).toEqual([...svc].sort());
    expect((await cache.current()).projection!.update).toMatchObject({ touched: 2 });
    // Through the API: a mutation, then the query answers from the projection caught up.
    await api.ok('mutation($i: UpdateCIInput!) { updateCI(input: $i) { id } }', { i: { id: db, name: 'orders-db-2' } });
    const servedAfter = await api.ok<{ rootCause: { fromProjection: boolean } }>('query($ids: [ID!]) { rootCause(input: { ciIds: $ids }) { fromProjection } }', { ids: svc });
    expect(servedAfter.rootCause.fromProjection).toBe(true);

    await updateCI(graph, { id: db, attributes: { version: '16' } }, author);
    expect((await rank()).source).toBe('projection');

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
    expect(retired.source).toBe('projection');
    expect(retired.candidates.map((c) => c.ciId)).not.toContain(db);

    // A script's creation and then a Faultline write: the counts are not what the writes declared.
    await graph.write("MATCH (s:CI {id: $s}), (d:CI {id: $d}) CREATE (s)-[:RUNS_ON {id: 'REL-raw-2', validFrom: 0}]->(d)", { s: svc[1], d: svc[2] });
    await updateCI(graph, { id: svc[0]!, name: 'shop-2' }, author);
    expect((await rank()).source).toBe('neo4j');
    await fresh();

    // A write that does not say what it touched (a bulk loader): reloaded whole.
    await topologyWrite(graph, async () => undefined);
    expect((await rank()).source).toBe('neo4j');
  });

  it('catches up with every kind of Faultline write to exactly what a whole load indexes', async () => {
    await loadCMDB(graph, generateCMDB({ n: 400, seed: 5 }));
    cache.onLoad = (p, previous) => void prepareProjection(p, previous); // as the API does (server/main.ts), warmed below
    await cache.refresh();
    const one = async (cypher: string) => (await graph.read(cypher))[0]!;
    const runsOn = await one('MATCH (a:CI)-[r:RUNS_ON]->(b:CI) RETURN a.class AS from, b.class AS to, a.id AS a, b.id AS b LIMIT 1');
    const member = await one('MATCH (a:CI)-[r:HAS_MEMBER]->(b:CI) RETURN a.id AS farm, b.class AS member, r.id AS id LIMIT 1');
    const dependsOn = await one('MATCH (a:CI)-[r:DEPENDS_ON]->(b:CI) RETURN r.id AS id, b.id AS provider LIMIT 1');
    const host = String(runsOn.b);

    let caughtUp = 0;
    let last = (await cache.current()).projection!;
    await warmProjection(last);
    /**
     * The projection caught up, as a whole load indexes it; reindexed or, when nothing that
     * propagates changed, the same index kept. What root cause prepared on it is what a
     * whole load's fresh preparation gives, carried over from the warmed one before (unless
     * a CI lost its place: `carried` false).
     */
    const same = async (what: string, reindexed = true, carried = true) => {
      const { projection } = await cache.current();
      expect(projection, what).not.toBeNull();
      expect(projection!.update, what).toMatchObject({ reindexed });
      expect(projection!.graph === last.graph, what).toBe(!reindexed);
      const whole = await loadTopologyProjection(graph);
      expect(canonical(projection!), what).toEqual(canonical(whole));
      const prepared = prepareProjection(projection!);
      expect(keptParts(prepared) > 0, `${what}: carried over`).toBe(carried);
      expect(preparedById(prepared), what).toEqual(preparedById(prepareRcaGraph(whole.graph, whole.nodes, { countAll: true })));
      await warmProjection(projection!);
      last = projection!;
      caughtUp++;
    };

    const app = (await createCI(graph, { class: String(runsOn.from), name: 'new-app', attributes: {} }, author)).id;
    await same('a CI created');
    const server = (await createCI(graph, { class: String(member.member), name: 'new-member', attributes: {} }, author)).id;
    await createRelationship(graph, { type: 'RUNS_ON', fromId: app, toId: host }, author);
    await same('two writes: a CI, then a relationship');
    await createRelationship(graph, { type: 'HAS_MEMBER', fromId: String(member.farm), toId: server }, author);
    await same("a farm's new member");
    await updateCI(graph, { id: String(member.farm), attributes: { minUp: 2 } }, author);
    await same("a farm's minUp");
    await removeRelationship(graph, String(member.id), author);
    await same('a membership closed');
    await removeRelationship(graph, String(dependsOn.id), author);
    await same('a dependency closed');
    await retireCI(graph, host, author);
    await same('a host retired, its relationships closed', true, false);
    await updateCI(graph, { id: host, status: 'ACTIVE' }, author);
    await same('the host back, without its relationships');
    await createRelationship(graph, { type: 'RUNS_ON', fromId: app, toId: host }, author);
    await same('the app on the host again');
    // A CI many user-facing CIs run on: evidence names the first few of those by name.
    const hub = await one(
      "MATCH (u:CI)-[:DEPENDS_ON|RUNS_ON|HOSTED_ON]->(x:CI) WHERE u.class IN ['Application', 'ApplicationService', 'BusinessService'] AND u.retiredAt IS NULL WITH x, collect(u.id) AS users WHERE size(users) >= 6 RETURN x.id AS id, users[0] AS user LIMIT 1",
    );
    const hubRank = (options: { at?: number; projection?: false } = {}) => rankRootCause(graph, { ciIds: [String(hub.id)], limit: 25 }, options);
    const renamed = (r: RootCauseResult) => r.candidates.some((c) => c.evidence.some((e) => e.includes('aaa-renamed')));
    expect(renamed(await hubRank())).toBe(false);
    const names = last.nodes;
    await updateCI(graph, { id: String(hub.user), attributes: { version: '2' } }, author);
    await same('an attribute changed: nothing that propagates', false);
    expect(last.nodes).toBe(names); // nor any name: the same map
    await updateCI(graph, { id: String(hub.user), name: 'aaa-renamed' }, author);
    await same('a CI renamed', false);
    expect(last.nodes).not.toBe(names);
    // The kept index with the new names: root cause answers as the walk in Neo4j does (at
    // one time: the writes' history entries weigh by how long before it they were made).
    const at = Date.now();
    const onProjection = await hubRank({ at });
    expect(onProjection.source).toBe('projection');
    expect(renamed(onProjection)).toBe(true);
    expect(answer(onProjection)).toEqual(answer(await hubRank({ at, projection: false })));

    // The sync engine: CIs created with relationships, then one withdrawn and retired.
    const items = async function* (keys: string[]): AsyncGenerator<SourceItem> {
      for (const key of keys) {
        const references = [{ type: 'RUNS_ON', target: { key: 'sync-vm' } }];
        yield { kind: 'record', record: { class: 'Application', key, name: key, attributes: { appId: key }, references, origin: key } };
      }
      yield { kind: 'record', record: { class: 'VirtualMachine', key: 'sync-vm', name: 'sync-vm', attributes: { hostname: 'sync-vm' }, origin: 'vm' } };
    };
    const sync = (keys: string[]) => runSync(graph, items(keys), { source: 'test', scope: 'apps', maxRetireShare: 1 });
    expect((await sync(['s1', 's2', 's3'])).counts).toMatchObject({ created: 4, relationshipsCreated: 3 });
    await same('a sync creating CIs and relationships');
    expect((await sync(['s1', 's2'])).counts).toMatchObject({ retired: 1, relationshipsClosed: 1 });
    await same('a sync retiring a CI', true, false);
    expect((await sync(['s1', 's2'])).counts).toMatchObject({ created: 0, updated: 0, retired: 0 });
    expect((await cache.current()).projection).toBe(last); // nothing written, nothing to catch up with
    expect(caughtUp).toBe(13);

    // Each write's record is kept an hour: older ones go with the next write.
    await graph.write('CREATE (:TopologyChange {epoch: "old", version: 0, at: timestamp() - $age, ciIds: []})', { age: TOPOLOGY_CHANGE_KEEP_MS + 1000 });
    await updateCI(graph, { id: app, name: 'new-app-2' }, author);
    expect((await graph.read('MATCH (t:TopologyChange {epoch: "old"}) RETURN count(t) AS n'))[0]!.n).toBe(0);
  });

  it('catches up with random runs of writes, some concurrent, to what a whole load indexes', async () => {
    await loadCMDB(graph, generateCMDB({ n: 300, seed: 9 }));
    cache.onLoad = (p, previous) => void prepareProjection(p, previous);
    await warmProjection(await cache.refresh());
    const rand = prng(17);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const live = async () => (await graph.read("MATCH (c:CI) WHERE c.status <> 'RETIRED' RETURN c.id AS id, c.class AS class")).map((r) => ({ id: String(r.id), class: String(r.class) }));
    // Class pairs each type joins in the generated CMDB: new relationships join the same pairs.
    const pairs = (await graph.read('MATCH (a:CI)-[r]->(b:CI) WHERE r.validTo IS NULL RETURN DISTINCT type(r) AS type, a.class AS from, b.class AS to')).map((r) => ({
      type: String(r.type),
      from: String(r.from),
      to: String(r.to),
    }));
    const open = async () => (await graph.read('MATCH (:CI)-[r]->(:CI) WHERE r.validTo IS NULL AND r.id IS NOT NULL RETURN r.id AS id')).map((r) => String(r.id));
    let created = 0;
    const write = async (): Promise<unknown> => {
      const cis = await live();
      const op = Math.floor(rand() * 6);
      const ofClass = (c: string) => cis.filter((x) => x.class === c);
      if (op === 0) {
        const { from, to, type } = pick(pairs);
        const a = pick(ofClass(from));
        const b = pick(ofClass(to));
        return createRelationship(graph, { type, fromId: a.id, toId: b.id }, author).catch(() => undefined); // a duplicate is a CONFLICT
      }
      if (op === 1) return removeRelationship(graph, pick(await open()), author);
      if (op === 2) return retireCI(graph, pick(cis).id, author);
      if (op === 3) {
        const { from, to, type } = pick(pairs);
        const id = (await createCI(graph, { class: from, name: `random-${created++}`, attributes: {} }, author).catch(() => null))?.id;
        return id ? createRelationship(graph, { type, fromId: id, toId: pick(ofClass(to)).id }, author) : undefined;
      }
      if (op === 4) return updateCI(graph, { id: pick(ofClass('Cluster').length ? ofClass('Cluster') : cis).id, attributes: { minUp: 1 + Math.floor(rand() * 3) } }, author).catch(() => undefined);
      return updateCI(graph, { id: pick(cis).id, name: `renamed-${created++}` }, author);
    };
    for (let round = 0; round < 12; round++) {
      const burst = 1 + Math.floor(rand() * 3);
      if (round % 3 === 2) await Promise.all(Array.from({ length: burst }, () => write()));
      else for (let k = 0; k < burst; k++) await write();
      const { projection } = await cache.current();
      expect(projection?.update, `round ${round}`).not.toBeNull();
      const whole = await loadTopologyProjection(graph);
      expect(canonical(projection!), `round ${round}`).toEqual(canonical(whole));
      // Prepared for root cause as a whole load is, carried over or (a CI retired) afresh.
      expect(preparedById(prepareProjection(projection!)), `round ${round}`).toEqual(preparedById(prepareRcaGraph(whole.graph, whole.nodes, { countAll: true })));
      await warmProjection(projection!);
    }
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

  it('renews an aging projection ahead of time, serving the one in use until the new one is prepared', async () => {
    const db = await ci(graph, 'Database', 'db');
    const s = await ci(graph, 'BusinessService', 'svc');
    await rel(graph, 'DEPENDS_ON', s, db);
    const maxAgeMs = 60_000;
    cache.settings = { ...cache.settings, maxAgeMs };
    const loads: TopologyProjection[] = [];
    let release = () => {};
    // The renewal's onLoad work (the API warms what it prepared) finishes when the test says so.
    cache.onLoad = (p, previous) => {
      if (previous) return undefined; // brought up to date
      loads.push(p);
      return loads.length === 1 ? undefined : new Promise<void>((resolve) => (release = resolve));
    };
    const first = await cache.refresh();
    const rank = () => rankRootCause(graph, { ciIds: [s] });
    first.wholeAt = Date.now() - (RENEW_AT_AGE - 0.05) * maxAgeMs; // not old enough: no renewal
    expect((await rank()).source).toBe('projection');
    expect(loads).toHaveLength(1);
    first.wholeAt = Date.now() - (RENEW_AT_AGE + 0.05) * maxAgeMs; // old enough: renewed ahead
    expect((await cache.current()).projection).toBe(first);
    await vi.waitFor(() => expect(loads).toHaveLength(2));
    // Loaded, not ready: the one in use still serves, and still catches up with writes.
    expect((await rank()).source).toBe('projection');
    await updateCI(graph, { id: db, name: 'db-2' }, author);
    const caughtUp = (await cache.current()).projection!;
    expect(caughtUp.update).not.toBeNull();
    expect(caughtUp.wholeAt).toBe(first.wholeAt);
    release();
    // Ready: the renewal replaces it, caught up in turn with the write made meanwhile.
    await vi.waitFor(async () => expect((await cache.current()).projection!.wholeAt).toBe(loads[1]!.wholeAt));
    const renewed = await rank();
    expect(renewed.source).toBe('projection');
    expect(renewed.names.get(db)?.name).toBe('db-2');
    expect(loads).toHaveLength(2);

    // Past maxAgeMs, a projection is not used even while its renewal is being read.
    const current = (await cache.current()).projection!;
    current.wholeAt = Date.now() - maxAgeMs - 1;
    expect((await rank()).source).toBe('neo4j');
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
