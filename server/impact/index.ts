/** Impact analysis (blast radius): what other domains may use. */
export { ImpactReportRef, ImpactedCIRef, ImpactStateEnum, rememberImpact } from './graphql.js';
export {
  computeImpact,
  setMinUpsAt,
  computeImpactDetails,
  reachableBaseline,
  impactRequestSchema,
  DEFAULT_MAX_DEPTH,
  READ_AHEAD_MAX,
  impactSettings,
  type ImpactRequest,
  type ImpactResult,
  type ImpactedEntry,
  type ImpactDetails,
} from './service.js';
export {
  propagate,
  indexSubgraph,
  type ImpactState,
  type ImpactPathStep,
  type ImpactedState,
  type Propagation,
  type Subgraph,
  type SubgraphCI,
  type SubgraphRelationship,
  type IndexedSubgraph,
} from './propagate.js';
