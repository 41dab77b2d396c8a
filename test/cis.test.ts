/** The CI part of the contract, end to end through the served API on a real Neo4j. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import type { Graph } from '../server/db/index.js';
import { getIntrospectionQuery } from 'graphql';
import { migrate, sortKey } from '../graph-schema/index.js';

let graph: Graph;
let api: TestApi;

beforeAll(async () => {
  graph = await testGraph();
});
beforeEach(async () => {
  await wipe(graph);
  api = await testApi(graph);
});
afterAll(closeTestGraph);

const CREATE = `mutation($input: CreateCIInput!) { createCI(input: $input) { id class name status criticality attributes sources createdAt updatedAt } }`;
const RELATE = `mutation($input: CreateRelationshipInput!) { createRelationship(input: $input) { id type from { id } to { id } validFrom validTo } }`;

async function create(input: Record<string, unknown>): Promise<string> {
  const data = await api.ok<{ createCI: { id: string } }>(CREATE, { input });
  return data.createCI.id;
}

describe('createCI', () => {
  it('creates a CI with class, attributes, default status and provenance', async () => {
    const data = await api.ok<{ createCI: Record<string, unknown> }>(CREATE, {
      input: { class: 'Server', name: 'web01', criticality: 2, attributes: { hostname: 'web01', cpuCores: 8 } },
    });
    expect(data.createCI).toMatchObject({ class: 'Server', name: 'web01', status: 'ACTIVE', criticality: 2, sources: ['manual'] });
    expect(data.createCI.attributes).toEqual({ hostname: 'web01', cpuCores: 8 });
    expect(typeof data.createCI.createdAt).toBe('string');
  });

  it('rejects an unknown class with BAD_USER_INPUT naming the field', async () => {
    const res = await api.request(CREATE, { input: { class: 'Toaster', name: 'x' } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.extensions?.issues).toEqual([{ path: ['input', 'class'], message: expect.stringContaining('Toaster') }]);
  });

  it('rejects attributes that fail the class schema, with the attribute path', async () => {
    const res = await api.request(CREATE, { input: { class: 'Database', name: 'db', attributes: { port: 'http' } } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((res.errors?.[0]?.extensions?.issues as { path: string[] }[])[0]!.path).toEqual(['input', 'attributes', 'port']);
  });

  it('rejects an out-of-range criticality and an empty name', async () => {
    const res = await api.request(CREATE, { input: { class: 'Server', name: '  ', criticality: 9 } });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const paths = (res.errors?.[0]?.extensions?.issues as { path: string[] }[]).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['input.name', 'input.criticality']));
  });

  it('refuses a duplicate identifier with CONFLICT naming the existing CI (case-insensitive)', async () => {
    const first = await create({ class: 'Server', name: 'a', attributes: { serialNumber: 'SN-1' } });
    const res = await api.request(CREATE, { input: { class: 'NetworkDevice', name: 'b', attributes: { serialNumber: 'sn-1' } } });
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(res.errors?.[0]?.extensions?.existingId).toBe(first);
    expect(res.errors?.[0]?.message).toContain(first);
  });
});

describe('updateCI and history', () => {
  it('merges attributes, removes those set to null, and records who changed what', async () => {
    const id = await create({ class: 'Server', name: 'db01', attributes: { hostname: 'db01', os: 'Debian 11', cpuCores: 4 } });
    const res = await api.ok<{ updateCI: { attributes: Record<string, unknown>; name: string } }>(
      `mutation($input: UpdateCIInput!) { updateCI(input: $input) { name attributes } }`,
      { input: { id, name: 'db01-prod', attributes: { os: 'Debian 12', cpuCores: null, memoryGb: 64 } } },
    );
    expect(res.updateCI.name).toBe('db01-prod');
    expect(res.updateCI.attributes).toEqual({ hostname: 'db01', os: 'Debian 12', memoryGb: 64 });
    const hist = await api.ok<{ ci: { history: { field: string; old: unknown; new: unknown; actor: string; source: string }[] } }>(
      `query($id: ID!) { ci(id: $id) { history { field old new actor source } } }`,
      { id },
    );
    const byField = Object.fromEntries(hist.ci.history.map((h) => [h.field, h]));
    expect(byField['name']).toMatchObject({ old: 'db01', new: 'db01-prod', actor: 'test admin', source: 'manual' });
    expect(byField['attributes.os']).toMatchObject({ old: 'Debian 11', new: 'Debian 12' });
    expect(byField['attributes.cpuCores']).toMatchObject({ old: 4, new: null });
    expect(byField['attributes.memoryGb']).toMatchObject({ old: null, new: 64 });
    expect(byField['created']).toBeDefined();
  });

  it('changes nothing and records nothing when nothing differs', async () => {
    const id = await create({ class: 'Server', name: 's', attributes: { hostname: 's' } });
    await api.ok(`mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }`, { input: { id, name: 's', attributes: { hostname: 's' } } });
    const hist = await api.ok<{ ci: { history: unknown[] } }>(`query($id: ID!) { ci(id: $id) { history { field } } }`, { id });
    expect(hist.ci.history).toHaveLength(1);
  });

  it('gives NOT_FOUND for an unknown id and CONFLICT for an identifier taken by another CI', async () => {
    const res = await api.request(`mutation { updateCI(input: { id: "nope", name: "x" }) { id } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    await create({ class: 'Server', name: 'a', attributes: { hostname: 'alpha' } });
    const b = await create({ class: 'Server', name: 'b', attributes: { hostname: 'beta' } });
    const clash = await api.request(`mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }`, { input: { id: b, attributes: { hostname: 'ALPHA' } } });
    expect(clash.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  });
});

describe('history arguments', () => {
  it('refuses a `first` out of 0..1000 naming it, as every other `first`', async () => {
    const id = await create({ class: 'Server', name: 'h1' });
    for (const first of [-1, 1001]) {
      const res = await api.request(`query($id: ID!, $first: Int) { ci(id: $id) { history(first: $first) { field } } }`, { id, first });
      expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect((res.errors?.[0]?.extensions?.issues as { path: string[] }[])[0]!.path).toEqual(['first']);
    }
    const ok = await api.ok<{ ci: { history: unknown[] } }>(`query($id: ID!) { ci(id: $id) { history(first: 0) { field } } }`, { id });
    expect(ok.ci.history).toEqual([]);
  });
});

describe('relationships', () => {
  it('creates, lists by direction and type, and closes a relationship keeping it as history', async () => {
    const app = await create({ class: 'Application', name: 'shop' });
    const vm = await create({ class: 'VirtualMachine', name: 'vm1' });
    const owner = await create({ class: 'Group', name: 'team' });
    const rel = await api.ok<{ createRelationship: { id: string; validTo: string | null } }>(RELATE, { input: { type: 'RUNS_ON', fromId: app, toId: vm } });
    await api.ok(RELATE, { input: { type: 'OWNED_BY', fromId: app, toId: owner } });
    expect(rel.createRelationship.id).toMatch(/^REL-/);
    expect(rel.createRelationship.validTo).toBeNull();

    const q = `query($id: ID!, $d: Direction, $t: [String!]) { ci(id: $id) { relationships(direction: $d, types: $t) { type to { name } from { name } } } }`;
    expect((await api.ok<{ ci: { relationships: unknown[] } }>(q, { id: app, d: 'OUT' })).ci.relationships).toHaveLength(2);
    expect((await api.ok<{ ci: { relationships: unknown[] } }>(q, { id: app, d: 'IN' })).ci.relationships).toHaveLength(0);
    expect((await api.ok<{ ci: { relationships: unknown[] } }>(q, { id: app, t: ['RUNS_ON'] })).ci.relationships).toEqual([
      { type: 'RUNS_ON', to: { name: 'vm1' }, from: { name: 'shop' } },
    ]);

    const removed = await api.ok<{ removeRelationship: { validTo: string | null } }>(`mutation($id: ID!) { removeRelationship(id: $id) { validTo } }`, { id: rel.createRelationship.id });
    expect(removed.removeRelationship.validTo).not.toBeNull();
    expect((await api.ok<{ ci: { relationships: unknown[] } }>(q, { id: app, t: ['RUNS_ON'] })).ci.relationships).toHaveLength(0);
    const all = await api.ok<{ ci: { relationships: { validTo: string | null }[] } }>(
      `query($id: ID!) { ci(id: $id) { relationships(types: ["RUNS_ON"], includeClosed: true) { validTo } } }`,
      { id: app },
    );
    expect(all.ci.relationships).toHaveLength(1);
    const node = await api.ok<{ node: { __typename: string; type: string } }>(`query($id: ID!) { node(id: $id) { __typename ... on Relationship { type } } }`, { id: rel.createRelationship.id });
    expect(node.node).toEqual({ __typename: 'Relationship', type: 'RUNS_ON' });
  });

  it('refuses unknown types, disallowed endpoints, self-loops, unknown ids and duplicates', async () => {
    const app = await create({ class: 'Application', name: 'shop' });
    const user = await create({ class: 'User', name: 'alice' });
    const vm = await create({ class: 'VirtualMachine', name: 'vm1' });
    const code = async (input: Record<string, unknown>) => (await api.request(RELATE, { input })).errors?.[0]?.extensions?.code;
    expect(await code({ type: 'LIKES', fromId: app, toId: vm })).toBe('BAD_USER_INPUT');
    expect(await code({ type: 'RUNS_ON', fromId: user, toId: vm })).toBe('BAD_USER_INPUT');
    expect(await code({ type: 'DEPENDS_ON', fromId: app, toId: app })).toBe('BAD_USER_INPUT');
    expect(await code({ type: 'RUNS_ON', fromId: app, toId: 'missing' })).toBe('NOT_FOUND');
    expect(await code({ type: 'RUNS_ON', fromId: app, toId: vm })).toBeUndefined();
    expect(await code({ type: 'RUNS_ON', fromId: app, toId: vm })).toBe('CONFLICT');
  });

  it('retiring a CI closes its relationships and keeps the CI', async () => {
    const app = await create({ class: 'Application', name: 'shop' });
    const vm = await create({ class: 'VirtualMachine', name: 'vm1' });
    await api.ok(RELATE, { input: { type: 'RUNS_ON', fromId: app, toId: vm } });
    const retired = await api.ok<{ retireCI: { status: string } }>(`mutation($id: ID!) { retireCI(id: $id) { status } }`, { id: vm });
    expect(retired.retireCI.status).toBe('RETIRED');
    const rels = await api.ok<{ ci: { status: string; relationships: unknown[]; history: { field: string }[] } }>(
      `query($id: ID!) { ci(id: $id) { status relationships { id } history { field } } }`,
      { id: app },
    );
    expect(rels.ci.relationships).toHaveLength(0);
    expect(rels.ci.history.map((h) => h.field)).toContain('validTo');
    const again = await api.request(RELATE, { input: { type: 'RUNS_ON', fromId: app, toId: vm } });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('leaves no open relationship on a CI retired while relationships to it are being created', async () => {
    for (let round = 0; round < 6; round++) {
      const db = await create({ class: 'Database', name: `db-${round}` });
      const apps = await Promise.all(Array.from({ length: 6 }, (_v, k) => create({ class: 'Application', name: `app-${round}-${k}` })));
      const retire = api.request(`mutation($id: ID!) { retireCI(id: $id) { status } }`, { id: db });
      const results = await Promise.all([...apps.map((app) => api.request(RELATE, { input: { type: 'DEPENDS_ON', fromId: app, toId: db } })), retire]);
      for (const res of results) for (const e of res.errors ?? []) expect(e.extensions?.code, e.message).toBe('BAD_USER_INPUT');
      const [row] = await graph.read(`MATCH (d:CI {id: $db}) OPTIONAL MATCH (d)-[r]-(:CI) WHERE r.validTo IS NULL RETURN d.status AS status, count(r) AS open`, { db });
      expect(row).toMatchObject({ status: 'RETIRED' });
      expect(Number(row!.open), `round ${round}`).toBe(0);
    }
  });
});

describe('cis query', () => {
  it('pages with cursors, filters by class and status, searches name and identifiers, counts', async () => {
    for (let i = 0; i < 7; i++) await create({ class: 'Server', name: `srv-${i}`, attributes: { serialNumber: `SER${i}XYZ` } });
    await create({ class: 'Database', name: 'orders-db' });
    const q = `query($first: Int, $after: String, $filter: CIFilter) { cis(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    type Page = { cis: { totalCount: number; edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const p1 = await api.ok<Page>(q, { first: 3, filter: { classes: ['Server'] } });
    expect(p1.cis.totalCount).toBe(7);
    expect(p1.cis.edges.map((e) => e.node.name)).toEqual(['srv-0', 'srv-1', 'srv-2']);
    expect(p1.cis.pageInfo.hasNextPage).toBe(true);
    const p3 = await api.ok<Page>(q, { first: 5, after: p1.cis.pageInfo.endCursor, filter: { classes: ['Server'] } });
    expect(p3.cis.edges.map((e) => e.node.name)).toEqual(['srv-3', 'srv-4', 'srv-5', 'srv-6']);
    expect(p3.cis.pageInfo.hasNextPage).toBe(false);

    const byName = await api.ok<Page>(q, { filter: { search: 'ORDERS' } });
    expect(byName.cis.edges.map((e) => e.node.name)).toEqual(['orders-db']);
    const byIdentifier = await api.ok<Page>(q, { filter: { search: 'ser4' } });
    expect(byIdentifier.cis.edges.map((e) => e.node.name)).toEqual(['srv-4']);
    const retiredOnly = await api.ok<Page>(q, { filter: { statuses: ['RETIRED'] } });
    expect(retiredOnly.cis.totalCount).toBe(0);

    // Han characters are words of their own in the index: a run of them still finds the CI.
    await create({ class: 'Database', name: '日本語データベース' });
    await create({ class: 'NetworkDevice', name: '上海数据中心核心交换机一号二号' });
    expect((await api.ok<Page>(q, { filter: { search: '上海数据中心核心交换机一号二号' } })).cis.totalCount).toBe(1);
    for (const search of ['日本語', '日', '本語', 'データ']) {
      expect((await api.ok<Page>(q, { filter: { search } })).cis.edges.map((e) => e.node.name), search).toEqual(['日本語データベース']);
    }
    // A search with no word in it (only punctuation) matches nothing; blank text is no search.
    expect((await api.ok<Page>(q, { filter: { search: '***' } })).cis.totalCount).toBe(0);
    expect((await api.ok<Page>(q, { filter: { search: '  ' } })).cis.totalCount).toBe(10);
    // A search box's text, not a document: too long, or too many words, is refused naming the field.
    for (const search of ['a'.repeat(201), 'a '.repeat(400_000), Array.from({ length: 13 }, (_v, k) => `w${k}`).join(' ')]) {
      const refused = await api.request(q, { filter: { search } });
      expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(refused.errors?.[0]?.extensions?.issues).toEqual([{ path: ['filter', 'search'], message: expect.stringMatching(/^at most/) }]);
    }

    const bad = await api.request(q, { after: 'garbage' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badClass = await api.request(q, { filter: { classes: ['Toaster'] } });
    expect(badClass.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages names past U+FFFF (emoji) and full-width ones in code point order, with no CI skipped or repeated', async () => {
    const names = ['\uff5e-audit', '\u{1f600}-audit', 'a-audit', '\uffff-audit', 'z-audit', '\u65e5-audit', '\u{1f600}\uff5e-audit', '\uff5e\u{1f600}-audit', 'A-audit'];
    for (const name of names) await create({ class: 'Application', name });
    const codePoints = (x: string) => Array.from(x, (c) => c.codePointAt(0)!);
    const byCodePoint = (a: string, b: string) => {
      const [x, y] = [codePoints(a), codePoints(b)];
      for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k]! - y[k]!;
      return x.length - y.length;
    };
    const expected = [...names].sort(byCodePoint);
    const q = `query($first: Int, $after: String, $filter: CIFilter) { cis(first: $first, after: $after, filter: $filter) { totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }`;
    type Page = { cis: { totalCount: number; edges: { node: { name: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    for (const filter of [{}, { search: 'audit' }]) {
      for (const first of [1, 2, 4]) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let page = 0; page < 20; page++) {
          const data: Page = await api.ok<Page>(q, { first, after, filter });
          seen.push(...data.cis.edges.map((e) => e.node.name));
          if (!data.cis.pageInfo.hasNextPage) break;
          after = data.cis.pageInfo.endCursor;
        }
        expect(seen, `${JSON.stringify(filter)}, first ${first}`).toEqual(expected);
      }
    }
    // A database written before the sort key existed gets it from migration 006.
    await graph.write(`MATCH (n:CI) REMOVE n.sortName`);
    await graph.write(`MATCH (m:SchemaMigration {id: '006-ci-sort-name'}) DELETE m`);
    await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));
    const keyed = await graph.read(`MATCH (n:CI) WHERE n.sortName IS NOT NULL RETURN n.name AS name, n.sortName AS key`);
    expect(keyed.map((r) => String(r.name)).sort()).toEqual(names.filter((n) => sortKey(n) !== null).sort());
    for (const row of keyed) expect(row.key).toBe(sortKey(String(row.name)));
  });

  it('serves the catalogue', async () => {
    const data = await api.ok<{ ciClasses: { name: string; identifiers: string[] }[]; relationshipTypes: { name: string; propagatesImpact: boolean }[] }>(
      `{ ciClasses { name identifiers } relationshipTypes { name propagatesImpact } }`,
    );
    expect(data.ciClasses.find((c) => c.name === 'Server')?.identifiers).toEqual(['serialNumber', 'fqdn', 'hostname', 'assetTag']);
    expect(data.relationshipTypes.find((t) => t.name === 'HAS_MEMBER')?.propagatesImpact).toBe(true);
    expect(data.relationshipTypes.find((t) => t.name === 'MEMBER_OF')?.propagatesImpact).toBe(false);
  });
});

describe('batching', () => {
  it('does not grow the number of Cypher queries with the number of CIs returned', async () => {
    const count = async (n: number) => {
      await wipe(graph);
      api = await testApi(graph);
      const hub = await create({ class: 'Cluster', name: 'hub' });
      for (let i = 0; i < n; i++) {
        const vm = await create({ class: 'VirtualMachine', name: `vm-${i}` });
        await api.ok(RELATE, { input: { type: 'HOSTED_ON', fromId: vm, toId: hub } });
      }
      const before = graphQueries();
      await api.ok(`{ cis(first: 20) { edges { node { name relationships { type from { name relationships { to { name } } } to { name } } history { field } } } } }`);
      return graphQueries() - before;
    };
    const small = await count(2);
    const large = await count(12);
    expect(large).toBe(small);
  });
});

describe('authentication', () => {
  it('refuses a request without a token or with an unknown one, and forbids writes to a viewer', async () => {
    const none = await api.request(`{ ciClasses { name } }`, {}, null);
    expect(none.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const wrong = await api.request(`{ ciClasses { name } }`, {}, 'flt_not_a_token');
    expect(wrong.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const viewer = await api.tokenFor(['viewer']);
    expect((await api.request(`{ ciClasses { name } }`, {}, viewer)).errors).toBeUndefined();
    const write = await api.request(CREATE, { input: { class: 'Server', name: 'x' } }, viewer);
    expect(write.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('bounds query depth', async () => {
    const nest = (levels: number): string => (levels === 0 ? 'id' : `relationships { from { ${nest(levels - 1)} } }`);
    const deep = `{ cis { edges { node { ${nest(8)} } } } }`;
    const res = await api.request(deep);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/depth/);
    // Thousands of levels are refused before parsing (they overflowed the stack: INTERNAL).
    const nestText = (levels: number) => `{ cis { edges { node { ${'relationships { from { '.repeat(levels)}id${' } }'.repeat(levels)} } } } }`;
    const abyss = await api.request(nestText(3000));
    expect(abyss.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(abyss.errors?.[0]?.message).toMatch(/nests 6004 levels deep/);
    // The introspection GraphiQL sends nests far less than that bound.
    const introspection = await api.request(getIntrospectionQuery());
    expect(introspection.errors).toBeUndefined();
  });
});

/** Total Cypher transactions run by request views since the process started. */
function graphQueries(): number {
  return api.queryCount();
}
