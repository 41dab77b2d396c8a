/** Problems on the wire: the Problem type and its roots. */
import DataLoader from 'dataloader';
import { builder } from '../graphql/builder.js';
import { perRequest, requireRole, type Context } from '../graphql/context.js';
import { NodeRef, registerNodeKind } from '../graphql/node.js';
import { CIRef, ciLoader } from '../cis/index.js';
import { ChangeRef, IncidentRef, ProblemRef, TransitionRef, byIdLoader, explicitTime, recordRoots } from '../itsm/graphql.js';
import { incidentsOfProblems, type Incident } from '../incidents/service.js';
import { getChanges } from '../changes/service.js';
import * as service from './service.js';

export const ProblemStatusEnum = builder.enumType('ProblemStatus', { values: service.PROBLEM_STATUSES });

export function problemLoader(ctx: Context) {
  return byIdLoader(ctx, 'problem', service.getProblems);
}

function incidentsOfProblemLoader(ctx: Context): DataLoader<string, Incident[]> {
  return perRequest(ctx, 'incidentsOfProblem', () => new DataLoader<string, Incident[]>(async (ids) => {
    const found = await incidentsOfProblems(ctx.graph, ids);
    return ids.map((id) => found.get(id) ?? []);
  }));
}

/** Changes by id (the changes domain uses this one loader too). */
export function changeLoader(ctx: Context) {
  return byIdLoader(ctx, 'change', getChanges);
}

ProblemRef.implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    number: t.exposeInt('number', { nullable: false }),
    title: t.exposeString('title', { nullable: false }),
    description: t.exposeString('description'),
    status: t.field({ type: ProblemStatusEnum, nullable: false, resolve: (p) => p.status }),
    rootCause: t.field({ type: CIRef, resolve: (p, _a, ctx) => (p.rootCauseId ? ciLoader(ctx).load(p.rootCauseId) : null) }),
    workaround: t.exposeString('workaround'),
    incidents: t.field({ type: [IncidentRef], nullable: false, resolve: (p, _a, ctx) => incidentsOfProblemLoader(ctx).load(p.id) }),
    fixedBy: t.field({
      type: ChangeRef,
      description: 'The change that fixed it, when resolved with one; none once the problem reopens.',
      resolve: (p, _a, ctx) => (p.fixedByChangeId ? changeLoader(ctx).load(p.fixedByChangeId) : null),
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (p) => p.createdAt }),
    updatedAt: t.field({ type: 'DateTime', nullable: false, resolve: (p) => p.updatedAt }),
    createdBy: t.exposeString('createdBy', { nullable: false }),
    knownErrorAt: t.field({ type: 'DateTime', resolve: (p) => p.knownErrorAt }),
    resolvedAt: t.field({ type: 'DateTime', resolve: (p) => p.resolvedAt }),
    closedAt: t.field({ type: 'DateTime', resolve: (p) => p.closedAt }),
    transitions: t.field({ type: [TransitionRef], nullable: false, resolve: (p) => p.transitions }),
    allowedTransitions: t.field({
      type: [ProblemStatusEnum],
      nullable: false,
      resolve: (p) => [...service.PROBLEM_LIFECYCLE[p.status]],
    }),
  }),
});

builder.objectField(TransitionRef, 'fixedBy', (t) =>
  t.field({
    type: ChangeRef,
    description: 'When this transition resolved a problem with a change: that change (it stays here after the problem reopens).',
    resolve: (x, _a, ctx) => (x.fixedByChangeId ? changeLoader(ctx).load(x.fixedByChangeId) : null),
  }),
);

registerNodeKind({ typeName: 'Problem', owns: service.isProblemId, load: (ctx, id) => problemLoader(ctx).load(id) });

const ProblemFilterInput = builder.inputType('ProblemFilter', {
  fields: (t) => ({ statuses: t.field({ type: [ProblemStatusEnum] }) }),
});

recordRoots({
  single: 'problem',
  plural: 'problems',
  description: 'Problems, newest first.',
  ref: ProblemRef,
  filter: ProblemFilterInput,
  load: (ctx, id) => problemLoader(ctx).load(id),
  list: service.listProblems,
});

const CreateProblemInput = builder.inputType('CreateProblemInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    incidentIds: t.idList(),
    rootCauseCiId: t.id(),
    workaround: t.string(),
  }),
});

const UpdateProblemInput = builder.inputType('UpdateProblemInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    title: t.string(),
    description: t.string(),
    workaround: t.string(),
    rootCauseCiId: t.id({ description: 'A CI id sets the root cause; null clears it; absent leaves it.' }),
    addIncidentIds: t.idList(),
    removeIncidentIds: t.idList(),
  }),
});

builder.mutationFields((t) => ({
  createProblem: t.field({
    type: ProblemRef,
    nullable: false,
    args: { input: t.arg({ type: CreateProblemInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'problem-manager');
      return service.createProblem(ctx.graph, input, { actor: ctx.actor.name });
    },
  }),
  updateProblem: t.field({
    type: ProblemRef,
    nullable: false,
    description: 'Records root cause and workaround, adds or removes incidents.',
    args: { input: t.arg({ type: UpdateProblemInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'problem-manager');
      return service.updateProblem(ctx.graph, input, { actor: ctx.actor.name });
    },
  }),
  transitionProblem: t.field({
    type: ProblemRef,
    nullable: false,
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg({ type: ProblemStatusEnum, required: true }),
      fixedByChangeId: t.arg.id({ description: 'When resolving: the change that fixed the problem.' }),
      at: t.arg({ type: 'DateTime', description: 'Admins only, for imports and backfills: when the transition happened; not in the future.' }),
    },
    resolve: (_r, args, ctx) => {
      requireRole(ctx, 'problem-manager');
      return service.transitionProblem(ctx.graph, args.id, args.to, { actor: ctx.actor.name, at: explicitTime(ctx, args.at) }, {
        fixedByChangeId: args.fixedByChangeId,
      });
    },
  }),
}));
