/**
 * `npm run token -- <name> <role> [role...]`: creates an API token and prints it once.
 * Connects like `npm run demo` (NEO4J_URI, or the local Neo4j that `npm start` runs).
 */
import { loadConfig } from '../config.js';
import { connectGraph } from '../db/index.js';
import { localPassword } from '../../neo4j-local/index.js';
import { createToken } from './tokens.js';
import { ROLES, type Role } from './roles.js';

const [name, ...roles] = process.argv.slice(2);
if (!name || roles.length === 0) {
  console.error(`usage: npm run token -- <name> <role> [role...]   (roles: ${ROLES.join(', ')})`);
  process.exit(2);
}
const config = loadConfig();
if (!config.NEO4J_URI) {
  config.NEO4J_URI = `bolt://127.0.0.1:${config.NEO4J_LOCAL_PORT}`;
  config.NEO4J_PASSWORD = localPassword(config.NEO4J_LOCAL_HOME);
}
const connection = await connectGraph(config, () => {});
try {
  const token = await createToken(connection.graph, name, roles as Role[]);
  console.log(token);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
} finally {
  await connection.close();
}
