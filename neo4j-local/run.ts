/** `npm run neo4j`: runs the local Neo4j alone, in the foreground, until Ctrl-C. */
import { startLocalNeo4j } from './server.js';

const neo4j = await startLocalNeo4j({
  home: process.env.NEO4J_LOCAL_HOME,
  port: process.env.NEO4J_LOCAL_PORT ? Number(process.env.NEO4J_LOCAL_PORT) : undefined,
  heap: process.env.NEO4J_LOCAL_HEAP,
  pageCache: process.env.NEO4J_LOCAL_PAGECACHE,
});
console.log(`user neo4j, password in ${neo4j.home}/../neo4j-password`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void neo4j.stop().then(() => process.exit(0));
  });
}
