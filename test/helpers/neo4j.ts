/** Test access to the run's Neo4j: a Graph, a wipe, and the migrations applied. */
import { inject } from 'vitest';
import { migrate } from '../../graph-schema/index.js';
import { Graph, createDriver } from '../../server/db/index.js';

let shared: Graph | undefined;

/** The Graph for this test file (migrated once). */
export async function testGraph(): Promise<Graph> {
  if (shared) return shared;
  const { uri, user, password } = inject('neo4j');
  const graph = new Graph(createDriver({ uri, user, password }));
  await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));
  shared = graph;
  return graph;
}

/** Deletes every node except schema bookkeeping; call in beforeEach/beforeAll. */
export async function wipe(graph: Graph): Promise<void> {
  await graph.runAutoCommit(`
MATCH (n)
WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
`);
}

/** The number a counting query returns as `c`. */
export async function countOf(graph: Graph, cypher: string, params: Record<string, unknown> = {}): Promise<number> {
  const rows = await graph.read(cypher, params);
  return Number(rows[0]!.c);
}

export async function closeTestGraph(): Promise<void> {
  await shared?.driver.close();
  shared = undefined;
}
