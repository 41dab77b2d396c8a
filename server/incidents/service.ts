/**
 * Incidents: opened against one or more CIs with a priority, moved through
 * NEW → IN_PROGRESS ↔ ON_HOLD → RESOLVED → CLOSED (RESOLVED → IN_PROGRESS reopens).
 * Every transition is kept with its time and actor; resolvedAt is set on resolution and
 * cleared on reopening.
 */
import { z } from 'zod';
import type { Graph, Row } from '../db/index.js';
import { int, WINDOW_FIRST_MIN_IDS } from '../db/index.js';
import { parseInput } from '../errors.js';
import {
  actTime,
  checkRange,
  checkTransition,
  decodeCursor,
  decodeTransitions,
  encodeCursor,
  lockRecord,
  nextNumber,
  parsePageArgs,
  refuseFutureTime,
  requireActiveCIs,
  toPage,
  type Actor,
  type Page,
  type Transition,
} from '../itsm/records.js';
import { PRIORITIES, type Priority } from '../itsm/sla.js';
import * as Q from './cypher.js';

export const INCIDENT_STATUSES = ['NEW', 'IN_PROGRESS', 'ON_HOLD', 'RESOLVED', 'CLOSED'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const OPEN_INCIDENT_STATUSES: readonly IncidentStatus[] = ['NEW', 'IN_PROGRESS', 'ON_HOLD'];

/** The lifecycle: each status and the statuses it may move to. */
export const INCIDENT_LIFECYCLE: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  NEW: ['IN_PROGRESS'],
  IN_PROGRESS: ['ON_HOLD', 'RESOLVED'],
  ON_HOLD: ['IN_PROGRESS', 'RESOLVED'],
  RESOLVED: ['CLOSED', 'IN_PROGRESS'],
  CLOSED: [],
};

export interface Incident {
  id: string;
  number: number;
  title: string;
  description: string | null;
  priority: Priority;
  status: IncidentStatus;
  openedAt: number;
  resolvedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
  createdBy: string;
  transitions: Transition[];
  affects: string[];
  problemId: string | null;
}

export const INCIDENT_PREFIX = 'INC-';
export const isIncidentId = (id: string) => id.startsWith(INCIDENT_PREFIX);

export function decodeIncident(row: Row): Incident {
  const i = row.incident as Row;
  return {
    id: String(i.id),
    number: Number(i.number),
    title: String(i.title),
    description: typeof i.description === 'string' ? i.description : null,
    priority: i.priority as Priority,
    status: i.status as IncidentStatus,
    openedAt: Number(i.openedAt),
    resolvedAt: typeof i.resolvedAt === 'number' ? i.resolvedAt : null,
    closedAt: typeof i.closedAt === 'number' ? i.closedAt : null,
    updatedAt: Number(i.updatedAt ?? i.openedAt),
    createdBy: String(i.createdBy ?? ''),
    transitions: decodeTransitions(i.transitions),
    affects: (row.affects as string[] | null) ?? [],
    problemId: typeof row.problemId === 'string' ? row.problemId : null,
  };
}

// ------------------------------------------------------------------ reads

export async function getIncidents(graph: Graph, ids: readonly string[]): Promise<Map<string, Incident>> {
  const found = new Map<string, Incident>();
  if (ids.length === 0) return found;
  for (const row of await graph.read(Q.INCIDENTS_BY_IDS, { ids: [...new Set(ids)] })) {
    const incident = decodeIncident(row);
    found.set(incident.id, incident);
  }
  return found;
}

export async function getIncident(graph: Graph, id: string): Promise<Incident | null> {
  return (await getIncidents(graph, [id])).get(id) ?? null;
}

/**
 * Incidents per CI, in one query, newest first. Open ones only: whichever is smaller is
 * read, the open incidents (usually far fewer than the thousands of CIs root cause asks
 * about) or each CI's.
 */
export async function incidentsOfCIs(graph: Graph, ciIds: readonly string[], openOnly: boolean): Promise<Map<string, Incident[]>> {
  const byCI = new Map<string, Incident[]>(ciIds.map((id) => [id, []]));
  if (ciIds.length === 0) return byCI;
  const ids = [...new Set(ciIds)];
  if (openOnly && ids.length >= WINDOW_FIRST_MIN_IDS) {
    const open = await graph.read(Q.OPEN_INCIDENTS_WINDOW, { open: OPEN_INCIDENT_STATUSES, cap: int(ids.length) });
    if (open.length < ids.length) {
      for (const row of open) {
        const incident = decodeIncident(row);
        for (const ciId of new Set(incident.affects)) byCI.get(ciId)?.push(incident);
      }
      return byCI;
    }
  }
  for (const row of await graph.read(Q.INCIDENTS_OF_CIS, { ids, openOnly })) {
    byCI.get(String(row.ciId))?.push(decodeIncident(row));
  }
  return byCI;
}

/** Incidents per problem, in one query. */
export async function incidentsOfProblems(graph: Graph, problemIds: readonly string[]): Promise<Map<string, Incident[]>> {
  const byProblem = new Map<string, Incident[]>(problemIds.map((id) => [id, []]));
  if (problemIds.length === 0) return byProblem;
  for (const row of await graph.read(Q.INCIDENTS_OF_PROBLEMS, { ids: [...new Set(problemIds)] })) {
    byProblem.get(String(row.ofProblem))?.push(decodeIncident(row));
  }
  return byProblem;
}

export const incidentFilter = z.object({
  statuses: z.array(z.enum(INCIDENT_STATUSES)).nullish(),
  priorities: z.array(z.enum(PRIORITIES)).nullish(),
  ciId: z.string().min(1).nullish(),
  openedFrom: z.number().nullish(),
  openedTo: z.number().nullish(),
});
export type IncidentFilter = z.input<typeof incidentFilter>;

export async function listIncidents(
  graph: Graph,
  args: { first?: number | null; after?: string | null; filter?: IncidentFilter | null },
): Promise<Page<Incident>> {
  const { limit, after } = parsePageArgs(args);
  const filter = parseInput(incidentFilter, args.filter ?? {}, ['filter']);
  checkRange(filter.openedFrom, filter.openedTo, ['filter', 'openedTo']);
  const [afterOpened, afterNumber] = after ? decodeCursor(after, 2) : [null, null];
  const common = {
    statuses: filter.statuses?.length ? filter.statuses : null,
    priorities: filter.priorities?.length ? filter.priorities : null,
    ciId: filter.ciId ?? null,
    openedFrom: filter.openedFrom ?? null,
    openedTo: filter.openedTo ?? null,
  };
  const { rows, total } = await graph.readTx(async (tx) => ({
    rows: (await tx.run(Q.LIST_INCIDENTS, { ...common, afterOpened, afterNumber, limit: int(limit + 1) })).records.map((r) => r.toObject() as Row),
    total: Number((await tx.run(Q.COUNT_INCIDENTS, common)).records[0]?.get('total') ?? 0),
  }));
  return toPage(rows.map(decodeIncident), limit, (i) => encodeCursor([i.openedAt, i.number]), after, total);
}

// ------------------------------------------------------------------ writes

export const createIncidentInput = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(500),
  description: z.string().max(20_000).nullish(),
  priority: z.enum(PRIORITIES),
  affectedCiIds: z.array(z.string().min(1)).min(1, 'at least one affected CI is needed'),
  openedAt: z.number().int().min(0).nullish(),
});
export type CreateIncidentInput = z.input<typeof createIncidentInput>;

export async function createIncident(graph: Graph, raw: CreateIncidentInput, who: Actor): Promise<Incident> {
  const input = parseInput(createIncidentInput, raw);
  const openedAt = input.openedAt ?? who.at ?? Date.now();
  // A backdated opening is fine (the outage began before the call); one in the future is not.
  refuseFutureTime(openedAt, ['input', 'openedAt']);
  const ciIds = [...new Set(input.affectedCiIds)];
  return graph.writeTx(async (tx) => {
    await requireActiveCIs(tx, ciIds, 'input.affectedCiIds');
    const number = await nextNumber(tx, 'incident');
    const props = {
      id: `${INCIDENT_PREFIX}${number}`,
      number,
      title: input.title,
      description: input.description ?? null,
      priority: input.priority,
      status: 'NEW',
      openedAt,
      resolvedAt: null,
      closedAt: null,
      updatedAt: openedAt,
      createdBy: who.actor,
      transitions: JSON.stringify([{ from: null, to: 'NEW', at: openedAt, actor: who.actor } satisfies Transition]),
    };
    const res = await tx.run(Q.CREATE_INCIDENT, { props, ciIds });
    return decodeIncident(res.records[0]!.toObject() as Row);
  });
}

export async function transitionIncident(graph: Graph, id: string, to: string, who: Actor): Promise<Incident> {
  const target = parseInput(z.enum(INCIDENT_STATUSES), to, ['to']);
  return graph.writeTx(async (tx) => {
    await lockRecord(tx, Q.LOCK_INCIDENT, id, 'incident');
    const current = decodeIncident((await tx.run(Q.INCIDENTS_BY_IDS, { ids: [id] })).records[0]!.toObject() as Row);
    checkTransition(INCIDENT_LIFECYCLE, 'Incident', id, current.status, target);
    const at = actTime(who, current.transitions.at(-1)?.at ?? current.openedAt);
    const transitions = [...current.transitions, { from: current.status, to: target, at, actor: who.actor }];
    const set: Record<string, unknown> = { status: target, updatedAt: at, transitions: JSON.stringify(transitions) };
    if (target === 'RESOLVED') set.resolvedAt = at;
    if (target === 'IN_PROGRESS' && current.status === 'RESOLVED') set.resolvedAt = null;
    if (target === 'CLOSED') set.closedAt = at;
    const res = await tx.run(Q.UPDATE_INCIDENT, { id, set });
    return decodeIncident(res.records[0]!.toObject() as Row);
  });
}
