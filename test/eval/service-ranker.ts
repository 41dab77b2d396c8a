/**
 * The evaluation end to end: the topology is loaded into Neo4j, each scenario's
 * incidents and changes are created through the ITSM services (explicit times), and the
 * root-cause service ranks them exactly as the API would.
 */
import { recordImplementedChange } from '../../server/changes/index.js';
import type { Graph } from '../../server/db/index.js';
import { createIncident } from '../../server/incidents/index.js';
import { rankRootCause } from '../../server/rootcause/index.js';
import { topologyCache } from '../../server/topology/index.js';
import { loadCMDB } from '../generator/index.js';
import type { Ranker } from './evaluate.js';

const who = { actor: 'fault-injection' };

const WIPE_ALL = `
MATCH (n)
WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
`;

const WIPE_RECORDS = `
MATCH (n)
WHERE n:Incident OR n:Change OR n:Problem
DETACH DELETE n
`;

/** Deletes everything but the migrations bookkeeping (the evaluation and the bench own their database). */
export async function wipeAll(graph: Graph): Promise<void> {
  await graph.runAutoCommit(WIPE_ALL);
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
