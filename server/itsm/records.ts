/**
 * What incidents, problems and changes share: human-friendly sequence numbers, status
 * transitions with a timestamp each, keyset cursors and the checks on CI references.
 * Every helper that writes takes the caller's transaction so a record, its number and
 * its links commit or roll back together.
 */
import { z } from 'zod';
import type { Tx } from '../db/index.js';
import { BadUserInputError, NotFoundError, parseInput } from '../errors.js';
import * as Q from './cypher.js';

/** One status change, kept on the record as history. */
export interface Transition {
  from: string | null;
  to: string;
  at: number;
  actor: string;
  /** A problem resolved with a change: that change (kept when the problem reopens). */
  fixedByChangeId?: string;
}

/** A page of records for a connection. */
export interface Page<T> {
  items: { node: T; cursor: string }[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  totalCount: number;
}

/** Who acts and, for imports and backfills, when (default now). */
export interface Actor {
  actor: string;
  /** Explicit time of the act (epoch ms); for imports, backfills and tests. */
  at?: number | null;
}

/** The next number of a sequence, incremented in the caller's write transaction. */
export async function nextNumber(tx: Tx, name: string): Promise<number> {
  const res = await tx.run(Q.NEXT_NUMBER, { name });
  return Number(res.records[0]!.get('value'));
}

/**
 * Takes the record's write lock before it is read, so two concurrent transitions of one
 * record serialise instead of both passing the check on the old status.
 */
export async function lockRecord(tx: Tx, lockCypher: string, id: string, kind: string): Promise<void> {
  const res = await tx.run(lockCypher, { id });
  if (Number(res.records[0]?.get('found') ?? 0) === 0) throw new NotFoundError(`No ${kind} with id "${id}"`, { field: 'id' });
}

export function decodeTransitions(value: unknown): Transition[] {
  if (typeof value !== 'string') return [];
  const parsed = JSON.parse(value) as unknown;
  return Array.isArray(parsed) ? (parsed as Transition[]) : [];
}

/** Refuses a transition the lifecycle does not allow, naming the allowed next states. */
export function checkTransition(
  lifecycle: Readonly<Record<string, readonly string[]>>,
  kind: string,
  id: string,
  from: string,
  to: string,
): void {
  const allowed = lifecycle[from] ?? [];
  if (allowed.includes(to)) return;
  const next = allowed.length ? `allowed next states: ${allowed.join(', ')}` : `${from} is final; no transition is allowed`;
  throw new BadUserInputError(`${kind} ${id} cannot go from ${from} to ${to}; ${next}`, [
    { path: ['to'], message: `not allowed from ${from}; ${next}` },
  ]);
}

/** How far ahead of this server's clock an explicit time may lie (another machine's clock). */
const CLOCK_SLACK_MS = 5 * 60_000;

const shown = (ms: number) => (Number.isFinite(new Date(ms).getTime()) ? new Date(ms).toISOString() : String(ms));

/**
 * An explicit time may be in the past (an import, a backfill, an outage that began before
 * the call) but not in the future beyond CLOCK_SLACK_MS: BAD_USER_INPUT naming the field.
 */
export function refuseFutureTime(at: number, path: string[]): void {
  if (at <= Date.now() + CLOCK_SLACK_MS) return;
  throw new BadUserInputError(`${path.join('.')} (${shown(at)}) is in the future`, [{ path, message: 'in the future' }]);
}

/**
 * The time of an act: an explicit time must not be in the future (refuseFutureTime) nor
 * precede the record's last transition (history stays ordered); an implicit one is now,
 * or the last transition's time when a backfilled record lies ahead of the clock.
 */
export function actTime(who: Actor, last: number, field = 'at'): number {
  if (who.at === undefined || who.at === null) return Math.max(Date.now(), last);
  refuseFutureTime(who.at, [field]);
  if (who.at < last) {
    throw new BadUserInputError(`${field} (${new Date(who.at).toISOString()}) is before the record's last change (${new Date(last).toISOString()})`, [
      { path: [field], message: 'before the last transition' },
    ]);
  }
  return who.at;
}

/** Unknown CI ids are NOT_FOUND naming the field; retired CIs are BAD_USER_INPUT. */
export async function requireActiveCIs(tx: Tx, ids: readonly string[], field: string): Promise<void> {
  const res = await tx.run(Q.CI_STATUSES, { ids: [...new Set(ids)] });
  for (const record of res.records) {
    const id = String(record.get('id'));
    const status = record.get('status') as string | null;
    if (status === null) throw new NotFoundError(`No CI with id "${id}" (${field})`, { field });
    if (status === 'RETIRED') {
      throw new BadUserInputError(`CI ${id} is retired and cannot be referenced by a new record`, [
        { path: field.split('.'), message: `CI ${id} is retired` },
      ]);
    }
  }
}

// ------------------------------------------------------------------ cursors

/** A keyset cursor: the sort key of the last row, whole numbers (a time in ms, a record number). */
export function encodeCursor(values: readonly number[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * The `length` whole numbers of a cursor encodeCursor made. Anything else (not base64 JSON,
 * another length, a string, null or a fraction in it) is BAD_USER_INPUT naming `after`:
 * compared in Cypher it would match nothing, or everything, and answer a wrong page.
 */
export function decodeCursor(cursor: string, length: number): number[] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value.length === length && value.every((v) => Number.isSafeInteger(v))) return value as number[];
  } catch {
    // fall through: a cursor that is not ours is the caller's mistake, reported below
  }
  throw new BadUserInputError('Invalid cursor; use a cursor returned by this API', [{ path: ['after'], message: 'invalid cursor' }]);
}

const pageArgs = z.object({
  first: z.number().int().min(0).max(1000).nullish(),
  after: z.string().nullish(),
});

export function parsePageArgs(args: { first?: number | null; after?: string | null }): { limit: number; after: string | null } {
  const parsed = parseInput(pageArgs, { first: args.first, after: args.after }, []);
  return { limit: parsed.first ?? 50, after: parsed.after ?? null };
}

/** Cuts the look-ahead row off a page fetched with LIMIT limit+1. */
export function toPage<T>(nodes: T[], limit: number, cursorOf: (node: T) => string, after: string | null, totalCount: number): Page<T> {
  return {
    items: nodes.slice(0, limit).map((node) => ({ node, cursor: cursorOf(node) })),
    hasNextPage: nodes.length > limit,
    hasPreviousPage: after !== null,
    totalCount,
  };
}

/** Half-open windows [s1,e1) and [s2,e2) overlap iff s1 < e2 and s2 < e1; touching ones do not. */
export function windowsOverlap(s1: number, e1: number, s2: number, e2: number): boolean {
  return s1 < e2 && s2 < e1;
}

/** A time range from optional bounds: from before to, else BAD_USER_INPUT. */
export function checkRange(from: number | null | undefined, to: number | null | undefined, path: string[]): void {
  if (from != null && to != null && to <= from) {
    throw new BadUserInputError(`${path.join('.')}: the end must be after the start`, [{ path, message: 'end must be after start' }]);
  }
}
