/** A wiped test database and its topology projection cache, reset to the defaults: the start of each projection test. */
import type { Graph } from '../../server/db/index.js';
import { DEFAULT_TOPOLOGY_CACHE_SETTINGS, topologyCache, type TopologyCache } from '../../server/topology/index.js';
import { testGraph, wipe } from './neo4j.js';

export async function wipedWithCache(): Promise<{ graph: Graph; cache: TopologyCache }> {
  const graph = await testGraph();
  await wipe(graph);
  const cache = topologyCache(graph);
  cache.settings = { ...DEFAULT_TOPOLOGY_CACHE_SETTINGS };
  cache.onLoad = null;
  cache.clear();
  return { graph, cache };
}
