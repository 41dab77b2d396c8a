/**
 * Root cause in hindsight: where the ranking puts the recorded root cause of the latest
 * resolved problems, had it been asked when their first incident opened. The fault
 * injection of `npm run eval:rca` proves the method on generated topologies; this shows
 * how it does on the organisation's own outages, its own graph and its own service desk.
 *
 * Each problem's incidents are ranked as an analysis then would have ranked them:
 * - on the topology as it stood at the first incident (walked in Neo4j: retired CIs and
 *   closed relationships as they were), or on the graph as it is now when none of the
 *   incidents' CIs was in it yet (outages older than the CMDB);
 * - with changes and recorded history in the service's windows around then, and other
 *   incidents on the candidates only up to the problem's last incident;
 * - with a reporting model learnt from every other resolved problem and past outage,
 *   never from the problem itself (`Calibrations.fittedWithout`).
 *
 * Ranks are given strictly and, as the evaluation does, up to equivalence (DESIGN.md): a
 * candidate in the first EQUIVALENCE_WITHIN whose failure breaks exactly the same
 * user-facing CIs, in the same states, as the recorded root's (a VM running one
 * application, and that application) cannot be told from it by any observation.
 */
import { z } from 'zod';
import type { Graph } from '../db/index.js';
import { int } from '../db/index.js';
import { NotFoundError, parseInput } from '../errors.js';
import { computeImpactDetails } from '../impact/index.js';
import { calibrations, DEFAULT_MAX_DEPTH, HISTORY_GRACE_MS, rankRootCause } from './service.js';
import { userFacingBroken, type Calibration } from './calibration.js';
import * as Q from './cypher.js';

export const DEFAULT_HINDSIGHT_PROBLEMS = 10;
export const MAX_HINDSIGHT_PROBLEMS = 50;
/** Candidates listed per analysis: a recorded root further down is BELOW_LIST. */
export const HINDSIGHT_LIST = 100;
/** Look-alikes of the recorded root are looked for among this many first candidates (each one an impact propagation). */
export const EQUIVALENCE_WITHIN = 5;

export const hindsightInput = z.object({
  last: z.number().int().min(1, 'must be 1 or more').max(MAX_HINDSIGHT_PROBLEMS, `must be ${MAX_HINDSIGHT_PROBLEMS} or less`).nullish(),
});

export type HindsightOutcome = 'RANKED' | 'BELOW_LIST' | 'NOT_A_CANDIDATE' | 'NOT_ANALYSABLE';

export interface HindsightProblem {
  problemId: string;
  rootCauseCiId: string;
  incidentIds: string[];
  /** When the first of its incidents opened: the time the analysis is made at. */
  firstIncidentAt: number;
  /**
   * The time whose graph it was ranked on: firstIncidentAt, or, when none of the
   * incidents' CIs was in the graph then (a CMDB populated after the outage), the time of
   * this report (the graph as it is now; `note` says so).
   */
  graphAt: number;
  /**
   * RANKED: listed, at `rank`; BELOW_LIST: a candidate below the first HINDSIGHT_LIST;
   * NOT_A_CANDIDATE: its failure, in the graph as it stood, breaks none of the incidents'
   * CIs (the graph does not connect them, redundancy absorbs it, or the problem names an
   * unrelated CI); NOT_ANALYSABLE: the incidents affect no CI that is in the graph, then
   * or now, or could not be ranked (`note` says why).
   */
  outcome: HindsightOutcome;
  /** 1-based place of the recorded root cause; null unless RANKED. */
  rank: number | null;
  /**
   * Up to equivalence: the place of the first candidate that breaks exactly what the
   * recorded root breaks (itself included) when that is within the first
   * EQUIVALENCE_WITHIN; otherwise `rank`, or null when not RANKED.
   */
  rankUpToEquivalence: number | null;
  /** That candidate when it is not the recorded root itself (a look-alike ranked above it); null otherwise. */
  lookAlikeCiId: string | null;
  candidateCount: number;
  /** The first candidate then; null when none. */
  topCiId: string | null;
  /** How many resolved problems and past outages the reporting model was learnt from (null: none learnt, the rate unknown). */
  learntFrom: number | null;
  note: string | null;
}

export interface Hindsight {
  problems: HindsightProblem[];
  /** Problems whose incidents could be ranked (all but NOT_ANALYSABLE). */
  analysed: number;
  /** Shares of the analysed problems whose recorded root cause came first, in the first 3, in the first 5 (null when none was analysed). */
  top1: number | null;
  top3: number | null;
  top5: number | null;
  /** The same shares up to equivalence (`rankUpToEquivalence`). */
  top1UpToEquivalence: number | null;
  top3UpToEquivalence: number | null;
  top5UpToEquivalence: number | null;
}

/**
 * The user-facing CIs `ciId`'s failure at `at` breaks, with their states (itself DOWN
 * when it is one): the equivalence signature of the evaluation (test/eval/faults.ts,
 * `signature`). Null when the CI did not exist then.
 */
async function signatureOf(graph: Graph, ciId: string, at: number): Promise<string | null> {
  const broken = await userFacingBroken(graph, ciId, at);
  return broken && [...broken].map(([id, state]) => `${id}:${state}`).sort().join(',');
}

/**
 * Whether `ciId`'s failure at `at` breaks one of the observed CIs within the candidates'
 * reach (DEFAULT_MAX_DEPTH hops), or is one: whether it was a candidate at all (false
 * when it did not exist then).
 */
async function explainsAny(graph: Graph, ciId: string, observed: readonly string[], at: number): Promise<boolean> {
  if (observed.includes(ciId)) return true;
  try {
    const { result } = await computeImpactDetails(graph, { ciIds: [ciId], at, maxDepth: DEFAULT_MAX_DEPTH });
    const seen = new Set(observed);
    return result.impacted.some((entry) => seen.has(entry.ciId));
  } catch (error) {
    if (error instanceof NotFoundError) return false;
    throw error;
  }
}

/** Ranks `entry`'s incidents again as of its first, and fills in where its recorded root came. */
async function rankAgain(graph: Graph, entry: HindsightProblem, lastOpenedAt: number, calibration: Calibration | null): Promise<void> {
  const rank = (at: number | undefined) =>
    rankRootCause(graph, { incidentIds: entry.incidentIds, limit: HINDSIGHT_LIST }, { at, evidenceUntil: lastOpenedAt + HISTORY_GRACE_MS, calibration });
  let result = await rank(entry.firstIncidentAt);
  let at = entry.firstIncidentAt;
  if (result.candidateCount === 0) {
    // Each observed CI active then is a candidate itself: none was in the graph yet (a
    // CMDB populated after the outage). The graph as it is now is the nearest there is.
    at = Date.now();
    result = await rank(undefined);
    if (result.candidateCount === 0) {
      entry.note = 'none of its incidents’ CIs was in the graph when the first incident opened, nor is now';
      return;
    }
    entry.graphAt = at;
    entry.note = 'ranked on the graph as it is now: its incidents’ CIs were recorded after the outage';
  }
  const place = result.candidates.findIndex((c) => c.ciId === entry.rootCauseCiId);
  entry.candidateCount = result.candidateCount;
  entry.topCiId = result.candidates[0]?.ciId ?? null;
  entry.rank = place >= 0 ? place + 1 : null;
  entry.rankUpToEquivalence = entry.rank;
  if (place > 0) {
    // A look-alike listed above it, within the first EQUIVALENCE_WITHIN, takes its place up to equivalence.
    const root = await signatureOf(graph, entry.rootCauseCiId, at);
    for (let k = 0; root !== null && k < Math.min(place, EQUIVALENCE_WITHIN); k++) {
      if ((await signatureOf(graph, result.candidates[k]!.ciId, at)) !== root) continue;
      entry.rankUpToEquivalence = k + 1;
      entry.lookAlikeCiId = result.candidates[k]!.ciId;
      break;
    }
  }
  entry.outcome = place >= 0 ? 'RANKED' : (await explainsAny(graph, entry.rootCauseCiId, result.observations, at)) ? 'BELOW_LIST' : 'NOT_A_CANDIDATE';
}

/** The latest `last` resolved problems that name a root cause and group incidents, each ranked again as of its first incident. */
export async function rootCauseHindsight(graph: Graph, raw: z.input<typeof hindsightInput> = {}): Promise<Hindsight> {
  const input = parseInput(hindsightInput, raw);
  const rows = await graph.read(Q.RESOLVED_PROBLEMS_INCIDENTS, { limit: int(input.last ?? DEFAULT_HINDSIGHT_PROBLEMS) });
  const learnt = calibrations(graph);
  await learnt.refresh();
  const problems: HindsightProblem[] = [];
  for (const row of rows) {
    const opened = (row.opened as unknown[]).map(Number);
    const entry: HindsightProblem = {
      problemId: String(row.id),
      rootCauseCiId: String(row.rootId),
      incidentIds: (row.incidentIds as unknown[]).map(String).sort(),
      firstIncidentAt: Math.min(...opened),
      graphAt: Math.min(...opened),
      outcome: 'NOT_ANALYSABLE',
      rank: null,
      rankUpToEquivalence: null,
      lookAlikeCiId: null,
      candidateCount: 0,
      topCiId: null,
      learntFrom: null,
      note: null,
    };
    const calibration = learnt.fittedWithout(entry.problemId) ?? null;
    entry.learntFrom = calibration ? calibration.problems + calibration.outages : null;
    try {
      await rankAgain(graph, entry, Math.max(...opened), calibration);
    } catch (error) {
      // One problem that cannot be ranked (its incidents affect no CI) does not stop the others.
      entry.note = error instanceof Error ? error.message : String(error);
    }
    problems.push(entry);
  }
  const analysed = problems.filter((p) => p.outcome !== 'NOT_ANALYSABLE');
  const share = (k: number, rank: (p: HindsightProblem) => number | null) =>
    analysed.length === 0 ? null : analysed.filter((p) => (rank(p) ?? Number.POSITIVE_INFINITY) <= k).length / analysed.length;
  const strict = (p: HindsightProblem) => p.rank;
  const equivalent = (p: HindsightProblem) => p.rankUpToEquivalence;
  return {
    problems,
    analysed: analysed.length,
    top1: share(1, strict),
    top3: share(3, strict),
    top5: share(5, strict),
    top1UpToEquivalence: share(1, equivalent),
    top3UpToEquivalence: share(3, equivalent),
    top5UpToEquivalence: share(5, equivalent),
  };
}
