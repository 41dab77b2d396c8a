/**
 * Root cause through the API on hand-built scenarios: a farm member against its cluster,
 * a database explaining several services (and the site that would explain them too
 * loudly), a change that changes the order, evidence in words, errors, and turning a
 * candidate into a problem.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createIncident } from '../server/incidents/index.js';
import { recordImplementedChange } from '../server/changes/index.js';
import { updateCI } from '../server/cis/index.js';
import type { Graph } from '../server/db/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';
import { ci, farm, rel } from './helpers/itsm.js';
import { rankRootCause } from '../server/rootcause/index.js';

const MINUTE = 60_000;

const QUERY = `
query RootCause($input: RootCauseInput!) {
  rootCause(input: $input) {
    candidateCount
    complete
    observations { id }
    candidates { ci { id name } score explains { id name } recentChanges { id title } evidence secondRoot { id } }
  }
}`;

interface Candidate {
  ci: { id: string; name: string };
  score: number;
  explains: { id: string; name: string }[];
  recentChanges: { id: string; title: string }[] | null;
  evidence: string[];
  secondRoot: { id: string } | null;
}
interface Report {
  rootCause: { candidateCount: number; complete: boolean; observations: { id: string }[]; candidates: Candidate[] };
}

let graph: Graph;
let api: TestApi;
const who = { actor: 'test' };

async function incident(ciIds: string[], openedAt: number, title = 'broken'): Promise<string> {
  return (await createIncident(graph, { title, priority: 'P2', affectedCiIds: ciIds, openedAt }, who)).id;
}

async function rank(input: Record<string, unknown>): Promise<Candidate[]> {
  return (await api.ok<Report>(QUERY, { input })).rootCause.candidates;
}

const names = (cs: Candidate[]) => cs.map((c) => c.ci.name);

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
  api = await testApi(graph);
});

afterAll(async () => {
  await closeTestGraph();
});

describe('rootCause', () => {
  it('does not blame one farm member for an outage its farm survives, and says why', async () => {
    const f = await farm(graph);
    const opened = Date.now() - 30 * MINUTE;
    const inc = await incident([f.app], opened);
    const cs = await rank({ incidentIds: [inc] });
    const order = names(cs);
    expect(order.slice(0, 2).sort()).toEqual(['app', 'farm']);
    expect(order.indexOf('server-1')).toBeGreaterThan(1);
    const member = cs.find((c) => c.ci.name === 'server-1')!;
    expect(member.evidence.join('\n')).toMatch(/only be DEGRADED/);
    expect(member.score).toBeLessThan(cs[0]!.score);
  });

  it('does not blame a CI recorded after the outage began (a replacement added during it)', async () => {
    const server = await ci(graph, 'Server', 'srv-q');
    const vm = await ci(graph, 'VirtualMachine', 'vm-q');
    const apps = [await ci(graph, 'Application', 'q1'), await ci(graph, 'Application', 'q2')];
    await rel(graph, 'HOSTED_ON', vm, server);
    for (const app of apps) await rel(graph, 'RUNS_ON', app, vm);
    // Recorded a day ago: the outage began half an hour ago, the replacement is added now.
    await graph.write('UNWIND $ids AS id MATCH (c:CI {id: id}) SET c.createdAt = $at', { ids: [server, vm, ...apps], at: Date.now() - 24 * 60 * MINUTE });
    const incidentIds = [await incident([apps[0]!], Date.now() - 30 * MINUTE), await incident([apps[1]!], Date.now() - 29 * MINUTE)];
    const replacement = await ci(graph, 'NetworkDevice', 'replacement-switch');
    await rel(graph, 'CONNECTED_TO', server, replacement);
    for (const projection of [true, false]) {
      const report = await rankRootCause(graph, { incidentIds, limit: 20 }, { projection });
      expect(report.candidates.map((c) => c.ciId)).not.toContain(replacement);
      expect(report.candidates[0]!.ciId).toBe(vm);
    }
    // Observed on their own (no incidents), the analysis is about now: the switch is a candidate.
    expect(names(await rank({ ciIds: apps, limit: 20 }))).toContain('replacement-switch');
  });

  it('ranks an outage the same given as its incidents or as their CIs; another incident on a candidate counts', async () => {
    const server = await ci(graph, 'Server', 'srv-x');
    const vm = await ci(graph, 'VirtualMachine', 'vm-x');
    const apps = [await ci(graph, 'Application', 'x1'), await ci(graph, 'Application', 'x2'), await ci(graph, 'Application', 'x3')];
    await rel(graph, 'HOSTED_ON', vm, server);
    for (const app of apps.slice(0, 2)) await rel(graph, 'RUNS_ON', app, vm);
    await rel(graph, 'RUNS_ON', apps[2]!, server);
    // Recorded a day ago, so that the evidence window from 2 h ago holds no recorded change
    // for either way of asking, only the incidents.
    const dayAgo = Date.now() - 24 * 60 * MINUTE;
    await graph.write('MATCH (c:CI) SET c.createdAt = $at WITH c MATCH (c)<-[:RECORDS]-(h:HistoryEntry) SET h.at = $at', { at: dayAgo });
    const incidentIds = [await incident([apps[0]!], Date.now() - 20 * MINUTE), await incident([apps[1]!], Date.now() - 19 * MINUTE)];
    const changesSince = new Date(Date.now() - 120 * MINUTE).toISOString();
    const byIncidents = await rank({ incidentIds, changesSince });
    const byCIs = await rank({ ciIds: apps.slice(0, 2), changesSince });
    const scores = (cs: Candidate[]) => Object.fromEntries(cs.map((c) => [c.ci.name, c.score.toFixed(6)]));
    expect(scores(byCIs)).toEqual(scores(byIncidents));
    expect(byCIs.map((c) => c.evidence.join('\n')).join('\n')).not.toMatch(/other open incident/);
    // An incident on the VM itself, not among those given, is evidence against it.
    const onVm = await incident([vm], Date.now() - 18 * MINUTE);
    const again = await rank({ incidentIds, changesSince });
    expect(again.find((c) => c.ci.name === 'vm-x')!.evidence.join('\n')).toContain(`1 other open incident on it: ${onVm}`);
  });

  it("walks Neo4j at a past time with each farm's minUp as it was then", async () => {
    const f = await farm(graph);
    const set = (minUp: number) => updateCI(graph, { id: f.cluster, attributes: { minUp } }, { actor: 'test', source: 'manual' });
    const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
    await set(2);
    await pause();
    const then = Date.now();
    await pause();
    await set(1);
    const member = async (at?: number) => {
      const report = await rankRootCause(graph, { ciIds: [f.app], limit: 10 }, { at, projection: false });
      return report.candidates.find((c) => c.ciId === f.s1)!.evidence.join('\n');
    };
    // Then one member of two down took the farm (minUp 2) down; now it only degrades it (minUp 1).
    expect(await member(then)).not.toMatch(/only be DEGRADED/);
    expect(await member()).toMatch(/only be DEGRADED/);
  });

  it('puts the database that explains several failing services above the site that would break everything', async () => {
    const site = await ci(graph, 'Location', 'site-a', { attributes: { locationId: 'site-a', kind: 'site' } });
    const server = await ci(graph, 'Server', 'db-host');
    await rel(graph, 'LOCATED_IN', server, site);
    const db = await ci(graph, 'Database', 'orders-db');
    await rel(graph, 'HOSTED_ON', db, server);
    const failing: string[] = [];
    for (let k = 0; k < 4; k++) {
      const app = await ci(graph, 'Application', `orders-app-${k}`);
      await rel(graph, 'DEPENDS_ON', app, db);
      const svc = await ci(graph, 'ApplicationService', `orders-svc-${k}`);
      await rel(graph, 'DEPENDS_ON', svc, app);
      failing.push(svc);
    }
    // Ten healthy services at the same site report nothing.
    for (let k = 0; k < 10; k++) {
      const host = await ci(graph, 'Server', `web-host-${k}`);
      await rel(graph, 'LOCATED_IN', host, site);
      const app = await ci(graph, 'Application', `web-app-${k}`);
      await rel(graph, 'RUNS_ON', app, host);
      const svc = await ci(graph, 'ApplicationService', `web-svc-${k}`);
      await rel(graph, 'DEPENDS_ON', svc, app);
    }
    const opened = Date.now() - 60 * MINUTE;
    const incidents = [await incident([failing[0]!], opened), await incident([failing[1]!], opened + MINUTE), await incident([failing[2]!], opened + 2 * MINUTE)];
    const report = (await api.ok<Report>(QUERY, { input: { incidentIds: incidents } })).rootCause;
    const order = names(report.candidates);
    expect(report.observations).toHaveLength(3);
    expect(report.complete).toBe(true);
    // orders-db, its host are indistinguishable by the observations; the site is not.
    expect(order.slice(0, 2).sort()).toEqual(['db-host', 'orders-db']);
    expect(order.indexOf('site-a')).toBeGreaterThan(order.indexOf('orders-db'));
    const top = report.candidates.find((c) => c.ci.name === 'orders-db')!;
    expect(top.explains.map((c) => c.name).sort()).toEqual(['orders-svc-0', 'orders-svc-1', 'orders-svc-2']);
    expect(top.evidence[0]).toMatch(/^explains 3 of 3 failing CIs/);
    expect(top.evidence.join('\n')).toMatch(/would also have broken 5 user-facing CIs that report no incident/);
    const siteCandidate = report.candidates.find((c) => c.ci.name === 'site-a')!;
    expect(siteCandidate.evidence.join('\n')).toMatch(/would also have broken 25 user-facing CIs that report no incident/);
    // A single app explains one of the three only.
    const app = report.candidates.find((c) => c.ci.name === 'orders-svc-0')!;
    expect(app.evidence.join('\n')).toMatch(/leaves 2 failing CIs unexplained/);
  });

  it('says "at least" when the walk in Neo4j stopped at its budget before the end of a candidate\'s damage', async () => {
    const site = await ci(graph, 'Location', 'site-b', { attributes: { locationId: 'site-b', kind: 'site' } });
    const host = await ci(graph, 'Server', 'db-host');
    await rel(graph, 'LOCATED_IN', host, site);
    const db = await ci(graph, 'Database', 'db');
    await rel(graph, 'HOSTED_ON', db, host);
    const svc = await ci(graph, 'ApplicationService', 'svc');
    await rel(graph, 'DEPENDS_ON', svc, db);
    for (let k = 0; k < 30; k++) {
      const other = await ci(graph, 'Server', `other-${k}`);
      await rel(graph, 'LOCATED_IN', other, site);
      const app = await ci(graph, 'Application', `other-app-${k}`);
      await rel(graph, 'RUNS_ON', app, other);
    }
    const inc = await incident([svc], Date.now() - 10 * MINUTE);
    const full = await rankRootCause(graph, { incidentIds: [inc] }, { projection: false });
    expect(full.complete).toBe(true);
    const cut = await rankRootCause(graph, { incidentIds: [inc] }, { projection: false, nodeBudget: 20 });
    expect(cut.complete).toBe(false);
    const row = (name: string) => cut.candidates.find((c) => cut.names.get(c.ciId)?.name === name)!;
    expect(row('site-b').evidence.join('\n')).toMatch(/would also have broken at least \d+ user-facing CI|the walk stopped at its budget/);
    // The database's own damage was read to the end: no "at least".
    expect(row('db').evidence.join('\n')).not.toMatch(/at least/);
  });
  it('lets a change implemented shortly before the first incident change the order, and names it', async () => {
    const host = await ci(graph, 'Server', 'pay-host');
    const vm = await ci(graph, 'VirtualMachine', 'pay-vm', { attributes: { vmId: 'pay-vm' } });
    await rel(graph, 'HOSTED_ON', vm, host);
    const app = await ci(graph, 'Application', 'pay-app');
    await rel(graph, 'RUNS_ON', app, vm);
    const opened = Date.now() - 60 * MINUTE;
    const inc = await incident([app], opened);

    const before = names(await rank({ incidentIds: [inc] }));
    expect(before[0]).toBe('pay-app');
    expect(before.indexOf('pay-vm')).toBeGreaterThan(0);

    const change = await recordImplementedChange(graph, { title: 'resize pay-vm', targetCiIds: [vm], implementedAt: opened - 40 * MINUTE }, who);
    const after = await rank({ incidentIds: [inc] });
    expect(after[0]!.ci.name).toBe('pay-vm');
    expect(after[0]!.recentChanges!.map((c) => c.id)).toEqual([change.id]);
    expect(after[0]!.evidence.join('\n')).toContain(`change ${change.id} ("resize pay-vm") implemented 40 min before the first incident`);

    // A change outside the window is not evidence.
    const later = await rank({ incidentIds: [inc], changesSince: new Date(opened).toISOString() });
    expect(later[0]!.ci.name).toBe('pay-app');
  });

  it('finds two independent roots when one cannot explain everything', async () => {
    const dbA = await ci(graph, 'Database', 'db-a');
    const dbB = await ci(graph, 'Database', 'db-b');
    const failing: string[] = [];
    for (const [db, label] of [[dbA, 'a'], [dbB, 'b']] as const) {
      for (let k = 0; k < 3; k++) {
        const app = await ci(graph, 'Application', `app-${label}-${k}`);
        await rel(graph, 'DEPENDS_ON', app, db);
        failing.push(app);
      }
    }
    const opened = Date.now() - 60 * MINUTE;
    const incidents = await Promise.all(failing.map((id, k) => incident([id], opened + k * MINUTE)));
    const cs = await rank({ incidentIds: incidents });
    expect(names(cs).slice(0, 2).sort()).toEqual(['db-a', 'db-b']);
    expect(cs[0]!.secondRoot?.id).toBe(cs[0]!.ci.name === 'db-a' ? dbB : dbA);
    expect(cs[0]!.evidence.join('\n')).toMatch(/as a second, independent failure it explains 6 of 6/);
  });

  it('refuses unknown ids (NOT_FOUND naming them) and an empty question (BAD_USER_INPUT)', async () => {
    const app = await ci(graph, 'Application', 'lonely');
    const unknownIncident = await api.request(QUERY, { input: { incidentIds: ['INC-999'] } });
    expect(unknownIncident.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknownIncident.errors?.[0]?.message).toContain('INC-999');
    const unknownCI = await api.request(QUERY, { input: { ciIds: [app, '00000000-0000-4000-8000-000000000000'] } });
    expect(unknownCI.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknownCI.errors?.[0]?.message).toContain('00000000-0000-4000-8000-000000000000');
    const empty = await api.request(QUERY, { input: {} });
    expect(empty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const emptyLists = await api.request(QUERY, { input: { incidentIds: [], ciIds: [] } });
    expect(emptyLists.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('turns a candidate into a problem in one mutation', async () => {
    const f = await farm(graph);
    const inc = await incident([f.app], Date.now() - 10 * MINUTE);
    const res = await api.ok<{ createProblemFromRootCause: { id: string; title: string; description: string; rootCause: { id: string }; incidents: { id: string }[] } }>(
      `mutation($input: CreateProblemFromRootCauseInput!) {
        createProblemFromRootCause(input: $input) { id title description rootCause { id } incidents { id } }
      }`,
      { input: { ciId: f.cluster, incidentIds: [inc] } },
    );
    const problem = res.createProblemFromRootCause;
    expect(problem.id).toMatch(/^PRB-/);
    expect(problem.title).toBe('Root cause: farm');
    expect(problem.rootCause.id).toBe(f.cluster);
    expect(problem.incidents.map((i) => i.id)).toEqual([inc]);
    expect(problem.description).toContain('explains 1 of 1 failing CI');

    const viewer = await api.tokenFor(['viewer']);
    const denied = await api.request(
      `mutation($input: CreateProblemFromRootCauseInput!) { createProblemFromRootCause(input: $input) { id } }`,
      { input: { ciId: f.cluster, incidentIds: [inc] } },
      viewer,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // A CI that is not there, or retired, is named by this input's field, and nothing is recorded.
    const mutation = `mutation($input: CreateProblemFromRootCauseInput!) { createProblemFromRootCause(input: $input) { id } }`;
    const unknown = await api.request(mutation, { input: { ciId: '00000000-0000-4000-8000-000000000000', incidentIds: [inc] } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0]?.extensions?.field).toBe('input.ciId');
    const gone = await ci(graph, 'VirtualMachine', 'gone-vm');
    await api.ok(`mutation($id: ID!) { retireCI(id: $id) { id } }`, { id: gone });
    const retired = await api.request(mutation, { input: { ciId: gone, incidentIds: [inc] } });
    expect(retired.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(retired.errors?.[0]?.extensions)).toContain('ciId');
    const inc2 = await incident([f.app], Date.now() - 5 * MINUTE);
    const next = await api.ok<{ createProblemFromRootCause: { id: string } }>(mutation, { input: { ciId: f.cluster, incidentIds: [inc2] } });
    expect(Number(next.createProblemFromRootCause.id.slice(4))).toBe(Number(problem.id.slice(4)) + 1);
  });

  it('names the chosen CI in the problem title even when the analysis did not rank it', async () => {
    const f = await farm(graph, 'named-');
    // A VM on the farm: read by the downstream walk (which reads no names of CIs that are
    // not user-facing), but not upstream of the failing application, so not a candidate.
    const vm = await ci(graph, 'VirtualMachine', 'named-vm');
    await rel(graph, 'HOSTED_ON', vm, f.cluster);
    const inc = await incident([f.app], Date.now() - 10 * MINUTE);
    const res = await api.ok<{ createProblemFromRootCause: { title: string; description: string } }>(
      `mutation($input: CreateProblemFromRootCauseInput!) { createProblemFromRootCause(input: $input) { title description } }`,
      { input: { ciId: vm, incidentIds: [inc] } },
    );
    expect(res.createProblemFromRootCause.title).toBe('Root cause: named-vm');
    expect(res.createProblemFromRootCause.description).toContain('named-vm was chosen as root cause; the analysis did not rank it');
  });
});
