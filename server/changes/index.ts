/** Changes: what other domains may use (root cause reads changesOnCIsSince). */
export {
  CHANGE_STATUSES,
  CHANGE_LIFECYCLE,
  REVIEW_OUTCOMES,
  createChange,
  transitionChange,
  recordImplementedChange,
  getChange,
  getChanges,
  changesOfCIs,
  listChanges,
  changesOnCIsSince,
  assessChange,
  compareImpact,
  createBlackout,
  listBlackouts,
  isChangeId,
  type Change,
  type ChangeStatus,
  type ReviewOutcome,
  type ApprovalSnapshot,
  type ImplementedChange,
  type CreateChangeInput,
  type ChangeFilter,
  type Blackout,
} from './service.js';
export { collisionsOf, collisionsInRange, jointlyDown, type Collision } from './collisions.js';
export { assessRisk, RISK_LEVELS, type Risk, type RiskLevel } from './risk.js';
