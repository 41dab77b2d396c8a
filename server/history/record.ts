/**
 * History is kept, not deleted: every change to a CI or a relationship is written as a
 * (:HistoryEntry)-[:RECORDS]->(:CI) in the same transaction as the change itself.
 * For a relationship, the entry records both endpoint CIs.
 */
import { randomUUID } from 'node:crypto';
import type { Tx } from '../db/index.js';

export interface HistoryChange {
  /** CIs the entry is about (one for a CI, both endpoints for a relationship). */
  ciIds: string[];
  entityType: 'CI' | 'RELATIONSHIP';
  entityId: string;
  /** e.g. 'name', 'status', 'attributes.port', 'created', 'validTo'. */
  field: string;
  old: unknown;
  new: unknown;
}

export interface HistoryEntry {
  id: string;
  at: number;
  actor: string;
  source: string;
  entityType: string;
  entityId: string;
  field: string;
  old: unknown;
  new: unknown;
}

const WRITE_HISTORY = `
UNWIND $entries AS e
CREATE (h:HistoryEntry {
  id: e.id, at: e.at, actor: e.actor, source: e.source,
  entityType: e.entityType, entityId: e.entityId, field: e.field, old: e.old, new: e.new
})
WITH h, e
UNWIND e.ciIds AS ciId
MATCH (c:CI {id: ciId})
CREATE (h)-[:RECORDS]->(c)
`;

function encode(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

export async function recordHistory(
  tx: Tx,
  changes: HistoryChange[],
  who: { actor: string; source: string; at: number },
): Promise<void> {
  if (changes.length === 0) return;
  const entries = changes.map((c) => ({
    id: randomUUID(),
    at: who.at,
    actor: who.actor,
    source: who.source,
    entityType: c.entityType,
    entityId: c.entityId,
    field: c.field,
    old: encode(c.old),
    new: encode(c.new),
    ciIds: c.ciIds,
  }));
  await tx.run(WRITE_HISTORY, { entries });
}

export function decodeHistory(row: Record<string, unknown>): HistoryEntry {
  const parse = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : null);
  return {
    id: String(row.id),
    at: Number(row.at),
    actor: String(row.actor),
    source: String(row.source ?? 'manual'),
    entityType: String(row.entityType),
    entityId: String(row.entityId),
    field: String(row.field),
    old: parse(row.old),
    new: parse(row.new),
  };
}

const HISTORY_OF_CIS = `
UNWIND $ids AS ciId
MATCH (:CI {id: ciId})<-[:RECORDS]-(h:HistoryEntry)
WHERE h.at >= $since
RETURN ciId, h {.*} AS h
ORDER BY h.at DESC
`;

export const HISTORY_CYPHER = { HISTORY_OF_CIS };
