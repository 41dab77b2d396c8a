/** Problems: what other domains may use. */
export {
  PROBLEM_STATUSES,
  PROBLEM_LIFECYCLE,
  createProblem,
  updateProblem,
  transitionProblem,
  getProblem,
  getProblems,
  listProblems,
  isProblemId,
  type Problem,
  type ProblemStatus,
  type CreateProblemInput,
  type UpdateProblemInput,
} from './service.js';
