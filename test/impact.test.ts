/**
 * Impact semantics (DESIGN.md "Impact semantics"), scenario by scenario, through the
 * GraphQL API. Each scenario is a small named topology; expected states, depths and paths
 * are written out. Arrows point from dependent to provider; failures travel against them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { DEFAULT_TIME, loadCMDB, type CIRecord, type RelationshipRecord } from './generator/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';

let graph: Graph;
let api: TestApi;

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
  api = await testApi(graph);
});
afterAll(closeTestGraph);

/** A topology by CI name: `ci('web', 'Application', {criticality: 2})`, `rel('web', 'RUNS_ON', 'vm')`. */
function topology() {
  const ids = new Map<string, string>();
  const cis: CIRecord[] = [];
  const relationships: RelationshipRecord[] = [];
  const t = {
    ids,
    ci(name: string, cls: string, extra: Partial<CIRecord> & { minUp?: number } = {}) {
      const id = randomUUID();
      ids.set(name, id);
      const { minUp, ...rest } = extra;
      cis.push({ id, class: cls, name, ...rest, attributes: { ...(rest.attributes ?? {}), ...(minUp === undefined ? {} : { minUp }) } });
      return t;
    },
    rel(from: string, type: string, to: string, extra: Partial<RelationshipRecord> = {}) {
      relationships.push({ from: ids.get(from)!, type, to: ids.get(to)!, id: `REL-${from}-${type}-${to}-${randomUUID()}`, ...extra });
      return t;
    },
    load: () => loadCMDB(graph, { cis, relationships }),
    id: (name: string) => ids.get(name)!,
  };
  return t;
}

const IMPACT = `
query Impact($input: ImpactInput!) {
  impact(input: $input) {
    sources { name }
    totalCount
    truncated
    impacted { ci { name } state depth path { ci { name } relationship } }
    businessServices { ci { name } state depth }
  }
}`;

interface Entry {
  ci: { name: string };
  state: string;
  depth: number;
  path: { ci: { name: string }; relationship: string | null }[];
}
interface Report {
  impact: {
    sources: { name: string }[];
    totalCount: number;
    truncated: boolean;
    impacted: Entry[];
    businessServices: { ci: { name: string }; state: string; depth: number }[];
  };
}

async function impact(t: ReturnType<typeof topology>, failed: string[], extra: { maxDepth?: number; at?: string } = {}) {
  const data = await api.ok<Report>(IMPACT, { input: { ciIds: failed.map(t.id), ...extra } });
  return data.impact;
}
/** "name STATE depth" per impacted CI, in the API's order. */
const states = (r: Report['impact']) => r.impacted.map((e) => `${e.ci.name} ${e.state} ${e.depth}`);
/** "a -TYPE-> b -TYPE-> c": the explaining path of one CI. */
const pathOf = (r: Report['impact'], name: string) =>
  r.impacted
    .find((e) => e.ci.name === name)!
    .path.map((s) => (s.relationship ? `${s.ci.name} -${s.relationship}->` : s.ci.name))
    .join(' ');

describe('impact: propagation through dependencies', () => {
  it('chain: a failed host takes down its VM, app, application and business service, in order', async () => {
    const t = topology()
      .ci('host', 'Server')
      .ci('vm', 'VirtualMachine')
      .ci('app', 'Application', { criticality: 3 })
      .ci('svc', 'ApplicationService', { criticality: 2 })
      .ci('shop', 'BusinessService', { criticality: 1 })
      .ci('owner', 'Group')
      .rel('vm', 'HOSTED_ON', 'host')
      .rel('app', 'RUNS_ON', 'vm')
      .rel('svc', 'DEPENDS_ON', 'app')
      .rel('shop', 'DEPENDS_ON', 'svc')
      .rel('host', 'OWNED_BY', 'owner');
    await t.load();
    const r = await impact(t, ['host']);
    expect(r.sources).toEqual([{ name: 'host' }]);
    expect(states(r)).toEqual(['vm DOWN 1', 'app DOWN 2', 'svc DOWN 3', 'shop DOWN 4']);
    expect(pathOf(r, 'shop')).toBe('host -HOSTED_ON-> vm -RUNS_ON-> app -DEPENDS_ON-> svc -DEPENDS_ON-> shop');
    expect(r.businessServices).toEqual([{ ci: { name: 'shop' }, state: 'DOWN', depth: 4 }]);
    expect(r.totalCount).toBe(4);
    expect(r.truncated).toBe(false);
  });

  it('ordering: same depth sorts by criticality (1 first, none last), then name', async () => {
    const t = topology()
      .ci('db', 'Database')
      .ci('zeta', 'Application', { criticality: 1 })
      .ci('alpha', 'Application', { criticality: 4 })
      .ci('beta', 'Application')
      .ci('gamma', 'Application', { criticality: 4 });
    for (const app of ['zeta', 'alpha', 'beta', 'gamma']) t.rel(app, 'DEPENDS_ON', 'db');
    await t.load();
    expect(states(await impact(t, ['db']))).toEqual(['zeta DOWN 1', 'alpha DOWN 1', 'gamma DOWN 1', 'beta DOWN 1']);
  });

  it('informational relationships carry no impact', async () => {
    const t = topology().ci('team', 'Group').ci('alice', 'User').ci('app', 'Application').rel('alice', 'MEMBER_OF', 'team').rel('app', 'OWNED_BY', 'team');
    await t.load();
    const r = await impact(t, ['team']);
    expect(r.impacted).toEqual([]);
    expect(r.totalCount).toBe(0);
  });
});

describe('impact: redundancy (HAS_MEMBER + minUp)', () => {
  /** web farm of three, behind it an app and a business service. */
  function farm(minUp?: number) {
    return topology()
      .ci('farm', 'LoadBalancer', minUp === undefined ? {} : { minUp })
      .ci('web1', 'VirtualMachine')
      .ci('web2', 'VirtualMachine')
      .ci('web3', 'VirtualMachine')
      .ci('shop', 'BusinessService', { criticality: 1 })
      .rel('farm', 'HAS_MEMBER', 'web1')
      .rel('farm', 'HAS_MEMBER', 'web2')
      .rel('farm', 'HAS_MEMBER', 'web3')
      .rel('shop', 'RUNS_ON', 'farm');
  }

  it('farm-of-three, minUp 2: losing one member degrades the farm and what runs on it', async () => {
    const t = farm(2);
    await t.load();
    const r = await impact(t, ['web1']);
    expect(states(r)).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
    expect(pathOf(r, 'shop')).toBe('web1 -HAS_MEMBER-> farm -RUNS_ON-> shop');
    expect(r.businessServices).toEqual([{ ci: { name: 'shop' }, state: 'DEGRADED', depth: 2 }]);
  });

  it('what-if: two failures together defeat the redundancy one alone does not, and the outage spreads', async () => {
    const t = farm(2);
    await t.load();
    const r = await impact(t, ['web1', 'web2']);
    expect(r.sources.map((s) => s.name)).toEqual(['web1', 'web2']);
    expect(states(r)).toEqual(['farm DOWN 1', 'shop DOWN 2']);
  });

  it("impact(at:) reads a farm's minUp as it was then, from its recorded changes", async () => {
    const t = farm(2);
    await t.load();
    const setMinUp = (minUp: number | null) =>
      api.ok(`mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }`, { input: { id: t.id('farm'), attributes: { minUp } } });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    const iso = (ms: number) => new Date(ms).toISOString();
    const two = Date.now();
    await pause();
    await setMinUp(1);
    await pause();
    const one = Date.now();
    await pause();
    await setMinUp(3);
    await pause();
    const three = Date.now();
    await pause();
    await setMinUp(null);
    // Now minUp is unset (1): two members down leave it DEGRADED; one member down was enough with 3.
    expect(states(await impact(t, ['web1', 'web2']))).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
    expect(states(await impact(t, ['web1', 'web2'], { at: iso(two) }))).toEqual(['farm DOWN 1', 'shop DOWN 2']);
    expect(states(await impact(t, ['web1', 'web2'], { at: iso(one) }))).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
    expect(states(await impact(t, ['web1'], { at: iso(three) }))).toEqual(['farm DOWN 1', 'shop DOWN 2']);
    expect(states(await impact(t, ['web1']))).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
  });

  it('minUp defaults to 1: the farm survives (degraded) until its last member goes', async () => {
    const t = farm();
    await t.load();
    expect(states(await impact(t, ['web1', 'web2']))).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
    expect(states(await impact(t, ['web1', 'web2', 'web3']))).toEqual(['farm DOWN 1', 'shop DOWN 2']);
  });

  it('n counts active members only: a retired member does not keep the farm up', async () => {
    const t = farm(2);
    t.ci('web4', 'VirtualMachine', { status: 'RETIRED', retiredAt: DEFAULT_TIME + 1 }).rel('farm', 'HAS_MEMBER', 'web4');
    await t.load();
    // n = 3 active (web4 retired); web1 down leaves 2 >= minUp 2: degraded, not down.
    expect(states(await impact(t, ['web1']))).toEqual(['farm DEGRADED 1', 'shop DEGRADED 2']);
  });

  it('mixed contributions: the worst wins (degraded farm + down database = down)', async () => {
    const t = farm(1)
      .ci('db', 'Database')
      .ci('hosts', 'Server')
      .ci('cart', 'Application', { criticality: 2 })
      .ci('blog', 'Application', { criticality: 3 })
      .rel('db', 'HOSTED_ON', 'hosts')
      .rel('cart', 'RUNS_ON', 'farm')
      .rel('cart', 'DEPENDS_ON', 'db')
      .rel('blog', 'RUNS_ON', 'farm');
    await t.load();
    const r = await impact(t, ['web1', 'hosts']);
    expect(states(r)).toEqual(['db DOWN 1', 'farm DEGRADED 1', 'shop DEGRADED 2', 'cart DOWN 2', 'blog DEGRADED 2']);
  });
});

describe('impact: cycles, hubs and bounds', () => {
  it('dependency cycle: every CI in it goes down once, and the query terminates', async () => {
    const t = topology()
      .ci('db', 'Database')
      .ci('orders', 'Application')
      .ci('billing', 'Application')
      .ci('ledger', 'Application')
      .rel('orders', 'DEPENDS_ON', 'db')
      .rel('orders', 'DEPENDS_ON', 'billing')
      .rel('billing', 'DEPENDS_ON', 'ledger')
      .rel('ledger', 'DEPENDS_ON', 'orders');
    await t.load();
    const r = await impact(t, ['db']);
    expect(states(r)).toEqual(['orders DOWN 1', 'ledger DOWN 2', 'billing DOWN 3']);
    expect(pathOf(r, 'billing')).toBe('db -DEPENDS_ON-> orders -DEPENDS_ON-> ledger -DEPENDS_ON-> billing');
  });

  it('a redundancy cycle does not hold itself up: the least fixpoint', async () => {
    // Two clusters that are each other's member (a data error) plus a real member each.
    const t = topology()
      .ci('a', 'Cluster', { minUp: 1 })
      .ci('b', 'Cluster', { minUp: 1 })
      .ci('ha', 'Server')
      .ci('hb', 'Server')
      .rel('a', 'HAS_MEMBER', 'b')
      .rel('b', 'HAS_MEMBER', 'a')
      .rel('a', 'HAS_MEMBER', 'ha')
      .rel('b', 'HAS_MEMBER', 'hb');
    await t.load();
    expect(states(await impact(t, ['ha']))).toEqual(['a DEGRADED 1', 'b DEGRADED 2']);
    expect(states(await impact(t, ['ha', 'hb']))).toEqual(['a DEGRADED 1', 'b DEGRADED 1']);
  });

  it('1,000-wide fan-in: a shared service with a thousand dependents', async () => {
    const t = topology().ci('auth', 'ApplicationService', { criticality: 1 }).ci('bs', 'BusinessService');
    for (let i = 0; i < 1000; i++) t.ci(`app${String(i).padStart(4, '0')}`, 'Application').rel(`app${String(i).padStart(4, '0')}`, 'DEPENDS_ON', 'auth');
    t.rel('bs', 'DEPENDS_ON', 'app0999');
    await t.load();
    const r = await impact(t, ['auth']);
    expect(r.totalCount).toBe(1001);
    expect(r.impacted).toHaveLength(1001);
    expect(r.impacted.slice(0, 2).map((e) => e.ci.name)).toEqual(['app0000', 'app0001']);
    expect(r.impacted.every((e) => e.state === 'DOWN')).toBe(true);
    expect(states(r).at(-1)).toBe('bs DOWN 2');
    expect(pathOf(r, 'bs')).toBe('auth -DEPENDS_ON-> app0999 -DEPENDS_ON-> bs');
  });

  it('maxDepth bounds what is returned, says truncated, and never changes a state', async () => {
    const t = topology()
      .ci('m1', 'Server')
      .ci('m2', 'Server')
      .ci('c', 'Cluster', { minUp: 1 })
      .ci('vm', 'VirtualMachine')
      .ci('app', 'Application')
      .rel('c', 'HAS_MEMBER', 'm1')
      .rel('c', 'HAS_MEMBER', 'm2')
      .rel('vm', 'HOSTED_ON', 'c')
      .rel('app', 'RUNS_ON', 'vm');
    await t.load();
    const r = await impact(t, ['m1', 'm2'], { maxDepth: 2 });
    expect(states(r)).toEqual(['c DOWN 1', 'vm DOWN 2']);
    expect(r.totalCount).toBe(3);
    expect(r.truncated).toBe(true);
    const none = await impact(t, ['m1'], { maxDepth: 0 });
    expect(none.impacted).toEqual([]);
    expect(none.truncated).toBe(true);
    expect((await impact(t, ['m1'], { maxDepth: 3 })).truncated).toBe(false);
  });
});

describe('impact: large reports in pieces', () => {
  it('first keeps the head of each list; the state counts still count every impacted CI', async () => {
    const t = topology()
      .ci('m1', 'Server')
      .ci('m2', 'Server')
      .ci('c', 'Cluster', { minUp: 1 })
      .ci('vm', 'VirtualMachine')
      .ci('db', 'Database')
      .ci('bs1', 'BusinessService', { criticality: 1 })
      .ci('bs2', 'BusinessService', { criticality: 2 })
      .rel('c', 'HAS_MEMBER', 'm1')
      .rel('c', 'HAS_MEMBER', 'm2')
      .rel('vm', 'HOSTED_ON', 'c')
      .rel('bs1', 'DEPENDS_ON', 'vm')
      .rel('bs2', 'DEPENDS_ON', 'vm')
      .rel('bs2', 'DEPENDS_ON', 'db');
    await t.load();
    const q = `query($input: ImpactInput!, $first: Int) { impact(input: $input) {
      totalCount downCount degradedCount
      impacted(first: $first) { ci { name } state }
      businessServices(first: $first) { ci { name } state }
    } }`;
    type R = { impact: { totalCount: number; downCount: number; degradedCount: number; impacted: { ci: { name: string }; state: string }[]; businessServices: { ci: { name: string } }[] } };
    const all = (await api.ok<R>(q, { input: { ciIds: [t.id('m1'), t.id('db')] } })).impact;
    expect(all.impacted.map((e) => `${e.ci.name} ${e.state}`)).toEqual(['bs2 DOWN', 'c DEGRADED', 'vm DEGRADED', 'bs1 DEGRADED']);
    expect([all.totalCount, all.downCount, all.degradedCount]).toEqual([4, 1, 3]);
    const head = (await api.ok<R>(q, { input: { ciIds: [t.id('m1'), t.id('db')] }, first: 1 })).impact;
    expect(head.impacted.map((e) => e.ci.name)).toEqual(['bs2']);
    expect(head.businessServices.map((e) => e.ci.name)).toEqual(['bs2']);
    expect([head.totalCount, head.downCount, head.degradedCount]).toEqual([4, 1, 3]);
    const bad = await api.request(q, { input: { ciIds: [t.id('m1')] }, first: -1 });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('impact: retired CIs, closed relationships and time travel', () => {
  const T0 = DEFAULT_TIME; // everything exists from here
  const iso = (ms: number) => new Date(ms).toISOString();

  it('retired CIs and closed relationships take no part now', async () => {
    const t = topology()
      .ci('db', 'Database')
      .ci('old', 'Application', { status: 'RETIRED', retiredAt: T0 + 10 })
      .ci('next', 'Application')
      .ci('moved', 'Application')
      .rel('old', 'DEPENDS_ON', 'db', { validTo: T0 + 10 })
      .rel('next', 'DEPENDS_ON', 'old')
      .rel('moved', 'DEPENDS_ON', 'db', { validTo: T0 + 20 });
    await t.load();
    expect((await impact(t, ['db'])).impacted).toEqual([]);
    // Before the retirement and the move, both dependents went down with the database.
    expect(states(await impact(t, ['db'], { at: iso(T0 + 5) }))).toEqual(['moved DOWN 1', 'old DOWN 1', 'next DOWN 2']);
  });

  it('time travel through the real write path: before and after a relationship is removed and a CI retired', async () => {
    const t = topology()
      .ci('san', 'StorageDevice')
      .ci('vm', 'VirtualMachine')
      .ci('app', 'Application')
      .ci('report', 'Application')
      .ci('future', 'Application', { createdAt: Date.now() + 86_400_000 })
      .rel('vm', 'HOSTED_ON', 'san')
      .rel('app', 'RUNS_ON', 'vm')
      .rel('report', 'DEPENDS_ON', 'app')
      .rel('future', 'DEPENDS_ON', 'app', { validFrom: Date.now() + 86_400_000 });
    await t.load();
    const before = iso(T0 + 1000);
    expect(states(await impact(t, ['san'], { at: before }))).toEqual(['vm DOWN 1', 'app DOWN 2', 'report DOWN 3']);

    const rel = await api.ok<{ ci: { relationships: { id: string; type: string }[] } }>(
      `query($id: ID!) { ci(id: $id) { relationships(direction: OUT) { id type } } }`,
      { id: t.id('report') },
    );
    await api.ok(`mutation($id: ID!) { removeRelationship(id: $id) { id validTo } }`, { id: rel.ci.relationships[0]!.id });
    await api.ok(`mutation($id: ID!) { retireCI(id: $id) { id status } }`, { id: t.id('app') });

    // Now: app is retired (its relationships closed), report no longer depends on it.
    expect(states(await impact(t, ['san']))).toEqual(['vm DOWN 1']);
    // The past is unchanged; the CI created in the future is not there yet.
    expect(states(await impact(t, ['san'], { at: before }))).toEqual(['vm DOWN 1', 'app DOWN 2', 'report DOWN 3']);
  });
});

describe('impact: input errors', () => {
  it('unknown CI ids are NOT_FOUND naming the id; empty lists and negative depths are BAD_USER_INPUT', async () => {
    const t = topology().ci('db', 'Database');
    await t.load();
    const unknown = '00000000-0000-4000-8000-000000000000';
    const missing = await api.request(IMPACT, { input: { ciIds: [t.id('db'), unknown] } });
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(missing.errors?.[0]?.message).toContain(unknown);
    const empty = await api.request(IMPACT, { input: { ciIds: [] } });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const negative = await api.request(IMPACT, { input: { ciIds: [t.id('db')], maxDepth: -1 } });
    expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('impact: the executor (graphql-jit) keeps the limits and the error mapping', () => {
  it('a report query over the cost or depth limit is refused as BAD_USER_INPUT, with or without the JIT', async () => {
    const t = topology().ci('db', 'Database').ci('app', 'Application').rel('app', 'DEPENDS_ON', 'db');
    await t.load();
    const { createApp } = await import('../server/app.js');
    const { createLogger } = await import('../server/log.js');
    const before = process.env.FAULTLINE_GRAPHQL_JIT;
    try {
      for (const jit of ['1', '0']) {
        process.env.FAULTLINE_GRAPHQL_JIT = jit;
        const { yoga } = createApp({ graph, authEnabled: false, webDist: 'web/dist', graphiql: false, maxComplexity: 20, maxQueryDepth: 4, log: createLogger('silent') });
        const ask = async (query: string) =>
          (await (
            await yoga.fetch('http://localhost/graphql', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ query, variables: { input: { ciIds: [t.id('db')] } } }),
            })
          ).json()) as { data?: { impact: { totalCount: number } } | null; errors?: { message: string; extensions?: { code?: string } }[] };
        const cheap = await ask('query($input: ImpactInput!) { impact(input: $input) { totalCount } }');
        expect(cheap.errors, `jit=${jit}`).toBeUndefined();
        expect(cheap.data?.impact.totalCount).toBe(1);
        const costly = await ask('query($input: ImpactInput!) { impact(input: $input) { impacted { ci { id name } path { ci { id name } } } } }');
        expect(costly.errors?.[0]?.extensions?.code, `jit=${jit}`).toBe('BAD_USER_INPUT');
        expect(costly.errors?.[0]?.message).toMatch(/too expensive/);
        const deep = await ask('query($input: ImpactInput!) { impact(input: $input) { impacted { path { ci { relationships { from { id } } } } } } }');
        expect(deep.errors?.[0]?.extensions?.code, `jit=${jit}`).toBe('BAD_USER_INPUT');
        const missing = await ask('query { impact(input: {ciIds: ["00000000-0000-4000-8000-000000000000"]}) { totalCount } }');
        expect(missing.errors?.[0]?.extensions?.code, `jit=${jit}`).toBe('NOT_FOUND');
      }
    } finally {
      if (before === undefined) delete process.env.FAULTLINE_GRAPHQL_JIT;
      else process.env.FAULTLINE_GRAPHQL_JIT = before;
    }
  });
});
