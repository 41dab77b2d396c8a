/** The impact part of the contract: ImpactInput, PathStep, ImpactedCI, ImpactReport, Query.impact. */
import { BadUserInputError } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { perRequest, type Context } from '../graphql/context.js';
import { CIRef, ciLoader, type CI } from '../cis/index.js';
import { computeImpactDetails, DEFAULT_MAX_DEPTH, type ImpactDetails, type ImpactedEntry, type ImpactResult } from './service.js';
import type { ImpactPathStep } from './propagate.js';

export const ImpactStateEnum = builder.enumType('ImpactState', { values: ['DOWN', 'DEGRADED'] as const });

/** CIs the impact queries of this request already read, by id (see Query.impact). */
function readCIs(ctx: Context): Map<string, CI> {
  return perRequest(ctx, 'impact:cis', () => new Map<string, CI>());
}

/** The details behind each report computed in this request, by its result (a frozen report has none). */
function detailsByReport(ctx: Context): WeakMap<ImpactResult, ImpactDetails> {
  return perRequest(ctx, 'impact:details', () => new WeakMap<ImpactResult, ImpactDetails>());
}

/**
 * Lets the report's fields read its CIs through `details` (computed in this request, e.g.
 * Query.impact or Change.impact): what it read already, and the rest as the fields ask.
 */
export function rememberImpact(ctx: Context, details: ImpactDetails): void {
  detailsByReport(ctx).set(details.result, details);
  const known = readCIs(ctx);
  for (const [id, ci] of details.cis) known.set(id, ci);
}

/**
 * Makes the CIs `ids` of report `r` known before its entries resolve (one read for those
 * an impact on the projection has not read yet), so that `ci` and `path.ci` answer
 * synchronously. Reports without details (frozen ones) load through the CI DataLoader.
 */
async function readAhead(ctx: Context, r: ImpactResult, ids: string[]): Promise<void> {
  const details = detailsByReport(ctx).get(r);
  if (!details) return;
  const read = await details.load(ids);
  const known = readCIs(ctx);
  for (const id of ids) {
    const ci = read.get(id);
    if (ci) known.set(id, ci);
  }
}

/**
 * A CI of the report: synchronously from what the impact query read (a large report has
 * hundreds of thousands of path steps; a promise each would dominate), else batched
 * through the CI DataLoader (reports built by other domains, e.g. Change.impact).
 */
function loadRequiredCI(ctx: Context, id: string): CI | Promise<CI> {
  const known = readCIs(ctx).get(id);
  if (known) return known;
  return ciLoader(ctx)
    .load(id)
    .then((ci) => {
      // Only possible if the CI was deleted between the impact query and this load.
      if (!ci) throw new Error(`CI ${id} vanished while the impact report was being read`);
      return ci;
    });
}

const PathStepRef = builder.objectRef<ImpactPathStep>('PathStep').implement({
  fields: (t) => ({
    ci: t.field({ type: CIRef, nullable: false, resolve: (s, _a, ctx) => loadRequiredCI(ctx, s.ciId) }),
    relationship: t.exposeString('relationship', {
      description: 'Relationship type that leads to the next step; null on the last step.',
    }),
  }),
});

export const ImpactedCIRef = builder.objectRef<ImpactedEntry>('ImpactedCI').implement({
  fields: (t) => ({
    ci: t.field({ type: CIRef, nullable: false, resolve: (e, _a, ctx) => loadRequiredCI(ctx, e.ciId) }),
    state: t.field({ type: ImpactStateEnum, nullable: false, resolve: (e) => e.state }),
    depth: t.exposeInt('depth', { nullable: false }),
    path: t.field({
      type: [PathStepRef],
      nullable: false,
      description: 'One shortest path from a failed CI to this one, both ends included.',
      resolve: (e) => e.path,
    }),
  }),
});

/** The first `first` entries (all when null); a negative count is BAD_USER_INPUT. */
function keepFirst<T>(list: T[], first: number | null | undefined): T[] {
  if (first == null) return list;
  if (first < 0) throw new BadUserInputError('first must be 0 or more', [{ path: ['first'], message: 'must be 0 or more' }]);
  return list.slice(0, first);
}

/** The contract's ImpactReport; its backing value is an ImpactResult (computeImpact). */
export const ImpactReportRef = builder.objectRef<ImpactResult>('ImpactReport').implement({
  fields: (t) => ({
    sources: t.field({
      type: [CIRef],
      nullable: false,
      resolve: (r, _a, ctx) => Promise.all(r.sourceIds.map((id) => loadRequiredCI(ctx, id))),
    }),
    impacted: t.field({
      type: [ImpactedCIRef],
      nullable: false,
      description:
        'Impacted CIs, the sources excluded, ordered by depth then criticality. `first` keeps the first N in that order (a hub can impact 100k+ CIs; totalCount, downCount and degradedCount still count all).',
      args: { first: t.arg.int() },
      // A prefix of the report's order holds every CI its entries' paths pass (they lie nearer), the sources aside.
      resolve: async (r, { first }, ctx) => {
        const entries = keepFirst(r.impacted, first);
        await readAhead(ctx, r, entries.map((e) => e.ciId));
        return entries;
      },
    }),
    businessServices: t.field({
      type: [ImpactedCIRef],
      nullable: false,
      description: 'The impacted CIs of class BusinessService; `first` keeps the first N.',
      args: { first: t.arg.int() },
      resolve: async (r, { first }, ctx) => {
        const details = detailsByReport(ctx).get(r);
        if (details) {
          const services = keepFirst(
            r.impacted.filter((e) => details.classOf(e.ciId) === 'BusinessService'),
            first,
          );
          await readAhead(ctx, r, services.flatMap((e) => e.path.map((step) => step.ciId)));
          return services;
        }
        // Synchronous when every CI is known: no promise per impacted CI.
        const cis = r.impacted.map((e) => loadRequiredCI(ctx, e.ciId));
        const pick = (all: CI[]) => {
          const services = r.impacted.filter((_e, i) => all[i]!.class === 'BusinessService');
          return keepFirst(services, first);
        };
        return cis.some((ci) => ci instanceof Promise) ? Promise.all(cis).then(pick) : pick(cis as CI[]);
      },
    }),
    downCount: t.int({
      nullable: false,
      description: 'Impacted CIs that go DOWN, at any depth.',
      // Reports frozen before these counts existed hold only the list.
      resolve: (r) => r.downCount ?? r.impacted.filter((e) => e.state === 'DOWN').length,
    }),
    degradedCount: t.int({
      nullable: false,
      description: 'Impacted CIs that are DEGRADED, at any depth.',
      resolve: (r) => r.degradedCount ?? r.impacted.filter((e) => e.state === 'DEGRADED').length,
    }),
    totalCount: t.exposeInt('totalCount', {
      nullable: false,
      description: 'Impacted CIs at any depth; more than impacted.length when maxDepth cut some.',
    }),
    truncated: t.exposeBoolean('truncated', { nullable: false, description: 'True when impacted CIs exist beyond maxDepth.' }),
  }),
});

const ImpactInput = builder.inputType('ImpactInput', {
  fields: (t) => ({
    ciIds: t.idList({ required: true, description: 'The CIs assumed to fail, or to be taken down by a change.' }),
    maxDepth: t.int({ defaultValue: DEFAULT_MAX_DEPTH }),
    at: t.field({ type: 'DateTime', description: 'Evaluate the graph as it stood at this time; default now.' }),
  }),
});

builder.queryField('impact', (t) =>
  t.field({
    type: ImpactReportRef,
    nullable: false,
    args: { input: t.arg({ type: ImpactInput, required: true }) },
    resolve: async (_r, { input }, ctx) => {
      const details = await computeImpactDetails(ctx.graph, {
        ciIds: input.ciIds,
        maxDepth: input.maxDepth ?? undefined,
        at: input.at ?? undefined,
      });
      rememberImpact(ctx, details);
      return details.result;
    },
  }),
);
