/**
 * Root cause at scale (issue 6): p50/p95 of rankRootCause for 50 observations (50 open
 * incidents: 40 on CIs an injected failure breaks, 10 unrelated) on the synthetic CMDB,
 * with decoy changes, against the raw Cypher upstream traversal alone as the baseline,
 * on a database with a past (closed incidents and changes older than the change window).
 * Each analysis runs in passes: on the in-memory topology projection (what the API does
 * once it is loaded and current), then walking Neo4j (what it does before its first load,
 * or when a projection cannot catch up with the writes since), then right after a
 * topology write through the CI service (the projection catches up first: re-reads what
 * the write touched, indexes, prepares), then with a learnt reporting model. Prints the
 * projection's load time, the slowest analyses, the size of the subgraph the walk read
 * and whether it stayed in budget.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { Graph } from '../server/db/index.js';
import { recordImplementedChange } from '../server/changes/index.js';
import { createCI, createRelationship, updateCI } from '../server/cis/index.js';
import { createIncident, transitionIncident } from '../server/incidents/index.js';
import { calibrations, fitCalibration, prepareProjection, rankRootCause, warmProjection, warmRootCause, type Calibration, type ReportingSample } from '../server/rootcause/index.js';
import { UPSTREAM } from '../server/rootcause/cypher.js';
import { topologyCache } from '../server/topology/index.js';
import { generateCMDB, loadCMDB } from '../test/generator/index.js';
import { DAY, drawScenario, HOUR, MINUTE, PROTOCOL, ROOT_LAYERS, prng, reportingSample, shuffle, topology } from '../test/eval/faults.js';
import { wipeAll } from '../test/eval/service-ranker.js';
import { benchGraph, fmt, quantile, type BenchOptions } from './options.js';

const who = { actor: 'bench' };

type BenchScenario = { observed: string[]; decoys: { ciId: string; before: number }[] };

/**
 * Loads a generated CMDB and draws the scenarios on it. The generated data and the
 * harness's own index of it are dropped when this returns: the API process does not hold
 * them, and kept alive they doubled the heap the garbage collector marks during the
 * analyses, and with it their tail.
 */
async function loadAndDraw(graph: Graph, n: number, smoke: boolean): Promise<{ scenarios: BenchScenario[]; calibration: Calibration }> {
  await wipeAll(graph);
  const data = generateCMDB({ n, seed: 42 });
  const load = await loadCMDB(graph, data, { batchSize: smoke ? 1000 : 10_000 });
  console.log(`load: ${load.cis} CIs, ${load.relationships} relationships in ${((load.ciMs + load.relationshipMs) / 1000).toFixed(1)} s`);
  const t = topology(data, Date.now());
  const rand = prng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const scenarios: BenchScenario[] = [];
  const wanted = smoke ? 3 : 25;
  for (let attempt = 0; scenarios.length < wanted && attempt < wanted * 40; attempt++) {
    const root = pick(t.data.byLayer[pick(ROOT_LAYERS)]);
    const spread = t.spreader.spread(t.graph.index.get(root)!);
    const down = Array.from(spread.nodes).filter((i, k) => t.userFacing[i] && spread.states[k] === 2).map((i) => t.graph.ids[i]!);
    if (down.length < 40) continue;
    const observed = shuffle(down, rand).slice(0, 40);
    const touched = new Set(spread.nodes);
    // Noise from what the failure leaves untouched; a near-global failure leaves too little.
    const untouched = t.userFacingIds.filter((id) => !touched.has(t.graph.index.get(id)!));
    if (untouched.length < 10) continue;
    while (observed.length < 50) {
      const id = pick(untouched);
      if (!observed.includes(id)) observed.push(id);
    }
    scenarios.push({ observed, decoys: Array.from({ length: 4 }, () => ({ ciId: pick(t.graph.ids), before: Math.round(rand() * 6 * HOUR + 5 * MINUTE) })) });
  }
  // What 60 past outages, resolved as problems, would teach (the evaluation's protocol).
  const past: ReportingSample[] = [];
  while (past.length < 60) {
    const s = drawScenario(t, rand, { roots: 1, ...PROTOCOL });
    if (s) past.push(reportingSample(t, s));
  }
  await writeHistory(graph, t.graph.ids, rand, smoke ? 50 : 1000);
  return { scenarios, calibration: fitCalibration(past)! };
}

/**
 * A past the analyses run against, as in a CMDB in use: closed incidents and implemented
 * changes on random CIs, 8 to 90 days old (before the analyses' 7-day change window),
 * written through the services. Without it the database held only each analysis's 50
 * incidents and 4 changes, so Neo4j's statistics swung between none and those at every
 * analysis, and it re-planned the evidence queries inside one or two analyses a run
 * (its debug.log's "Discarded stale query" at the very milliseconds of the 180-390 ms
 * evidence reads).
 */
async function writeHistory(graph: Graph, ids: readonly string[], rand: () => number, incidents: number) {
  const started = performance.now();
  const pick = () => ids[Math.floor(rand() * ids.length)]!;
  const ago = () => Date.now() - 8 * DAY - Math.round(rand() * 82 * DAY);
  const closedIncident = async () => {
    const openedAt = ago();
    const { id } = await createIncident(graph, { title: 'past', priority: 'P3', affectedCiIds: [pick()], openedAt }, who);
    for (const [to, after] of [['IN_PROGRESS', 10 * MINUTE], ['RESOLVED', 2 * HOUR], ['CLOSED', DAY]] as const) {
      await transitionIncident(graph, id, to, { ...who, at: openedAt + after });
    }
  };
  // Four at a time: each is four short write transactions, mostly waiting on commits.
  for (let k = 0; k < incidents; k += 4) await Promise.all(Array.from({ length: Math.min(4, incidents - k) }, closedIncident));
  for (let k = 0; k < incidents / 2; k++) await recordImplementedChange(graph, { title: 'past', targetCiIds: [pick()], implementedAt: ago() }, who);
  // Index statistics are sampled in the background once enough of an index changed, and a
  // new sample re-plans the queries that rest on it: the indexes are sampled now and the
  // plans made while the past was written dropped, so the analyses plan on its statistics.
  await graph.write('CALL db.prepareForReplanning(300)');
  console.log(`history: ${incidents} closed incidents and ${incidents / 2} implemented changes, 8-90 days old, in ${fmt((performance.now() - started) / 1000)} s`);
}

async function runScale(graph: Graph, n: number, smoke: boolean) {
  console.log(`\n--- N = ${n.toLocaleString('en')} CIs, 50 observations per analysis`);
  const { scenarios, calibration } = await loadAndDraw(graph, n, smoke);
  const projection = await topologyCache(graph).refresh();
  console.log(`topology projection: ${projection.graph.ids.length} CIs loaded in ${fmt(projection.loadMs)} ms`);
  const preparing = performance.now();
  prepareProjection(projection);
  console.log(`  prepared for root cause (what each CI's failure breaks, counted) in ${fmt(performance.now() - preparing)} ms`);
  const warming = performance.now();
  await warmProjection(projection);
  console.log(`  warmed in the background (each CI's DOWN part, big failures' closures as bitsets; once per process, the ranking's code on synthetic analyses) in ${fmt(performance.now() - warming)} ms`);
  // What the API does when it starts (server/main.ts).
  const planning = performance.now();
  await warmRootCause(graph);
  console.log(`  the analyses' reads planned in Neo4j and the reporting model learnt, as the API does when it starts, in ${fmt(performance.now() - planning)} ms`);
  // The past's closed incidents are unrelated ones at random times: a few fall close
  // enough together to make a burst, which must not teach a reporting model.
  const atStart = await calibrations(graph).current();
  console.log(
    atStart
      ? `  reporting model at start: learnt from ${atStart.problems} problems and ${atStart.outages} past outages (${atStart.outliers} left out), rate ${atStart.reporting.rate.toFixed(3)}`
      : '  reporting model at start: none (too few resolved problems and past outages with a sure root): the rate unknown',
  );

  type Timings = { subgraph: number; evidence: number; ranking: number };
  /** The scenario's incidents and decoy changes, the previous scenario's deleted (the past stays). */
  let previous = { incidents: [] as string[], changes: [] as string[] };
  const setUp = async ({ observed, decoys }: BenchScenario) => {
    await graph.write('MATCH (i:Incident) WHERE i.id IN $incidents DETACH DELETE i', previous);
    await graph.write('MATCH (c:Change) WHERE c.id IN $changes DETACH DELETE c', previous);
    const t0 = Date.now() - 2 * HOUR;
    const incidentIds: string[] = [];
    for (const [k, ciId] of observed.entries()) {
      incidentIds.push((await createIncident(graph, { title: 'failing', priority: 'P2', affectedCiIds: [ciId], openedAt: t0 + k * 1000 }, who)).id);
    }
    previous = { incidents: incidentIds, changes: [] };
    for (const decoy of decoys) {
      previous.changes.push((await recordImplementedChange(graph, { title: 'decoy', targetCiIds: [decoy.ciId], implementedAt: t0 - decoy.before }, who)).id);
    }
    return incidentIds;
  };
  // Two passes over the scenarios: every analysis on the projection, then every one
  // walking Neo4j. A walk allocates hundreds of MiB; interleaved, its garbage is
  // collected during the projection analyses after it (the API does not interleave them:
  // it walks only while no projection is current).
  const warmUps = smoke ? 1 : 3;
  const onProjection: { api: number; raw: number; candidates: number; timings: Timings; startedAt: number; gc: number }[] = [];
  // This process's garbage-collection pauses, to tell them from Neo4j's in the slowest
  // analyses (an entry's time is on performance.now()'s clock).
  const pauses: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  /** Milliseconds of this process's GC pauses within [from, to]. */
  const pausedIn = (from: number, to: number) => pauses.reduce((sum, p) => sum + Math.max(0, Math.min(to, p.end) - Math.max(from, p.start)), 0);
  for (const scenario of scenarios) {
    const incidentIds = await setUp(scenario);
    // Both sides warmed up: the first raw traversal's planning in Neo4j used to slow the
    // analysis right after it (the state check, 265–330 ms once per run).
    if (onProjection.length === 0) {
      for (let w = 0; w < warmUps; w++) {
        await graph.read(UPSTREAM, { ids: scenario.observed, at: Date.now() });
        const started = performance.now();
        const { timings: t } = await rankRootCause(graph, { incidentIds });
        if (w === 0) {
          console.log(
            `  the first analysis: ${fmt(performance.now() - started)} ms (upstream ${fmt(t.subgraph)}, evidence ${fmt(t.evidence)}, ranking ${fmt(t.ranking)})`,
          );
        }
      }
    }
    let start = performance.now();
    await graph.read(UPSTREAM, { ids: scenario.observed, at: Date.now() });
    const raw = performance.now() - start;
    start = performance.now();
    const result = await rankRootCause(graph, { incidentIds });
    const api = performance.now() - start;
    if (result.source !== 'projection') throw new Error('the projection was not current: nothing here writes topology');
    onProjection.push({ api, raw, candidates: result.candidateCount, timings: result.timings, startedAt: start, gc: 0 });
  }
  // Entries arrive after the pauses they time: let the last ones in before reading them.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  for (const p of onProjection) p.gc = pausedIn(p.startedAt, p.startedAt + p.api);
  const walking: { walk: number; size: number; complete: boolean; walkTimings: Timings }[] = [];
  for (const scenario of scenarios) {
    const incidentIds = await setUp(scenario);
    if (walking.length === 0) for (let w = 0; w < warmUps; w++) await rankRootCause(graph, { incidentIds }, { projection: false });
    const start = performance.now();
    const walked = await rankRootCause(graph, { incidentIds }, { projection: false });
    walking.push({ walk: performance.now() - start, size: walked.subgraphSize, complete: walked.complete, walkTimings: walked.timings });
  }
  // A pass right after a topology write through the CI service, alternately one that
  // changes nothing that propagates (a failing CI renamed: the index and what was prepared
  // on it are kept) and one that does (an application created to run on a VM upstream of
  // the failure: indexed again, and what was prepared for the CIs not upstream of that VM
  // carried over). The projection catches up before the analysis and is handed to onLoad
  // as the API does (server/main.ts: prepared now, warmed in the background).
  const cache = topologyCache(graph);
  const prepareMs: number[] = []; // how long each onLoad took to prepare its projection
  cache.onLoad = (p, previous) => {
    const started = performance.now();
    prepareProjection(p, previous);
    prepareMs.push(performance.now() - started);
    warmProjection(p).catch(() => undefined);
  };
  const afterWrite: { api: number; update: number; prepare: number; reindexed: boolean; source: string }[] = [];
  for (const [k, scenario] of scenarios.entries()) {
    const incidentIds = await setUp(scenario);
    const author = { ...who, source: 'manual' };
    if (k % 2 === 0) await updateCI(graph, { id: scenario.observed[0]!, name: `renamed-${k}` }, author);
    else {
      const [vm] = await graph.read(
        'MATCH (v:VirtualMachine) WHERE v.retiredAt IS NULL OPTIONAL MATCH (o:CI {id: $id})-[:RUNS_ON|DEPENDS_ON|HOSTED_ON*1..3]->(near:VirtualMachine) RETURN coalesce(near.id, v.id) AS id LIMIT 1',
        { id: scenario.observed[0] },
      );
      const app = await createCI(graph, { class: 'Application', name: `bench-app-${k}`, attributes: { appId: `bench-app-${k}` } }, author);
      await createRelationship(graph, { type: 'RUNS_ON', fromId: app.id, toId: String(vm!.id) }, author);
    }
    prepareMs.length = 0;
    const start = performance.now();
    const result = await rankRootCause(graph, { incidentIds });
    const api = performance.now() - start;
    const { projection: caughtUp } = await cache.current();
    afterWrite.push({ api, update: caughtUp?.update ? caughtUp.loadMs : Number.NaN, prepare: prepareMs[0] ?? 0, reindexed: caughtUp?.update?.reindexed ?? true, source: result.source });
  }
  cache.onLoad = null;
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the last warm-up's slices
  // A fourth pass on the projection with a reporting model learnt from resolved problems
  // (their count model's bounds are looser: more candidates and pairs are scored).
  const learnt: number[] = [];
  for (const scenario of scenarios) {
    const incidentIds = await setUp(scenario);
    if (learnt.length === 0) for (let w = 0; w < warmUps; w++) await rankRootCause(graph, { incidentIds }, { calibration });
    const start = performance.now();
    await rankRootCause(graph, { incidentIds }, { calibration });
    learnt.push(performance.now() - start);
  }
  learnt.sort((a, b) => a - b);
  const samples = onProjection.map((p, k) => ({ ...p, ...walking[k]! }));
  const api = samples.map((s) => s.api).sort((a, b) => a - b);
  const walk = samples.map((s) => s.walk).sort((a, b) => a - b);
  const raw = samples.map((s) => s.raw).sort((a, b) => a - b);
  const sizes = samples.map((s) => s.size).sort((a, b) => a - b);
  console.log(`root cause, 50 observations, ${samples.length} analyses (service call: incidents, subgraph, changes, history, ranking), all on the projection, then all walking Neo4j:`);
  const part = (which: 'timings' | 'walkTimings', k: keyof Timings) => fmt(quantile(samples.map((x) => x[which][k]).sort((a, b) => a - b), 0.5));
  console.log(`  rankRootCause on the projection ms: p50 ${fmt(quantile(api, 0.5))}  p95 ${fmt(quantile(api, 0.95))}  max ${fmt(api.at(-1) ?? Number.NaN)}`);
  console.log(`    of which p50: state check + upstream ${part('timings', 'subgraph')}, changes/history/incidents ${part('timings', 'evidence')}, ranking ${part('timings', 'ranking')}`);
  console.log(
    `  rankRootCause on the projection, reporting learnt from ${calibration.problems} resolved problems ms: p50 ${fmt(quantile(learnt, 0.5))}  p95 ${fmt(quantile(learnt, 0.95))}  max ${fmt(learnt.at(-1) ?? Number.NaN)}`,
  );
  console.log(`  rankRootCause walking Neo4j ms:    p50 ${fmt(quantile(walk, 0.5))}  p95 ${fmt(quantile(walk, 0.95))}  max ${fmt(walk.at(-1) ?? Number.NaN)}`);
  console.log(`    of which p50: subgraph read ${part('walkTimings', 'subgraph')}, changes/history/incidents ${part('walkTimings', 'evidence')}, ranking ${part('walkTimings', 'ranking')}`);
  for (const reindexed of [false, true]) {
    const these = afterWrite.filter((s) => s.reindexed === reindexed);
    const written = these.map((s) => s.api).sort((a, b) => a - b);
    const updates = these.map((s) => s.update).sort((a, b) => a - b);
    const prepares = these.map((s) => s.prepare).sort((a, b) => a - b);
    console.log(
      `  rankRootCause right after a topology write ${reindexed ? 'that changes what propagates (an application created on a VM upstream of the failure; reindexed, what was prepared carried over where it stands)' : 'that does not (a failing CI renamed; index kept)'} ms: ` +
        `p50 ${fmt(quantile(written, 0.5))}  p95 ${fmt(quantile(written, 0.95))}  max ${fmt(written.at(-1) ?? Number.NaN)}; ` +
        `on the projection caught up in ${these.filter((s) => s.source === 'projection').length}/${these.length}, of which catching up p50 ${fmt(quantile(updates, 0.5))} ms, preparing p50 ${fmt(quantile(prepares, 0.5))} ms`,
    );
  }
  console.log(`  raw upstream Cypher only ms: p50 ${fmt(quantile(raw, 0.5))}  p95 ${fmt(quantile(raw, 0.95))}`);
  const gc = samples.map((s) => s.gc).sort((a, b) => a - b);
  console.log(`  this process's GC pauses within an analysis on the projection ms: p50 ${fmt(quantile(gc, 0.5))}  max ${fmt(gc.at(-1) ?? Number.NaN)}`);
  const slowest = [...samples].sort((a, b) => b.api - a.api).slice(0, 3);
  console.log(
    `  slowest on the projection: ${slowest.map((s) => `${fmt(s.api)} ms (upstream ${fmt(s.timings.subgraph)}, evidence ${fmt(s.timings.evidence)}, ranking ${fmt(s.timings.ranking)}, GC pauses ${fmt(s.gc)}, ${s.candidates} candidates, at ${new Date(performance.timeOrigin + s.startedAt).toISOString().slice(11, 23)} UTC)`).join('; ')}`,
  );
  console.log(
    `  CIs read p50 ${quantile(sizes, 0.5)} max ${sizes.at(-1)}; candidates p50 ${quantile(samples.map((s) => s.candidates).sort((a, b) => a - b), 0.5)}; ` +
      `walk within budget in ${samples.filter((s) => s.complete).length}/${samples.length}`,
  );
}

export default async function rootCauseBench(options: BenchOptions): Promise<void> {
  if (!options.allowWipe) throw new Error('the root-cause bench wipes and reloads the database; pass --allow-wipe to use NEO4J_URI');
  const { graph, close } = await benchGraph(options);
  try {
    const scales = options.scales ?? (options.smoke ? [2_000] : [100_000]);
    for (const n of scales) await runScale(graph, n, options.smoke);
  } finally {
    await close();
  }
}
