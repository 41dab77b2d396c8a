/**
 * Changes: work on target CIs in a planned window, through
 * DRAFT → ASSESSMENT → AUTHORIZED → SCHEDULED → IMPLEMENTING → REVIEW → CLOSED, or
 * REJECTED / CANCELLED. Authorizing records who authorized and freezes the blast radius
 * and risk as approved; entering IMPLEMENTING records implementedAt (root cause reads it);
 * closing records the review outcome (SUCCESSFUL, FAILED, ROLLED_BACK).
 * Blackouts are declared freeze periods; a change whose window overlaps one is flagged.
 */
import { z } from 'zod';
import type { Graph, Row } from '../db/index.js';
import { int, WINDOW_FIRST_MIN_IDS } from '../db/index.js';
import { BadUserInputError, parseInput } from '../errors.js';
import { computeImpactDetails, DEFAULT_MAX_DEPTH, type ImpactDetails, type ImpactResult, type ImpactState } from '../impact/index.js';
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
  requireActiveCIs,
  toPage,
  type Actor,
  type Page,
  type Transition,
} from '../itsm/records.js';
import * as Q from './cypher.js';
import { assessRisk, type Risk } from './risk.js';

export const CHANGE_STATUSES = [
  'DRAFT',
  'ASSESSMENT',
  'AUTHORIZED',
  'SCHEDULED',
  'IMPLEMENTING',
  'REVIEW',
  'CLOSED',
  'REJECTED',
  'CANCELLED',
] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export const CHANGE_LIFECYCLE: Readonly<Record<ChangeStatus, readonly ChangeStatus[]>> = {
  DRAFT: ['ASSESSMENT', 'CANCELLED'],
  ASSESSMENT: ['AUTHORIZED', 'REJECTED', 'DRAFT', 'CANCELLED'],
  AUTHORIZED: ['SCHEDULED', 'CANCELLED'],
  SCHEDULED: ['IMPLEMENTING', 'CANCELLED'],
  IMPLEMENTING: ['REVIEW'],
  REVIEW: ['CLOSED'],
  CLOSED: [],
  REJECTED: [],
  CANCELLED: [],
};

export const REVIEW_OUTCOMES = ['SUCCESSFUL', 'FAILED', 'ROLLED_BACK'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

/** The blast radius and risk as they stood when the change was authorized. */
export interface ApprovalSnapshot {
  at: number;
  by: string;
  impact: ImpactResult;
  risk: Risk;
}

export interface Change {
  id: string;
  number: number;
  title: string;
  description: string | null;
  status: ChangeStatus;
  plannedStart: number;
  plannedEnd: number;
  createdAt: number;
  updatedAt: number;
  createdBy: string;
  transitions: Transition[];
  authorizedBy: string | null;
  authorizedAt: number | null;
  approved: ApprovalSnapshot | null;
  implementedAt: number | null;
  reviewOutcome: ReviewOutcome | null;
  reviewNote: string | null;
  closedAt: number | null;
  targets: string[];
}

export interface Blackout {
  id: string;
  number: number;
  name: string;
  reason: string | null;
  start: number;
  end: number;
  createdAt: number;
  createdBy: string;
}

export const CHANGE_PREFIX = 'CHG-';
export const BLACKOUT_PREFIX = 'BLK-';
export const isChangeId = (id: string) => id.startsWith(CHANGE_PREFIX);
export const isBlackoutId = (id: string) => id.startsWith(BLACKOUT_PREFIX);

const num = (v: unknown) => (typeof v === 'number' ? v : null);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

export function decodeChange(row: Row): Change {
  const c = row.change as Row;
  return {
    id: String(c.id),
    number: Number(c.number),
    title: String(c.title),
    description: str(c.description),
    status: c.status as ChangeStatus,
    plannedStart: Number(c.plannedStart),
    plannedEnd: Number(c.plannedEnd),
    createdAt: Number(c.createdAt),
    updatedAt: Number(c.updatedAt ?? c.createdAt),
    createdBy: String(c.createdBy ?? ''),
    transitions: decodeTransitions(c.transitions),
    authorizedBy: str(c.authorizedBy),
    authorizedAt: num(c.authorizedAt),
    approved: typeof c.approvedSnapshot === 'string' ? (JSON.parse(c.approvedSnapshot) as ApprovalSnapshot) : null,
    implementedAt: num(c.implementedAt),
    reviewOutcome: str(c.reviewOutcome) as ReviewOutcome | null,
    reviewNote: str(c.reviewNote),
    closedAt: num(c.closedAt),
    targets: (row.targets as string[] | null) ?? [],
  };
}

export function decodeBlackout(row: Row): Blackout {
  const b = row.blackout as Row;
  return {
    id: String(b.id),
    number: Number(b.number),
    name: String(b.name),
    reason: str(b.reason),
    start: Number(b.start),
    end: Number(b.end),
    createdAt: Number(b.createdAt),
    createdBy: String(b.createdBy ?? ''),
  };
}

const decodeRows = (rows: Row[]) => rows.map(decodeChange);

// ------------------------------------------------------------------ reads

export async function getChanges(graph: Graph, ids: readonly string[]): Promise<Map<string, Change>> {
  const found = new Map<string, Change>();
  if (ids.length === 0) return found;
  for (const change of decodeRows(await graph.read(Q.CHANGES_BY_IDS, { ids: [...new Set(ids)] }))) found.set(change.id, change);
  return found;
}

export async function getChange(graph: Graph, id: string): Promise<Change | null> {
  return (await getChanges(graph, [id])).get(id) ?? null;
}

/** Changes targeting each CI, newest window first, in one query. */
export async function changesOfCIs(graph: Graph, ciIds: readonly string[]): Promise<Map<string, Change[]>> {
  const byCI = new Map<string, Change[]>(ciIds.map((id) => [id, []]));
  if (ciIds.length === 0) return byCI;
  for (const row of await graph.read(Q.CHANGES_OF_CIS, { ids: [...new Set(ciIds)] })) byCI.get(String(row.ciId))?.push(decodeChange(row));
  return byCI;
}

export const changeFilter = z.object({
  statuses: z.array(z.enum(CHANGE_STATUSES)).nullish(),
  /** Windows overlapping [windowFrom, windowTo). */
  windowFrom: z.number().nullish(),
  windowTo: z.number().nullish(),
  ciId: z.string().min(1).nullish(),
});
export type ChangeFilter = z.input<typeof changeFilter>;

export async function listChanges(
  graph: Graph,
  args: { first?: number | null; after?: string | null; filter?: ChangeFilter | null },
): Promise<Page<Change>> {
  const { limit, after } = parsePageArgs(args);
  const filter = parseInput(changeFilter, args.filter ?? {}, ['filter']);
  checkRange(filter.windowFrom, filter.windowTo, ['filter', 'windowTo']);
  const [afterStart, afterNumber] = after ? decodeCursor(after, 2) : [null, null];
  const common = {
    statuses: filter.statuses?.length ? filter.statuses : null,
    windowFrom: filter.windowFrom ?? null,
    windowTo: filter.windowTo ?? null,
    ciId: filter.ciId ?? null,
  };
  const { rows, total } = await graph.readTx(async (tx) => ({
    rows: (await tx.run(Q.LIST_CHANGES, { ...common, afterStart, afterNumber, limit: int(limit + 1) })).records.map((r) => r.toObject() as Row),
    total: Number((await tx.run(Q.COUNT_CHANGES, common)).records[0]?.get('total') ?? 0),
  }));
  return toPage(decodeRows(rows), limit, (c) => encodeCursor([c.plannedStart, c.number]), after, total);
}

/** Changes in play (not closed, rejected or cancelled) whose window overlaps [from, to). */
export async function activeChangesOverlapping(graph: Graph, from: number, to: number): Promise<Change[]> {
  return decodeRows(await graph.read(Q.ACTIVE_CHANGES_OVERLAPPING, { from, to, inactive: Q.INACTIVE_STATUSES }));
}

export interface ImplementedChange {
  change: Change;
  implementedAt: number;
  /** Which of the asked CIs the change targets. */
  ciIds: string[];
}

/**
 * Changes that entered IMPLEMENTING at or after `since` on any of the CIs, newest first:
 * the evidence root-cause analysis weighs. Whichever is smaller is read: the changes
 * implemented since then (usually a handful, against thousands of candidate CIs), or
 * each CI's changes.
 */
export async function changesOnCIsSince(graph: Graph, ciIds: readonly string[], since: number): Promise<ImplementedChange[]> {
  if (ciIds.length === 0) return [];
  const ids = [...new Set(ciIds)];
  const decode = (row: Row, on: string[]) => {
    const change = decodeChange(row);
    return { change, implementedAt: change.implementedAt!, ciIds: on };
  };
  const window = ids.length >= WINDOW_FIRST_MIN_IDS ? await graph.read(Q.IMPLEMENTED_IN_WINDOW, { since, cap: int(ids.length) }) : null;
  if (window && window.length < ids.length) {
    const asked = new Set(ids);
    return window.flatMap((row) => {
      const on = [...new Set((row.on as string[]).map(String))].filter((id) => asked.has(id)).sort();
      return on.length > 0 ? [decode(row, on)] : [];
    });
  }
  const rows = await graph.read(Q.IMPLEMENTED_SINCE, { ids, since });
  return rows.map((row) => decode(row, (row.on as string[]).map(String)));
}

// ------------------------------------------------------------------ blast radius and risk

/** Impact results of target sets, shared within one request or one collision scan. */
export type ImpactCache = Map<string, Promise<ImpactDetails>>;

export function impactOfTargets(graph: Graph, targets: readonly string[], cache: ImpactCache = new Map()): Promise<ImpactDetails> {
  // Evaluated in the change's own target order, so `Change.impact` is exactly
  // `impact(ciIds: targets)` (sources listed, and ties between equally near targets
  // broken, the same way); the cache key ignores the order.
  const ciIds = [...new Set(targets)];
  const key = [...ciIds].sort().join(',');
  let hit = cache.get(key);
  if (!hit) {
    hit = computeImpactDetails(graph, { ciIds, maxDepth: DEFAULT_MAX_DEPTH });
    cache.set(key, hit);
  }
  return hit;
}

/**
 * The risk of taking `targets` down, judged on the whole blast radius (every impacted CI
 * at any depth), not on the report, which impactOfTargets cuts at DEFAULT_MAX_DEPTH.
 */
export async function riskOf(graph: Graph, targets: readonly string[], details: ImpactDetails): Promise<Risk> {
  const { result, blastRadius } = details;
  const ids = [...new Set([...targets, ...blastRadius.keys()])];
  const rows = await graph.read(Q.SEVERE_OPEN_INCIDENTS, { ids });
  const services = details.select((ciId) => details.classOf(ciId) === 'BusinessService');
  const cis = await details.load([...targets, ...services.map((e) => e.ciId), ...rows.map((r) => String(r.ciId))]);
  const name = (id: string) => cis.get(id)?.name ?? id;
  const service = (ciId: string, state: ImpactState) => ({ ciId, name: name(ciId), criticality: cis.get(ciId)?.criticality ?? null, state });
  return assessRisk({
    // A business service the change targets goes DOWN itself (the blast radius lists what it takes down with it).
    services: [
      ...[...new Set(targets)].filter((id) => cis.get(id)?.class === 'BusinessService' && cis.get(id)?.status !== 'RETIRED').map((id) => service(id, 'DOWN')),
      ...services.map((e) => service(e.ciId, e.state)),
    ],
    impactedCount: result.totalCount,
    severeIncidents: rows.map((r) => ({
      ciId: String(r.ciId),
      ciName: name(String(r.ciId)),
      incidentId: String(r.incidentId),
      priority: String(r.priority),
    })),
  });
}

export async function assessChange(graph: Graph, change: Pick<Change, 'targets'>, cache?: ImpactCache): Promise<{ impact: ImpactResult; risk: Risk }> {
  const details = await impactOfTargets(graph, change.targets, cache);
  return { impact: details.result, risk: await riskOf(graph, change.targets, details) };
}

export interface ImpactDrift {
  /** Impacted now, not when approved. */
  newlyImpacted: ImpactResult['impacted'];
  /** Impacted when approved, not now. */
  noLongerImpacted: ImpactResult['impacted'];
  /** Impacted both times, in a different state. */
  stateChanged: { ciId: string; approved: string; now: string }[];
  unchanged: boolean;
}

/**
 * The approved report (frozen, cut at its maxDepth) against the whole blast radius now:
 * a CI that only moved beyond the report's depth is still impacted. The frozen report
 * holds the whole approved blast radius when it was not truncated; then CIs newly
 * impacted at any depth are listed, otherwise those within the current report's depth
 * (a deeper one may have been impacted, unlisted, at approval).
 */
export function compareImpact(approved: ImpactResult, now: ImpactDetails): ImpactDrift {
  const before = new Map(approved.impacted.map((e) => [e.ciId, e]));
  const newlyImpacted = approved.truncated
    ? now.result.impacted.filter((e) => !before.has(e.ciId))
    : now.select((ciId) => !before.has(ciId));
  const noLongerImpacted = approved.impacted.filter((e) => !now.blastRadius.has(e.ciId));
  const stateChanged = now
    .select((ciId, { state }) => before.has(ciId) && before.get(ciId)!.state !== state)
    .map((e) => ({ ciId: e.ciId, approved: before.get(e.ciId)!.state, now: e.state }));
  return {
    newlyImpacted,
    noLongerImpacted,
    stateChanged,
    unchanged: newlyImpacted.length + noLongerImpacted.length + stateChanged.length === 0,
  };
}

// ------------------------------------------------------------------ writes

const window = {
  plannedStart: z.number().int().min(0),
  plannedEnd: z.number().int().min(0),
};

export const createChangeInput = z
  .object({
    title: z.string().trim().min(1, 'must not be empty').max(500),
    description: z.string().max(20_000).nullish(),
    targetCiIds: z.array(z.string().min(1)).min(1, 'at least one target CI is needed'),
    ...window,
  })
  .refine((c) => c.plannedEnd > c.plannedStart, { path: ['plannedEnd'], message: 'must be after plannedStart' });
export type CreateChangeInput = z.input<typeof createChangeInput>;

export async function createChange(graph: Graph, raw: CreateChangeInput, who: Actor): Promise<Change> {
  const input = parseInput(createChangeInput, raw);
  const ciIds = [...new Set(input.targetCiIds)];
  const at = who.at ?? Date.now();
  return graph.writeTx(async (tx) => {
    await requireActiveCIs(tx, ciIds, 'input.targetCiIds');
    const number = await nextNumber(tx, 'change');
    const props = {
      id: `${CHANGE_PREFIX}${number}`,
      number,
      title: input.title,
      description: input.description ?? null,
      status: 'DRAFT',
      plannedStart: input.plannedStart,
      plannedEnd: input.plannedEnd,
      createdAt: at,
      updatedAt: at,
      createdBy: who.actor,
      transitions: JSON.stringify([{ from: null, to: 'DRAFT', at, actor: who.actor } satisfies Transition]),
    };
    const res = await tx.run(Q.CREATE_CHANGE, { props, ciIds });
    return decodeChange(res.records[0]!.toObject() as Row);
  });
}

export interface TransitionOptions {
  /** Review outcome, only when closing; default SUCCESSFUL. */
  outcome?: ReviewOutcome | null;
  note?: string | null;
}

const transitionOptions = z.object({
  outcome: z.enum(REVIEW_OUTCOMES).nullish(),
  note: z.string().max(20_000).nullish(),
});

export async function transitionChange(graph: Graph, id: string, to: string, who: Actor, raw: TransitionOptions = {}): Promise<Change> {
  const target = parseInput(z.enum(CHANGE_STATUSES), to, ['to']);
  const options = parseInput(transitionOptions, raw, []);
  if (options.outcome && target !== 'CLOSED') {
    throw new BadUserInputError('outcome is only accepted when closing a change', [{ path: ['outcome'], message: 'only with to: CLOSED' }]);
  }
  // The approval snapshot needs the blast radius, read before the write transaction.
  let snapshot: Omit<ApprovalSnapshot, 'at' | 'by'> | null = null;
  if (target === 'AUTHORIZED') {
    const current = await getChange(graph, id);
    if (current?.status === 'ASSESSMENT') snapshot = await assessChange(graph, current);
  }
  return graph.writeTx(async (tx) => {
    await lockRecord(tx, Q.LOCK_CHANGE, id, 'change');
    const current = decodeChange((await tx.run(Q.CHANGES_BY_IDS, { ids: [id] })).records[0]!.toObject() as Row);
    checkTransition(CHANGE_LIFECYCLE, 'Change', id, current.status, target);
    const at = actTime(who, current.transitions.at(-1)?.at ?? current.createdAt);
    const transitions = [...current.transitions, { from: current.status, to: target, at, actor: who.actor }];
    const set: Record<string, unknown> = { status: target, updatedAt: at, transitions: JSON.stringify(transitions) };
    if (target === 'AUTHORIZED') {
      // Another transaction moved it between the read above and the lock: read again.
      snapshot ??= await assessChange(graph, current);
      Object.assign(set, {
        authorizedBy: who.actor,
        authorizedAt: at,
        approvedSnapshot: JSON.stringify({ ...snapshot, at, by: who.actor } satisfies ApprovalSnapshot),
      });
    }
    if (target === 'IMPLEMENTING') set.implementedAt = at;
    if (target === 'CLOSED') Object.assign(set, { closedAt: at, reviewOutcome: options.outcome ?? 'SUCCESSFUL', reviewNote: options.note ?? null });
    const res = await tx.run(Q.UPDATE_CHANGE, { id, set });
    return decodeChange(res.records[0]!.toObject() as Row);
  });
}

/**
 * For imports, backfills and fault injection: a change that was implemented at a given
 * time, walked through its lifecycle with every transition at that time.
 */
export async function recordImplementedChange(
  graph: Graph,
  input: { title: string; targetCiIds: string[]; implementedAt: number; plannedStart?: number; plannedEnd?: number },
  who: { actor: string },
): Promise<Change> {
  const at = input.implementedAt;
  const plannedStart = input.plannedStart ?? at;
  const change = await createChange(
    graph,
    { title: input.title, targetCiIds: input.targetCiIds, plannedStart, plannedEnd: input.plannedEnd ?? plannedStart + 3_600_000 },
    { actor: who.actor, at: Math.min(at, plannedStart) },
  );
  let current = change;
  for (const step of ['ASSESSMENT', 'AUTHORIZED', 'SCHEDULED', 'IMPLEMENTING'] as const) {
    current = await transitionChange(graph, change.id, step, { actor: who.actor, at });
  }
  return current;
}

// ------------------------------------------------------------------ blackouts

export const createBlackoutInput = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    reason: z.string().max(5_000).nullish(),
    start: z.number().int().min(0),
    end: z.number().int().min(0),
  })
  .refine((b) => b.end > b.start, { path: ['end'], message: 'must be after start' });
export type CreateBlackoutInput = z.input<typeof createBlackoutInput>;

export async function createBlackout(graph: Graph, raw: CreateBlackoutInput, who: Actor): Promise<Blackout> {
  const input = parseInput(createBlackoutInput, raw);
  const at = who.at ?? Date.now();
  return graph.writeTx(async (tx) => {
    const number = await nextNumber(tx, 'blackout');
    const props = { id: `${BLACKOUT_PREFIX}${number}`, number, name: input.name, reason: input.reason ?? null, start: input.start, end: input.end, createdAt: at, createdBy: who.actor };
    const res = await tx.run(Q.CREATE_BLACKOUT, { props });
    return decodeBlackout(res.records[0]!.toObject() as Row);
  });
}

export async function getBlackout(graph: Graph, id: string): Promise<Blackout | null> {
  const [row] = await graph.read(Q.BLACKOUTS_BY_IDS, { ids: [id] });
  return row ? decodeBlackout(row) : null;
}

/** Blackouts overlapping [from, to) (touching does not overlap); open bounds list all. */
export async function listBlackouts(graph: Graph, from?: number | null, to?: number | null): Promise<Blackout[]> {
  checkRange(from, to, ['to']);
  return (await graph.read(Q.BLACKOUTS_OVERLAPPING, { from: from ?? null, to: to ?? null })).map(decodeBlackout);
}

/** A required range: end after start, else BAD_USER_INPUT. */
export function checkWindow(from: number, to: number): void {
  checkRange(from, to, ['to']);
}
