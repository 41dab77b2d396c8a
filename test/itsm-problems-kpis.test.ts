/** Problems and KPIs against the real Neo4j: problem lifecycle, links, and KPIs on a hand-computed data set. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { ci, countNodes, DAY, HOUR, iso, T0 } from './helpers/itsm.js';
import type { Graph } from '../server/db/index.js';
import { createIncident, transitionIncident } from '../server/incidents/index.js';
import { createProblem, updateProblem } from '../server/problems/index.js';
import { recordImplementedChange, transitionChange, type ReviewOutcome } from '../server/changes/index.js';

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

describe('problems', () => {
  it('gathers incidents, records root cause and workaround, becomes a known error and is resolved by a change', async () => {
    const db = await ci(graph, 'Database', 'orders-db');
    const i1 = await createIncident(graph, { title: 'slow checkout', priority: 'P2', affectedCiIds: [db] }, who);
    const i2 = await createIncident(graph, { title: 'timeouts', priority: 'P3', affectedCiIds: [db] }, who);
    const pm = await api.tokenFor(['problem-manager']);
    const P = `id status rootCause { name } workaround incidents { id problem { id } } fixedBy { id } resolvedAt allowedTransitions`;
    const created = await api.request<{ createProblem: { id: string; incidents: { id: string; problem: { id: string } }[] } }>(
      `mutation($input: CreateProblemInput!) { createProblem(input: $input) { ${P} } }`,
      { input: { title: 'DB lock contention', incidentIds: [i1.id, i2.id] } },
      pm,
    );
    expect(created.errors).toBeUndefined();
    const problem = created.data!.createProblem;
    expect(problem.id).toBe('PRB-1');
    expect(problem.incidents.map((i) => [i.id, i.problem.id])).toEqual([[i1.id, 'PRB-1'], [i2.id, 'PRB-1']]);

    const move = (to: string, extra: Record<string, unknown> = {}) =>
      api.request<{ transitionProblem: Record<string, unknown> }>(
        `mutation($id: ID!, $to: ProblemStatus!, $fix: ID) { transitionProblem(id: $id, to: $to, fixedByChangeId: $fix) { ${P} } }`,
        { id: problem.id, to, ...extra },
        pm,
      );
    expect((await move('KNOWN_ERROR')).errors?.[0]?.message).toContain('allowed next states: UNDER_INVESTIGATION');
    expect((await move('UNDER_INVESTIGATION')).errors).toBeUndefined();
    const noCause = await move('KNOWN_ERROR');
    expect(noCause.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(noCause.errors?.[0]?.message).toMatch(/root-cause CI or a workaround/);

    const updated = await api.request<{ updateProblem: { rootCause: { name: string }; workaround: string } }>(
      `mutation($input: UpdateProblemInput!) { updateProblem(input: $input) { ${P} } }`,
      { input: { id: problem.id, rootCauseCiId: db, workaround: 'Restart the reporting job off-peak' } },
      pm,
    );
    expect(updated.data?.updateProblem).toMatchObject({ rootCause: { name: 'orders-db' }, workaround: 'Restart the reporting job off-peak' });
    expect((await move('KNOWN_ERROR')).data?.transitionProblem.status).toBe('KNOWN_ERROR');

    const fix = await recordImplementedChange(graph, { title: 'Add index', targetCiIds: [db], implementedAt: T0 }, who);
    expect((await move('RESOLVED', { fix: 'CHG-999' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const resolved = (await move('RESOLVED', { fix: fix.id })).data!.transitionProblem;
    expect(resolved).toMatchObject({ status: 'RESOLVED', fixedBy: { id: fix.id } });
    expect(resolved.resolvedAt).not.toBeNull();

    const incident = await api.ok<{ incident: { problem: { id: string; fixedBy: { id: string } } } }>(`{ incident(id: "${i1.id}") { problem { id fixedBy { id } } } }`);
    expect(incident.incident.problem).toEqual({ id: problem.id, fixedBy: { id: fix.id } });
    const list = await api.ok<{ problems: { totalCount: number; edges: { node: { id: string } }[] } }>(`{ problems(filter: { statuses: [RESOLVED] }) { totalCount edges { node { id } } } }`);
    expect(list.problems).toEqual({ totalCount: 1, edges: [{ node: { id: problem.id } }] });
    const editor = await api.tokenFor(['editor']);
    const forbidden = await api.request(`mutation { createProblem(input: { title: "x" }) { id } }`, {}, editor);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses an incident that belongs to another problem, unknown ids or a future transition time, and writes nothing', async () => {
    const s = await ci(graph, 'Server', 's');
    const i1 = await createIncident(graph, { title: 'a', priority: 'P3', affectedCiIds: [s] }, who);
    await api.ok(`mutation { createProblem(input: { title: "first", incidentIds: ["${i1.id}"] }) { id } }`);
    const taken = await api.request(`mutation { createProblem(input: { title: "second", incidentIds: ["${i1.id}"] }) { id } }`);
    expect(taken.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const unknownIncident = await api.request(`mutation { createProblem(input: { title: "x", incidentIds: ["INC-404"] }) { id } }`);
    expect(unknownIncident.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const unknownCI = await api.request(`mutation { createProblem(input: { title: "x", rootCauseCiId: "no-such-ci" }) { id } }`);
    expect(unknownCI.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknownCI.errors?.[0]?.message).toContain('rootCauseCiId');
    const badStatus = await api.request(`mutation { transitionProblem(id: "PRB-1", to: SOLVED) { id } }`);
    expect(badStatus.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const future = await api.request(`mutation { transitionProblem(id: "PRB-1", to: UNDER_INVESTIGATION, at: "2099-01-01T00:00:00.000Z") { id } }`);
    expect(future.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(future.errors?.[0]?.extensions?.issues).toEqual([{ path: ['at'], message: 'in the future' }]);
    expect((await api.ok<{ problem: { status: string } }>(`{ problem(id: "PRB-1") { status } }`)).problem.status).toBe('NEW');
    expect(await countNodes(graph, 'Problem')).toBe(1);
  });

  it('links an incident to one problem only when creates and updates race for it', async () => {
    const s = await ci(graph, 'Server', 's');
    const contested = await createIncident(graph, { title: 'contested', priority: 'P2', affectedCiIds: [s] }, who);
    const CREATE = `mutation($title: String!, $ids: [ID!]) { createProblem(input: { title: $title, incidentIds: $ids }) { id incidents { id } } }`;
    type Created = { createProblem: { id: string; incidents: { id: string }[] } };
    const races = await Promise.all(Array.from({ length: 6 }, (_, k) => api.request<Created>(CREATE, { title: `p${k}`, ids: [contested.id] })));
    const won = races.filter((r) => !r.errors);
    expect(won).toHaveLength(1);
    const winner = won[0]!.data!.createProblem;
    expect(winner.incidents).toEqual([{ id: contested.id }]);
    for (const lost of races.filter((r) => r.errors)) {
      expect(lost.errors?.[0]?.extensions?.code).toBe('CONFLICT');
      expect(lost.errors?.[0]?.message).toContain(`Incident ${contested.id} already belongs to problem ${winner.id}`);
    }
    // A refused create consumes no number: the winner is PRB-1 and the next problem PRB-2.
    expect(winner.id).toBe('PRB-1');

    // updateProblem(addIncidentIds): problems racing to take in one incident.
    const loose = await createIncident(graph, { title: 'loose', priority: 'P3', affectedCiIds: [s] }, who);
    const others = await Promise.all([1, 2, 3, 4, 5].map((k) => createProblem(graph, { title: `other ${k}` }, who)));
    // Concurrent creates draw distinct numbers.
    expect(others.map((p) => p.id).sort()).toEqual(['PRB-2', 'PRB-3', 'PRB-4', 'PRB-5', 'PRB-6']);
    const adds = await Promise.allSettled(others.map((p) => updateProblem(graph, { id: p.id, addIncidentIds: [loose.id] }, who)));
    expect(adds.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const lost of adds.filter((r) => r.status === 'rejected')) expect(lost.reason).toMatchObject({ code: 'CONFLICT' });
    const [links] = await graph.read(`MATCH (i:Incident)-[:INSTANCE_OF]->(p:Problem) RETURN count(*) AS n, count(DISTINCT i) AS incidents`);
    expect(links).toEqual({ n: 2, incidents: 2 });
  });

  it('fixedBy is the change of the latest resolution; reopening clears it and transitions keep every fix', async () => {
    const db = await ci(graph, 'Database', 'db');
    const chg1 = await recordImplementedChange(graph, { title: 'first try', targetCiIds: [db], implementedAt: T0 }, who);
    const chg2 = await recordImplementedChange(graph, { title: 'second try', targetCiIds: [db], implementedAt: T0 + HOUR }, who);
    const { createProblem: problem } = await api.ok<{ createProblem: { id: string } }>(`mutation { createProblem(input: { title: "flaky" }) { id } }`);
    type Moved = { transitionProblem: { status: string; fixedBy: { id: string } | null; transitions: { to: string; fixedBy: { id: string } | null }[] } };
    const move = async (to: string, fix?: string) =>
      (
        await api.ok<Moved>(
          `mutation($id: ID!, $to: ProblemStatus!, $fix: ID) { transitionProblem(id: $id, to: $to, fixedByChangeId: $fix) { status fixedBy { id } transitions { to fixedBy { id } } } }`,
          { id: problem.id, to, fix },
        )
      ).transitionProblem;
    await move('UNDER_INVESTIGATION');
    expect((await move('RESOLVED', chg2.id)).fixedBy).toEqual({ id: chg2.id });
    expect((await move('UNDER_INVESTIGATION')).fixedBy).toBeNull();
    expect((await move('RESOLVED', chg1.id)).fixedBy).toEqual({ id: chg1.id });
    await move('UNDER_INVESTIGATION');
    expect((await move('RESOLVED', chg2.id)).fixedBy).toEqual({ id: chg2.id });
    await move('UNDER_INVESTIGATION');
    const unfixed = await move('RESOLVED');
    expect(unfixed.fixedBy).toBeNull();
    expect(unfixed.transitions.filter((t) => t.to === 'RESOLVED').map((t) => t.fixedBy?.id ?? null)).toEqual([chg2.id, chg1.id, chg2.id, null]);
    expect(unfixed.transitions.filter((t) => t.to !== 'RESOLVED').every((t) => t.fixedBy === null)).toBe(true);
    const [links] = await graph.read(`MATCH (:Problem {id: $id})-[r:FIXED_BY]->() RETURN count(r) AS n`, { id: problem.id });
    expect(links).toEqual({ n: 0 });
    expect((await move('CLOSED')).fixedBy).toBeNull();
  });
});

describe('KPIs on a known data set', () => {
  /**
   * Range [T0, T0 + 10d). Incidents (opened, resolved):
   *   I1 P1 s1        T0+1h  → T0+3h      2h (P1 target 4h: within)
   *   I2 P1 s1        T0+1d  → T0+1d+6h   6h (breach)
   *   I3 P2 app       T0+2d  → T0+2d+4h   4h (P2 target 8h: within)
   *   I4 P3 s1, app   T0+3d  open
   *   I5 P2 s2        T0-2d  → T0-1d      resolved before the range: not counted anywhere
   *   I6 P4 s2        T0+9d  → T0+11d     resolved after the range: counted as opened only
   * MTTR P1 = (2h+6h)/2 = 240 min, compliance 1/2; P2 = 240 min, 1/1; overall 2/3.
   * Per class (opened in range): Server {I1,I2,I4,I6} = 4, Application {I3,I4} = 2.
   * Top CIs: s1 3, app 2, s2 1.
   * Changes closed in range: SUCCESSFUL ×2, FAILED, ROLLED_BACK → rate 0.5; one closed after the range.
   */
  it('computes MTTR, SLA compliance, change success, incidents per class and top CIs', async () => {
    const s1 = await ci(graph, 'Server', 's1');
    const s2 = await ci(graph, 'Server', 's2');
    const app = await ci(graph, 'Application', 'app');
    const incident = async (priority: 'P1' | 'P2' | 'P3' | 'P4', on: string[], opened: number, resolved?: number) => {
      const i = await createIncident(graph, { title: `${priority}`, priority, affectedCiIds: on, openedAt: opened }, who);
      if (resolved === undefined) return;
      await transitionIncident(graph, i.id, 'IN_PROGRESS', { ...who, at: opened });
      await transitionIncident(graph, i.id, 'RESOLVED', { ...who, at: resolved });
    };
    await incident('P1', [s1], T0 + HOUR, T0 + 3 * HOUR);
    await incident('P1', [s1], T0 + DAY, T0 + DAY + 6 * HOUR);
    await incident('P2', [app], T0 + 2 * DAY, T0 + 2 * DAY + 4 * HOUR);
    await incident('P3', [s1, app], T0 + 3 * DAY);
    await incident('P2', [s2], T0 - 2 * DAY, T0 - DAY);
    await incident('P4', [s2], T0 + 9 * DAY, T0 + 11 * DAY);

    const closeChange = async (outcome: ReviewOutcome, closedAt: number) => {
      const c = await recordImplementedChange(graph, { title: outcome, targetCiIds: [s1], implementedAt: closedAt - HOUR }, who);
      await transitionChange(graph, c.id, 'REVIEW', { ...who, at: closedAt });
      await transitionChange(graph, c.id, 'CLOSED', { ...who, at: closedAt }, { outcome });
    };
    await closeChange('SUCCESSFUL', T0 + DAY);
    await closeChange('SUCCESSFUL', T0 + 2 * DAY);
    await closeChange('FAILED', T0 + 3 * DAY);
    await closeChange('ROLLED_BACK', T0 + 4 * DAY);
    await closeChange('FAILED', T0 + 12 * DAY);

    const Q = `query($from: DateTime!, $to: DateTime!, $sla: SlaTargetsInput) { itsmKpis(from: $from, to: $to, slaTargets: $sla) {
      byPriority { priority resolvedCount meanTimeToResolveMinutes slaTargetMinutes withinTarget slaCompliance }
      resolvedCount slaCompliance
      changeSuccess { closed successful failed rolledBack successRate }
      incidentsPerClass { class count }
      topCIs { ci { name } count }
    } }`;
    type K = { itsmKpis: {
      byPriority: { priority: string; resolvedCount: number; meanTimeToResolveMinutes: number | null; slaTargetMinutes: number; withinTarget: number; slaCompliance: number | null }[];
      resolvedCount: number; slaCompliance: number;
      changeSuccess: Record<string, number>;
      incidentsPerClass: { class: string; count: number }[];
      topCIs: { ci: { name: string }; count: number }[];
    } };
    const range = { from: iso(T0), to: iso(T0 + 10 * DAY) };
    const { itsmKpis: k } = await api.ok<K>(Q, range);
    expect(k.byPriority).toEqual([
      { priority: 'P1', resolvedCount: 2, meanTimeToResolveMinutes: 240, slaTargetMinutes: 240, withinTarget: 1, slaCompliance: 0.5 },
      { priority: 'P2', resolvedCount: 1, meanTimeToResolveMinutes: 240, slaTargetMinutes: 480, withinTarget: 1, slaCompliance: 1 },
      { priority: 'P3', resolvedCount: 0, meanTimeToResolveMinutes: null, slaTargetMinutes: 4320, withinTarget: 0, slaCompliance: null },
      { priority: 'P4', resolvedCount: 0, meanTimeToResolveMinutes: null, slaTargetMinutes: 7200, withinTarget: 0, slaCompliance: null },
    ]);
    expect(k.resolvedCount).toBe(3);
    expect(k.slaCompliance).toBeCloseTo(2 / 3, 10);
    expect(k.changeSuccess).toEqual({ closed: 4, successful: 2, failed: 1, rolledBack: 1, successRate: 0.5 });
    expect(k.incidentsPerClass).toEqual([{ class: 'Server', count: 4 }, { class: 'Application', count: 2 }]);
    expect(k.topCIs).toEqual([{ ci: { name: 's1' }, count: 3 }, { ci: { name: 'app' }, count: 2 }, { ci: { name: 's2' }, count: 1 }]);

    // A 6-hour P1 target makes both P1 incidents compliant.
    const relaxed = await api.ok<K>(Q, { ...range, sla: { P1: 360 } });
    expect(relaxed.itsmKpis.byPriority[0]).toMatchObject({ slaTargetMinutes: 360, withinTarget: 2, slaCompliance: 1 });
    expect(relaxed.itsmKpis.slaCompliance).toBe(1);

    const bad = await api.request(Q, { from: range.to, to: range.from });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
