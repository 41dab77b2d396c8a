/** Incidents on the wire: the Incident type, its roots, CI.incidents. */
import DataLoader from 'dataloader';
import { builder } from '../graphql/builder.js';
import { perRequest, requireRole, type Context } from '../graphql/context.js';
import { NodeRef, registerNodeKind } from '../graphql/node.js';
import { CIRef, loadCIs } from '../cis/index.js';
import { IncidentRef, PriorityEnum, ProblemRef, TransitionRef, byIdLoader, explicitTime, recordRoots } from '../itsm/graphql.js';
import { problemLoader } from '../problems/graphql.js';
import * as service from './service.js';
import type { Incident } from './service.js';

export const IncidentStatusEnum = builder.enumType('IncidentStatus', { values: service.INCIDENT_STATUSES });

export function incidentLoader(ctx: Context) {
  return byIdLoader(ctx, 'incident', service.getIncidents);
}

function incidentsOfCILoader(ctx: Context, openOnly: boolean): DataLoader<string, Incident[]> {
  return perRequest(ctx, `incidentsOfCI:${openOnly}`, () => new DataLoader<string, Incident[]>(async (ids) => {
    const found = await service.incidentsOfCIs(ctx.graph, ids, openOnly);
    return ids.map((id) => found.get(id) ?? []);
  }));
}

IncidentRef.implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    number: t.exposeInt('number', { nullable: false }),
    title: t.exposeString('title', { nullable: false }),
    description: t.exposeString('description'),
    priority: t.field({ type: PriorityEnum, nullable: false, resolve: (i) => i.priority }),
    status: t.field({ type: IncidentStatusEnum, nullable: false, resolve: (i) => i.status }),
    openedAt: t.field({ type: 'DateTime', nullable: false, resolve: (i) => i.openedAt }),
    resolvedAt: t.field({ type: 'DateTime', description: 'Set on resolution, cleared when reopened.', resolve: (i) => i.resolvedAt }),
    closedAt: t.field({ type: 'DateTime', resolve: (i) => i.closedAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: false, resolve: (i) => i.updatedAt }),
    createdBy: t.exposeString('createdBy', { nullable: false }),
    transitions: t.field({ type: [TransitionRef], nullable: false, description: 'Every status change, oldest first.', resolve: (i) => i.transitions }),
    allowedTransitions: t.field({
      type: [IncidentStatusEnum],
      nullable: false,
      description: 'The statuses this incident may move to now.',
      resolve: (i) => [...service.INCIDENT_LIFECYCLE[i.status]],
    }),
    affects: t.field({ type: [CIRef], nullable: false, resolve: (i, _a, ctx) => loadCIs(ctx, i.affects) }),
    problem: t.field({ type: ProblemRef, resolve: (i, _a, ctx) => (i.problemId ? problemLoader(ctx).load(i.problemId) : null) }),
  }),
});

registerNodeKind({ typeName: 'Incident', owns: service.isIncidentId, load: (ctx, id) => incidentLoader(ctx).load(id) });

const IncidentFilterInput = builder.inputType('IncidentFilter', {
  fields: (t) => ({
    statuses: t.field({ type: [IncidentStatusEnum] }),
    priorities: t.field({ type: [PriorityEnum] }),
    ciId: t.id({ description: 'Only incidents affecting this CI.' }),
    openedFrom: t.field({ type: 'DateTime', description: 'Opened at or after this time.' }),
    openedTo: t.field({ type: 'DateTime', description: 'Opened before this time.' }),
  }),
});

builder.objectField(CIRef, 'incidents', (t) =>
  t.field({
    type: [IncidentRef],
    nullable: false,
    description: 'Incidents affecting this CI, newest first; open = neither RESOLVED nor CLOSED.',
    args: { openOnly: t.arg.boolean({ defaultValue: false }) },
    resolve: (ci, args, ctx) => incidentsOfCILoader(ctx, args.openOnly ?? false).load(ci.id),
  }),
);

recordRoots({
  single: 'incident',
  plural: 'incidents',
  description: 'Incidents, newest first.',
  ref: IncidentRef,
  filter: IncidentFilterInput,
  load: (ctx, id) => incidentLoader(ctx).load(id),
  list: service.listIncidents,
});

const CreateIncidentInput = builder.inputType('CreateIncidentInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    priority: t.field({ type: PriorityEnum, required: true }),
    affectedCiIds: t.idList({ required: true }),
    openedAt: t.field({ type: 'DateTime', description: 'When the disruption began; default now. Not in the future.' }),
  }),
});

const INCIDENT_ROLES = ['editor', 'problem-manager', 'change-manager'] as const;

builder.mutationFields((t) => ({
  createIncident: t.field({
    type: IncidentRef,
    nullable: false,
    args: { input: t.arg({ type: CreateIncidentInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, ...INCIDENT_ROLES);
      return service.createIncident(ctx.graph, input, { actor: ctx.actor.name });
    },
  }),
  transitionIncident: t.field({
    type: IncidentRef,
    nullable: false,
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg({ type: IncidentStatusEnum, required: true }),
      at: t.arg({ type: 'DateTime', description: 'Admins only, for imports and backfills: when the transition happened; not in the future.' }),
    },
    resolve: (_r, args, ctx) => {
      requireRole(ctx, ...INCIDENT_ROLES);
      return service.transitionIncident(ctx.graph, args.id, args.to, { actor: ctx.actor.name, at: explicitTime(ctx, args.at) });
    },
  }),
}));
