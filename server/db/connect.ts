/**
 * Connects to Neo4j: the server NEO4J_URI names, or a local one started here when it
 * is unset (and kept running: started again if its JVM dies). Runs the migrations either way.
 */
import type { Driver } from 'neo4j-driver';
import { migrate } from '../../graph-schema/index.js';
import { startSupervisedNeo4j, type LocalNeo4j } from '../../neo4j-local/index.js';
import type { Config } from '../config.js';
import { Graph, createDriver } from './graph.js';

export interface Connection {
  graph: Graph;
  driver: Driver;
  /** Set when this process started its own Neo4j. */
  local?: LocalNeo4j;
  close(): Promise<void>;
}

export async function connectGraph(config: Config, log: (line: string) => void = console.log): Promise<Connection> {
  let local: LocalNeo4j | undefined;
  let uri = config.NEO4J_URI;
  let user = config.NEO4J_USER;
  let password = config.NEO4J_PASSWORD;
  if (!uri) {
    // Started again by itself if its JVM dies (an out-of-memory exit, a kill): the driver reconnects.
    local = await startSupervisedNeo4j({
      home: config.NEO4J_LOCAL_HOME,
      port: config.NEO4J_LOCAL_PORT,
      heap: config.NEO4J_LOCAL_HEAP,
      pageCache: config.NEO4J_LOCAL_PAGECACHE,
      password: config.NEO4J_PASSWORD,
      log,
    });
    uri = local.uri;
    user = local.user;
    password = local.password;
  }
  const driver = createDriver({ uri, user, password: password!, database: config.NEO4J_DATABASE });
  try {
    await driver.verifyConnectivity({ database: config.NEO4J_DATABASE }).catch((error: unknown) => {
      const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new Error(local ? `Cannot connect to the local Neo4j at ${uri}: ${why}` : `Cannot connect to Neo4j at ${uri} (NEO4J_URI): ${why}`);
    });
    const graph = new Graph(driver, config.NEO4J_DATABASE);
    const applied = await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));
    if (applied.length) log(`migrations applied: ${applied.join(', ')}`);
    return {
      graph,
      driver,
      local,
      async close() {
        await driver.close();
        await local?.stop();
      },
    };
  } catch (error) {
    await driver.close();
    await local?.stop();
    throw error;
  }
}
