/**
 * The root-cause part of the contract (RootCauseInput, RootCauseCandidate,
 * RootCauseReport, Query.rootCause) and Mutation.createProblemFromRootCause; and,
 * beyond the contract, Query.rootCauseHindsight.
 */
import { builder } from '../graphql/builder.js';
import { requireRole, type Context } from '../graphql/context.js';
import { CIRef, ciLoader, type CI } from '../cis/index.js';
import { ChangeRef, ProblemRef } from '../itsm/graphql.js';
import {
  createProblemFromCandidate,
  DEFAULT_LIMIT,
  DEFAULT_MAX_DEPTH,
  rankRootCause,
  type RootCauseCandidateResult,
  type RootCauseResult,
} from './service.js';
import { MIN_PROBLEMS, type Calibration } from './calibration.js';
import { problemLoader } from '../problems/graphql.js';
import { DEFAULT_HINDSIGHT_PROBLEMS, EQUIVALENCE_WITHIN, HINDSIGHT_LIST, MAX_HINDSIGHT_PROBLEMS, rootCauseHindsight, type Hindsight, type HindsightProblem } from './hindsight.js';

async function loadRequiredCI(ctx: Context, id: string): Promise<CI> {
  const ci = await ciLoader(ctx).load(id);
  // Only possible if the CI was deleted between the analysis and this load.
  if (!ci) throw new Error(`CI ${id} vanished while the root-cause report was being read`);
  return ci;
}

const loadCIs = (ctx: Context, ids: readonly string[]) => Promise.all(ids.map((id) => loadRequiredCI(ctx, id)));

export const RootCauseCandidateRef = builder.objectRef<RootCauseCandidateResult>('RootCauseCandidate').implement({
  fields: (t) => ({
    ci: t.field({ type: CIRef, nullable: false, resolve: (c, _a, ctx) => loadRequiredCI(ctx, c.ciId) }),
    score: t.exposeFloat('score', {
      nullable: false,
      description: 'Posterior probability (0..1) that this CI failed: summed over every explanation it is part of, alone or with a second root (docs/rootcause.md).',
    }),
    explains: t.field({
      type: [CIRef],
      nullable: false,
      description: 'The observed failing CIs that a failure of this candidate explains.',
      resolve: (c, _a, ctx) => loadCIs(ctx, c.explains),
    }),
    recentChanges: t.field({
      type: [ChangeRef],
      description: 'Changes on this CI implemented since changesSince, newest first.',
      resolve: (c) => c.recentChanges,
    }),
    evidence: t.exposeStringList('evidence', { description: 'Human-readable reasons for the score.' }),
    unobservedDamage: t.exposeFloat('unobservedDamage', {
      nullable: false,
      description: 'User-facing CIs its failure would break that report no incident (a DEGRADED one counts 0.02).',
    }),
    secondRoot: t.field({
      type: CIRef,
      description: 'A second, independent failure that together with this one explains the observations better; null if none.',
      resolve: (c, _a, ctx) => (c.partnerId ? loadRequiredCI(ctx, c.partnerId) : null),
    }),
  }),
});

const RootCauseCalibrationRef = builder.objectRef<Calibration>('RootCauseCalibration').implement({
  description: 'How outages are reported here, learnt from resolved problems and past outages (docs/rootcause.md, "Learning from resolved problems").',
  fields: (t) => ({
    problems: t.exposeInt('problems', { nullable: false, description: 'Resolved problems with a root-cause CI and incidents it was learnt from.' }),
    outages: t.exposeInt('outages', {
      nullable: false,
      description: 'Past outages no problem explains it was learnt from: bursts of resolved incidents whose root the ranking was sure of.',
    }),
    outliers: t.exposeInt('outliers', { nullable: false, description: 'Problems and outages left out because their count of incidents strayed too far from the others.' }),
    reportRate: t.float({ nullable: false, description: 'Share of the user-facing CIs a failure takes DOWN that get an incident.', resolve: (c) => c.reporting.rate }),
    reportSpread: t.float({ nullable: false, description: 'How far a failure’s number of reports strays from that share (root mean square, in reports).', resolve: (c) => c.reporting.spread }),
    reportRateError: t.float({ nullable: false, description: 'The share’s standard error (fewer or smaller problems on record: larger).', resolve: (c) => c.reporting.rateError }),
    degradedRatio: t.exposeFloat('degradedRatio', { nullable: false, description: 'How much less often a DEGRADED user-facing CI is reported than a DOWN one.' }),
  }),
});

export const RootCauseReportRef = builder.objectRef<RootCauseResult>('RootCauseReport').implement({
  fields: (t) => ({
    candidates: t.field({
      type: [RootCauseCandidateRef],
      nullable: false,
      description:
        'Best first: the likeliest single CI when it explains at least half of the observations, then its runner-up as a sole cause when that is within one nat of it, then the rest by score.',
      resolve: (r) => r.candidates,
    }),
    observations: t.field({
      type: [CIRef],
      nullable: false,
      description: 'The observed failing CIs: the incidents’ affected CIs and the CIs given.',
      resolve: (r, _a, ctx) => loadCIs(ctx, r.observations),
    }),
    candidateCount: t.exposeInt('candidateCount', { nullable: false, description: 'Candidates that explain at least one observation.' }),
    fromProjection: t.boolean({
      nullable: false,
      description: 'True when the topology came from the in-memory projection (current, checked against the graph); false when the analysis walked Neo4j.',
      resolve: (r) => r.source === 'projection',
    }),
    complete: t.exposeBoolean('complete', {
      nullable: false,
      description: 'False when the downstream walk hit its budget: the largest candidates’ damage is then a lower bound.',
    }),
    calibration: t.field({
      type: RootCauseCalibrationRef,
      nullable: true,
      description: `The reporting model learnt from resolved problems and past outages; null while fewer than ${MIN_PROBLEMS} of them that agree are on record (the reporting rate is then unknown).`,
      resolve: (r) => r.calibration,
    }),
  }),
});

const RootCauseInput = builder.inputType('RootCauseInput', {
  fields: (t) => ({
    incidentIds: t.idList({ description: 'Incidents whose affected CIs are to be explained.' }),
    ciIds: t.idList({ description: 'CIs observed failing (alternative or addition to incidents).' }),
    changesSince: t.field({ type: 'DateTime', description: 'Changes implemented since this time count as evidence; default 7 days back.' }),
    maxDepth: t.int({ defaultValue: DEFAULT_MAX_DEPTH }),
    limit: t.int({ defaultValue: DEFAULT_LIMIT }),
  }),
});

builder.queryField('rootCause', (t) =>
  t.field({
    type: RootCauseReportRef,
    nullable: false,
    args: { input: t.arg({ type: RootCauseInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'viewer');
      return rankRootCause(ctx.graph, {
        incidentIds: input.incidentIds ?? null,
        ciIds: input.ciIds ?? null,
        changesSince: input.changesSince ?? null,
        maxDepth: input.maxDepth ?? null,
        limit: input.limit ?? null,
      });
    },
  }),
);

const ProblemFromRootCauseInput = builder.inputType('CreateProblemFromRootCauseInput', {
  fields: (t) => ({
    ciId: t.id({ required: true, description: 'The candidate chosen as root cause.' }),
    incidentIds: t.idList({ required: true, description: 'The incidents the problem gathers (those analysed).' }),
    title: t.string({ description: 'Default: "Root cause: <CI name>".' }),
  }),
});

builder.mutationField('createProblemFromRootCause', (t) =>
  t.field({
    type: ProblemRef,
    nullable: false,
    description: 'Turns a root-cause candidate into a problem: linked to the incidents, the candidate as root-cause CI, its evidence as description.',
    args: { input: t.arg({ type: ProblemFromRootCauseInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'problem-manager');
      return createProblemFromCandidate(ctx.graph, { ciId: input.ciId, incidentIds: input.incidentIds, title: input.title ?? null }, { actor: ctx.actor.name });
    },
  }),
);

const HindsightOutcomeEnum = builder.enumType('RootCauseHindsightOutcome', {
  values: {
    RANKED: { description: 'The recorded root cause was listed, at `rank`.' },
    BELOW_LIST: { description: `A candidate, below the first ${HINDSIGHT_LIST}.` },
    NOT_A_CANDIDATE: {
      description: 'Its failure, in the graph as it stood, breaks none of the incidents’ CIs: the graph does not connect them, redundancy absorbs it, or the problem names an unrelated CI.',
    },
    NOT_ANALYSABLE: { description: 'None of the incidents’ CIs is in the graph, as it stood then or now, or they could not be ranked; `note` says which.' },
  } as const,
});

const HindsightProblemRef = builder.objectRef<HindsightProblem>('RootCauseHindsightProblem').implement({
  description: 'One resolved problem, its incidents ranked again as an analysis would have ranked them when the first opened.',
  fields: (t) => ({
    problem: t.field({
      type: ProblemRef,
      nullable: false,
      resolve: async (h, _a, ctx) => {
        const problem = await problemLoader(ctx).load(h.problemId);
        if (!problem) throw new Error(`problem ${h.problemId} vanished while the hindsight report was being read`);
        return problem;
      },
    }),
    rootCause: t.field({ type: CIRef, nullable: false, description: 'The root-cause CI the problem records.', resolve: (h, _a, ctx) => loadRequiredCI(ctx, h.rootCauseCiId) }),
    firstIncidentAt: t.field({ type: 'DateTime', nullable: false, description: 'When its first incident opened: the time it is analysed at.', resolve: (h) => h.firstIncidentAt }),
    graphAt: t.field({
      type: 'DateTime',
      nullable: false,
      description: 'The time whose graph it was ranked on: firstIncidentAt, or now when none of its incidents’ CIs was in the graph then (a CMDB populated after the outage; `note` says so).',
      resolve: (h) => h.graphAt,
    }),
    outcome: t.field({ type: HindsightOutcomeEnum, nullable: false, resolve: (h) => h.outcome }),
    rank: t.exposeInt('rank', { nullable: true, description: 'The recorded root cause’s place (1 = first); null unless RANKED.' }),
    rankUpToEquivalence: t.exposeInt('rankUpToEquivalence', {
      nullable: true,
      description: `Up to equivalence: the place of the first candidate that breaks exactly the same user-facing CIs, in the same states, as the recorded root (itself included), when within the first ${EQUIVALENCE_WITHIN}; otherwise \`rank\`.`,
    }),
    lookAlike: t.field({
      type: CIRef,
      nullable: true,
      description: 'That candidate when it is not the recorded root: no observation could tell the two apart.',
      resolve: (h, _a, ctx) => (h.lookAlikeCiId ? loadRequiredCI(ctx, h.lookAlikeCiId) : null),
    }),
    candidateCount: t.exposeInt('candidateCount', { nullable: false }),
    top: t.field({ type: CIRef, nullable: true, description: 'The first candidate then.', resolve: (h, _a, ctx) => (h.topCiId ? loadRequiredCI(ctx, h.topCiId) : null) }),
    learntFrom: t.exposeInt('learntFrom', {
      nullable: true,
      description: 'Resolved problems and past outages the reporting model was learnt from, this problem left out; null: none learnt (the rate unknown).',
    }),
    note: t.exposeString('note', { nullable: true }),
  }),
});

const HindsightRef = builder.objectRef<Hindsight>('RootCauseHindsight').implement({
  description: 'How the ranking does on this organisation’s own resolved problems (docs/rootcause.md, "In hindsight").',
  fields: (t) => ({
    problems: t.field({ type: [HindsightProblemRef], nullable: false, description: 'Latest resolved first.', resolve: (h) => h.problems }),
    analysed: t.exposeInt('analysed', { nullable: false, description: 'Problems whose incidents could be ranked.' }),
    top1: t.exposeFloat('top1', { nullable: true, description: 'Share of those whose recorded root cause came first; null when none.' }),
    top3: t.exposeFloat('top3', { nullable: true, description: 'Share in the first 3.' }),
    top5: t.exposeFloat('top5', { nullable: true, description: 'Share in the first 5.' }),
    top1UpToEquivalence: t.exposeFloat('top1UpToEquivalence', { nullable: true, description: 'Share whose recorded root cause, or a look-alike of it, came first.' }),
    top3UpToEquivalence: t.exposeFloat('top3UpToEquivalence', { nullable: true, description: 'The same, in the first 3.' }),
    top5UpToEquivalence: t.exposeFloat('top5UpToEquivalence', { nullable: true, description: 'The same, in the first 5.' }),
  }),
});

builder.queryField('rootCauseHindsight', (t) =>
  t.field({
    type: HindsightRef,
    nullable: false,
    description: `Ranks the incidents of the latest resolved problems that name a root cause again, as of their first incident, and says where the recorded root cause came (at most ${MAX_HINDSIGHT_PROBLEMS}; each walks the topology as it stood then in Neo4j: seconds per problem at 100 000 CIs).`,
    args: { last: t.arg.int({ defaultValue: DEFAULT_HINDSIGHT_PROBLEMS }) },
    resolve: (_r, { last }, ctx) => {
      requireRole(ctx, 'problem-manager');
      return rootCauseHindsight(ctx.graph, { last: last ?? null });
    },
  }),
);
