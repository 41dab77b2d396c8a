/**
 * Change collisions. Two changes in play collide when their planned windows overlap
 * (half-open: touching windows do not) and their footprints (targets plus blast radius)
 * intersect. For every such pair the combined targets are also evaluated: a CI that is
 * DOWN under both changes together but DOWN under neither alone is a *joint* collision
 * (two changes that each take one member of a two-member farm).
 */
import type { Graph } from '../db/index.js';
import type { ImpactDetails, ImpactedEntry } from '../impact/index.js';
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

// Footprints and DOWN sets are the whole blast radius, at any depth: the change's report
// (Change.impact) is cut at DEFAULT_MAX_DEPTH, a collision is not.
function footprint(change: Change, impact: ImpactDetails): Set<string> {
  return new Set([...change.targets, ...impact.blastRadius.keys()]);
}

function downSet(change: Change, impact: ImpactDetails): Set<string> {
  const down = new Set(change.targets);
  for (const [ciId, { state }] of impact.blastRadius) if (state === 'DOWN') down.add(ciId);
  return down;
}

/** What DOWN jointly means for two evaluated changes, at any depth, in the joint report's order; pure. */
export function jointlyDown(a: Change, impactA: ImpactDetails, b: Change, impactB: ImpactDetails, joint: ImpactDetails): ImpactedEntry[] {
  const alone = new Set([...downSet(a, impactA), ...downSet(b, impactB)]);
  return joint.select((ciId, { state }) => state === 'DOWN' && !alone.has(ciId));
}

async function collide(graph: Graph, a: Change, b: Change, cache: ImpactCache): Promise<Collision | null> {
  if (a.id === b.id || INACTIVE.has(a.status) || INACTIVE.has(b.status)) return null;
  if (!windowsOverlap(a.plannedStart, a.plannedEnd, b.plannedStart, b.plannedEnd)) return null;
  const [impactA, impactB, joint] = await Promise.all([
    impactOfTargets(graph, a.targets, cache),
    impactOfTargets(graph, b.targets, cache),
    impactOfTargets(graph, [...a.targets, ...b.targets], cache),
  ]);
  const other = footprint(b, impactB);
  const sharedCiIds = [...footprint(a, impactA)].filter((id) => other.has(id)).sort();
  const joined = jointlyDown(a, impactA, b, impactB, joint);
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
