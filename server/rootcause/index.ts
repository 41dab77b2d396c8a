/** Root-cause analysis: what other domains (and the evaluation) may use. */
export { RootCauseCandidateRef, RootCauseReportRef } from './graphql.js';
export {
  rankRootCause,
  prepareProjection,
  warmProjection,
  warmRankingCode,
  warmRootCause,
  calibrations,
  labelOutage,
  WARM_ANALYSES,
  createProblemFromCandidate,
  rootCauseRequestSchema,
  DEFAULT_MAX_DEPTH,
  DEFAULT_LIMIT,
  DEFAULT_NODE_BUDGET,
  type RootCauseRequest,
  type RootCauseResult,
  type RootCauseCandidateResult,
  type RootCauseOptions,
  type ProblemFromCandidateInput,
} from './service.js';
export { rankRootCauses, DEFAULT_RCA_OPTIONS, type RankedCandidate, type RcaInput, type RcaOptions } from './model.js';
export { Spreader, type Spread } from './spread.js';
export { fitCalibration, outageRoot, pastOutages, MIN_PROBLEMS, type Calibration, type Outage, type ReportingSample } from './calibration.js';
