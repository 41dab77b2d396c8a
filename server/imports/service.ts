/**
 * Import runs as recorded by the sync engine (importers/sync): newest first, and one
 * run's report (rejections, conflicts, unresolved references, sample of differences).
 */
import { z } from 'zod';
import type { Graph, Row } from '../db/index.js';
import { int } from '../db/index.js';
import { parseInput } from '../errors.js';
import * as Q from './cypher.js';

export interface ImportRun {
  id: string;
  source: string;
  scope: string;
  status: string;
  startedAt: number;
  finishedAt: number | null;
  created: number;
  updated: number;
  unchanged: number;
  retired: number;
  rejected: number;
  conflicts: number;
  withdrawn: number;
  skipped: number;
  relationshipsCreated: number;
  relationshipsClosed: number;
  error: string | null;
}

export const isImportRunId = (id: string) => id.startsWith('RUN-');

const n = (v: unknown) => (typeof v === 'number' ? v : 0);

export function decodeRun(row: unknown): ImportRun {
  const r = row as Row;
  return {
    id: String(r.id),
    source: String(r.source),
    scope: String(r.scope ?? ''),
    status: String(r.status),
    startedAt: n(r.startedAt),
    finishedAt: typeof r.finishedAt === 'number' ? r.finishedAt : null,
    created: n(r.created),
    updated: n(r.updated),
    unchanged: n(r.unchanged),
    retired: n(r.retired),
    rejected: n(r.rejected),
    conflicts: n(r.conflicts),
    withdrawn: n(r.withdrawn),
    skipped: n(r.skipped),
    relationshipsCreated: n(r.relationshipsCreated),
    relationshipsClosed: n(r.relationshipsClosed),
    error: typeof r.error === 'string' ? r.error : null,
  };
}

const listArgs = z.object({
  first: z.number().int().min(0).max(1000).nullish(),
  source: z.string().min(1).nullish(),
});

export async function listImportRuns(graph: Graph, args: { first?: number | null; source?: string | null }): Promise<ImportRun[]> {
  const { first, source } = parseInput(listArgs, args, []);
  const rows = await graph.read(Q.LIST_RUNS, { limit: int(first ?? 20), source: source ?? null });
  return rows.map((r) => decodeRun(r.run));
}

export async function getImportRun(graph: Graph, id: string): Promise<ImportRun | null> {
  const [row] = await graph.read(Q.RUN_BY_ID, { id });
  return row ? decodeRun(row.run) : null;
}

/** The run's full report (JSON written by the engine), or null. */
export async function importRunReport(graph: Graph, id: string): Promise<unknown> {
  const [row] = await graph.read(Q.RUN_BY_ID, { id });
  if (!row || typeof row.report !== 'string') return null;
  return JSON.parse(row.report) as unknown;
}
