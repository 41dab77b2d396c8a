/**
 * Change collisions. Two changes in play collide when their planned windows overlap
 * (half-open: touching windows do not) and their footprints (targets plus blast radius)
 * intersect. For every such pair the combined targets are also evaluated: a CI that is
 * DOWN under both changes together but DOWN under neither alone is a *joint* collision
 * (two changes that each take one member of a two-member farm).
 */
import type { Graph } from '../db/index.js';
import type { ImpactedEntry, ImpactResult } from '../impact/index.js';
import { windowsOverlap } from '../itsm/records.js';
import { activeChangesOverlapping, impactOfTargets, type Change, type ImpactCache } from './service.js';

export interface Collision {
  change: Change;
  other: Change;
  overlapStart: number;
  overlapEnd: number;
  /** CIs in both footprints (targets or blast radius). */
  sharedCiIds: string[];
  /** DOWN under both changes together, DOWN under neither alone; paths from the joint evaluation. */
  jointlyDown: ImpactedEntry[];
}

const INACTIVE = new Set(['CLOSED', 'REJECTED', 'CANCELLED']);

function footprint(change: Change, impact: ImpactResult): Set<string> {
  return new Set([...change.targets, ...impact.impacted.map((e) => e.ciId)]);
}

function downSet(change: Change, impact: ImpactResult): Set<string> {
  return new Set([...change.targets, ...impact.impacted.filter((e) => e.state === 'DOWN').map((e) => e.ciId)]);
}

/** What DOWN jointly means for two evaluated changes; pure. */
export function jointlyDown(a: Change, impactA: ImpactResult, b: Change, impactB: ImpactResult, joint: ImpactResult): ImpactedEntry[] {
  const alone = new Set([...downSet(a, impactA), ...downSet(b, impactB)]);
  return joint.impacted.filter((e) => e.state === 'DOWN' && !alone.has(e.ciId));
}

async function collide(graph: Graph, a: Change, b: Change, cache: ImpactCache): Promise<Collision | null> {
  if (a.id === b.id || INACTIVE.has(a.status) || INACTIVE.has(b.status)) return null;
  if (!windowsOverlap(a.plannedStart, a.plannedEnd, b.plannedStart, b.plannedEnd)) return null;
  const [impactA, impactB, joint] = await Promise.all([
    impactOfTargets(graph, a.targets, cache),
    impactOfTargets(graph, b.targets, cache),
    impactOfTargets(graph, [...a.targets, ...b.targets], cache),
  ]);
  const other = footprint(b, impactB.result);
  const sharedCiIds = [...footprint(a, impactA.result)].filter((id) => other.has(id)).sort();
  const joined = jointlyDown(a, impactA.result, b, impactB.result, joint.result);
  if (sharedCiIds.length === 0 && joined.length === 0) return null;
  return {
    change: a,
    other: b,
    overlapStart: Math.max(a.plannedStart, b.plannedStart),
    overlapEnd: Math.min(a.plannedEnd, b.plannedEnd),
    sharedCiIds,
    jointlyDown: joined,
  };
}

/** The collisions of one change with every other change in play. */
export async function collisionsOf(graph: Graph, change: Change, cache: ImpactCache = new Map()): Promise<Collision[]> {
  if (INACTIVE.has(change.status)) return [];
  const candidates = await activeChangesOverlapping(graph, change.plannedStart, change.plannedEnd);
  const found = await Promise.all(candidates.map((other) => collide(graph, change, other, cache)));
  return found.filter((c): c is Collision => c !== null);
}

/** Every colliding pair among the changes in play whose windows overlap [from, to), each pair once. */
export async function collisionsInRange(graph: Graph, from: number, to: number, cache: ImpactCache = new Map()): Promise<Collision[]> {
  const changes = await activeChangesOverlapping(graph, from, to);
  const pairs: Promise<Collision | null>[] = [];
  for (let i = 0; i < changes.length; i++) {
    for (let j = i + 1; j < changes.length; j++) pairs.push(collide(graph, changes[i]!, changes[j]!, cache));
  }
  return (await Promise.all(pairs)).filter((c): c is Collision => c !== null);
}
