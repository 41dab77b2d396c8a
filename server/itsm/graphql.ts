/**
 * What the ITSM domains share on the wire: the Incident/Problem/Change refs (each domain
 * implements its own), Priority, status transitions, connections, and the KPIs query.
 */
import DataLoader from 'dataloader';
import type { InputObjectRef, ObjectRef } from '@pothos/core';
import { builder } from '../graphql/builder.js';
import { perRequest, requireRole, type Context } from '../graphql/context.js';
import { CIRef, PageInfoRef, ciLoader } from '../cis/index.js';
import { ForbiddenError } from '../errors.js';
import { hasRole } from '../auth/index.js';
import type { Incident } from '../incidents/service.js';
import type { Problem } from '../problems/service.js';
import type { Change } from '../changes/service.js';
import type { Page, Transition } from './records.js';
import { PRIORITIES } from './sla.js';
import { computeKpis, type ChangeSuccess, type ItsmKpis, type PriorityKpi } from './service.js';

export const IncidentRef = builder.objectRef<Incident>('Incident');
export const ProblemRef = builder.objectRef<Problem>('Problem');
export const ChangeRef = builder.objectRef<Change>('Change');

export const PriorityEnum = builder.enumType('Priority', { values: PRIORITIES });

export const TransitionRef = builder.objectRef<Transition>('StatusTransition').implement({
  description: 'One status change of an incident, problem or change.',
  fields: (t) => ({
    from: t.exposeString('from', { description: 'Null for the creation.' }),
    to: t.exposeString('to', { nullable: false }),
    at: t.field({ type: 'DateTime', nullable: false, resolve: (x) => x.at }),
    actor: t.exposeString('actor', { nullable: false }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** A Relay-style connection type for a record ref. */
export function connectionOf<T extends object>(name: string, nodeRef: ObjectRef<Types, T>) {
  const edge = builder.objectRef<{ node: T; cursor: string }>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString('cursor', { nullable: false }),
      // Pothos cannot relate a generic T to its resolver result type; the ref guarantees it.
      node: t.field({ type: nodeRef, resolve: (e) => e.node as never }),
    }),
  });
  return builder.objectRef<Page<T>>(`${name}Connection`).implement({
    fields: (t) => ({
      edges: t.field({ type: [edge], nullable: { list: false, items: false }, resolve: (p) => p.items }),
      pageInfo: t.field({
        type: PageInfoRef,
        nullable: false,
        resolve: (p) => ({
          hasNextPage: p.hasNextPage,
          hasPreviousPage: p.hasPreviousPage,
          startCursor: p.items[0]?.cursor ?? null,
          endCursor: p.items.at(-1)?.cursor ?? null,
        }),
      }),
      totalCount: t.exposeInt('totalCount', { nullable: false }),
    }),
  });
}

/** An explicit time on a write is for imports and backfills: admins only. */
export function explicitTime(ctx: Context, at: number | null | undefined): number | null {
  if (at === null || at === undefined) return null;
  if (!hasRole(ctx.actor, 'admin')) throw new ForbiddenError('Setting an explicit time (at) is reserved to admins, for imports and backfills');
  return at;
}

// ------------------------------------------------------------------ KPIs

const PriorityKpiRef = builder.objectRef<PriorityKpi>('PriorityKpi').implement({
  fields: (t) => ({
    priority: t.field({ type: PriorityEnum, nullable: false, resolve: (k) => k.priority }),
    resolvedCount: t.exposeInt('resolvedCount', { nullable: false, description: 'Incidents of this priority resolved in the range.' }),
    meanTimeToResolveMinutes: t.float({
      description: 'Mean of resolvedAt - openedAt over those incidents, in minutes.',
      resolve: (k) => (k.meanTimeToResolve === null ? null : k.meanTimeToResolve / 60_000),
    }),
    slaTargetMinutes: t.float({ nullable: false, resolve: (k) => k.targetMs / 60_000 }),
    withinTarget: t.exposeInt('withinTarget', { nullable: false }),
    slaCompliance: t.exposeFloat('slaCompliance', { description: 'withinTarget / resolvedCount (0..1).' }),
  }),
});

const ChangeSuccessRef = builder.objectRef<ChangeSuccess>('ChangeSuccessKpi').implement({
  fields: (t) => ({
    closed: t.exposeInt('closed', { nullable: false, description: 'Changes closed in the range.' }),
    successful: t.exposeInt('successful', { nullable: false }),
    failed: t.exposeInt('failed', { nullable: false }),
    rolledBack: t.exposeInt('rolledBack', { nullable: false }),
    successRate: t.exposeFloat('successRate', { description: 'successful / closed (0..1).' }),
  }),
});

const ClassCountRef = builder.objectRef<{ class: string; count: number }>('IncidentsPerClass').implement({
  fields: (t) => ({
    class: t.exposeString('class', { nullable: false }),
    count: t.exposeInt('count', { nullable: false }),
  }),
});

const CICountRef = builder.objectRef<{ ciId: string; count: number }>('IncidentsPerCI').implement({
  fields: (t) => ({
    ci: t.field({ type: CIRef, resolve: (c, _a, ctx) => ciLoader(ctx).load(c.ciId) }),
    count: t.exposeInt('count', { nullable: false }),
  }),
});

const KpisRef = builder.objectRef<ItsmKpis>('ItsmKpis').implement({
  description: 'Service-management measures for [from, to).',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', nullable: false, resolve: (k) => k.from }),
    to: t.field({ type: 'DateTime', nullable: false, resolve: (k) => k.to }),
    byPriority: t.field({ type: [PriorityKpiRef], nullable: false, resolve: (k) => k.byPriority }),
    resolvedCount: t.exposeInt('resolvedCount', { nullable: false }),
    slaCompliance: t.exposeFloat('slaCompliance', { description: 'Over all priorities (0..1).' }),
    changeSuccess: t.field({ type: ChangeSuccessRef, nullable: false, resolve: (k) => k.changes }),
    incidentsPerClass: t.field({
      type: [ClassCountRef],
      nullable: false,
      description: 'Incidents opened in the range per class of affected CI.',
      resolve: (k) => k.incidentsPerClass,
    }),
    topCIs: t.field({ type: [CICountRef], nullable: false, description: 'CIs with the most incidents opened in the range.', resolve: (k) => k.topCIs }),
  }),
});

const SlaTargetsInput = builder.inputType('SlaTargetsInput', {
  description: 'Resolution targets in minutes, overriding FAULTLINE_SLA_TARGETS for this query.',
  fields: (t) => ({ P1: t.float(), P2: t.float(), P3: t.float(), P4: t.float() }),
});

builder.queryField('itsmKpis', (t) =>
  t.field({
    type: KpisRef,
    nullable: false,
    description: 'MTTR and SLA compliance by priority, change success rate, incidents per class and top CIs, for [from, to).',
    args: {
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      topLimit: t.arg.int({ defaultValue: 10 }),
      slaTargets: t.arg({ type: SlaTargetsInput }),
    },
    resolve: (_r, args, ctx) => {
      requireRole(ctx, 'viewer');
      const targets = args.slaTargets
        ? Object.fromEntries(Object.entries(args.slaTargets).filter(([, v]) => typeof v === 'number').map(([k, v]) => [k, (v as number) * 60_000]))
        : null;
      return computeKpis(ctx.graph, { from: args.from, to: args.to, topLimit: args.topLimit ?? 10, slaTargets: targets });
    },
  }),
);

/** A per-request loader of records by id, from a service's batch read. */
export function byIdLoader<T>(ctx: Context, key: string, read: (graph: Context['graph'], ids: readonly string[]) => Promise<Map<string, T>>) {
  return perRequest(ctx, key, () => new DataLoader<string, T | null>(async (ids) => {
    const found = await read(ctx.graph, ids);
    return ids.map((id) => found.get(id) ?? null);
  }));
}

interface RecordRoots<T extends object, F> {
  single: string;
  plural: string;
  description: string;
  ref: ObjectRef<Types, T>;
  filter: InputObjectRef<Types, F>;
  load: (ctx: Context, id: string) => Promise<T | null>;
  list: (graph: Context['graph'], args: { first?: number | null; after?: string | null; filter?: F | null }) => Promise<Page<T>>;
}

/** `<single>(id)` and the paginated `<plural>(first, after, filter)` of a record kind. */
export function recordRoots<T extends object, F>(roots: RecordRoots<T, F>): void {
  const connection = connectionOf(roots.ref.name, roots.ref);
  builder.queryFields((t) => ({
    [roots.single]: t.field({
      type: roots.ref,
      args: { id: t.arg.id({ required: true }) },
      resolve: (_r, { id }, ctx) => roots.load(ctx, id) as never,
    }),
    [roots.plural]: t.field({
      type: connection,
      nullable: false,
      description: roots.description,
      args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: roots.filter }) },
      complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? 50, 1000) }),
      resolve: (_r, args, ctx) => roots.list(ctx.graph, args as never),
    }),
  }));
}
