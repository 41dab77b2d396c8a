/**
 * Problems: the cause behind one or more incidents. A problem gathers incidents, records
 * its root-cause CI and a workaround, becomes a KNOWN_ERROR once either is known, and is
 * resolved, optionally naming the change that fixed it.
 * NEW → UNDER_INVESTIGATION → KNOWN_ERROR → RESOLVED → CLOSED; UNDER_INVESTIGATION may
 * resolve directly; KNOWN_ERROR and RESOLVED may go back to UNDER_INVESTIGATION.
 */
import { z } from 'zod';
import type { Graph, Row, Tx } from '../db/index.js';
import { int } from '../db/index.js';
import { BadUserInputError, ConflictError, NotFoundError, parseInput } from '../errors.js';
import {
  actTime,
  checkTransition,
  decodeCursor,
  decodeTransitions,
  encodeCursor,
  lockRecord,
  nextNumber,
  parsePageArgs,
  requireActiveCIs,
  toPage,
  type Actor,
  type Page,
  type Transition,
} from '../itsm/records.js';
import * as Q from './cypher.js';

export const PROBLEM_STATUSES = ['NEW', 'UNDER_INVESTIGATION', 'KNOWN_ERROR', 'RESOLVED', 'CLOSED'] as const;
export type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

export const PROBLEM_LIFECYCLE: Readonly<Record<ProblemStatus, readonly ProblemStatus[]>> = {
  NEW: ['UNDER_INVESTIGATION'],
  UNDER_INVESTIGATION: ['KNOWN_ERROR', 'RESOLVED'],
  KNOWN_ERROR: ['RESOLVED', 'UNDER_INVESTIGATION'],
  RESOLVED: ['CLOSED', 'UNDER_INVESTIGATION'],
  CLOSED: [],
};

export interface Problem {
  id: string;
  number: number;
  title: string;
  description: string | null;
  status: ProblemStatus;
  workaround: string | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  transitions: Transition[];
  knownErrorAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  rootCauseId: string | null;
  fixedByChangeId: string | null;
  incidentIds: string[];
}

export const PROBLEM_PREFIX = 'PRB-';
export const isProblemId = (id: string) => id.startsWith(PROBLEM_PREFIX);

const num = (v: unknown) => (typeof v === 'number' ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function decodeProblem(row: Row): Problem {
  const p = row.problem as Row;
  return {
    id: String(p.id),
    number: Number(p.number),
    title: String(p.title),
    description: str(p.description),
    status: p.status as ProblemStatus,
    workaround: str(p.workaround),
    createdAt: Number(p.createdAt),
    updatedAt: Number(p.updatedAt ?? p.createdAt),
    createdBy: String(p.createdBy ?? ''),
    transitions: decodeTransitions(p.transitions),
    knownErrorAt: num(p.knownErrorAt),
    resolvedAt: num(p.resolvedAt),
    closedAt: num(p.closedAt),
    rootCauseId: str(row.rootCauseId),
    fixedByChangeId: str(row.fixedByChangeId),
    incidentIds: (row.incidentIds as string[] | null) ?? [],
  };
}

// ------------------------------------------------------------------ reads

export async function getProblems(graph: Graph, ids: readonly string[]): Promise<Map<string, Problem>> {
  const found = new Map<string, Problem>();
  if (ids.length === 0) return found;
  for (const row of await graph.read(Q.PROBLEMS_BY_IDS, { ids: [...new Set(ids)] })) {
    const problem = decodeProblem(row);
    found.set(problem.id, problem);
  }
  return found;
}

export async function getProblem(graph: Graph, id: string): Promise<Problem | null> {
  return (await getProblems(graph, [id])).get(id) ?? null;
}

export const problemFilter = z.object({ statuses: z.array(z.enum(PROBLEM_STATUSES)).nullish() });
export type ProblemFilter = z.input<typeof problemFilter>;

export async function listProblems(
  graph: Graph,
  args: { first?: number | null; after?: string | null; filter?: ProblemFilter | null },
): Promise<Page<Problem>> {
  const { limit, after } = parsePageArgs(args);
  const filter = parseInput(problemFilter, args.filter ?? {}, ['filter']);
  const [afterNumber] = after ? decodeCursor(after, 1) : [null];
  const statuses = filter.statuses?.length ? filter.statuses : null;
  const { rows, total } = await graph.readTx(async (tx) => ({
    rows: (await tx.run(Q.LIST_PROBLEMS, { statuses, afterNumber, limit: int(limit + 1) })).records.map((r) => r.toObject() as Row),
    total: Number((await tx.run(Q.COUNT_PROBLEMS, { statuses })).records[0]?.get('total') ?? 0),
  }));
  return toPage(rows.map(decodeProblem), limit, (p) => encodeCursor([p.number]), after, total);
}

// ------------------------------------------------------------------ writes

const text = (max: number) => z.string().trim().max(max).nullish();

export const createProblemInput = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(500),
  description: text(20_000),
  incidentIds: z.array(z.string().min(1)).nullish(),
  rootCauseCiId: z.string().min(1).nullish(),
  workaround: text(20_000),
});
export type CreateProblemInput = z.input<typeof createProblemInput>;

export const updateProblemInput = z.object({
  id: z.string().min(1),
  title: z.string().trim().min(1, 'must not be empty').max(500).nullish(),
  description: text(20_000),
  workaround: text(20_000),
  /** A CI id sets the root cause; null clears it; absent leaves it. */
  rootCauseCiId: z.string().min(1).nullish(),
  addIncidentIds: z.array(z.string().min(1)).nullish(),
  removeIncidentIds: z.array(z.string().min(1)).nullish(),
});
export type UpdateProblemInput = z.input<typeof updateProblemInput>;

/**
 * Incidents must exist and belong to no other problem (an incident has one cause). They
 * are write-locked before they are read, so the check holds until the caller links them
 * in the same transaction: two problems racing for one incident serialise here, and the
 * second sees the first one's link (CONFLICT) instead of both passing the check.
 */
async function checkIncidentsFree(tx: Tx, ids: string[], problemId: string | null, field: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.run(Q.LOCK_INCIDENTS, { ids: [...ids].sort() });
  const res = await tx.run(Q.INCIDENT_LINKS, { ids });
  for (const r of res.records) {
    const id = String(r.get('id'));
    if (!r.get('found')) throw new NotFoundError(`No incident with id "${id}" (${field})`, { field });
    const other = r.get('problemId') as string | null;
    if (other && other !== problemId) {
      throw new ConflictError(`Incident ${id} already belongs to problem ${other}; remove it there first`, { field, problemId: other });
    }
  }
}

async function reload(tx: Tx, id: string): Promise<Problem> {
  const res = await tx.run(Q.PROBLEMS_BY_IDS, { ids: [id] });
  return decodeProblem(res.records[0]!.toObject() as Row);
}

export async function createProblem(graph: Graph, raw: CreateProblemInput, who: Actor): Promise<Problem> {
  const input = parseInput(createProblemInput, raw);
  const incidentIds = [...new Set(input.incidentIds ?? [])];
  const at = who.at ?? Date.now();
  return graph.writeTx(async (tx) => {
    await checkIncidentsFree(tx, incidentIds, null, 'input.incidentIds');
    if (input.rootCauseCiId) await requireActiveCIs(tx, [input.rootCauseCiId], 'input.rootCauseCiId');
    const number = await nextNumber(tx, 'problem');
    const id = `${PROBLEM_PREFIX}${number}`;
    const props = {
      id,
      number,
      title: input.title,
      description: input.description ?? null,
      status: 'NEW',
      workaround: input.workaround || null,
      createdAt: at,
      updatedAt: at,
      createdBy: who.actor,
      transitions: JSON.stringify([{ from: null, to: 'NEW', at, actor: who.actor } satisfies Transition]),
    };
    await tx.run(Q.CREATE_PROBLEM, { props });
    if (incidentIds.length) await tx.run(Q.LINK_INCIDENTS, { id, incidentIds });
    if (input.rootCauseCiId) await tx.run(Q.SET_ROOT_CAUSE, { id, targetId: input.rootCauseCiId });
    return reload(tx, id);
  });
}

export async function updateProblem(graph: Graph, raw: UpdateProblemInput, who: Actor): Promise<Problem> {
  const input = parseInput(updateProblemInput, raw);
  const add = [...new Set(input.addIncidentIds ?? [])];
  const remove = [...new Set(input.removeIncidentIds ?? [])];
  return graph.writeTx(async (tx) => {
    await lockRecord(tx, Q.LOCK_PROBLEM, input.id, 'problem');
    const current = await reload(tx, input.id);
    if (current.status === 'CLOSED') {
      throw new BadUserInputError(`Problem ${input.id} is CLOSED and cannot be changed`, [{ path: ['input', 'id'], message: 'problem is closed' }]);
    }
    await checkIncidentsFree(tx, add, input.id, 'input.addIncidentIds');
    if (input.rootCauseCiId) await requireActiveCIs(tx, [input.rootCauseCiId], 'input.rootCauseCiId');
    const set: Record<string, unknown> = { updatedAt: actTime({ actor: who.actor, at: who.at }, current.updatedAt) };
    if (input.title) set.title = input.title;
    if (input.description !== undefined) set.description = input.description ?? null;
    if (input.workaround !== undefined) set.workaround = input.workaround || null;
    await tx.run(Q.UPDATE_PROBLEM, { id: input.id, set });
    if (remove.length) await tx.run(Q.UNLINK_INCIDENTS, { id: input.id, incidentIds: remove });
    if (add.length) await tx.run(Q.LINK_INCIDENTS, { id: input.id, incidentIds: add });
    if (input.rootCauseCiId !== undefined) await tx.run(Q.SET_ROOT_CAUSE, { id: input.id, targetId: input.rootCauseCiId });
    return reload(tx, input.id);
  });
}

export async function transitionProblem(
  graph: Graph,
  id: string,
  to: string,
  who: Actor,
  options: { fixedByChangeId?: string | null } = {},
): Promise<Problem> {
  const target = parseInput(z.enum(PROBLEM_STATUSES), to, ['to']);
  return graph.writeTx(async (tx) => {
    await lockRecord(tx, Q.LOCK_PROBLEM, id, 'problem');
    const current = await reload(tx, id);
    checkTransition(PROBLEM_LIFECYCLE, 'Problem', id, current.status, target);
    if (target === 'KNOWN_ERROR' && !current.rootCauseId && !current.workaround) {
      throw new BadUserInputError(`Problem ${id} needs a root-cause CI or a workaround before it is a KNOWN_ERROR`, [
        { path: ['to'], message: 'record rootCauseCiId or workaround first' },
      ]);
    }
    if (options.fixedByChangeId) {
      if (target !== 'RESOLVED') {
        throw new BadUserInputError('fixedByChangeId is only accepted when resolving', [{ path: ['fixedByChangeId'], message: 'only with to: RESOLVED' }]);
      }
      const found = (await tx.run(Q.CHANGE_EXISTS, { id: options.fixedByChangeId })).records[0]?.get('found');
      if (!found) throw new NotFoundError(`No change with id "${options.fixedByChangeId}"`, { field: 'fixedByChangeId' });
    }
    const at = actTime(who, current.transitions.at(-1)?.at ?? current.createdAt);
    const fixedBy = target === 'RESOLVED' ? (options.fixedByChangeId ?? null) : null;
    const step: Transition = { from: current.status, to: target, at, actor: who.actor, ...(fixedBy ? { fixedByChangeId: fixedBy } : {}) };
    const set: Record<string, unknown> = { status: target, updatedAt: at, transitions: JSON.stringify([...current.transitions, step]) };
    const reopened = target === 'UNDER_INVESTIGATION' && current.status === 'RESOLVED';
    if (target === 'KNOWN_ERROR') set.knownErrorAt = at;
    if (target === 'RESOLVED') set.resolvedAt = at;
    if (reopened) set.resolvedAt = null;
    if (target === 'CLOSED') set.closedAt = at;
    await tx.run(Q.UPDATE_PROBLEM, { id, set });
    // Resolving names its fix (or none) in place of any earlier one; reopening clears it, as a
    // reopened problem is not fixed. Each resolution's fix stays on its transition.
    if (target === 'RESOLVED' || reopened) await tx.run(Q.SET_FIXED_BY, { id, targetId: fixedBy });
    return reload(tx, id);
  });
}
