/** The synthetic CMDB generator (tests, benchmarks, root-cause evaluation, web demos). */
export { generateCMDB, prng, type GeneratedCMDB, type GeneratedCI, type GenerateOptions, type Layer } from './generate.js';
export {
  loadCMDB,
  ciRow,
  DEFAULT_TIME,
  type CMDBData,
  type CIRecord,
  type RelationshipRecord,
  type LoadOptions,
  type LoadStats,
} from './load.js';
