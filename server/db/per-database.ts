import type { Driver } from 'neo4j-driver';
import type { Graph } from './graph.js';

/**
 * One T per driver and database, made on first use from a request-independent view of
 * the graph: what a process keeps about a database (the topology projection, what root
 * cause learnt), shared by every request's graph view.
 */
export function perDatabase<T>(make: (graph: Graph) => T): (graph: Graph) => T {
  const byDriver = new WeakMap<Driver, Map<string, T>>();
  return (graph) => {
    let byDatabase = byDriver.get(graph.driver);
    if (!byDatabase) {
      byDatabase = new Map();
      byDriver.set(graph.driver, byDatabase);
    }
    const key = graph.database ?? '';
    let kept = byDatabase.get(key);
    if (kept === undefined) {
      kept = make(graph.forRequest());
      byDatabase.set(key, kept);
    }
    return kept;
  };
}
