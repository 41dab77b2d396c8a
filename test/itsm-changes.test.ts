/** Changes against the real Neo4j: lifecycle, risk, approval snapshot, collisions (joint too), blackouts, lists. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { ci, countNodes, farm, HOUR, iso, rel, T0 } from './helpers/itsm.js';
import type { Graph } from '../server/db/index.js';
import { changesOnCIsSince, createChange, recordImplementedChange, transitionChange } from '../server/changes/index.js';
import { createIncident } from '../server/incidents/index.js';

let graph: Graph;
let api: TestApi;

beforeAll(async () => {
  graph = await testGraph();
});
afterAll(closeTestGraph);
beforeEach(async () => {
  await wipe(graph);
  api = await testApi(graph);
});

const who = { actor: 'test' };
const CREATE = `mutation($input: CreateChangeInput!) { createChange(input: $input) { id status targets { id } } }`;
const MOVE = `mutation($id: ID!, $to: ChangeStatus!, $outcome: ChangeReviewOutcome) {
  transitionChange(id: $id, to: $to, outcome: $outcome) { id status authorizedBy implementedAt reviewOutcome closedAt }
}`;
const W = (startH: number, endH: number) => ({ plannedStart: T0 + startH * HOUR, plannedEnd: T0 + endH * HOUR });

async function change(title: string, targets: string[], window: { plannedStart: number; plannedEnd: number }) {
  return createChange(graph, { title, targetCiIds: targets, ...window }, who);
}

/** `n` ApplicationServices `${prefix}1..n`, each DEPENDS_ON the one before, the first on `provider`: the i-th is i hops from it. */
async function chain(prefix: string, provider: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 1; i <= n; i++) {
    ids.push(await ci(graph, 'ApplicationService', `${prefix}${i}`));
    await rel(graph, 'DEPENDS_ON', ids[i - 1]!, i === 1 ? provider : ids[i - 2]!);
  }
  return ids;
}

describe('change lifecycle, risk and approval snapshot', () => {
  it('walks DRAFT → … → CLOSED recording who authorized, the snapshot, implementedAt and the review outcome', async () => {
    const f = await farm(graph);
    const shop = await ci(graph, 'BusinessService', 'Shop', { criticality: 1 });
    await rel(graph, 'DEPENDS_ON', shop, f.app);
    const manager = await api.tokenFor(['change-manager']);
    const created = await api.request<{ createChange: { id: string; status: string } }>(
      CREATE,
      { input: { title: 'Patch server-1', targetCiIds: [f.s1], plannedStart: iso(T0), plannedEnd: iso(T0 + HOUR) } },
      manager,
    );
    const id = created.data!.createChange.id;
    expect(id).toBe('CHG-1');
    const move = async (to: string, outcome?: string) => {
      const res = await api.request<{ transitionChange: Record<string, unknown> }>(MOVE, { id, to, outcome }, manager);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      return res.data!.transitionChange;
    };
    const bad = await api.request(MOVE, { id, to: 'AUTHORIZED' }, manager);
    expect(bad.errors?.[0]?.message).toContain('allowed next states: ASSESSMENT, CANCELLED');
    await move('ASSESSMENT');
    expect((await move('AUTHORIZED')).authorizedBy).toBe('test change-manager');
    await move('SCHEDULED');
    expect((await move('IMPLEMENTING')).implementedAt).not.toBeNull();
    await move('REVIEW');
    const closed = await move('CLOSED', 'ROLLED_BACK');
    expect(closed).toMatchObject({ status: 'CLOSED', reviewOutcome: 'ROLLED_BACK' });
    expect(closed.closedAt).not.toBeNull();

    const editor = await api.tokenFor(['editor']);
    const forbidden = await api.request(CREATE, { input: { title: 'x', targetCiIds: [f.s1], plannedStart: iso(T0), plannedEnd: iso(T0 + HOUR) } }, editor);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('rates risk from the blast radius with reasons: LOW, MEDIUM (critical service degraded), HIGH (service down, open P1)', async () => {
    const f = await farm(graph);
    const shop = await ci(graph, 'BusinessService', 'Shop', { criticality: 1 });
    await rel(graph, 'DEPENDS_ON', shop, f.app);
    const lonely = await ci(graph, 'Server', 'lonely');
    const low = await change('lonely', [lonely], W(0, 1));
    const medium = await change('member', [f.s1], W(0, 1));
    const high = await change('app', [f.app], W(0, 1));
    const RISK = `query($id: ID!) { change(id: $id) { risk { level reasons } impact { totalCount businessServices { ci { name } state } } } }`;
    type R = { change: { risk: { level: string; reasons: string[] }; impact: { totalCount: number; businessServices: { ci: { name: string }; state: string }[] } } };
    const risk = async (id: string) => (await api.ok<R>(RISK, { id })).change;

    expect((await risk(low.id)).risk).toEqual({
      level: 'LOW',
      reasons: ['No business service goes DOWN; 0 CI(s) impacted; no open P1/P2 incident on the blast radius.'],
    });
    const m = await risk(medium.id);
    expect(m.impact.businessServices).toEqual([{ ci: { name: 'Shop' }, state: 'DEGRADED' }]);
    expect(m.risk).toEqual({ level: 'MEDIUM', reasons: ['Business service "Shop" (criticality 1) is DEGRADED.'] });
    expect((await risk(high.id)).risk).toEqual({ level: 'HIGH', reasons: ['Business service "Shop" (criticality 1) goes DOWN.'] });
    // A change on the business service itself takes it down (it is a target, not in its own blast radius).
    const direct = await change('shop', [shop], W(0, 1));
    expect((await risk(direct.id)).risk).toEqual({ level: 'HIGH', reasons: ['Business service "Shop" (criticality 1) goes DOWN.'] });

    const p1 = await createIncident(graph, { title: 'server-1 flapping', priority: 'P1', affectedCiIds: [f.s1] }, who);
    const withIncident = await risk(medium.id);
    expect(withIncident.risk.level).toBe('HIGH');
    expect(withIncident.risk.reasons).toContain(`"server-1" has an open P1 incident (${p1.id}).`);
  });

  it('freezes the blast radius at authorization and reports the drift against the graph now', async () => {
    const f = await farm(graph);
    const shop = await ci(graph, 'BusinessService', 'Shop', { criticality: 1 });
    await rel(graph, 'DEPENDS_ON', shop, f.app);
    const c = await change('member', [f.s1], W(0, 1));
    await transitionChange(graph, c.id, 'ASSESSMENT', who);
    await transitionChange(graph, c.id, 'AUTHORIZED', { actor: 'cab-chair' });
    // After approval, server-2 leaves the farm: taking server-1 now takes everything down.
    await api.ok(`mutation { removeRelationship(id: "${f.m2}") { id } }`);

    const Q = `query($id: ID!) { change(id: $id) {
      authorizedBy
      approvedImpact { impacted { ci { name } state } }
      impact { impacted { ci { name } state } }
      impactDrift { unchanged newlyImpacted { ci { name } } noLongerImpacted { ci { name } } stateChanged { ci { name } approved now }
        approvedRisk { level } currentRisk { level } }
    } }`;
    type D = { change: {
      authorizedBy: string;
      approvedImpact: { impacted: { ci: { name: string }; state: string }[] };
      impact: { impacted: { ci: { name: string }; state: string }[] };
      impactDrift: { unchanged: boolean; newlyImpacted: unknown[]; noLongerImpacted: unknown[]; stateChanged: { ci: { name: string }; approved: string; now: string }[]; approvedRisk: { level: string }; currentRisk: { level: string } };
    } };
    const { change: got } = await api.ok<D>(Q, { id: c.id });
    expect(got.authorizedBy).toBe('cab-chair');
    const states = (l: { ci: { name: string }; state: string }[]) => Object.fromEntries(l.map((e) => [e.ci.name, e.state]));
    expect(states(got.approvedImpact.impacted)).toEqual({ farm: 'DEGRADED', app: 'DEGRADED', Shop: 'DEGRADED' });
    expect(states(got.impact.impacted)).toEqual({ farm: 'DOWN', app: 'DOWN', Shop: 'DOWN' });
    expect(got.impactDrift.unchanged).toBe(false);
    expect(got.impactDrift.newlyImpacted).toEqual([]);
    expect(got.impactDrift.noLongerImpacted).toEqual([]);
    expect(got.impactDrift.stateChanged.map((s) => `${s.ci.name}:${s.approved}>${s.now}`).sort()).toEqual([
      'Shop:DEGRADED>DOWN',
      'app:DEGRADED>DOWN',
      'farm:DEGRADED>DOWN',
    ]);
    expect(got.impactDrift.approvedRisk.level).toBe('MEDIUM');
    expect(got.impactDrift.currentRisk.level).toBe('HIGH');

    const draft = await change('not yet', [f.s1], W(0, 1));
    const none = await api.ok<{ change: { impactDrift: null; approvedImpact: null } }>(`{ change(id: "${draft.id}") { impactDrift { unchanged } approvedImpact { totalCount } } }`);
    expect(none.change).toEqual({ impactDrift: null, approvedImpact: null });
  });

  it('rates risk on the whole blast radius: a business service DOWN 11 hops away, beyond the report\'s depth 10', async () => {
    const db = await ci(graph, 'Database', 'db');
    const apps = await chain('app-', db, 10);
    const shop = await ci(graph, 'BusinessService', 'Shop', { criticality: 1 });
    await rel(graph, 'DEPENDS_ON', shop, apps.at(-1)!);
    const c = await change('Upgrade db', [db], W(0, 1));
    await transitionChange(graph, c.id, 'ASSESSMENT', who);
    await transitionChange(graph, c.id, 'AUTHORIZED', who);

    const Q = `query($id: ID!) { change(id: $id) {
      risk { level reasons } approvedRisk { level reasons }
      impact { totalCount truncated impacted { depth } businessServices { ci { name } } }
    } }`;
    type R = { change: {
      risk: { level: string; reasons: string[] }; approvedRisk: { level: string; reasons: string[] };
      impact: { totalCount: number; truncated: boolean; impacted: { depth: number }[]; businessServices: unknown[] };
    } };
    const got = (await api.ok<R>(Q, { id: c.id })).change;
    // The report is still the impact query's, cut at depth 10 ...
    expect(got.impact).toMatchObject({ totalCount: 11, truncated: true, businessServices: [] });
    expect(Math.max(...got.impact.impacted.map((e) => e.depth))).toBe(10);
    // ... the risk is not.
    const high = { level: 'HIGH', reasons: ['Business service "Shop" (criticality 1) goes DOWN.'] };
    expect(got.risk).toEqual(high);
    expect(got.approvedRisk).toEqual(high);

    const p2 = await createIncident(graph, { title: 'Shop slow', priority: 'P2', affectedCiIds: [shop] }, who);
    expect((await api.ok<R>(Q, { id: c.id })).change.risk.reasons).toContain(`"Shop" has an open P2 incident (${p2.id}).`);
  });

  it('reports drift on the whole blast radius: a CI that moved beyond depth 10 is still impacted, one newly impacted at 12 is listed', async () => {
    const db = await ci(graph, 'Database', 'db');
    const apps = await chain('app-', db, 11);
    // app-11 also depends on app-9: 10 hops from db (app-10 is 10 too), nothing deeper.
    const shortcut = await rel(graph, 'DEPENDS_ON', apps[10]!, apps[8]!);
    const c = await change('Upgrade db', [db], W(0, 1));
    await transitionChange(graph, c.id, 'ASSESSMENT', who);
    await transitionChange(graph, c.id, 'AUTHORIZED', who);
    // Now app-11 is 11 hops away, and app-12 (depending on it) 12.
    await api.ok(`mutation { removeRelationship(id: "${shortcut}") { id } }`);
    const deeper = await ci(graph, 'ApplicationService', 'app-12');
    await rel(graph, 'DEPENDS_ON', deeper, apps[10]!);

    const Q = `query($id: ID!) { change(id: $id) {
      approvedImpact { totalCount truncated } impact { totalCount truncated }
      impactDrift { unchanged newlyImpacted { ci { name } state depth } noLongerImpacted { ci { name } } stateChanged { ci { name } } }
    } }`;
    type D = { change: {
      approvedImpact: { totalCount: number; truncated: boolean }; impact: { totalCount: number; truncated: boolean };
      impactDrift: { unchanged: boolean; newlyImpacted: { ci: { name: string }; state: string; depth: number }[]; noLongerImpacted: unknown[]; stateChanged: unknown[] };
    } };
    const got = (await api.ok<D>(Q, { id: c.id })).change;
    expect(got.approvedImpact).toEqual({ totalCount: 11, truncated: false });
    expect(got.impact).toEqual({ totalCount: 12, truncated: true });
    expect(got.impactDrift).toEqual({
      unchanged: false,
      newlyImpacted: [{ ci: { name: 'app-12' }, state: 'DOWN', depth: 12 }],
      noLongerImpacted: [],
      stateChanged: [],
    });
  });

  it('Change.impact is exactly impact(ciIds: targets), in the change\'s own target order', async () => {
    const a = await ci(graph, 'Database', 'db-a');
    const b = await ci(graph, 'Database', 'db-b');
    const app = await ci(graph, 'Application', 'app');
    await rel(graph, 'DEPENDS_ON', app, a);
    await rel(graph, 'DEPENDS_ON', app, b);
    const targets = [a, b].sort().reverse(); // not in id order
    const c = await change('Migrate both', targets, W(1, 2));
    const REPORT = 'sources { id } impacted { ci { id } state depth path { ci { id } relationship } } totalCount';
    const data = await api.ok<{ change: { impact: unknown }; impact: { sources: { id: string }[] } }>(
      `query($id: ID!, $input: ImpactInput!) { change(id: $id) { impact { ${REPORT} } } impact(input: $input) { ${REPORT} } }`,
      { id: c.id, input: { ciIds: targets } },
    );
    expect(data.impact.sources.map((x) => x.id)).toEqual(targets);
    expect(data.change.impact).toEqual(data.impact);
  });

  it('writes nothing on bad input: end before or at start, empty targets, unknown CI, unknown status, a future transition time', async () => {
    const s = await ci(graph, 'Server', 's');
    const cases = [
      [{ title: 'x', targetCiIds: [s], plannedStart: iso(T0 + HOUR), plannedEnd: iso(T0) }, 'BAD_USER_INPUT', 'plannedEnd'],
      [{ title: 'x', targetCiIds: [s], plannedStart: iso(T0), plannedEnd: iso(T0) }, 'BAD_USER_INPUT', 'plannedEnd'],
      [{ title: 'x', targetCiIds: [], plannedStart: iso(T0), plannedEnd: iso(T0 + HOUR) }, 'BAD_USER_INPUT', 'targetCiIds'],
      [{ title: 'x', targetCiIds: [s, 'nope'], plannedStart: iso(T0), plannedEnd: iso(T0 + HOUR) }, 'NOT_FOUND', 'targetCiIds'],
    ] as const;
    for (const [input, code, field] of cases) {
      const res = await api.request(CREATE, { input });
      expect(res.errors?.[0]?.extensions?.code).toBe(code);
      expect(res.errors?.[0]?.message).toContain(field);
    }
    expect(await countNodes(graph, 'Change')).toBe(0);
    const c = await change('ok', [s], W(0, 1));
    expect((await api.request(MOVE, { id: c.id, to: 'FINISHED' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const outcomeTooEarly = await api.request(MOVE, { id: c.id, to: 'ASSESSMENT', outcome: 'FAILED' });
    expect(outcomeTooEarly.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const future = await api.request(`mutation($id: ID!, $at: DateTime) { transitionChange(id: $id, to: ASSESSMENT, at: $at) { id } }`, { id: c.id, at: '2099-01-01T00:00:00.000Z' });
    expect(future.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(future.errors?.[0]?.extensions?.issues).toEqual([{ path: ['at'], message: 'in the future' }]);
    expect((await api.ok<{ change: { status: string } }>(`{ change(id: "${c.id}") { status } }`)).change.status).toBe('DRAFT');
  });

  it('tells root cause which changes were implemented since T on given CIs', async () => {
    const a = await ci(graph, 'Server', 'a');
    const b = await ci(graph, 'Server', 'b');
    const old = await recordImplementedChange(graph, { title: 'old', targetCiIds: [a], implementedAt: T0 }, who);
    const recent = await recordImplementedChange(graph, { title: 'recent', targetCiIds: [a, b], implementedAt: T0 + 5 * HOUR }, who);
    await change('planned only', [a], W(6, 7));
    expect(old.status).toBe('IMPLEMENTING');
    const found = await changesOnCIsSince(graph, [a], T0 + HOUR);
    expect(found.map((f) => [f.change.id, f.implementedAt, f.ciIds])).toEqual([[recent.id, T0 + 5 * HOUR, [a]]]);
    expect((await changesOnCIsSince(graph, [a, b], T0)).map((f) => f.change.title)).toEqual(['recent', 'old']);
  });
});

describe('collisions', () => {
  const DETAILS = `query($id: ID!) { change(id: $id) {
    collisions { id }
    collisionDetails { other { id } overlapStart overlapEnd sharedCIs { name } jointlyDown { ci { name } state path { ci { name } relationship } } }
  } }`;
  type Details = { change: { collisions: { id: string }[]; collisionDetails: {
    other: { id: string }; overlapStart: string; overlapEnd: string; sharedCIs: { name: string }[];
    jointlyDown: { ci: { name: string }; state: string; path: { ci: { name: string }; relationship: string | null }[] }[];
  }[] } };
  const details = async (id: string) => (await api.ok<Details>(DETAILS, { id })).change;

  it('finds the joint outage of a two-member farm when the windows overlap, and nothing when they do not', async () => {
    const f = await farm(graph);
    const a = await change('A: patch server-1', [f.s1], W(0, 2));
    const b = await change('B: patch server-2', [f.s2], W(1, 3));
    const c = await change('C: patch server-2 later', [f.s2], W(2, 4)); // touches A's end: no overlap with A

    const got = await details(a.id);
    expect(got.collisions.map((x) => x.id)).toEqual([b.id]);
    const [collision] = got.collisionDetails;
    expect(collision!.overlapStart).toBe(iso(T0 + HOUR));
    expect(collision!.overlapEnd).toBe(iso(T0 + 2 * HOUR));
    expect(collision!.sharedCIs.map((x) => x.name).sort()).toEqual(['app', 'farm']);
    const joint = Object.fromEntries(collision!.jointlyDown.map((e) => [e.ci.name, e]));
    expect(Object.keys(joint).sort()).toEqual(['app', 'farm']);
    expect(joint.farm!.state).toBe('DOWN');
    expect(joint.app!.path.map((s) => s.ci.name).slice(1)).toEqual(['farm', 'app']);
    expect(['server-1', 'server-2']).toContain(joint.app!.path[0]!.ci.name);
    expect(joint.app!.path.map((s) => s.relationship)).toEqual(['HAS_MEMBER', 'RUNS_ON', null]);

    // A and C touch ([0,2) and [2,4)): no collision, joint or otherwise.
    expect((await details(c.id)).collisions.map((x) => x.id)).toEqual([b.id]);
    const pairs = await api.ok<{ changeCollisions: { change: { id: string }; other: { id: string }; jointlyDown: { ci: { name: string } }[] }[] }>(
      `query($from: DateTime!, $to: DateTime!) { changeCollisions(from: $from, to: $to) { change { id } other { id } jointlyDown { ci { name } } } }`,
      { from: iso(T0), to: iso(T0 + 10 * HOUR) },
    );
    expect(pairs.changeCollisions.map((p) => `${p.change.id}+${p.other.id}:${p.jointlyDown.map((j) => j.ci.name).sort().join(',')}`)).toEqual([
      `${a.id}+${b.id}:app,farm`,
      `${b.id}+${c.id}:`,
    ]);
  });

  it('finds a joint outage deeper than 10 hops, where the footprints meet only beyond the reports\' depth', async () => {
    // Each change takes a database 10 hops below one member of a two-member farm (minUp 1);
    // the farm is 11 hops from either, the Shop on it 12.
    const dbA = await ci(graph, 'Database', 'db-a');
    const dbB = await ci(graph, 'Database', 'db-b');
    const lastA = (await chain('a-', dbA, 10)).at(-1)!;
    const lastB = (await chain('b-', dbB, 10)).at(-1)!;
    const pool = await ci(graph, 'Cluster', 'pool', { attributes: { minUp: 1 } });
    await rel(graph, 'HAS_MEMBER', pool, lastA);
    await rel(graph, 'HAS_MEMBER', pool, lastB);
    const shop = await ci(graph, 'BusinessService', 'Shop', { criticality: 1 });
    await rel(graph, 'DEPENDS_ON', shop, pool);
    const a = await change('A: db-a', [dbA], W(0, 2));
    const b = await change('B: db-b', [dbB], W(1, 3));

    const got = await details(a.id);
    expect(got.collisions.map((x) => x.id)).toEqual([b.id]);
    const [collision] = got.collisionDetails;
    expect(collision!.sharedCIs.map((x) => x.name).sort()).toEqual(['Shop', 'pool']);
    expect(collision!.jointlyDown.map((e) => `${e.ci.name} ${e.state}`)).toEqual(['pool DOWN', 'Shop DOWN']);
    const path = collision!.jointlyDown[1]!.path;
    expect(path).toHaveLength(13);
    expect(path.slice(-3).map((s) => `${s.ci.name} ${s.relationship}`)).toEqual(['a-10 HAS_MEMBER', 'pool DEPENDS_ON', 'Shop null']);
    // Alone, each only degrades the pool, so the risk of each is MEDIUM (critical service DEGRADED), not LOW.
    const risk = await api.ok<{ change: { risk: { level: string; reasons: string[] } } }>(`{ change(id: "${b.id}") { risk { level reasons } } }`);
    expect(risk.change.risk).toEqual({ level: 'MEDIUM', reasons: ['Business service "Shop" (criticality 1) is DEGRADED.'] });
  });

  it('ignores disjoint footprints, touching windows and closed, rejected or cancelled changes', async () => {
    const s1 = await ci(graph, 'Server', 's1');
    const s2 = await ci(graph, 'Server', 's2');
    const base = await change('base', [s1], W(0, 2));
    await change('elsewhere', [s2], W(0, 2));
    await change('touching before', [s1], W(-1, 0));
    await change('touching after', [s1], W(2, 3));
    const rejected = await change('rejected', [s1], W(1, 2));
    await transitionChange(graph, rejected.id, 'ASSESSMENT', who);
    await transitionChange(graph, rejected.id, 'REJECTED', who);
    const cancelled = await change('cancelled', [s1], W(1, 2));
    await transitionChange(graph, cancelled.id, 'CANCELLED', who);
    const inside = await change('inside', [s1], W(0.5, 1));
    expect((await details(base.id)).collisions.map((x) => x.id)).toEqual([inside.id]);
    expect((await details(cancelled.id)).collisions).toEqual([]);
    const bad = await api.request(`{ changeCollisions(from: "${iso(T0 + HOUR)}", to: "${iso(T0)}") { overlapStart } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('blackouts and lists', () => {
  it('flags a change scheduled into a blackout; touching does not count', async () => {
    const s = await ci(graph, 'Server', 's');
    const blackout = await api.ok<{ createBlackout: { id: string } }>(
      `mutation($input: CreateBlackoutInput!) { createBlackout(input: $input) { id } }`,
      { input: { name: 'Year-end freeze', start: iso(T0 + 10 * HOUR), end: iso(T0 + 20 * HOUR) } },
    );
    expect(blackout.createBlackout.id).toBe('BLK-1');
    const bad = await api.request(`mutation { createBlackout(input: { name: "x", start: "${iso(T0 + HOUR)}", end: "${iso(T0)}" }) { id } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await countNodes(graph, 'Blackout')).toBe(1);
    const inside = await change('inside', [s], W(19, 21));
    const touching = await change('touching', [s], W(8, 10));
    const flag = async (id: string) =>
      (await api.ok<{ change: { inBlackout: boolean; blackouts: { name: string }[] } }>(`{ change(id: "${id}") { inBlackout blackouts { name } } }`)).change;
    expect(await flag(inside.id)).toEqual({ inBlackout: true, blackouts: [{ name: 'Year-end freeze' }] });
    expect(await flag(touching.id)).toEqual({ inBlackout: false, blackouts: [] });
    const listed = await api.ok<{ blackouts: { id: string }[] }>(`{ blackouts(from: "${iso(T0)}", to: "${iso(T0 + 11 * HOUR)}") { id } }`);
    expect(listed.blackouts).toEqual([{ id: 'BLK-1' }]);
  });

  it('lists changes by status, window overlap and CI with cursor pagination; CI.changes', async () => {
    const a = await ci(graph, 'Server', 'a');
    const b = await ci(graph, 'Server', 'b');
    const c1 = await change('c1', [a], W(0, 1));
    const c2 = await change('c2', [b], W(1, 2));
    const c3 = await change('c3', [a, b], W(2, 3));
    await transitionChange(graph, c2.id, 'ASSESSMENT', who);
    const LIST = `query($filter: ChangeFilter, $first: Int, $after: String) { changes(filter: $filter, first: $first, after: $after) {
      totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    type L = { changes: { totalCount: number; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const ids = async (filter: Record<string, unknown>) => (await api.ok<L>(LIST, { filter })).changes.edges.map((e) => e.node.id);
    expect(await ids({})).toEqual([c1.id, c2.id, c3.id]);
    expect(await ids({ statuses: ['ASSESSMENT'] })).toEqual([c2.id]);
    expect(await ids({ ciId: a })).toEqual([c1.id, c3.id]);
    expect(await ids({ windowFrom: iso(T0 + HOUR), windowTo: iso(T0 + 2 * HOUR) })).toEqual([c2.id]);
    const first = (await api.ok<L>(LIST, { first: 2 })).changes;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await api.ok<L>(LIST, { first: 2, after: first.pageInfo.endCursor })).changes;
    expect(second.edges.map((e) => e.node.id)).toEqual([c3.id]);
    expect(second.totalCount).toBe(3);
    const onB = await api.ok<{ ci: { changes: { id: string }[] } }>(`{ ci(id: "${b}") { changes { id } } }`);
    expect(onB.ci.changes.map((c) => c.id)).toEqual([c3.id, c2.id]);
  });
});
