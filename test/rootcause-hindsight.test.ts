/**
 * Root cause in hindsight (server/rootcause/hindsight.ts), end to end: past outages put on
 * record through the ITSM services (incidents, a problem naming the root, resolved), then
 * each problem's incidents ranked again as of its first incident, with a reporting model
 * learnt from the other problems only, on the topology as it stood then; a problem that
 * names a CI the graph does not connect to its incidents says so; the API serves it to
 * problem managers.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createIncident, transitionIncident } from '../server/incidents/index.js';
import { createProblem, transitionProblem } from '../server/problems/index.js';
import { retireCI } from '../server/cis/index.js';
import { calibrations } from '../server/rootcause/index.js';
import { rootCauseHindsight } from '../server/rootcause/hindsight.js';
import { generateCMDB } from './generator/index.js';
import { drawScenario, prng, PROTOCOL, signature, topology, upstream, type Scenario } from './eval/faults.js';
import { recordPastOutages, serviceRanker } from './eval/service-ranker.js';
import { closeTestGraph, testGraph } from './helpers/neo4j.js';
import { testApi } from './helpers/api.js';
import { ci, rel } from './helpers/itsm.js';

afterAll(closeTestGraph);

const who = { actor: 'test', source: 'manual' };

describe('root cause in hindsight', () => {
  it('ranks each resolved problem again as of its first incident, learning from the others only, on the topology as it stood', { timeout: 600_000 }, async () => {
    const graph = await testGraph();
    const t = topology(generateCMDB({ n: 1_200, seed: 4 }), Date.now());
    await serviceRanker(graph).prepare(t);
    // Nothing resolved on record yet: nothing to say.
    expect(await rootCauseHindsight(graph)).toEqual({ problems: [], analysed: 0, top1: null, top3: null, top5: null, top1UpToEquivalence: null, top3UpToEquivalence: null, top5UpToEquivalence: null });
    const rand = prng(23);
    const past: Scenario[] = [];
    while (past.length < 12) {
      const s = drawScenario(t, rand, { roots: 1, ...PROTOCOL });
      if (s) past.push(s);
    }
    await recordPastOutages(graph, t, past);
    const all = (await calibrations(graph).refresh())!;
    expect(all.problems).toBeGreaterThanOrEqual(10);

    const h = await rootCauseHindsight(graph, { last: 12 });
    expect(h.problems).toHaveLength(12);
    expect(h.analysed).toBe(12);
    // Latest resolved first: the last outage recorded comes first.
    expect(h.problems[0]!.rootCauseCiId).toBe(past.at(-1)!.roots[0]);
    expect(new Set(h.problems.map((p) => p.rootCauseCiId))).toEqual(new Set(past.map((s) => s.roots[0])));
    for (const p of h.problems) {
      // Never learnt from itself: one problem fewer than the whole fit (or none, too few left).
      if (p.learntFrom !== null) expect(p.learntFrom).toBeLessThan(all.problems + all.outages);
      expect(p.outcome === 'RANKED').toBe(p.rank !== null);
      // Up to equivalence: never worse; a look-alike ranked above breaks exactly what the root breaks.
      expect(p.rankUpToEquivalence === null).toBe(p.rank === null);
      if (p.rank !== null) expect(p.rankUpToEquivalence!).toBeLessThanOrEqual(p.rank);
      if (p.lookAlikeCiId) expect(signature(t, [p.lookAlikeCiId])).toBe(signature(t, [p.rootCauseCiId]));
      expect(p.firstIncidentAt).toBeLessThan(Date.now() - 24 * 3_600_000);
      expect(p.graphAt).toBe(p.firstIncidentAt); // the generated CIs were there then
    }
    expect(h.problems.filter((p) => p.learntFrom !== null).length).toBeGreaterThan(6);
    // The shares are those of the ranks; the ranking is far from chance (a floor well
    // below what the evaluation measures end to end with learning: AC@5 about 0.95).
    expect(h.top1).toBe(h.problems.filter((p) => p.rank === 1).length / 12);
    expect(h.top5).toBe(h.problems.filter((p) => p.rank !== null && p.rank <= 5).length / 12);
    expect(h.top5!).toBeGreaterThanOrEqual(0.5);
    expect(h.top1UpToEquivalence).toBe(h.problems.filter((p) => p.rankUpToEquivalence === 1).length / 12);
    expect(h.top1UpToEquivalence!).toBeGreaterThanOrEqual(h.top1!);

    // The topology as it stood: a root retired since is ranked where it was.
    const ranked = h.problems.find((p) => p.outcome === 'RANKED')!;
    await retireCI(graph, ranked.rootCauseCiId, who);
    const after = await rootCauseHindsight(graph, { last: 12 });
    expect(after.problems.find((p) => p.problemId === ranked.problemId)).toMatchObject({ outcome: 'RANKED', rank: ranked.rank });

    // A problem naming a CI its incidents do not depend on: not a candidate.
    const observed = past[0]!.observed.filter((id) => !past[0]!.noise.includes(id)).slice(0, 2);
    const above = new Set(upstream(t, observed));
    const unrelated = t.graph.ids.find((id) => !above.has(id) && t.graph.active[t.graph.index.get(id)!] && id !== ranked.rootCauseCiId)!;
    const incidentIds: string[] = [];
    for (const ciId of observed) {
      const incident = await createIncident(graph, { title: 'later', priority: 'P3', affectedCiIds: [ciId], openedAt: Date.now() - 3_600_000 }, who);
      await transitionIncident(graph, incident.id, 'IN_PROGRESS', who);
      await transitionIncident(graph, incident.id, 'RESOLVED', who);
      incidentIds.push(incident.id);
    }
    const problem = await createProblem(graph, { title: 'blamed elsewhere', incidentIds, rootCauseCiId: unrelated }, who);
    await transitionProblem(graph, problem.id, 'UNDER_INVESTIGATION', who);
    await transitionProblem(graph, problem.id, 'RESOLVED', who);
    const latest = await rootCauseHindsight(graph, { last: 1 });
    expect(latest.problems).toHaveLength(1);
    expect(latest.problems[0]).toMatchObject({ problemId: problem.id, outcome: 'NOT_A_CANDIDATE', rank: null });
    expect(latest.problems[0]!.candidateCount).toBeGreaterThan(0);
    expect(latest).toMatchObject({ analysed: 1, top1: 0, top3: 0, top5: 0, top5UpToEquivalence: 0 });

    // Through the API, for problem managers.
    const api = await testApi(graph);
    const query = '{ rootCauseHindsight(last: 2) { analysed top1 problems { problem { id } rootCause { id } outcome rank top { id } learntFrom } } }';
    const served = await api.ok<{ rootCauseHindsight: { analysed: number; problems: { problem: { id: string }; outcome: string; rank: number | null }[] } }>(query);
    expect(served.rootCauseHindsight.analysed).toBe(2);
    expect(served.rootCauseHindsight.problems[0]).toMatchObject({ problem: { id: problem.id }, outcome: 'NOT_A_CANDIDATE', rank: null });
    const viewer = await api.tokenFor(['viewer']);
    expect((await api.request(query, {}, viewer)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const tooMany = await api.request('{ rootCauseHindsight(last: 51) { analysed } }');
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.errors?.[0]?.message).toMatch(/last/);

    // A VM running one application, recorded as the root of that application's incident:
    // the ranking lists the application first (the observed CI itself), and no
    // observation can tell the two apart, so up to equivalence the root came first.
    const vmIndex = t.graph.ids.findIndex((id, i) => t.classes.get(id) === 'VirtualMachine' && t.graph.dependents[i]!.length === 1 && t.classes.get(t.graph.ids[t.graph.dependents[i]![0]!.ci]!) === 'Application');
    expect(vmIndex).toBeGreaterThanOrEqual(0);
    const vm = t.graph.ids[vmIndex]!;
    const app = t.graph.ids[t.graph.dependents[vmIndex]![0]!.ci]!;
    const incident = await createIncident(graph, { title: 'app down', priority: 'P3', affectedCiIds: [app], openedAt: Date.now() - 2 * 3_600_000 }, who);
    await transitionIncident(graph, incident.id, 'IN_PROGRESS', who);
    await transitionIncident(graph, incident.id, 'RESOLVED', who);
    const onVm = await createProblem(graph, { title: 'VM crashed', incidentIds: [incident.id], rootCauseCiId: vm }, who);
    await transitionProblem(graph, onVm.id, 'UNDER_INVESTIGATION', who);
    await transitionProblem(graph, onVm.id, 'RESOLVED', who);
    const alike = (await rootCauseHindsight(graph, { last: 1 })).problems[0]!;
    expect(alike).toMatchObject({ problemId: onVm.id, outcome: 'RANKED', rankUpToEquivalence: 1, lookAlikeCiId: app, topCiId: app });
    expect(alike.rank).toBeGreaterThan(1);

    // An outage older than the CIs it affected (a CMDB populated afterwards): ranked on
    // the graph as it is now, and said so; once those CIs are retired too, on nothing.
    const late = await ci(graph, 'Application', 'recorded-after-the-outage');
    const server = await ci(graph, 'Server', 'its-server');
    await rel(graph, 'RUNS_ON', late, server);
    const before = await createIncident(graph, { title: 'old outage', priority: 'P3', affectedCiIds: [late], openedAt: Date.now() - 5 * 24 * 3_600_000 }, who);
    await transitionIncident(graph, before.id, 'IN_PROGRESS', who);
    await transitionIncident(graph, before.id, 'RESOLVED', who);
    const old = await createProblem(graph, { title: 'before our time', incidentIds: [before.id], rootCauseCiId: server }, who);
    await transitionProblem(graph, old.id, 'UNDER_INVESTIGATION', who);
    await transitionProblem(graph, old.id, 'RESOLVED', who);
    const started = Date.now();
    const onNow = (await rootCauseHindsight(graph, { last: 1 })).problems[0]!;
    expect(onNow).toMatchObject({ problemId: old.id, outcome: 'RANKED', candidateCount: 2 });
    expect(onNow.graphAt).toBeGreaterThanOrEqual(started);
    expect(onNow.graphAt).toBeGreaterThan(onNow.firstIncidentAt);
    expect(onNow.note).toMatch(/as it is now/);
    await retireCI(graph, late, who);
    const nowhere = await rootCauseHindsight(graph, { last: 1 });
    expect(nowhere.problems[0]).toMatchObject({ problemId: old.id, outcome: 'NOT_ANALYSABLE', rank: null });
    expect(nowhere.problems[0]!.note).toMatch(/nor is now/);
    expect(nowhere).toMatchObject({ analysed: 0, top1: null });
  });
});
