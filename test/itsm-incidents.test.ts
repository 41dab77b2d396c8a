/** Incidents against the real Neo4j: lifecycle, errors that write nothing, lists, CI.incidents. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { ci, countNodes, HOUR, iso, T0 } from './helpers/itsm.js';
import type { Graph } from '../server/db/index.js';
import { createIncident, transitionIncident } from '../server/incidents/index.js';

let graph: Graph;
let api: TestApi;

beforeAll(async () => {
  graph = await testGraph();
  api = await testApi(graph);
});
afterAll(closeTestGraph);
beforeEach(async () => {
  await wipe(graph);
  api = await testApi(graph);
});

const CREATE = `mutation($input: CreateIncidentInput!) { createIncident(input: $input) { id number status priority openedAt resolvedAt affects { id } } }`;
const MOVE = `mutation($id: ID!, $to: IncidentStatus!, $at: DateTime) {
  transitionIncident(id: $id, to: $to, at: $at) { id status resolvedAt closedAt transitions { from to at actor } allowedTransitions }
}`;

type Moved = { transitionIncident: { status: string; resolvedAt: string | null; closedAt: string | null; transitions: { from: string | null; to: string }[]; allowedTransitions: string[] } };

describe('incident lifecycle', () => {
  it('walks NEW → IN_PROGRESS ↔ ON_HOLD → RESOLVED → IN_PROGRESS → RESOLVED → CLOSED with a timestamp per transition', async () => {
    const server = await ci(graph, 'Server', 'web-1');
    const { createIncident: inc } = await api.ok<{ createIncident: { id: string; number: number; status: string; affects: { id: string }[] } }>(CREATE, {
      input: { title: 'Web down', priority: 'P2', affectedCiIds: [server] },
    });
    expect(inc.id).toBe('INC-1');
    expect(inc.number).toBe(1);
    expect(inc.status).toBe('NEW');
    expect(inc.affects.map((c) => c.id)).toEqual([server]);

    const move = (to: string) => api.ok<Moved>(MOVE, { id: inc.id, to }).then((r) => r.transitionIncident);
    expect((await move('IN_PROGRESS')).allowedTransitions).toEqual(['ON_HOLD', 'RESOLVED']);
    await move('ON_HOLD');
    await move('IN_PROGRESS');
    const resolved = await move('RESOLVED');
    expect(resolved.resolvedAt).not.toBeNull();
    const reopened = await move('IN_PROGRESS');
    expect(reopened.resolvedAt).toBeNull();
    expect((await move('RESOLVED')).resolvedAt).not.toBeNull();
    const closed = await move('CLOSED');
    expect(closed.closedAt).not.toBeNull();
    expect(closed.allowedTransitions).toEqual([]);
    expect(closed.transitions.map((t) => `${t.from ?? '-'}>${t.to}`)).toEqual([
      '->NEW',
      'NEW>IN_PROGRESS',
      'IN_PROGRESS>ON_HOLD',
      'ON_HOLD>IN_PROGRESS',
      'IN_PROGRESS>RESOLVED',
      'RESOLVED>IN_PROGRESS',
      'IN_PROGRESS>RESOLVED',
      'RESOLVED>CLOSED',
    ]);
  });

  it('refuses an invalid transition with BAD_USER_INPUT naming the allowed next states, and changes nothing', async () => {
    const server = await ci(graph, 'Server', 'web-1');
    const { createIncident: inc } = await api.ok<{ createIncident: { id: string } }>(CREATE, {
      input: { title: 'x', priority: 'P3', affectedCiIds: [server] },
    });
    const res = await api.request(MOVE, { id: inc.id, to: 'RESOLVED' });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toContain('allowed next states: IN_PROGRESS');
    const after = await api.ok<{ incident: { status: string; transitions: unknown[] } }>(`{ incident(id: "${inc.id}") { status transitions { to } } }`);
    expect(after.incident).toEqual({ status: 'NEW', transitions: [{ to: 'NEW' }] });

    await api.ok(MOVE, { id: inc.id, to: 'IN_PROGRESS' });
    await api.ok(MOVE, { id: inc.id, to: 'RESOLVED' });
    await api.ok(MOVE, { id: inc.id, to: 'CLOSED' });
    const final = await api.request(MOVE, { id: inc.id, to: 'IN_PROGRESS' });
    expect(final.errors?.[0]?.message).toMatch(/CLOSED is final/);

    const unknown = await api.request(MOVE, { id: 'INC-999', to: 'IN_PROGRESS' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const badStatus = await api.request(MOVE, { id: inc.id, to: 'DONE' });
    expect(badStatus.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    await expect(transitionIncident(graph, inc.id, 'DONE', { actor: 't' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('writes nothing on bad input: unknown CI, empty list, retired CI, future openedAt', async () => {
    const server = await ci(graph, 'Server', 'web-1');
    const sequences = await countNodes(graph, 'Sequence');
    const unknown = await api.request(CREATE, { input: { title: 'x', priority: 'P1', affectedCiIds: [server, 'no-such-ci'] } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0]?.message).toContain('affectedCiIds');
    const empty = await api.request(CREATE, { input: { title: 'x', priority: 'P1', affectedCiIds: [] } });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(empty.errors?.[0]?.extensions?.issues).toEqual([{ path: ['input', 'affectedCiIds'], message: 'at least one affected CI is needed' }]);
    const future = await api.request(CREATE, { input: { title: 'x', priority: 'P1', affectedCiIds: [server], openedAt: iso(Date.now() + 48 * HOUR) } });
    expect(future.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(future.errors?.[0]?.extensions?.issues).toEqual([{ path: ['input', 'openedAt'], message: 'in the future' }]);
    await api.ok(`mutation { retireCI(id: "${server}") { id } }`);
    const retired = await api.request(CREATE, { input: { title: 'x', priority: 'P1', affectedCiIds: [server] } });
    expect(retired.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await countNodes(graph, 'Incident')).toBe(0);
    expect(await countNodes(graph, 'Sequence')).toBe(sequences);
  });

  it('accepts explicit transition times from admins only, in order', async () => {
    const server = await ci(graph, 'Server', 'web-1');
    const inc = await createIncident(graph, { title: 'x', priority: 'P1', affectedCiIds: [server], openedAt: T0 }, { actor: 'import' });
    const editor = await api.tokenFor(['editor']);
    const forbidden = await api.request(MOVE, { id: inc.id, to: 'IN_PROGRESS', at: iso(T0 + HOUR) }, editor);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const early = await api.request(MOVE, { id: inc.id, to: 'IN_PROGRESS', at: iso(T0 - HOUR) });
    expect(early.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // Not in the future either, as openedAt: beyond the clock slack it is refused, naming `at`.
    const future = await api.request(MOVE, { id: inc.id, to: 'IN_PROGRESS', at: '2099-01-01T00:00:00.000Z' });
    expect(future.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(future.errors?.[0]?.message).toBe('at (2099-01-01T00:00:00.000Z) is in the future');
    expect(future.errors?.[0]?.extensions?.issues).toEqual([{ path: ['at'], message: 'in the future' }]);
    await expect(transitionIncident(graph, inc.id, 'IN_PROGRESS', { actor: 'import', at: Date.now() + 48 * HOUR })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await api.ok<{ incident: { status: string } }>(`{ incident(id: "${inc.id}") { status } }`)).incident.status).toBe('NEW');
    await api.ok(MOVE, { id: inc.id, to: 'IN_PROGRESS', at: iso(T0 + HOUR) });
    const done = await api.ok<Moved>(MOVE, { id: inc.id, to: 'RESOLVED', at: iso(T0 + 3 * HOUR) });
    expect(done.transitionIncident.resolvedAt).toBe(iso(T0 + 3 * HOUR));
    // Without `at` an editor may transition; a viewer may not.
    expect((await api.request(MOVE, { id: inc.id, to: 'CLOSED' }, await api.tokenFor(['viewer']))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await api.request(MOVE, { id: inc.id, to: 'CLOSED' }, editor)).errors).toBeUndefined();
  });
});

describe('incident lists and CI.incidents', () => {
  it('filters by status, priority, CI and opened range, and pages with cursors', async () => {
    const a = await ci(graph, 'Server', 'a');
    const b = await ci(graph, 'Server', 'b');
    const who = { actor: 't' };
    const specs = [
      { priority: 'P1', on: [a], opened: T0 },
      { priority: 'P2', on: [a, b], opened: T0 + HOUR },
      { priority: 'P3', on: [b], opened: T0 + 2 * HOUR },
      { priority: 'P1', on: [b], opened: T0 + 3 * HOUR },
      { priority: 'P4', on: [a], opened: T0 + 4 * HOUR },
    ] as const;
    const ids: string[] = [];
    for (const [n, s] of specs.entries()) {
      ids.push((await createIncident(graph, { title: `i${n}`, priority: s.priority, affectedCiIds: [...s.on], openedAt: s.opened }, who)).id);
    }
    await transitionIncident(graph, ids[0]!, 'IN_PROGRESS', who);

    const LIST = `query($first: Int, $after: String, $filter: IncidentFilter) {
      incidents(first: $first, after: $after, filter: $filter) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
    }`;
    type List = { incidents: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const list = async (filter: Record<string, unknown>, first = 50, after?: string) =>
      (await api.ok<List>(LIST, { filter, first, after })).incidents;
    const idsOf = (l: List['incidents']) => l.edges.map((e) => e.node.id);

    expect(idsOf(await list({}))).toEqual([...ids].reverse());
    expect(idsOf(await list({ statuses: ['IN_PROGRESS'] }))).toEqual([ids[0]]);
    expect(idsOf(await list({ priorities: ['P1'] }))).toEqual([ids[3], ids[0]]);
    expect(idsOf(await list({ ciId: b }))).toEqual([ids[3], ids[2], ids[1]]);
    expect(idsOf(await list({ openedFrom: iso(T0 + HOUR), openedTo: iso(T0 + 3 * HOUR) }))).toEqual([ids[2], ids[1]]);
    const bad = await api.request(LIST, { filter: { openedFrom: iso(T0 + HOUR), openedTo: iso(T0) } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await list({}, 2, after);
      expect(page.totalCount).toBe(5);
      seen.push(...idsOf(page));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual([...ids].reverse());

    await transitionIncident(graph, ids[3]!, 'IN_PROGRESS', who);
    await transitionIncident(graph, ids[3]!, 'RESOLVED', who);
    const q = `{ cis(first: 10) { edges { node { name incidents { id } open: incidents(openOnly: true) { id } } } } }`;
    const before = api.queryCount();
    const res = await api.ok<{ cis: { edges: { node: { name: string; incidents: { id: string }[]; open: { id: string }[] } }[] } }>(q);
    // One query for the page, one per incident list field: batched, not one per CI.
    expect(api.queryCount() - before).toBeLessThanOrEqual(3);
    const byName = Object.fromEntries(res.cis.edges.map((e) => [e.node.name, e.node]));
    expect(byName.a!.incidents.map((i) => i.id)).toEqual([ids[4], ids[1], ids[0]]);
    expect(byName.b!.open.map((i) => i.id)).toEqual([ids[2], ids[1]]);

    const node = await api.ok<{ node: { __typename: string; id: string } }>(`{ node(id: "${ids[0]}") { __typename id } }`);
    expect(node.node).toEqual({ __typename: 'Incident', id: ids[0] });
  });

  it('refuses a cursor it did not issue, in every ITSM list, as cis does', async () => {
    const server = await ci(graph, 'Server', 'a');
    await createIncident(graph, { title: 'x', priority: 'P3', affectedCiIds: [server] }, { actor: 't' });
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const lists = {
      incidents: [['x', 'y'], [null, null], [1], ['1', 2], [1.5, 2], 'garbage'],
      problems: [['x'], [null], [1, 2], [{}]],
      changes: [['x', 'y'], [null, 1], [true, 1]],
    };
    for (const [list, bad] of Object.entries(lists)) {
      for (const value of bad) {
        const after = typeof value === 'string' ? value : cursor(value);
        const res = await api.request(`query($after: String) { ${list}(after: $after) { totalCount edges { cursor } } }`, { after });
        expect(res.errors?.[0]?.extensions?.code, `${list} after ${JSON.stringify(value)}`).toBe('BAD_USER_INPUT');
        expect(res.errors?.[0]?.message).toBe('Invalid cursor; use a cursor returned by this API');
        expect(res.errors?.[0]?.extensions?.issues).toEqual([{ path: ['after'], message: 'invalid cursor' }]);
      }
    }
    // The cursors the lists issue still work.
    const page = await api.ok<{ incidents: { pageInfo: { endCursor: string } } }>(`{ incidents(first: 1) { pageInfo { endCursor } } }`);
    const next = await api.ok<{ incidents: { edges: unknown[] } }>(`query($after: String) { incidents(after: $after) { edges { cursor } } }`, { after: page.incidents.pageInfo.endCursor });
    expect(next.incidents.edges).toEqual([]);
  });
});
