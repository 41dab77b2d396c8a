/**
 * Learning how outages are reported from resolved problems (server/rootcause/calibration.ts),
 * end to end: past outages are put on record through the ITSM services (incidents, a
 * problem naming the root, resolved), the root-cause service learns from them in Neo4j
 * (each root propagated by the impact service as the topology stood then), and that is
 * exactly what the same outages give in memory; too few problems teach nothing; the API
 * says what was learnt; an API process learns as it starts (warmRootCause), not on its
 * first analysis.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fitCalibration, MIN_PROBLEMS } from '../server/rootcause/calibration.js';
import { createDriver, Graph } from '../server/db/index.js';
import { calibrations, rankRootCause, warmRootCause } from '../server/rootcause/index.js';
import { generateCMDB } from './generator/index.js';
import { backgroundIncidents, drawScenario, prng, reportingSample, topology, type Scenario } from './eval/faults.js';
import { recordPastOutages, serviceRanker } from './eval/service-ranker.js';
import { pastSamples } from './eval/evaluate.js';
import { closeTestGraph, countOf, testGraph } from './helpers/neo4j.js';
import { testApi } from './helpers/api.js';

afterAll(closeTestGraph);

/** A generated 1 200-CI topology loaded with its projection, and `count` one-root outages drawn by the protocol. */
async function loadedWithPast(topologySeed: number, seed: number, count: number) {
  const graph = await testGraph();
  const t = topology(generateCMDB({ n: 1_200, seed: topologySeed }), Date.now());
  const ranker = serviceRanker(graph);
  await ranker.prepare(t);
  const rand = prng(seed);
  const past: Scenario[] = [];
  while (past.length < count) {
    const s = drawScenario(t, rand, { roots: 1, reportRate: 0.3, noiseRate: 0.2 });
    if (s) past.push(s);
  }
  return { graph, t, ranker, past };
}

describe('root cause learns reporting from resolved problems', () => {
  it('learns from the problems on record what the same outages give in memory, once there are enough', { timeout: 600_000 }, async () => {
    const { graph, t, ranker, past } = await loadedWithPast(5, 17, MIN_PROBLEMS + 4);
    const observed = past[0]!.observed.slice(0, 3);

    // Too few problems: the rate stays unknown.
    await ranker.learn(t, past.slice(0, MIN_PROBLEMS - 1), { unlabelled: false });
    expect((await rankRootCause(graph, { ciIds: observed })).calibration).toBeNull();

    // New problems are learnt in the background: the analysis right after them answers
    // with the last fit, and once learnt, with the new one.
    await recordPastOutages(graph, t, past.slice(MIN_PROBLEMS - 1));
    expect(await calibrations(graph).current()).toBeUndefined();
    await calibrations(graph).refresh();
    const learnt = (await rankRootCause(graph, { ciIds: observed })).calibration;
    const expected = fitCalibration(past.map((s) => reportingSample(t, s)))!;
    expect(learnt).not.toBeNull();
    expect(learnt!.problems).toBe(past.length);
    expect(learnt!.reporting.rate).toBeCloseTo(expected.reporting.rate, 12);
    expect(learnt!.reporting.spread).toBeCloseTo(expected.reporting.spread, 12);
    expect(learnt!.reporting.rateError).toBeCloseTo(expected.reporting.rateError, 12);
    expect(learnt!.degradedRatio).toBeCloseTo(expected.degradedRatio, 12);
    // The protocol reports 30 % of what a failure takes DOWN, rounded.
    expect(learnt!.reporting.rate).toBeGreaterThan(0.25);
    expect(learnt!.reporting.rate).toBeLessThan(0.4);

    // The same answer whether the analysis walks Neo4j or reads the projection.
    const walked = await rankRootCause(graph, { ciIds: observed }, { projection: false });
    const projected = await rankRootCause(graph, { ciIds: observed });
    expect(walked.calibration).toEqual(projected.calibration);
    expect(walked.candidates.map((c) => c.ciId)).toEqual(projected.candidates.map((c) => c.ciId));

    const api = await testApi(graph);
    const data = await api.ok<{ rootCause: { calibration: { problems: number; reportRate: number; reportSpread: number; reportRateError: number; degradedRatio: number } } }>(
      'query ($input: RootCauseInput!) { rootCause(input: $input) { calibration { problems reportRate reportSpread reportRateError degradedRatio } } }',
      { input: { ciIds: observed } },
    );
    expect(data.rootCause.calibration).toEqual({
      problems: learnt!.problems,
      reportRate: learnt!.reporting.rate,
      reportSpread: learnt!.reporting.spread,
      reportRateError: learnt!.reporting.rateError,
      degradedRatio: learnt!.degradedRatio,
    });

    // An API process that starts on this database readies root cause before any analysis
    // (server/main.ts): its first look at the calibration has the fit, where it would
    // have nothing while learning in the background; nothing is written.
    const { uri, user, password } = inject('neo4j');
    const started = new Graph(createDriver({ uri, user, password }));
    try {
      const count = async () => [
        await countOf(started, 'MATCH (n) RETURN count(n) AS c'),
        await countOf(started, 'MATCH ()-[r]->() RETURN count(r) AS c'),
      ];
      const before = await count();
      await warmRootCause(started);
      expect(await count()).toEqual(before);
      expect(await calibrations(started).current()).toEqual(learnt);
    } finally {
      await started.driver.close();
    }
  });

  it('learns from past outages no problem explains, labelling each itself when it is sure: what the same outages teach in memory', { timeout: 900_000 }, async () => {
    const { graph, t, ranker, past } = await loadedWithPast(6, 23, 72);
    // Every incident of each outage resolved, the noise too, its changes recorded, and no
    // problem; between them, an unrelated resolved incident every two hours or so, which
    // the grouping must see through (its gap shrinks to the stream's: calibration.ts, `outageGap`).
    const record = { unlabelled: true, background: backgroundIncidents(t, prng(29), 0.5, past.length) };
    await ranker.learn(t, past, record);
    const learnt = (await rankRootCause(graph, { ciIds: past[0]!.observed.slice(0, 3) })).calibration;
    const expected = fitCalibration(pastSamples(t, past, record))!;
    expect(expected.outages).toBeGreaterThanOrEqual(MIN_PROBLEMS);
    expect(learnt).not.toBeNull();
    expect(learnt!.problems).toBe(0);
    expect(learnt!.outages).toBe(expected.outages);
    expect(learnt!.outliers).toBe(expected.outliers);
    expect(learnt!.reporting.rate).toBeCloseTo(expected.reporting.rate, 12);
    expect(learnt!.reporting.spread).toBeCloseTo(expected.reporting.spread, 12);
    expect(learnt!.degradedRatio).toBeCloseTo(expected.degradedRatio, 12);
    // The protocol reports 30 % of what a failure takes DOWN, rounded.
    expect(learnt!.reporting.rate).toBeGreaterThan(0.25);
    expect(learnt!.reporting.rate).toBeLessThan(0.4);

    // The API says what the fit rests on.
    const api = await testApi(graph);
    const data = await api.ok<{ rootCause: { calibration: { problems: number; outages: number; outliers: number } } }>(
      'query ($input: RootCauseInput!) { rootCause(input: $input) { calibration { problems outages outliers } } }',
      { input: { ciIds: past[0]!.observed.slice(0, 3) } },
    );
    expect(data.rootCause.calibration).toEqual({ problems: 0, outages: expected.outages, outliers: expected.outliers });
  });
});
