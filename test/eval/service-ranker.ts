/**
 * The evaluation end to end: the topology is loaded into Neo4j, each scenario's
 * incidents and changes are created through the ITSM services (explicit times), and the
 * root-cause service ranks them exactly as the API would.
 */
import { recordImplementedChange } from '../../server/changes/index.js';
import type { Graph } from '../../server/db/index.js';
import { createIncident, transitionIncident } from '../../server/incidents/index.js';
import { createProblem, transitionProblem } from '../../server/problems/index.js';
import { calibrations, rankRootCause } from '../../server/rootcause/index.js';
import { topologyCache } from '../../server/topology/index.js';
import { loadCMDB } from '../generator/index.js';
import type { PastRecord, Ranker } from './evaluate.js';
import { PAST_INCIDENT_GAP_MS, pastOutageTimes, type Scenario, type Topology } from './faults.js';

const who = { actor: 'fault-injection' };

const WIPE_ALL = `
MATCH (n)
WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
`;

/** A trial's records; past outages (learn) are kept with the topology. */
const WIPE_RECORDS = `
MATCH (n)
WHERE (n:Incident OR n:Change OR n:Problem)
  AND NOT n.title STARTS WITH 'past: '
DETACH DELETE n
`;

/** Deletes everything but the migrations bookkeeping (the evaluation and the bench own their database). */
export async function wipeAll(graph: Graph): Promise<void> {
  await graph.runAutoCommit(WIPE_ALL);
}

/**
 * Puts past one-root outages on record, a day apart and a month or more back (`pastOutageTimes`): the incidents on
 * what the root broke (the noise is not theirs), resolved, grouped by a resolved problem
 * naming the root. `unlabelled`: every incident of the outage, the noise too, resolved,
 * its changes, and no problem (what a team that files no problems leaves behind; the
 * ranking labels the outage itself, with the changes before it as evidence), and the
 * `background` incidents between the outages, resolved too (as `pastSamples` in
 * evaluate.ts has them).
 */
export async function recordPastOutages(graph: Graph, t: Topology, past: readonly Scenario[], { unlabelled = false, background = [] }: Partial<PastRecord> = {}): Promise<void> {
  const times = pastOutageTimes(past.length, Date.now());
  const resolved = async (title: string, ciId: string, openedAt: number) => {
    const incident = await createIncident(graph, { title, priority: 'P2', affectedCiIds: [ciId], openedAt }, who);
    await transitionIncident(graph, incident.id, 'IN_PROGRESS', who);
    await transitionIncident(graph, incident.id, 'RESOLVED', who);
    return incident.id;
  };
  if (unlabelled) for (const b of background) await resolved(`past: ${t.names.get(b.ciId)} has an issue`, b.ciId, times[0]! + b.after);
  for (const [k, s] of past.entries()) {
    const at = times[k]!;
    const incidentIds: string[] = [];
    for (const [j, ciId] of (unlabelled ? s.observed : s.observed.filter((id) => !s.noise.includes(id))).entries()) {
      incidentIds.push(await resolved(`past: ${t.names.get(ciId)} is failing`, ciId, at + j * PAST_INCIDENT_GAP_MS));
    }
    if (unlabelled) {
      for (const change of s.changes) {
        await recordImplementedChange(graph, { title: `past: ${change.decoy ? 'routine change' : 'change'}`, targetCiIds: [change.ciId], implementedAt: Math.round(at - change.before) }, who);
      }
      continue;
    }
    const problem = await createProblem(graph, { title: `past: ${t.names.get(s.roots[0]!)} failed`, incidentIds, rootCauseCiId: s.roots[0]! }, who);
    await transitionProblem(graph, problem.id, 'UNDER_INVESTIGATION', who);
    await transitionProblem(graph, problem.id, 'RESOLVED', who);
  }
}

/**
 * `walk`: every analysis walks Neo4j (the path without a current projection); otherwise
 * the projection is loaded with each topology, as a warm API has it.
 */
export function serviceRanker(graph: Graph, { walk = false }: { walk?: boolean } = {}): Ranker {
  return {
    async prepare(t) {
      await wipeAll(graph);
      await loadCMDB(graph, t.data, { batchSize: 5000 });
      if (!walk) await topologyCache(graph).refresh();
    },
    async learn(t, past, record) {
      await recordPastOutages(graph, t, past, record);
      // Analyses learn in the background; the trials start once it has learnt.
      return calibrations(graph).refresh();
    },
    async rank(t, scenario, t0) {
      await graph.write(WIPE_RECORDS);
      const incidentIds: string[] = [];
      for (const [k, ciId] of scenario.observed.entries()) {
        const incident = await createIncident(
          graph,
          { title: `${t.names.get(ciId)} is failing`, priority: 'P2', affectedCiIds: [ciId], openedAt: t0 + k * 10_000 },
          who,
        );
        incidentIds.push(incident.id);
      }
      for (const change of scenario.changes) {
        await recordImplementedChange(graph, { title: change.decoy ? 'routine change' : 'change', targetCiIds: [change.ciId], implementedAt: Math.round(t0 - change.before) }, who);
      }
      const start = performance.now();
      const result = await rankRootCause(graph, { incidentIds, limit: 50 }, { projection: !walk });
      if (!walk && result.source !== 'projection') throw new Error('the topology projection was not current: nothing here writes topology');
      return { ranked: result.candidates.map((c) => c.ciId), ms: performance.now() - start };
    },
  };
}
