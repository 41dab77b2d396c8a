/** Changes on the wire: Change with blast radius, risk, approval drift and collisions; blackouts; CI.changes. */
import DataLoader from 'dataloader';
import { builder } from '../graphql/builder.js';
import { perRequest, requireRole, type Context } from '../graphql/context.js';
import { NodeRef, registerNodeKind } from '../graphql/node.js';
import { CIRef, ciLoader, loadCIs } from '../cis/index.js';
import { ImpactReportRef, ImpactedCIRef, ImpactStateEnum, rememberImpact, type ImpactState } from '../impact/index.js';
import { ChangeRef, TransitionRef, explicitTime, recordRoots } from '../itsm/graphql.js';
import { changeLoader } from '../problems/graphql.js';
import { collisionsInRange, collisionsOf, type Collision } from './collisions.js';
import { RISK_LEVELS, type Risk } from './risk.js';
import * as service from './service.js';
import type { Blackout, Change, ImpactCache, ImpactDrift } from './service.js';

export const ChangeStatusEnum = builder.enumType('ChangeStatus', { values: service.CHANGE_STATUSES });
export const ReviewOutcomeEnum = builder.enumType('ChangeReviewOutcome', { values: service.REVIEW_OUTCOMES });
export const RiskLevelEnum = builder.enumType('RiskLevel', { values: RISK_LEVELS });

/** One request evaluates each target set once, however many fields ask. */
function impactCache(ctx: Context): ImpactCache {
  return perRequest(ctx, 'changeImpactCache', () => new Map());
}

async function assess(ctx: Context, change: Change) {
  const details = await service.impactOfTargets(ctx.graph, change.targets, impactCache(ctx));
  const loader = ciLoader(ctx);
  for (const [id, ci] of details.cis) loader.prime(id, ci);
  rememberImpact(ctx, details);
  return details;
}

function changesOfCILoader(ctx: Context): DataLoader<string, Change[]> {
  return perRequest(ctx, 'changesOfCI', () => new DataLoader<string, Change[]>(async (ids) => {
    const found = await service.changesOfCIs(ctx.graph, ids);
    return ids.map((id) => found.get(id) ?? []);
  }));
}

function blackoutsOverlapping(ctx: Context, change: Change): Promise<Blackout[]> {
  return service.listBlackouts(ctx.graph, change.plannedStart, change.plannedEnd);
}

const RiskRef = builder.objectRef<Risk>('ChangeRisk').implement({
  description: 'Risk from the blast radius, with the reasons in words (docs/itsm.md has the rule).',
  fields: (t) => ({
    level: t.field({ type: RiskLevelEnum, nullable: false, resolve: (r) => r.level }),
    reasons: t.exposeStringList('reasons', { nullable: false }),
  }),
});

const StateChangeRef = builder.objectRef<{ ciId: string; approved: string; now: string }>('ImpactStateChange').implement({
  fields: (t) => ({
    ci: t.field({ type: CIRef, resolve: (s, _a, ctx) => ciLoader(ctx).load(s.ciId) }),
    approved: t.field({ type: ImpactStateEnum, nullable: false, resolve: (s) => s.approved as ImpactState }),
    now: t.field({ type: ImpactStateEnum, nullable: false, resolve: (s) => s.now as ImpactState }),
  }),
});

const DriftRef = builder.objectRef<ImpactDrift & { approvedRisk: Risk; currentRisk: Risk }>('ImpactDrift').implement({
  description: 'What the graph says now against the blast radius approved at authorization.',
  fields: (t) => ({
    unchanged: t.exposeBoolean('unchanged', { nullable: false }),
    newlyImpacted: t.field({ type: [ImpactedCIRef], nullable: false, description: 'Impacted now, not when approved.', resolve: (d) => d.newlyImpacted }),
    noLongerImpacted: t.field({ type: [ImpactedCIRef], nullable: false, description: 'Impacted when approved, not now.', resolve: (d) => d.noLongerImpacted }),
    stateChanged: t.field({ type: [StateChangeRef], nullable: false, resolve: (d) => d.stateChanged }),
    approvedRisk: t.field({ type: RiskRef, nullable: false, resolve: (d) => d.approvedRisk }),
    currentRisk: t.field({ type: RiskRef, nullable: false, resolve: (d) => d.currentRisk }),
  }),
});

export const BlackoutRef = builder.objectRef<Blackout>('Blackout').implement({
  description: 'A declared freeze period; changes whose window overlaps it are flagged.',
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    name: t.exposeString('name', { nullable: false }),
    reason: t.exposeString('reason'),
    start: t.field({ type: 'DateTime', nullable: false, resolve: (b) => b.start }),
    end: t.field({ type: 'DateTime', nullable: false, resolve: (b) => b.end }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (b) => b.createdAt }),
    createdBy: t.exposeString('createdBy', { nullable: false }),
  }),
});

const CollisionRef = builder.objectRef<Collision>('ChangeCollision').implement({
  description: 'Two changes in play with overlapping windows whose footprints meet, or that jointly take a CI down.',
  fields: (t) => ({
    change: t.field({ type: ChangeRef, nullable: false, resolve: (c) => c.change }),
    other: t.field({ type: ChangeRef, nullable: false, resolve: (c) => c.other }),
    overlapStart: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.overlapStart }),
    overlapEnd: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.overlapEnd }),
    sharedCIs: t.field({
      type: [CIRef],
      nullable: false,
      description: 'CIs in both footprints (targets or blast radius).',
      resolve: (c, _a, ctx) => loadCIs(ctx, c.sharedCiIds),
    }),
    jointlyDown: t.field({
      type: [ImpactedCIRef],
      nullable: false,
      description: 'CIs DOWN under both changes together but under neither alone, with paths.',
      resolve: (c) => c.jointlyDown,
    }),
  }),
});

ChangeRef.implement({
  interfaces: [NodeRef],
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    number: t.exposeInt('number', { nullable: false }),
    title: t.exposeString('title', { nullable: false }),
    description: t.exposeString('description'),
    status: t.field({ type: ChangeStatusEnum, nullable: false, resolve: (c) => c.status }),
    plannedStart: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.plannedStart }),
    plannedEnd: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.plannedEnd }),
    targets: t.field({ type: [CIRef], nullable: false, resolve: (c, _a, ctx) => loadCIs(ctx, c.targets) }),
    impact: t.field({
      type: ImpactReportRef,
      nullable: false,
      description: 'Blast radius of taking the targets down (the graph now).',
      resolve: async (c, _a, ctx) => (await assess(ctx, c)).result,
    }),
    risk: t.field({
      type: RiskRef,
      nullable: false,
      description: 'Risk from the current blast radius.',
      resolve: async (c, _a, ctx) => service.riskOf(ctx.graph, c.targets, await assess(ctx, c)),
    }),
    authorizedBy: t.exposeString('authorizedBy'),
    authorizedAt: t.field({ type: 'DateTime', resolve: (c) => c.authorizedAt }),
    approvedImpact: t.field({
      type: ImpactReportRef,
      description: 'The blast radius frozen at authorization.',
      resolve: (c) => c.approved?.impact ?? null,
    }),
    approvedRisk: t.field({ type: RiskRef, description: 'The risk frozen at authorization.', resolve: (c) => c.approved?.risk ?? null }),
    impactDrift: t.field({
      type: DriftRef,
      description: 'Approved blast radius against the current one; null before authorization.',
      resolve: async (c, _a, ctx) => {
        if (!c.approved) return null;
        const details = await assess(ctx, c);
        const currentRisk = await service.riskOf(ctx.graph, c.targets, details);
        return { ...service.compareImpact(c.approved.impact, details), approvedRisk: c.approved.risk, currentRisk };
      },
    }),
    collisions: t.field({
      type: [ChangeRef],
      nullable: false,
      description: 'Other changes whose windows overlap this one and whose targets or blast radius intersect its own.',
      resolve: async (c, _a, ctx) => (await collisionsOf(ctx.graph, c, impactCache(ctx))).map((x) => x.other),
    }),
    collisionDetails: t.field({
      type: [CollisionRef],
      nullable: false,
      description: 'The collisions with what is shared and what goes down only jointly.',
      resolve: (c, _a, ctx) => collisionsOf(ctx.graph, c, impactCache(ctx)),
    }),
    blackouts: t.field({
      type: [BlackoutRef],
      nullable: false,
      description: 'Blackout periods the planned window overlaps.',
      resolve: (c, _a, ctx) => blackoutsOverlapping(ctx, c),
    }),
    inBlackout: t.boolean({
      nullable: false,
      description: 'True when the planned window overlaps a blackout period.',
      resolve: async (c, _a, ctx) => (await blackoutsOverlapping(ctx, c)).length > 0,
    }),
    implementedAt: t.field({ type: 'DateTime', description: 'When the change entered IMPLEMENTING.', resolve: (c) => c.implementedAt }),
    reviewOutcome: t.field({ type: ReviewOutcomeEnum, resolve: (c) => c.reviewOutcome }),
    reviewNote: t.exposeString('reviewNote'),
    closedAt: t.field({ type: 'DateTime', resolve: (c) => c.closedAt }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.createdAt }),
    createdBy: t.exposeString('createdBy', { nullable: false }),
    transitions: t.field({ type: [TransitionRef], nullable: false, resolve: (c) => c.transitions }),
    allowedTransitions: t.field({ type: [ChangeStatusEnum], nullable: false, resolve: (c) => [...service.CHANGE_LIFECYCLE[c.status]] }),
  }),
});

registerNodeKind({ typeName: 'Change', owns: service.isChangeId, load: (ctx, id) => changeLoader(ctx).load(id) });
registerNodeKind({ typeName: 'Blackout', owns: service.isBlackoutId, load: (ctx, id) => service.getBlackout(ctx.graph, id) });

builder.objectField(CIRef, 'changes', (t) =>
  t.field({
    type: [ChangeRef],
    nullable: false,
    description: 'Changes targeting this CI, latest window first.',
    resolve: (ci, _a, ctx) => changesOfCILoader(ctx).load(ci.id),
  }),
);

const ChangeFilterInput = builder.inputType('ChangeFilter', {
  fields: (t) => ({
    statuses: t.field({ type: [ChangeStatusEnum] }),
    windowFrom: t.field({ type: 'DateTime', description: 'Planned window overlapping [windowFrom, windowTo).' }),
    windowTo: t.field({ type: 'DateTime' }),
    ciId: t.id({ description: 'Only changes targeting this CI.' }),
  }),
});

recordRoots({
  single: 'change',
  plural: 'changes',
  description: 'Changes in window order.',
  ref: ChangeRef,
  filter: ChangeFilterInput,
  load: (ctx, id) => changeLoader(ctx).load(id),
  list: service.listChanges,
});

builder.queryFields((t) => ({
  changeCollisions: t.field({
    type: [CollisionRef],
    nullable: false,
    description: 'Every colliding pair of changes in play whose windows overlap [from, to).',
    args: { from: t.arg({ type: 'DateTime', required: true }), to: t.arg({ type: 'DateTime', required: true }) },
    complexity: 50,
    resolve: (_r, args, ctx) => {
      service.checkWindow(args.from, args.to);
      return collisionsInRange(ctx.graph, args.from, args.to, impactCache(ctx));
    },
  }),
  blackouts: t.field({
    type: [BlackoutRef],
    nullable: false,
    description: 'Blackout periods overlapping [from, to); all when no bounds are given.',
    args: { from: t.arg({ type: 'DateTime' }), to: t.arg({ type: 'DateTime' }) },
    resolve: (_r, args, ctx) => service.listBlackouts(ctx.graph, args.from, args.to),
  }),
}));

const CreateChangeInput = builder.inputType('CreateChangeInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    description: t.string(),
    targetCiIds: t.idList({ required: true }),
    plannedStart: t.field({ type: 'DateTime', required: true }),
    plannedEnd: t.field({ type: 'DateTime', required: true, description: 'Must be after plannedStart; the window is [start, end).' }),
  }),
});

const CreateBlackoutInput = builder.inputType('CreateBlackoutInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    reason: t.string(),
    start: t.field({ type: 'DateTime', required: true }),
    end: t.field({ type: 'DateTime', required: true }),
  }),
});

builder.mutationFields((t) => ({
  createChange: t.field({
    type: ChangeRef,
    nullable: false,
    args: { input: t.arg({ type: CreateChangeInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'change-manager');
      return service.createChange(ctx.graph, input, { actor: ctx.actor.name });
    },
  }),
  transitionChange: t.field({
    type: ChangeRef,
    nullable: false,
    args: {
      id: t.arg.id({ required: true }),
      to: t.arg({ type: ChangeStatusEnum, required: true }),
      outcome: t.arg({ type: ReviewOutcomeEnum, description: 'When closing: the review outcome; default SUCCESSFUL.' }),
      note: t.arg.string({ description: 'When closing: the review note.' }),
      at: t.arg({ type: 'DateTime', description: 'Admins only, for imports and backfills: when the transition happened; not in the future.' }),
    },
    resolve: (_r, args, ctx) => {
      requireRole(ctx, 'change-manager');
      return service.transitionChange(ctx.graph, args.id, args.to, { actor: ctx.actor.name, at: explicitTime(ctx, args.at) }, {
        outcome: args.outcome,
        note: args.note,
      });
    },
  }),
  createBlackout: t.field({
    type: BlackoutRef,
    nullable: false,
    args: { input: t.arg({ type: CreateBlackoutInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'change-manager');
      return service.createBlackout(ctx.graph, input, { actor: ctx.actor.name });
    },
  }),
}));
