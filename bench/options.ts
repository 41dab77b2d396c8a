/** What bench/run.ts (or a test) hands every bench module. */
import type { Graph } from '../server/db/index.js';

export interface BenchOptions {
  /** Small N and few samples: proves the bench still runs (npm test does this). */
  smoke: boolean;
  /** The database to use; when absent a module connects to NEO4J_URI itself. */
  graph?: Graph;
  /** Scales (CIs) to run at, for benches that have one. */
  scales?: number[];
  /** Whether the module may delete everything in the database (loading benches must). */
  allowWipe?: boolean;
  /** The started Neo4j's memory settings, to print beside the figures. */
  neo4j?: { heap: string; pageCache: string; home: string };
}

/** The graph from the options, or one for NEO4J_URI; `close` ends only what it opened. */
export async function benchGraph(options: BenchOptions): Promise<{ graph: Graph; close: () => Promise<void> }> {
  if (options.graph) return { graph: options.graph, close: async () => {} };
  const uri = process.env.NEO4J_URI;
  if (!uri) throw new Error('bench: no graph given and NEO4J_URI is not set (run it through npm run bench)');
  const { Graph: GraphClass, createDriver } = await import('../server/db/index.js');
  const graph = new GraphClass(createDriver({ uri, user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD ?? '' }));
  return { graph, close: () => graph.driver.close() };
}

/** The q-quantile (0..1) of already sorted numbers, nearest-rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const fmt = (ms: number) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0));
