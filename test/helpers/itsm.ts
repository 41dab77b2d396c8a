/** Small builders for ITSM tests: CIs and relationships through the CI service. */
import { createCI, createRelationship } from '../../server/cis/index.js';
import type { Graph } from '../../server/db/index.js';

const author = { actor: 'test', source: 'manual' };

export async function ci(graph: Graph, cls: string, name: string, extra: { criticality?: number; attributes?: Record<string, unknown> } = {}): Promise<string> {
  return (await createCI(graph, { class: cls, name, criticality: extra.criticality ?? null, attributes: extra.attributes ?? {} }, author)).id;
}

export async function rel(graph: Graph, type: string, fromId: string, toId: string): Promise<string> {
  return (await createRelationship(graph, { type, fromId, toId }, author)).id;
}

/** The two-member farm: a Cluster (minUp 1) HAS_MEMBER two Servers, an Application RUNS_ON the cluster. */
export async function farm(graph: Graph, prefix = '') {
  const s1 = await ci(graph, 'Server', `${prefix}server-1`);
  const s2 = await ci(graph, 'Server', `${prefix}server-2`);
  const cluster = await ci(graph, 'Cluster', `${prefix}farm`, { attributes: { minUp: 1 } });
  const app = await ci(graph, 'Application', `${prefix}app`);
  const m1 = await rel(graph, 'HAS_MEMBER', cluster, s1);
  const m2 = await rel(graph, 'HAS_MEMBER', cluster, s2);
  await rel(graph, 'RUNS_ON', app, cluster);
  return { s1, s2, cluster, app, m1, m2 };
}

/** Counts nodes with a label, to check that a refused write wrote nothing. */
export async function countNodes(graph: Graph, label: 'Incident' | 'Problem' | 'Change' | 'Blackout' | 'Sequence'): Promise<number> {
  const [row] = await graph.read(`MATCH (n:${label}) RETURN count(n) AS n`);
  return Number(row?.n ?? 0);
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A fixed past instant, so explicit times are never in the future. */
export const T0 = Date.UTC(2025, 0, 6, 0, 0, 0);
export const iso = (ms: number) => new Date(ms).toISOString();
