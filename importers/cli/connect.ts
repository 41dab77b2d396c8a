/**
 * The CLI's Neo4j: NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD when set, else the local Neo4j
 * that `npm start` runs (bolt://127.0.0.1:NEO4J_LOCAL_PORT, password in
 * <NEO4J_LOCAL_HOME>/../neo4j-password). The CLI never starts a Neo4j itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { migrate } from '../../graph-schema/index.js';
import { Graph, createDriver } from '../../server/db/index.js';

const envSchema = z.object({
  NEO4J_URI: z.string().regex(/^(neo4j|neo4j\+s|neo4j\+ssc|bolt|bolt\+s|bolt\+ssc):\/\/.+/, 'a neo4j:// or bolt:// URI').optional(),
  NEO4J_USER: z.string().min(1).default('neo4j'),
  NEO4J_PASSWORD: z.string().min(1).optional(),
  NEO4J_DATABASE: z.string().min(1).optional(),
  NEO4J_LOCAL_HOME: z.string().min(1).default('data/neo4j'),
  NEO4J_LOCAL_PORT: z.coerce.number().int().min(1).max(65535).default(7687),
});

export async function connectForImport(env: NodeJS.ProcessEnv = process.env): Promise<Graph> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`Invalid configuration: ${issue.path.join('.')}: ${issue.message}`);
  }
  const c = parsed.data;
  let uri = c.NEO4J_URI;
  let password = c.NEO4J_PASSWORD;
  if (!uri) {
    uri = `bolt://127.0.0.1:${c.NEO4J_LOCAL_PORT}`;
    const file = join(resolve(c.NEO4J_LOCAL_HOME, '..'), 'neo4j-password');
    if (!password) {
      if (!existsSync(file)) {
        throw new Error(`NEO4J_URI is not set and there is no local Neo4j password at ${file}: run \`npm start\` first, or set NEO4J_URI`);
      }
      password = readFileSync(file, 'utf8').trim();
    }
  } else if (!password) {
    throw new Error('Invalid configuration: NEO4J_PASSWORD: required when NEO4J_URI is set');
  }
  const driver = createDriver({ uri, user: c.NEO4J_USER, password });
  try {
    await driver.verifyConnectivity(c.NEO4J_DATABASE ? { database: c.NEO4J_DATABASE } : {});
  } catch (error) {
    await driver.close();
    throw new Error(`Cannot reach Neo4j at ${uri}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const graph = new Graph(driver, c.NEO4J_DATABASE);
  await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));
  return graph;
}
