/**
 * QA: impact semantics (DESIGN.md "Impact semantics" rules 1-5) checked black-box, the way
 * an outside checker would: every CI and relationship is made with createCI /
 * createRelationship / removeRelationship / retireCI through GraphQL, and every
 * expectation below was computed by hand from the rules, not from the implementation.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { testApi, type TestApi } from './helpers/api.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { IMPACT, Topology, expectContractQuery, instant, pathOf, stateSet, states } from './helpers/qa.js';

let graph: Graph;
let api: TestApi;
let t: Topology;

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
  api = await testApi(graph);
  t = new Topology(api);
});
afterAll(closeTestGraph);

it('the impact query used here is a contract query', () => {
  expectContractQuery(IMPACT);
});

describe('rule 1: every propagating type carries DOWN, against the arrow', () => {
  /** site <-LOCATED_IN- rack <-LOCATED_IN- switch <-CONNECTED_TO- host <-HAS_MEMBER- cluster <-HOSTED_ON- vm <-RUNS_ON- app <-DEPENDS_ON- shop */
  async function chain() {
    await t.ci('site', 'Location');
    await t.ci('rack', 'Location');
    await t.ci('switch', 'NetworkDevice');
    await t.ci('host', 'Server');
    await t.ci('cluster', 'Cluster');
    await t.ci('vm', 'VirtualMachine');
    await t.ci('app', 'Application');
    await t.ci('shop', 'BusinessService', { criticality: 1 });
    await t.rel('rack', 'LOCATED_IN', 'site');
    await t.rel('switch', 'LOCATED_IN', 'rack');
    await t.rel('host', 'CONNECTED_TO', 'switch');
    await t.rel('cluster', 'HAS_MEMBER', 'host');
    await t.rel('vm', 'HOSTED_ON', 'cluster');
    await t.rel('app', 'RUNS_ON', 'vm');
    await t.rel('shop', 'DEPENDS_ON', 'app');
  }

  it('a site failure goes down the whole chain, with depth = hops and the path naming each type', async () => {
    await chain();
    const r = await t.impact(['site']);
    expect(r.sources.map((s) => s.name)).toEqual(['site']);
    expect(states(r)).toEqual([
      'rack DOWN 1',
      'switch DOWN 2',
      'host DOWN 3',
      // single member, minUp default 1: n - d = 0 < 1
      'cluster DOWN 4',
      'vm DOWN 5',
      'app DOWN 6',
      'shop DOWN 7',
    ]);
    expect(pathOf(r, 'shop')).toBe(
      'site -LOCATED_IN-> rack -LOCATED_IN-> switch -CONNECTED_TO-> host -HAS_MEMBER-> cluster -HOSTED_ON-> vm -RUNS_ON-> app -DEPENDS_ON-> shop',
    );
    expect(r.businessServices).toEqual([{ ci: { name: 'shop' }, state: 'DOWN', depth: 7 }]);
    expect(r.totalCount).toBe(7);
    expect(r.truncated).toBe(false);
  });

  it('path: starts at a failed CI, ends at the CI, relationship null on the last step only', async () => {
    await chain();
    const r = await t.impact(['host']);
    for (const e of r.impacted) {
      expect(e.path[0]!.ci.name).toBe('host');
      expect(e.path.at(-1)!.ci.name).toBe(e.ci.name);
      expect(e.path.at(-1)!.relationship).toBeNull();
      expect(e.path.slice(0, -1).every((s) => typeof s.relationship === 'string')).toBe(true);
      expect(e.path).toHaveLength(e.depth + 1);
    }
  });

  it('maxDepth 1 on the chain: only depth 1 returned, totalCount counts all, truncated', async () => {
    await chain();
    const r = await t.impact(['switch'], { maxDepth: 1 });
    expect(states(r)).toEqual(['host DOWN 1']);
    expect(r.totalCount).toBe(5);
    expect(r.truncated).toBe(true);
    // businessServices is the impacted subset: shop is at depth 5, beyond maxDepth.
    expect(r.businessServices).toEqual([]);
    const all = await t.impact(['switch'], { maxDepth: 5 });
    expect(all.truncated).toBe(false);
    expect(all.impacted).toHaveLength(5);
    const zero = await t.impact(['switch'], { maxDepth: 0 });
    expect(zero.impacted).toEqual([]);
    expect(zero.totalCount).toBe(5);
    expect(zero.truncated).toBe(true);
  });

  it('a huge maxDepth is fine', async () => {
    await chain();
    const r = await t.impact(['site'], { maxDepth: 2_000_000_000 });
    expect(r.totalCount).toBe(7);
    expect(r.truncated).toBe(false);
  });
});

describe('informational types never carry impact', () => {
  it('MEMBER_OF, OWNED_BY, MANAGED_BY, CONTAINED_IN, ASSIGNED_TO: neither direction', async () => {
    await t.ci('team', 'Group');
    await t.ci('ou', 'OrganizationalUnit');
    await t.ci('alice', 'User');
    await t.ci('srv', 'Server');
    await t.ci('app', 'Application');
    await t.ci('pc', 'Computer');
    await t.rel('srv', 'MEMBER_OF', 'team');
    await t.rel('alice', 'MEMBER_OF', 'team');
    await t.rel('app', 'OWNED_BY', 'team');
    await t.rel('app', 'MANAGED_BY', 'alice');
    await t.rel('alice', 'CONTAINED_IN', 'ou');
    await t.rel('pc', 'ASSIGNED_TO', 'alice');
    await t.rel('srv', 'ASSIGNED_TO', 'team');
    for (const failed of [['team'], ['ou'], ['alice'], ['srv'], ['app'], ['pc'], ['team', 'ou', 'alice']]) {
      const r = await t.impact(failed);
      expect(r.impacted, `failing ${failed.join('+')}`).toEqual([]);
      expect(r.totalCount).toBe(0);
      expect(r.truncated).toBe(false);
    }
  });

  it('relationshipTypes says so, and exactly the six propagating types propagate', async () => {
    const data = await api.ok<{ relationshipTypes: { name: string; propagatesImpact: boolean }[] }>(
      '{ relationshipTypes { name propagatesImpact } }',
    );
    const propagating = data.relationshipTypes.filter((r) => r.propagatesImpact).map((r) => r.name).sort();
    expect(propagating).toEqual(['CONNECTED_TO', 'DEPENDS_ON', 'HAS_MEMBER', 'HOSTED_ON', 'LOCATED_IN', 'RUNS_ON']);
    const informational = data.relationshipTypes.filter((r) => !r.propagatesImpact).map((r) => r.name);
    expect(informational).toEqual(expect.arrayContaining(['MEMBER_OF', 'OWNED_BY', 'MANAGED_BY', 'CONTAINED_IN', 'ASSIGNED_TO']));
  });
});

describe('rule 2: HAS_MEMBER redundancy', () => {
  /** farm HAS_MEMBER s1 s2 s3; app RUNS_ON farm; shop DEPENDS_ON app. */
  async function farm(minUp?: number) {
    await t.ci('farm', 'Cluster', minUp === undefined ? {} : { minUp });
    await t.cis('Server', 's1', 's2', 's3');
    await t.ci('app', 'Application');
    await t.ci('shop', 'BusinessService');
    for (const s of ['s1', 's2', 's3']) await t.rel('farm', 'HAS_MEMBER', s);
    await t.rel('app', 'RUNS_ON', 'farm');
    await t.rel('shop', 'DEPENDS_ON', 'app');
  }

  it('minUp default 1: 1 of 3 down degrades, and DEGRADED travels through RUNS_ON and DEPENDS_ON', async () => {
    await farm();
    const r = await t.impact(['s1']);
    expect(states(r)).toEqual(['farm DEGRADED 1', 'app DEGRADED 2', 'shop DEGRADED 3']);
    expect(r.businessServices).toEqual([{ ci: { name: 'shop' }, state: 'DEGRADED', depth: 3 }]);
    expect(pathOf(r, 'shop')).toBe('s1 -HAS_MEMBER-> farm -RUNS_ON-> app -DEPENDS_ON-> shop');
  });

  it('minUp default 1: 2 of 3 down still degraded, 3 of 3 down is DOWN', async () => {
    await farm();
    expect(states(await t.impact(['s1', 's2']))).toEqual(['farm DEGRADED 1', 'app DEGRADED 2', 'shop DEGRADED 3']);
    expect(states(await t.impact(['s1', 's2', 's3']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
  });

  it('minUp 2: 1 of 3 down degrades; 2 of 3 down is DOWN and spreads', async () => {
    await farm(2);
    expect(states(await t.impact(['s1']))).toEqual(['farm DEGRADED 1', 'app DEGRADED 2', 'shop DEGRADED 3']);
    const r = await t.impact(['s1', 's3']);
    expect(r.sources.map((s) => s.name)).toEqual(['s1', 's3']);
    expect(states(r)).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
  });

  it('minUp 3 (all must be up): one member down is DOWN', async () => {
    await farm(3);
    expect(states(await t.impact(['s2']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
  });

  it('minUp set later with updateCI is honoured', async () => {
    await farm();
    await api.ok('mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }', {
      input: { id: t.id('farm'), attributes: { minUp: 2 } },
    });
    expect(states(await t.impact(['s1', 's2']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
    // and removing it (null) goes back to the default 1
    await api.ok('mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }', {
      input: { id: t.id('farm'), attributes: { minUp: null } },
    });
    expect(states(await t.impact(['s1', 's2']))).toEqual(['farm DEGRADED 1', 'app DEGRADED 2', 'shop DEGRADED 3']);
  });

  it('a retired member does not count in n (retireCI)', async () => {
    await farm(2);
    await api.ok('mutation($id: ID!) { retireCI(id: $id) { id } }', { id: t.id('s3') });
    // n = 2, d = 1: 1 < 2 -> DOWN (with s3 counted it would be DEGRADED)
    expect(states(await t.impact(['s1']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
  });

  it('a retired member does not count in n (updateCI status RETIRED)', async () => {
    await farm(2);
    await api.ok('mutation($input: UpdateCIInput!) { updateCI(input: $input) { id status } }', {
      input: { id: t.id('s3'), status: 'RETIRED' },
    });
    expect(states(await t.impact(['s1']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
  });

  it('a removed membership does not count in n, and carries nothing', async () => {
    await farm();
    await api.ok('mutation($id: ID!) { removeRelationship(id: $id) { id } }', { id: t.relId('farm HAS_MEMBER s3') });
    // n = 2: both remaining down -> DOWN; s3 no longer a member, its failure does nothing
    expect(states(await t.impact(['s1', 's2']))).toEqual(['farm DOWN 1', 'app DOWN 2', 'shop DOWN 3']);
    expect((await t.impact(['s3'])).impacted).toEqual([]);
  });

  it('a DEGRADED member degrades the cluster (rule 2 "DOWN or DEGRADED")', async () => {
    // farm HAS_MEMBER vm1, vm2; vm1 HOSTED_ON inner (a 2-member cluster); inner loses one host
    await t.ci('farm', 'Cluster');
    await t.ci('inner', 'Cluster');
    await t.cis('VirtualMachine', 'vm1', 'vm2');
    await t.cis('Server', 'h1', 'h2');
    await t.rel('farm', 'HAS_MEMBER', 'vm1');
    await t.rel('farm', 'HAS_MEMBER', 'vm2');
    await t.rel('vm1', 'HOSTED_ON', 'inner');
    await t.rel('inner', 'HAS_MEMBER', 'h1');
    await t.rel('inner', 'HAS_MEMBER', 'h2');
    expect(states(await t.impact(['h1']))).toEqual(['inner DEGRADED 1', 'vm1 DEGRADED 2', 'farm DEGRADED 3']);
  });

  it('nested redundancy: a cluster whose members are clusters', async () => {
    // outer HAS_MEMBER inner1, inner2; inner1 HAS_MEMBER a1 a2; inner2 HAS_MEMBER b1 b2; app RUNS_ON outer
    await t.ci('outer', 'Cluster');
    await t.ci('inner1', 'Cluster');
    await t.ci('inner2', 'Cluster');
    await t.cis('Server', 'a1', 'a2', 'b1', 'b2');
    await t.ci('app', 'Application');
    await t.rel('outer', 'HAS_MEMBER', 'inner1');
    await t.rel('outer', 'HAS_MEMBER', 'inner2');
    for (const [c, m] of [['inner1', 'a1'], ['inner1', 'a2'], ['inner2', 'b1'], ['inner2', 'b2']] as const) await t.rel(c, 'HAS_MEMBER', m);
    await t.rel('app', 'RUNS_ON', 'outer');

    expect(states(await t.impact(['a1']))).toEqual(['inner1 DEGRADED 1', 'outer DEGRADED 2', 'app DEGRADED 3']);
    // inner1 down, inner2 up: outer keeps 1 of 2 >= minUp 1
    expect(states(await t.impact(['a1', 'a2']))).toEqual(['inner1 DOWN 1', 'outer DEGRADED 2', 'app DEGRADED 3']);
    expect(stateSet(await t.impact(['a1', 'a2', 'b1']))).toEqual(
      ['inner1 DOWN 1', 'inner2 DEGRADED 1', 'outer DEGRADED 2', 'app DEGRADED 3'].sort(),
    );
    expect(stateSet(await t.impact(['a1', 'a2', 'b1', 'b2']))).toEqual(
      ['inner1 DOWN 1', 'inner2 DOWN 1', 'outer DOWN 2', 'app DOWN 3'].sort(),
    );
    // outer needs both inner clusters
    await api.ok('mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }', { input: { id: t.id('outer'), attributes: { minUp: 2 } } });
    expect(states(await t.impact(['a1', 'a2']))).toEqual(['inner1 DOWN 1', 'outer DOWN 2', 'app DOWN 3']);
  });

  it('what-if: two failures defeat a redundancy that one alone does not', async () => {
    await t.cis('Server', 'n1', 'n2');
    await t.ci('pool', 'LoadBalancer');
    await t.ci('shop', 'BusinessService');
    await t.rel('pool', 'HAS_MEMBER', 'n1');
    await t.rel('pool', 'HAS_MEMBER', 'n2');
    await t.rel('shop', 'RUNS_ON', 'pool');
    expect(states(await t.impact(['n1']))).toEqual(['pool DEGRADED 1', 'shop DEGRADED 2']);
    expect(states(await t.impact(['n2']))).toEqual(['pool DEGRADED 1', 'shop DEGRADED 2']);
    expect(states(await t.impact(['n1', 'n2']))).toEqual(['pool DOWN 1', 'shop DOWN 2']);
  });
});

describe('rule 3: worst state wins', () => {
  it('a CI with a DOWN and a DEGRADED provider is DOWN', async () => {
    // app RUNS_ON farm (degraded by s1) and DEPENDS_ON db (down)
    await t.ci('farm', 'Cluster');
    await t.cis('Server', 's1', 's2');
    await t.ci('db', 'Database');
    await t.ci('app', 'Application');
    await t.ci('blog', 'Application');
    await t.rel('farm', 'HAS_MEMBER', 's1');
    await t.rel('farm', 'HAS_MEMBER', 's2');
    await t.rel('app', 'RUNS_ON', 'farm');
    await t.rel('app', 'DEPENDS_ON', 'db');
    await t.rel('blog', 'RUNS_ON', 'farm');
    const r = await t.impact(['s1', 'db']);
    expect(r.sources.map((s) => s.name)).toEqual(['s1', 'db']);
    expect(stateSet(r)).toEqual(['app DOWN 1', 'blog DEGRADED 2', 'farm DEGRADED 1']);
    expect(pathOf(r, 'app')).toBe('db -DEPENDS_ON-> app');
  });

  it('a DOWN reached late (long chain) still beats a DEGRADED reached early', async () => {
    // y fails; x1 DEPENDS_ON y; x2 DEPENDS_ON x1; app DEPENDS_ON x2  (DOWN, 3 hops)
    // y is also a member of farm (with s2); app RUNS_ON farm (DEGRADED, 2 hops)
    await t.ci('y', 'Server');
    await t.ci('s2', 'Server');
    await t.ci('farm', 'Cluster');
    await t.cis('Application', 'x1', 'x2', 'app');
    await t.rel('x1', 'DEPENDS_ON', 'y');
    await t.rel('x2', 'DEPENDS_ON', 'x1');
    await t.rel('app', 'DEPENDS_ON', 'x2');
    await t.rel('farm', 'HAS_MEMBER', 'y');
    await t.rel('farm', 'HAS_MEMBER', 's2');
    await t.rel('app', 'RUNS_ON', 'farm');
    const r = await t.impact(['y']);
    const app = r.impacted.find((e) => e.ci.name === 'app')!;
    expect(app.state).toBe('DOWN');
    // depth: fewest hops along impacted CIs; the degraded farm is impacted, so 2 via the farm
    expect(app.depth).toBe(2);
    expect(pathOf(r, 'app')).toBe('y -HAS_MEMBER-> farm -RUNS_ON-> app');
  });

  it('a cluster that kept enough members stops DOWN: what runs on it is only DEGRADED', async () => {
    await t.ci('farm', 'Cluster');
    await t.cis('Server', 's1', 's2');
    await t.ci('vm', 'VirtualMachine');
    await t.ci('app', 'Application');
    await t.rel('farm', 'HAS_MEMBER', 's1');
    await t.rel('farm', 'HAS_MEMBER', 's2');
    await t.rel('vm', 'HOSTED_ON', 'farm');
    await t.rel('app', 'RUNS_ON', 'vm');
    expect(states(await t.impact(['s1']))).toEqual(['farm DEGRADED 1', 'vm DEGRADED 2', 'app DEGRADED 3']);
  });
});

describe('cycles', () => {
  it('A -> B -> A: failing A takes B down once, and the query terminates', async () => {
    await t.cis('Application', 'A', 'B');
    await t.rel('A', 'DEPENDS_ON', 'B');
    await t.rel('B', 'DEPENDS_ON', 'A');
    const r = await t.impact(['A']);
    expect(states(r)).toEqual(['B DOWN 1']);
    expect(pathOf(r, 'B')).toBe('A -DEPENDS_ON-> B');
    expect(r.totalCount).toBe(1);
    const both = await t.impact(['A', 'B']);
    expect(both.impacted).toEqual([]);
  });

  it('a cycle reached from a failure: each CI in it once, at its BFS depth', async () => {
    // x fails; A DEPENDS_ON x; A DEPENDS_ON B; B DEPENDS_ON C; C DEPENDS_ON A
    // failure travels x -> A -> C -> B
    await t.ci('x', 'Database');
    await t.cis('Application', 'A', 'B', 'C');
    await t.rel('A', 'DEPENDS_ON', 'x');
    await t.rel('A', 'DEPENDS_ON', 'B');
    await t.rel('B', 'DEPENDS_ON', 'C');
    await t.rel('C', 'DEPENDS_ON', 'A');
    const r = await t.impact(['x']);
    expect(states(r)).toEqual(['A DOWN 1', 'C DOWN 2', 'B DOWN 3']);
    expect(pathOf(r, 'B')).toBe('x -DEPENDS_ON-> A -DEPENDS_ON-> C -DEPENDS_ON-> B');
  });

  it('a member that depends on its own cluster does not hold the cluster up or down', async () => {
    // farm HAS_MEMBER s1, s2; s2 DEPENDS_ON farm. s1 down: farm DEGRADED, s2 DEGRADED (via farm),
    // farm: n = 2, d = 1 (s2 is only degraded) -> stays DEGRADED.
    await t.ci('farm', 'Cluster');
    await t.cis('Server', 's1', 's2');
    await t.rel('farm', 'HAS_MEMBER', 's1');
    await t.rel('farm', 'HAS_MEMBER', 's2');
    await t.rel('s2', 'DEPENDS_ON', 'farm');
    expect(states(await t.impact(['s1']))).toEqual(['farm DEGRADED 1', 's2 DEGRADED 2']);
  });
});

describe('rule 4: retired CIs and closed relationships take no part', () => {
  it('a closed (removed) relationship does not propagate', async () => {
    await t.ci('db', 'Database');
    await t.cis('Application', 'app', 'other');
    await t.rel('app', 'DEPENDS_ON', 'db');
    await t.rel('other', 'DEPENDS_ON', 'db');
    await api.ok('mutation($id: ID!) { removeRelationship(id: $id) { id validTo } }', { id: t.relId('app DEPENDS_ON db') });
    expect(states(await t.impact(['db']))).toEqual(['other DOWN 1']);
  });

  it('a retired CI in the middle of a chain breaks it', async () => {
    await t.ci('db', 'Database');
    await t.cis('Application', 'mid', 'top');
    await t.rel('mid', 'DEPENDS_ON', 'db');
    await t.rel('top', 'DEPENDS_ON', 'mid');
    await api.ok('mutation($id: ID!) { retireCI(id: $id) { id } }', { id: t.id('mid') });
    expect((await t.impact(['db'])).impacted).toEqual([]);
  });

  it('impact(at:) before a relationship was removed and before a CI was retired, vs now', async () => {
    // vm HOSTED_ON san; app RUNS_ON vm; report DEPENDS_ON app; audit DEPENDS_ON vm
    await t.ci('san', 'StorageDevice');
    await t.ci('vm', 'VirtualMachine');
    await t.cis('Application', 'app', 'report', 'audit');
    await t.rel('vm', 'HOSTED_ON', 'san');
    await t.rel('app', 'RUNS_ON', 'vm');
    await t.rel('report', 'DEPENDS_ON', 'app');
    await t.rel('audit', 'DEPENDS_ON', 'vm');
    const past = await instant();
    await api.ok('mutation($id: ID!) { removeRelationship(id: $id) { id } }', { id: t.relId('audit DEPENDS_ON vm') });
    const between = await instant();
    await api.ok('mutation($id: ID!) { retireCI(id: $id) { id } }', { id: t.id('app') });

    expect(stateSet(await t.impact(['san'], { at: past }))).toEqual(['app DOWN 2', 'audit DOWN 2', 'report DOWN 3', 'vm DOWN 1']);
    expect(stateSet(await t.impact(['san'], { at: between }))).toEqual(['app DOWN 2', 'report DOWN 3', 'vm DOWN 1']);
    expect(states(await t.impact(['san']))).toEqual(['vm DOWN 1']);
  });

  it('impact(at:) before a relationship existed does not see it', async () => {
    await t.ci('db', 'Database');
    await t.ci('app', 'Application');
    const before = await instant();
    await t.rel('app', 'DEPENDS_ON', 'db');
    expect((await t.impact(['db'], { at: before })).impacted).toEqual([]);
    expect(states(await t.impact(['db']))).toEqual(['app DOWN 1']);
  });

  it('impact(at:) sees a member that is retired now as a member then', async () => {
    await t.ci('farm', 'Cluster', { minUp: 2 });
    await t.cis('Server', 's1', 's2', 's3');
    for (const s of ['s1', 's2', 's3']) await t.rel('farm', 'HAS_MEMBER', s);
    const past = await instant();
    await api.ok('mutation($id: ID!) { retireCI(id: $id) { id } }', { id: t.id('s3') });
    expect(states(await t.impact(['s1'], { at: past }))).toEqual(['farm DEGRADED 1']);
    expect(states(await t.impact(['s1']))).toEqual(['farm DOWN 1']);
  });
});

describe('rule 5: depth and path', () => {
  it('depth = fewest hops along impacted CIs: a retired shortcut does not shorten it', async () => {
    // f <- short <- x (2 hops) and f <- a <- b <- x (3 hops); short is retired
    await t.ci('f', 'Database');
    await t.cis('Application', 'short', 'a', 'b', 'x');
    await t.rel('short', 'DEPENDS_ON', 'f');
    await t.rel('x', 'DEPENDS_ON', 'short');
    await t.rel('a', 'DEPENDS_ON', 'f');
    await t.rel('b', 'DEPENDS_ON', 'a');
    await t.rel('x', 'DEPENDS_ON', 'b');
    const past = await instant();
    await api.ok('mutation($id: ID!) { retireCI(id: $id) { id } }', { id: t.id('short') });
    const then = await t.impact(['f'], { at: past });
    expect(then.impacted.find((e) => e.ci.name === 'x')!.depth).toBe(2);
    const now = await t.impact(['f']);
    expect(states(now)).toEqual(['a DOWN 1', 'b DOWN 2', 'x DOWN 3']);
    expect(pathOf(now, 'x')).toBe('f -DEPENDS_ON-> a -DEPENDS_ON-> b -DEPENDS_ON-> x');
  });

  it('multiple failed CIs where one is upstream of another: sources excluded, depth from the nearest', async () => {
    // app DEPENDS_ON db; svc DEPENDS_ON app; shop DEPENDS_ON svc
    await t.ci('db', 'Database');
    await t.ci('app', 'Application');
    await t.ci('svc', 'ApplicationService');
    await t.ci('shop', 'BusinessService');
    await t.rel('app', 'DEPENDS_ON', 'db');
    await t.rel('svc', 'DEPENDS_ON', 'app');
    await t.rel('shop', 'DEPENDS_ON', 'svc');
    const r = await t.impact(['db', 'svc']);
    expect(r.sources.map((s) => s.name)).toEqual(['db', 'svc']);
    expect(states(r)).toEqual(['app DOWN 1', 'shop DOWN 1']);
    expect(pathOf(r, 'shop')).toBe('svc -DEPENDS_ON-> shop');
    expect(r.totalCount).toBe(2);
  });

  it('ordering: by depth, then criticality 1 first', async () => {
    await t.ci('db', 'Database');
    await t.ci('c3', 'Application', { criticality: 3 });
    await t.ci('c1', 'Application', { criticality: 1 });
    await t.ci('c5', 'Application', { criticality: 5 });
    await t.ci('c2', 'Application', { criticality: 2 });
    await t.ci('deep1', 'BusinessService', { criticality: 1 });
    for (const a of ['c3', 'c1', 'c5', 'c2']) await t.rel(a, 'DEPENDS_ON', 'db');
    await t.rel('deep1', 'DEPENDS_ON', 'c5');
    const r = await t.impact(['db']);
    expect(states(r)).toEqual(['c1 DOWN 1', 'c2 DOWN 1', 'c3 DOWN 1', 'c5 DOWN 1', 'deep1 DOWN 2']);
  });

  it('businessServices is exactly the impacted BusinessService subset, in report order', async () => {
    await t.ci('db', 'Database');
    await t.ci('app', 'Application');
    await t.ci('bs1', 'BusinessService', { criticality: 2 });
    await t.ci('bs2', 'BusinessService', { criticality: 1 });
    await t.ci('as', 'ApplicationService');
    await t.ci('spare', 'BusinessService');
    await t.rel('app', 'DEPENDS_ON', 'db');
    await t.rel('bs1', 'DEPENDS_ON', 'app');
    await t.rel('bs2', 'DEPENDS_ON', 'app');
    await t.rel('as', 'DEPENDS_ON', 'app');
    const r = await t.impact(['db']);
    expect(r.businessServices.map((b) => b.ci.name)).toEqual(['bs2', 'bs1']);
    const fromImpacted = r.impacted.filter((e) => e.ci.class === 'BusinessService').map((e) => ({ ci: { name: e.ci.name }, state: e.state, depth: e.depth }));
    expect(r.businessServices).toEqual(fromImpacted);
  });

  it('a failed BusinessService is a source, not in businessServices', async () => {
    await t.ci('bs', 'BusinessService');
    await t.ci('bs2', 'BusinessService');
    await t.rel('bs2', 'DEPENDS_ON', 'bs');
    const r = await t.impact(['bs']);
    expect(r.businessServices.map((b) => b.ci.name)).toEqual(['bs2']);
  });

  it('duplicate ids in ciIds count once', async () => {
    await t.ci('db', 'Database');
    await t.ci('app', 'Application');
    await t.rel('app', 'DEPENDS_ON', 'db');
    const r = await t.impact(['db', 'db', 'db']);
    expect(r.sources.map((s) => s.name)).toEqual(['db']);
    expect(states(r)).toEqual(['app DOWN 1']);
  });
});
