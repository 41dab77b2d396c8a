import { describe, expect, it } from 'vitest';
import { indexSubgraph, type SubgraphRelationship } from '../impact/index.js';
import { changeFactor, duration, lnGamma, lnTwoChancesBeta, lnTwoChancesPick, prepareRcaGraph, rankRootCauses, type RcaInput, type RcaOptions } from './model.js';
import { closureBits } from './closures.js';
import { downParts } from './down-parts.js';
import { generateCMDB } from '../../test/generator/index.js';
import { drawScenario, prng, topology, upstream, type Scenario } from '../../test/eval/faults.js';

const T = Date.UTC(2025, 5, 1, 12);
const MIN = 60_000;

/** site <- host-k <- app-k <- svc-k (k < 10); db <- app-0..2; farm (minUp 1) of m1, m2 <- farm-app. */
function world(extra: SubgraphRelationship[] = [], extraNodes: [string, string][] = []) {
  const nodes = new Map<string, { class: string; name: string }>();
  const rels: SubgraphRelationship[] = [];
  const add = (id: string, cls: string) => nodes.set(id, { class: cls, name: id });
  add('site', 'Location');
  add('db', 'Database');
  for (let k = 0; k < 10; k++) {
    add(`host-${k}`, 'Server');
    add(`app-${k}`, 'Application');
    add(`svc-${k}`, 'ApplicationService');
    rels.push({ type: 'LOCATED_IN', from: `host-${k}`, to: 'site' });
    rels.push({ type: 'RUNS_ON', from: `app-${k}`, to: `host-${k}` });
    rels.push({ type: 'DEPENDS_ON', from: `svc-${k}`, to: `app-${k}` });
    if (k < 3) rels.push({ type: 'DEPENDS_ON', from: `app-${k}`, to: 'db' });
  }
  add('farm', 'Cluster');
  add('m1', 'Server');
  add('m2', 'Server');
  add('farm-app', 'Application');
  rels.push({ type: 'HAS_MEMBER', from: 'farm', to: 'm1' }, { type: 'HAS_MEMBER', from: 'farm', to: 'm2' }, { type: 'RUNS_ON', from: 'farm-app', to: 'farm' });
  for (const [id, cls] of extraNodes) add(id, cls);
  rels.push(...extra);
  const graph = indexSubgraph({ cis: [...nodes.keys()].map((id) => ({ id, minUp: id === 'farm' ? 1 : null })), relationships: rels }, T);
  return { graph, nodes };
}

function rank(observed: string[], candidates: string[], extra: Partial<RcaInput> = {}, rels: SubgraphRelationship[] = [], extraNodes: [string, string][] = []) {
  const { graph, nodes } = world(rels, extraNodes);
  return rankRootCauses({
    graph,
    nodes,
    observations: observed.map((ciId) => ({ ciId, incidentIds: [] })),
    candidates,
    referenceTime: T,
    userFacingTotal: 200,
    ...extra,
  });
}

/** A generated CMDB prepared for ranking, and a ranking of one drawn outage on it with the given options. */
function generated(n: number, seed: number) {
  const t = topology(generateCMDB({ n, seed }), T);
  const nodes = new Map([...t.classes].map(([id, cls]) => [id, { class: cls, name: t.names.get(id) ?? id }]));
  const prepared = prepareRcaGraph(t.graph, nodes, { countAll: true });
  const rankOutage = (scenario: Scenario, options: Partial<RcaOptions>) =>
    rankRootCauses({
      graph: t.graph,
      prepared,
      nodes,
      observations: scenario.observed.map((ciId) => ({ ciId, incidentIds: [] })),
      candidates: upstream(t, scenario.observed),
      referenceTime: T,
      userFacingTotal: t.userFacingIds.length,
      classCounts: t.classCounts,
      options,
    });
  return { t, prepared, rankOutage };
}

describe('rankRootCauses', () => {
  it('spreads the prior over classes: of two indistinguishable failures, the one of a rare class leads', () => {
    // host-5 and app-5 break exactly the same user-facing CIs (app-5, svc-5).
    const plain = rank(['svc-5'], ['host-5', 'app-5']);
    expect(plain.map((c) => c.ciId)).toEqual(['app-5', 'host-5']); // tie: the smaller failure first
    const classCounts = new Map([['Server', 20], ['Application', 4_000], ['ApplicationService', 3_000]]);
    const classed = rank(['svc-5'], ['host-5', 'app-5'], { classCounts });
    expect(classed.map((c) => c.ciId)).toEqual(['host-5', 'app-5']);
    // Relative to a uniform prior over CIs, each is weighed N / (K |class|).
    expect(classed[0]!.logScore - plain[1]!.logScore).toBeCloseTo(Math.log(7_020 / (3 * 20)), 6);
    expect(rank(['svc-5'], ['host-5', 'app-5'], { classCounts, options: { classPrior: false } }).map((c) => c.ciId)).toEqual(['app-5', 'host-5']);
  });

  it('with a reporting rate learnt from past problems, the number of reports says how large the failure is', () => {
    // Every CI the database breaks reported (6 of 6): with the rate unknown, the database
    // explains it all and nothing more; with 30 % learnt, six reports point to a failure of
    // about twenty user-facing CIs: the site's.
    const observed = ['svc-0', 'svc-1', 'svc-2', 'app-0', 'app-1', 'app-2'];
    expect(rank(observed, ['site', 'db']).map((c) => c.ciId)).toEqual(['db', 'site']);
    const reporting = { problems: 40, rate: 0.3, spread: 0.5, rateError: 0.01 };
    const learnt = rank(observed, ['site', 'db'], { options: { reporting } });
    expect(learnt.map((c) => c.ciId)).toEqual(['site', 'db']);
    // The site's own likelihood: six of its twenty reported, about 0.3 x 20 as learnt.
    const variance = 0.25 + (0.01 * 20) ** 2;
    const lnChoose = lnGamma(21) - lnGamma(7) - lnGamma(15);
    const site = learnt.find((c) => c.ciId === 'site')!;
    const db = learnt.find((c) => c.ciId === 'db')!;
    const dbVariance = 0.25 + (0.01 * 6) ** 2;
    const expected = -0.5 * Math.log(2 * Math.PI * variance) - lnChoose - (-((6 - 1.8) ** 2) / (2 * dbVariance) - 0.5 * Math.log(2 * Math.PI * dbVariance));
    // Both have the same prior (no class counts) and explain everything: the difference is the count.
    expect(site.logScore - db.logScore).toBeCloseTo(expected, 6);
  });

  it('prefers the database that explains three services over the site that would break ten', () => {
    const r = rank(['svc-0', 'svc-1', 'svc-2'], ['site', 'db', 'host-0', 'app-0', 'svc-0']);
    expect(r[0]!.ciId).toBe('db');
    expect(r.map((c) => c.ciId).indexOf('site')).toBeGreaterThan(0);
    expect(r[0]!.explains.sort()).toEqual(['svc-0', 'svc-1', 'svc-2']);
    expect(r.find((c) => c.ciId === 'site')!.unobservedDamage).toBe(20 - 3);
  });

  it('does not let one farm member explain what its farm survives', () => {
    const r = rank(['farm-app'], ['farm', 'm1', 'm2', 'farm-app']);
    expect(r.slice(0, 2).map((c) => c.ciId).sort()).toEqual(['farm', 'farm-app']);
    expect(r.find((c) => c.ciId === 'm1')!.evidence.join(' ')).toMatch(/only be DEGRADED/);
  });

  it('raises a candidate with a change right before the first incident', () => {
    const without = rank(['svc-5'], ['host-5', 'app-5', 'svc-5']);
    expect(without[0]!.ciId).toBe('svc-5');
    const changes = new Map([['host-5', [{ id: 'CHG-1', title: 'patch', implementedAt: T - 40 * MIN }]]]);
    const withChange = rank(['svc-5'], ['host-5', 'app-5', 'svc-5'], { changes });
    expect(withChange[0]!.ciId).toBe('host-5');
    expect(withChange[0]!.evidence).toContain('change CHG-1 ("patch") implemented 40 min before the first incident');
    // A change after the first incident cannot be its cause.
    const after = rank(['svc-5'], ['host-5', 'app-5', 'svc-5'], { changes: new Map([['host-5', [{ id: 'CHG-2', title: 'x', implementedAt: T + 60 * MIN }]]]) });
    expect(after[0]!.ciId).toBe('svc-5');
    expect(after.find((c) => c.ciId === 'host-5')!.evidence).toContain('change CHG-2 ("x") implemented 1 h after the first incident, so it cannot have caused it');
    // Within the clock slack it counts, and the evidence says it came after all.
    const slack = rank(['svc-5'], ['host-5', 'app-5', 'svc-5'], { changes: new Map([['host-5', [{ id: 'CHG-3', title: 'y', implementedAt: T + 8 * MIN }]]]) });
    expect(slack[0]!.ciId).toBe('host-5');
    expect(slack[0]!.evidence).toContain(
      'change CHG-3 ("y") implemented 8 min after the first incident, counted as before it (within the 10 min allowed for clocks and incidents opened late)',
    );
    // Without incidents the time is the analysis's.
    const observedOnly = rank(['svc-5'], ['host-5', 'app-5', 'svc-5'], { changes, reference: 'the analysis' });
    expect(observedOnly[0]!.evidence).toContain('change CHG-1 ("patch") implemented 40 min before the analysis');
  });

  it('weighs a change by how rare changes are among the candidates', () => {
    const candidates = ['site', 'host-5', 'app-5', 'svc-5'];
    const change = (id: string) => [id, [{ id: `CHG-${id}`, title: 'patch', implementedAt: T - 40 * MIN }]] as const;
    const lead = (changed: string[], options?: Partial<RcaInput['options']>) => {
      const r = rank(['svc-5'], candidates, { changes: new Map(changed.map(change)), options });
      const log = (id: string) => r.find((c) => c.ciId === id)!.logScore;
      return log('host-5') - log('svc-5');
    };
    // One candidate of four with a change says more than two of four do.
    expect(lead(['host-5'])).toBeGreaterThan(lead(['host-5', 'app-5']) + 0.3);
    // With a fixed factor, how many others carry one does not matter.
    expect(lead(['host-5'], { changeBoost: 30 })).toBeCloseTo(lead(['host-5', 'app-5'], { changeBoost: 30 }), 9);
  });

  it('pairs two independent roots', () => {
    const observed = ['svc-0', 'svc-1', 'svc-2', 'farm-app'];
    const candidates = ['db', 'site', 'farm', 'm1', 'farm-app', 'app-0', 'svc-0'];
    // A change on the farm half an hour before: the db and the farm both failed.
    const changes = new Map([['farm', [{ id: 'CHG-7', title: 'farm patch', implementedAt: T - 30 * MIN }]]]);
    const r = rank(observed, candidates, { userFacingTotal: 2000, changes });
    expect(r[0]!.ciId).toBe('db');
    expect(r[0]!.partner).toBe('farm');
    expect(r[1]!.ciId).toBe('farm');
    expect(r[1]!.score).toBeGreaterThan(0.5);
    expect(r[0]!.evidence.join(' ')).toMatch(/second, independent failure it explains 4 of 4/);
    // Without it, the farm's failure and an unrelated incident on farm-app are about as
    // likely (a second root is weighed as an unrelated failure is: eta): the db alone
    // leads, and the farm or farm-app still comes next.
    const plain = rank(observed, candidates, { userFacingTotal: 2000 });
    expect(plain[0]!.ciId).toBe('db');
    expect(plain[0]!.partner).toBeNull();
    expect(['farm', 'farm-app']).toContain(plain[1]!.ciId);
    expect(plain[1]!.score).toBeGreaterThan(0.1);
    expect(plain[1]!.score).toBeLessThan(0.5);
  });

  it('propagates two members of one farm jointly: together they take down what each alone only DEGRADES', () => {
    // farm (minUp 1) of m1 and m2 runs four applications; a patch went onto both members.
    const apps = ['farm-app', 'farm-app-2', 'farm-app-3', 'farm-app-4'];
    const extraNodes = apps.slice(1).map((id) => [id, 'Application'] as [string, string]);
    const rels = apps.slice(1).map((id) => ({ type: 'RUNS_ON', from: id, to: 'farm' }));
    const patch = (id: string) => [id, [{ id: `CHG-${id}`, title: 'patch', implementedAt: T - 30 * MIN }]] as const;
    const r = rank(apps, ['farm', 'm1', 'm2', ...apps], { userFacingTotal: 4, changes: new Map([patch('m1'), patch('m2')]), options: { changeBoost: 30 } }, rels, extraNodes);
    // The farm alone is the likeliest single cause; the two patched members, which only
    // together take the applications DOWN (each alone leaves one up), are the likeliest
    // explanation: scored as the union of two DEGRADING failures they would fall far behind.
    expect(r[0]!.ciId).toBe('farm');
    expect(r.slice(1, 3).map((c) => c.ciId).sort()).toEqual(['m1', 'm2']);
    expect(r[1]!.score).toBeGreaterThan(0.9);
    expect(r[1]!.evidence.join(' ')).toMatch(/second, independent failure it explains 4 of 4/);
  });

  it('weighs a given CI as a second root as the noise model weighs an unrelated failure (eta)', () => {
    const observed = ['svc-0', 'svc-1', 'svc-2', 'farm-app'];
    const candidates = ['db', 'farm'];
    const pairShare = (userFacingTotal: number, secondRootLogPrior?: number) =>
      rank(observed, candidates, { userFacingTotal, options: secondRootLogPrior === undefined ? {} : { secondRootLogPrior } }).find((c) => c.ciId === 'farm')!.score;
    // eta = 0.2 x 4 / user-facing CIs: ten times the estate, a tenth the prior, for the pair and for the noise alike.
    const eta = (uf: number) => Math.log((0.2 * 4) / uf);
    expect(pairShare(200)).toBeCloseTo(pairShare(200, eta(200)), 12);
    expect(pairShare(2000)).toBeCloseTo(pairShare(2000, eta(2000)), 12);
    // A fixed prior does not follow the estate: the same 0.02 makes the pair likelier in a larger one.
    expect(pairShare(2000, Math.log(0.02))).toBeGreaterThan(pairShare(200, Math.log(0.02)));
  });

  it('surfaces a second root inside the first one through reports crowded where both break', () => {
    // The site breaks all 20 services and applications; half the reports fall on the six the db breaks too.
    const observed = ['svc-0', 'svc-1', 'svc-2', 'app-0', 'app-1', 'app-2', 'svc-5', 'svc-8', 'app-9', 'svc-4'];
    const r = rank(observed, ['site', 'db', 'host-5', 'app-5']);
    expect(r[0]!.ciId).toBe('site');
    expect(r[1]!.ciId).toBe('db');
    expect(r[1]!.partner).toBe('site');
    expect(r[1]!.score).toBeGreaterThan(0.1);
    expect(r[1]!.evidence.join(' ')).toMatch(/both would take down 6 of them, which had two chances to draw an incident/);
  });

  it('pairs a second root that takes DOWN a CI the first one only DEGRADES', () => {
    // With m1 in the site, the site's failure leaves farm-app DEGRADED (m2 carries the farm):
    // a report there is the trace of a second failure that took farm-app DOWN, though the
    // site "explains" it. Such a pair explains no more observations, yet explains one better.
    const m1InSite: SubgraphRelationship[] = [{ type: 'LOCATED_IN', from: 'm1', to: 'site' }];
    const observed = ['svc-0', 'svc-3', 'svc-5', 'app-7', 'svc-8', 'app-9', 'farm-app'];
    const r = rank(observed, ['site', 'farm', 'm1', 'm2', 'farm-app'], {}, m1InSite);
    expect(r[0]!.ciId).toBe('site');
    // farm and farm-app break the same user-facing CIs: they share the second place.
    for (const second of r.slice(1, 3)) {
      expect(['farm', 'farm-app']).toContain(second.ciId);
      expect(second.partner).toBe('site');
      expect(second.score).toBeGreaterThan(0.15);
      expect(second.evidence.join(' ')).toMatch(/it would take down 1 failing CI that site would only DEGRADE/);
    }
  });

  it('pairs a first root whose reports a second root took DOWN where it only DEGRADES them, with a learnt count', () => {
    // The site's failure leaves the farm's three applications DEGRADED (m1 is in the site);
    // the farm's own failure took them DOWN. Learnt: 30 % of what breaks is reported, and a
    // CI only DEGRADED almost never. Six reports of the site's twenty plus the three farm
    // applications: the site and the farm. Judged alone, the three DEGRADED reports cost
    // the site 3 ln 1e-4, which kept it out of the first roots of pairs, behind the db.
    const rels: SubgraphRelationship[] = [
      { type: 'LOCATED_IN', from: 'm1', to: 'site' },
      { type: 'RUNS_ON', from: 'farm-app2', to: 'farm' },
      { type: 'RUNS_ON', from: 'farm-app3', to: 'farm' },
    ];
    const extraNodes: [string, string][] = [['farm-app2', 'Application'], ['farm-app3', 'Application']];
    const observed = ['svc-0', 'svc-1', 'svc-2', 'app-0', 'app-1', 'app-2', 'farm-app', 'farm-app2', 'farm-app3'];
    const reporting = { problems: 40, rate: 0.3, spread: 0.5, rateError: 0.01 };
    const candidates = ['site', 'db', 'farm', 'm1', 'm2', 'farm-app', 'farm-app2', 'farm-app3', 'host-0', 'app-0'];
    const r = rank(observed, candidates, { options: { reporting, degradedRatio: 1e-4 } }, rels, extraNodes);
    // The pair holds nearly all the posterior, and leads the list: no single CI explains half the reports.
    expect(r.slice(0, 2).map((c) => c.ciId).sort()).toEqual(['farm', 'site']);
    expect(r[1]!.score).toBeGreaterThan(0.9);
    expect(r.find((c) => c.ciId === 'site')!.partner).toBe('farm');
  });

  it('scores two roots with a learnt rate of 1 (every broken CI reported) as numbers', () => {
    const reporting = { problems: 40, rate: 1, spread: 0.5, rateError: 0.01 };
    const r = rank(['svc-0', 'svc-1', 'svc-2', 'farm-app'], ['db', 'site', 'farm', 'm1', 'farm-app', 'app-0', 'svc-0'], { userFacingTotal: 2000, options: { reporting } });
    expect(r.length).toBeGreaterThan(0);
    for (const c of r) expect(Number.isFinite(c.score)).toBe(true);
  });

  it('ranks more candidates than one call can take as arguments (130 000 providers of one service)', { timeout: 120_000 }, () => {
    // Math.max(...xs) over the candidates overflowed the stack here (RangeError) until 2026-12-07.
    const nodes = new Map<string, { class: string; name: string }>([['svc', { class: 'BusinessService', name: 'svc' }]]);
    const rels: SubgraphRelationship[] = [];
    for (let k = 0; k < 130_000; k++) {
      nodes.set(`p${k}`, { class: 'Server', name: `p${k}` });
      rels.push({ type: 'DEPENDS_ON', from: 'svc', to: `p${k}` });
    }
    const graph = indexSubgraph({ cis: [...nodes.keys()].map((id) => ({ id, minUp: null })), relationships: rels }, T);
    const ranked = rankRootCauses({ graph, nodes, observations: [{ ciId: 'svc', incidentIds: [] }], candidates: [...nodes.keys()], referenceTime: T, userFacingTotal: 10 });
    expect(ranked).toHaveLength(130_001);
    expect(ranked[0]!.ciId).toBe('svc');
  });

  it('returns nothing without observations', () => {
    expect(rank([], ['db'])).toEqual([]);
  });
});

describe('rankRootCauses when DEGRADED CIs draw incidents too', () => {
  // h runs app-x, app-y and app-z and is one of three members of `farm` (minUp 1), which
  // runs farm-app and fa-1..fa-8: h's failure takes its three applications DOWN and
  // DEGRADES the farm's nine.
  const rels: SubgraphRelationship[] = [
    ...['app-x', 'app-y', 'app-z'].map((from) => ({ type: 'RUNS_ON', from, to: 'h' })),
    { type: 'HAS_MEMBER', from: 'farm', to: 'h' },
    ...Array.from({ length: 8 }, (_x, k) => ({ type: 'RUNS_ON', from: `fa-${k + 1}`, to: 'farm' })),
  ];
  const nodes: [string, string][] = [
    ['h', 'Server'],
    ...['app-x', 'app-y', 'app-z'].map((id) => [id, 'Application'] as [string, string]),
    ...Array.from({ length: 8 }, (_x, k) => [`fa-${k + 1}`, 'Application'] as [string, string]),
  ];
  const switchNote = (r: { evidence: string[] }[]) => r.flatMap((c) => c.evidence).filter((e) => e.startsWith('DEGRADED CIs weighed'));

  it('weighs DEGRADED CIs as reported like DOWN ones when the likeliest single cause is far likelier so, and says it', () => {
    // Four reports on farm applications h only DEGRADES, three on what it takes DOWN.
    const observed = ['app-x', 'app-y', 'app-z', 'fa-1', 'fa-2', 'fa-3', 'fa-4'];
    const candidates = ['h', 'farm', 'm1', 'm2', ...observed];
    const switched = rank(observed, candidates, {}, rels, nodes);
    expect(switched[0]!.ciId).toBe('h');
    expect(switched[0]!.evidence.at(-1)).toMatch(/^DEGRADED CIs weighed as reported as often as DOWN ones: the likeliest single cause is (\d+|e\^\d+) times likelier so than with DEGRADED CIs reported 50 times less often/);
    expect(switchNote(switched)).toHaveLength(switched.length);
    // Off, or with the ratio given: no switch, and h holds less of the posterior.
    const fixed = rank(observed, candidates, { options: { degradedSwitchNats: 0 } }, rels, nodes);
    expect(switchNote(fixed)).toEqual([]);
    expect(switchNote(rank(observed, candidates, { options: { degradedRatio: 0.02 } }, rels, nodes))).toEqual([]);
    expect(switched[0]!.score).toBeGreaterThan(fixed.find((c) => c.ciId === 'h')!.score);
  });

  it('does not switch on candidates whose closure a walk did not read to the end', () => {
    const observed = ['app-x', 'app-y', 'app-z', 'fa-1', 'fa-2', 'fa-3', 'fa-4'];
    const candidates = ['h', 'farm', 'm1', 'm2', ...observed];
    // The same reports, but the farm's dependents were left unread (a node budget hit).
    const cut = rank(observed, candidates, { unexpanded: new Set(['farm']) }, rels, nodes);
    expect(switchNote(cut)).toEqual([]);
  });

  it('keeps the default ratio when both fit alike, or on one report on a DEGRADED CI', () => {
    // Reports on what the farm takes DOWN point to the farm (its members fit as well only with ratio 1).
    const onFarm = ['fa-1', 'fa-2', 'fa-4', 'fa-7'];
    const ranked = rank(onFarm, ['h', 'farm', 'm1', 'm2', ...onFarm], {}, rels, nodes);
    expect(ranked[0]!.ciId).toBe('farm');
    expect(switchNote(ranked)).toEqual([]);
    // h's own three and one farm application: a second failure may have taken that one DOWN.
    const oneDegraded = ['app-x', 'app-y', 'app-z', 'fa-1'];
    expect(switchNote(rank(oneDegraded, ['h', 'farm', 'm1', 'm2', ...oneDegraded], {}, rels, nodes))).toEqual([]);
  });
});

describe('rankRootCauses on a generated CMDB with kept DOWN parts', () => {
  it('puts the likeliest sole cause first and the runner-up second when it is within a nat, only for CIs explaining half the reports', () => {
    const { t, rankOutage } = generated(2_000, 1);
    const rand = prng(23);
    // A learnt count, as after 60 resolved problems: two big failures then fit no single CI.
    const reporting = { problems: 60, rate: 0.3, spread: 0.27, rateError: 1e-4 };
    let moved = 0;
    let notSole = 0;
    let scenarios = 0;
    for (let trial = 0; scenarios < 40 && trial < 400; trial++) {
      const scenario = drawScenario(t, rand, { roots: trial % 2 === 0 ? 1 : 2, reportRate: 0.3, noiseRate: 0.2 });
      if (!scenario) continue;
      scenarios++;
      const off = rankOutage(scenario, { runnerUpNats: 0, reporting });
      const on = rankOutage(scenario, { runnerUpNats: 1, reporting });
      // The same candidates, scores and evidence: only the order may differ.
      const key = (c: (typeof off)[number]) => `${c.ciId} ${c.score} ${c.logScore} ${c.partner} ${c.evidence.join('|')}`;
      expect(on.map(key).sort()).toEqual(off.map(key).sort());
      const sole = (c: (typeof off)[number]) => 2 * c.explains.length >= scenario.observed.length;
      // Ruled-out candidates score 0 and come last.
      const live = off.filter((c) => c.score > 0);
      const best = live.reduce((a, c) => (c.logScore > a.logScore ? c : a));
      if (!sole(best)) {
        // No sole cause first: the order is the marginal's, whatever runnerUpNats says.
        notSole++;
        expect(on.map((c) => c.ciId)).toEqual(off.map((c) => c.ciId));
        for (const c of live) expect(c.score).toBeLessThanOrEqual(off[0]!.score);
        continue;
      }
      expect(off[0]!.logScore).toBe(best.logScore);
      expect(on[0]!.ciId).toBe(off[0]!.ciId);
      const runnerUp = live.slice(1).reduce<(typeof off)[number] | undefined>((a, c) => (!a || c.logScore > a.logScore ? c : a), undefined);
      if (runnerUp && runnerUp.logScore >= off[0]!.logScore - 1 && sole(runnerUp) && off[1]!.ciId !== runnerUp.ciId) {
        moved++;
        expect(on[1]!.ciId).toBe(runnerUp.ciId);
        expect(on.filter((c) => c.ciId !== runnerUp.ciId).map((c) => c.ciId)).toEqual(off.filter((c) => c.ciId !== runnerUp.ciId).map((c) => c.ciId));
      } else {
        expect(on.map((c) => c.ciId)).toEqual(off.map((c) => c.ciId));
      }
    }
    expect(scenarios).toBe(40);
    expect(moved).toBeGreaterThan(0);
    expect(notSole).toBeGreaterThan(0);
  });

  it('counts what two failures both take DOWN on bitsets exactly as on their lists (bigDown)', () => {
    const { t, prepared, rankOutage } = generated(3_000, 3);
    closureBits(prepared).warm();
    downParts(prepared).warm();
    const rand = prng(17);
    let compared = 0;
    let partners = 0;
    for (let trial = 0; compared < 8 && trial < 100; trial++) {
      const scenario = drawScenario(t, rand, { roots: trial % 2 === 0 ? 1 : 2, reportRate: 0.3, noiseRate: 0.2 });
      if (!scenario) continue;
      const ranked = (bigDown: number) => rankOutage(scenario, { bigDown }).map((c) => ({ ciId: c.ciId, score: c.score, partner: c.partner, evidence: c.evidence }));
      const onBitsets = ranked(1);
      expect(onBitsets).toEqual(ranked(Number.POSITIVE_INFINITY));
      partners += onBitsets.filter((c) => c.partner !== null).length;
      compared++;
    }
    expect(compared).toBe(8);
    expect(partners).toBeGreaterThan(0);
  });
});

describe('helpers', () => {
  it('lnGamma matches factorials', () => {
    expect(lnGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });
  it('changeFactor decays with the gap and ignores changes after the incident', () => {
    expect(changeFactor(10 * MIN, 30)).toBeGreaterThan(changeFactor(5 * 60 * MIN, 30));
    expect(changeFactor(-60 * MIN, 30)).toBe(1);
  });
  it('duration reads like a person', () => {
    expect(duration(40 * MIN)).toBe('40 min');
    expect(duration(125 * MIN)).toBe('2 h 5 min');
    expect(duration(3 * 24 * 60 * MIN)).toBe('3 days');
  });
  it('lnTwoChancesBeta integrates the rate out of two chances per CI both failures take DOWN', () => {
    // e reported (e2 of them by both), w silent (d2 of them broken by both), against the midpoint rule.
    const numeric = (e: number, w: number, e2: number, d2: number) => {
      const steps = 20_000;
      let sum = 0;
      for (let k = 0; k < steps; k++) {
        const r = (k + 0.5) / steps;
        sum += Math.exp((e - e2) * Math.log(r) + (w - d2) * Math.log(1 - r) + e2 * Math.log(1 - (1 - r) ** 2) + 2 * d2 * Math.log(1 - r));
      }
      return Math.log(sum / steps);
    };
    for (const [e, w, e2, d2] of [[5, 10, 0, 0], [5, 10, 3, 4], [12, 30, 12, 30], [40, 90, 25, 60]] as const) {
      expect(lnTwoChancesBeta(e, w, e2, d2, 1, 1)).toBeCloseTo(numeric(e, w, e2, d2), 6);
    }
    // Nothing shared: the one-rate Beta-binomial, ln B(e + 1, w + 1).
    expect(lnTwoChancesBeta(7, 13, 0, 0, 1, 1)).toBeCloseTo(lnGamma(8) + lnGamma(14) - lnGamma(22), 10);
    // Thousands shared do not overflow.
    expect(Number.isFinite(lnTwoChancesBeta(1500, 3000, 1400, 2800, 1, 1))).toBe(true);
  });
  it('lnTwoChancesPick is the probability of one reported set given its size, by enumeration', () => {
    // d1 CIs one failure breaks (rate r), d2 both break (1 - (1 - r)^2); all subsets of size e.
    const enumerate = (d1: number, d2: number, e: number, e2: number, r: number) => {
      const p = [...Array(d1).fill(r), ...Array(d2).fill(1 - (1 - r) ** 2)] as number[];
      let total = 0;
      let mine = 0;
      for (let mask = 0; mask < 1 << p.length; mask++) {
        let size = 0;
        let w = 1;
        for (let i = 0; i < p.length; i++) {
          if (mask & (1 << i)) {
            size++;
            w *= p[i]!;
          } else w *= 1 - p[i]!;
        }
        if (size !== e) continue;
        total += w;
        // The set: the first e - e2 of the d1, the first e2 of the d2.
        let isMine = true;
        for (let i = 0; i < p.length; i++) {
          const inSet = i < d1 ? i < e - e2 : i - d1 < e2;
          if (inSet !== Boolean(mask & (1 << i))) isMine = false;
        }
        if (isMine) mine = w;
      }
      return Math.log(mine / total);
    };
    for (const [d1, d2, e, e2, r] of [[6, 4, 3, 2, 0.3], [5, 5, 5, 0, 0.2], [3, 7, 6, 5, 0.5], [8, 0, 3, 0, 0.3]] as const) {
      // d2 shared in all: e2 reported, d2 - e2 silent.
      expect(lnTwoChancesPick(e, d1 + d2, e2, d2 - e2, r)).toBeCloseTo(enumerate(d1, d2, e, e2, r), 10);
    }
    // Nothing shared: the uniform pick, 1 / C(d, e).
    expect(lnTwoChancesPick(3, 10, 0, 0, 0.3)).toBeCloseTo(-Math.log(120), 10);
    // A learnt rate of 1 (every broken CI reported) keeps it a number.
    expect(Number.isNaN(lnTwoChancesPick(3, 10, 0, 4, 1))).toBe(false);
    expect(Number.isNaN(lnTwoChancesPick(3, 10, 2, 4, 1))).toBe(false);
  });
});
