/**
 * `npm run demo`: loads the Acme Retail demo enterprise through the CI service (so it
 * gets history and checks like any edit). Idempotent: CIs are found by their identifying
 * attribute and open relationships are not duplicated.
 */
import { fileURLToPath } from 'node:url';
import type { Graph } from '../../server/db/index.js';
import { createCI, createRelationship, findByIdentifiers } from '../../server/cis/service.js';
import { ConflictError } from '../../server/errors.js';
import { buildEnterprise } from './enterprise.js';
import { loadDemoItsm } from './itsm.js';

const AUTHOR = { actor: 'demo loader', source: 'demo' };

export interface DemoSummary {
  cis: number;
  createdCIs: number;
  relationships: number;
  createdRelationships: number;
  /** Demo key → CI id, for tests that want to point at a known CI. */
  ids: Map<string, string>;
  /** True when this run added the incidents, problem and changes (first load only). */
  itsmLoaded: boolean;
}

/** Runs the work items a few at a time: each is its own small write transaction. */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>, width = 8): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

export async function loadDemo(graph: Graph): Promise<DemoSummary> {
  const data = buildEnterprise();
  const ids = new Map<string, string>();
  let createdCIs = 0;
  await inParallel(data.cis, async (c) => {
    const existing = await findByIdentifiers(graph, c.class, c.attributes);
    if (existing) {
      ids.set(c.key, existing.id);
      return;
    }
    const created = await createCI(graph, { class: c.class, name: c.name, criticality: c.criticality ?? null, attributes: c.attributes }, AUTHOR);
    ids.set(c.key, created.id);
    createdCIs++;
  });
  let createdRelationships = 0;
  await inParallel(data.rels, async (r) => {
    const fromId = ids.get(r.from);
    const toId = ids.get(r.to);
    if (!fromId || !toId) throw new Error(`demo data: ${r.type} ${r.from} → ${r.to} names an unknown CI`);
    try {
      await createRelationship(graph, { type: r.type, fromId, toId }, AUTHOR);
      createdRelationships++;
    } catch (error) {
      // Already there from an earlier load: that is what idempotent means here.
      if (!(error instanceof ConflictError)) throw error;
    }
  });
  const itsmLoaded = await loadDemoItsm(graph, ids);
  return { cis: data.cis.length, createdCIs, relationships: data.rels.length, createdRelationships, ids, itsmLoaded };
}

async function main() {
  const { loadConfig } = await import('../../server/config.js');
  const { connectGraph } = await import('../../server/db/index.js');
  const config = loadConfig();
  if (!config.NEO4J_URI) {
    // `npm start` owns the local Neo4j; connect to it rather than starting a second one.
    const { localPassword } = await import('../../neo4j-local/index.js');
    config.NEO4J_URI = `bolt://127.0.0.1:${config.NEO4J_LOCAL_PORT}`;
    config.NEO4J_PASSWORD = localPassword(config.NEO4J_LOCAL_HOME);
  }
  const connection = await connectGraph(config).catch((error: unknown) => {
    console.error(`Cannot reach Neo4j at ${config.NEO4J_URI}: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Start Faultline first (npm start), or set NEO4J_URI/NEO4J_PASSWORD.');
    process.exit(1);
  });
  const started = Date.now();
  const summary = await loadDemo(connection.graph);
  console.log(
    `demo: ${summary.cis} CIs (${summary.createdCIs} new), ${summary.relationships} relationships (${summary.createdRelationships} new), incidents/problem/changes ${summary.itsmLoaded ? 'loaded' : 'already there'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await connection.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
