/**
 * `npm run bench [-- --smoke] [-- --only <name>] [-- --n 100000,1000000]`: runs every
 * bench/<name>.bench.ts module in turn. Each prints its own figures; none passes or
 * fails on time. Unless NEO4J_URI is set, a Neo4j of its own is started (neo4j-local,
 * larger heap and page cache, in a temp dir, deleted afterwards). With NEO4J_URI set,
 * benches that load data wipe that database, so they refuse without --allow-wipe.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../graph-schema/index.js';
import { Graph, createDriver } from '../server/db/index.js';
import { startLocalNeo4j, type LocalNeo4j } from '../neo4j-local/index.js';
import type { BenchOptions } from './options.js';

// Measure the API as it is deployed: graphql-js's development-mode checks (NODE_ENV
// unset: an instanceof fallback on every type test of every field) cost ~7% of a large
// report. Nothing static above loads graphql, so this still takes effect.
process.env.NODE_ENV ??= 'production';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const smoke = flag('--smoke');
const only = value('--only');
const scales = value('--n')?.split(',').map((s) => Number(s.replace(/_/g, '')));
const heap = process.env.BENCH_NEO4J_HEAP ?? '4g';
const pageCache = process.env.BENCH_NEO4J_PAGECACHE ?? '4g';

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''))
  .filter((name) => !only || name === only)
  .sort();
if (modules.length === 0) {
  console.error(only ? `no bench named "${only}" (bench/${only}.bench.ts)` : 'no bench modules found');
  process.exit(2);
}

let local: LocalNeo4j | undefined;
let home: string | undefined;
let graph: Graph;
if (process.env.NEO4J_URI) {
  graph = new Graph(createDriver({ uri: process.env.NEO4J_URI, user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD ?? '' }));
} else {
  home = mkdtempSync(join(tmpdir(), 'faultline-bench-neo4j-'));
  local = await startLocalNeo4j({ home: join(home, 'neo4j'), port: 0, heap, pageCache, password: 'faultline-bench', log: (l) => console.log(l) });
  graph = new Graph(createDriver({ uri: local.uri, user: local.user, password: local.password }));
}
await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));

const options: BenchOptions = {
  smoke,
  graph,
  scales,
  allowWipe: Boolean(local) || flag('--allow-wipe'),
  neo4j: local ? { heap, pageCache, home: local.home } : undefined,
};
let failed = false;
try {
  for (const name of modules) {
    console.log(`\n=== bench ${name}${smoke ? ' (smoke)' : ''} ===`);
    const mod = (await import(join(here, `${name}.bench.ts`))) as { default: (o: BenchOptions) => Promise<void> };
    try {
      await mod.default(options);
    } catch (error) {
      failed = true;
      console.error(`bench ${name} failed:`, error);
    }
  }
} finally {
  await graph.driver.close();
  await local?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
