/**
 * Service-management KPIs for a time range [from, to):
 * - MTTR by priority and SLA compliance over the incidents *resolved* in the range;
 * - change success rate over the changes *closed* in the range, by review outcome;
 * - incidents per CI class and the top CIs over the incidents *opened* in the range.
 */
import { z } from 'zod';
import type { Graph } from '../db/index.js';
import { int } from '../db/index.js';
import { parseInput } from '../errors.js';
import * as Q from './cypher.js';
import { PRIORITIES, slaTargetsFromEnv, type Priority } from './sla.js';

export interface PriorityKpi {
  priority: Priority;
  resolvedCount: number;
  /** Mean of resolvedAt - openedAt, in ms; null when nothing was resolved. */
  meanTimeToResolve: number | null;
  targetMs: number;
  withinTarget: number;
  /** withinTarget / resolvedCount; null when nothing was resolved. */
  slaCompliance: number | null;
}

export interface ChangeSuccess {
  closed: number;
  successful: number;
  failed: number;
  rolledBack: number;
  /** successful / closed; null when none closed. */
  successRate: number | null;
}

export interface ItsmKpis {
  from: number;
  to: number;
  byPriority: PriorityKpi[];
  resolvedCount: number;
  slaCompliance: number | null;
  changes: ChangeSuccess;
  incidentsPerClass: { class: string; count: number }[];
  topCIs: { ciId: string; count: number }[];
}

const kpiArgs = z
  .object({
    from: z.number(),
    to: z.number(),
    topLimit: z.number().int().min(1).max(100).default(10),
    slaTargets: z.partialRecord(z.enum(PRIORITIES), z.number().positive()).nullish(),
  })
  .refine((a) => a.to > a.from, { path: ['to'], message: 'must be after from' });

export type KpiArgs = z.input<typeof kpiArgs>;

const ratio = (part: number, whole: number) => (whole === 0 ? null : part / whole);

export async function computeKpis(graph: Graph, raw: KpiArgs): Promise<ItsmKpis> {
  const args = parseInput(kpiArgs, raw, []);
  const targets = { ...slaTargetsFromEnv(), ...(args.slaTargets ?? {}) };
  const range = { from: args.from, to: args.to };
  const { resolved, closed, perClass, top } = await graph.readTx(async (tx) => ({
    resolved: (await tx.run(Q.RESOLVED_INCIDENTS, range)).records.map((r) => r.toObject()),
    closed: (await tx.run(Q.CLOSED_CHANGES, range)).records.map((r) => r.toObject()),
    perClass: (await tx.run(Q.INCIDENTS_PER_CLASS, range)).records.map((r) => r.toObject()),
    top: (await tx.run(Q.TOP_CIS_BY_INCIDENTS, { ...range, limit: int(args.topLimit) })).records.map((r) => r.toObject()),
  }));

  const byPriority = PRIORITIES.map((priority): PriorityKpi => {
    const durations = resolved.filter((r) => r.priority === priority).map((r) => Number(r.resolvedAt) - Number(r.openedAt));
    const withinTarget = durations.filter((d) => d <= targets[priority]).length;
    return {
      priority,
      resolvedCount: durations.length,
      meanTimeToResolve: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
      targetMs: targets[priority],
      withinTarget,
      slaCompliance: ratio(withinTarget, durations.length),
    };
  });
  const resolvedCount = byPriority.reduce((a, p) => a + p.resolvedCount, 0);
  const withinTarget = byPriority.reduce((a, p) => a + p.withinTarget, 0);

  const outcome = (name: string) => closed.filter((r) => (r.outcome ?? 'SUCCESSFUL') === name).reduce((a, r) => a + Number(r.count), 0);
  const changes: ChangeSuccess = {
    closed: closed.reduce((a, r) => a + Number(r.count), 0),
    successful: outcome('SUCCESSFUL'),
    failed: outcome('FAILED'),
    rolledBack: outcome('ROLLED_BACK'),
    successRate: null,
  };
  changes.successRate = ratio(changes.successful, changes.closed);

  return {
    ...range,
    byPriority,
    resolvedCount,
    slaCompliance: ratio(withinTarget, resolvedCount),
    changes,
    incidentsPerClass: perClass.map((r) => ({ class: String(r.class), count: Number(r.count) })),
    topCIs: top.map((r) => ({ ciId: String(r.ciId), count: Number(r.count) })),
  };
}
