/** The Faultline model: CI classes, relationship types, identifiers and migrations. */
export {
  CI_CLASSES,
  CI_CLASS_NAMES,
  USER_FACING_CLASSES,
  IDENTIFIER_ATTRIBUTES,
  findClass,
  type CIClassDef,
} from './classes.js';
export {
  RELATIONSHIP_TYPES,
  PROPAGATING_TYPES,
  REDUNDANCY_TYPE,
  findRelationshipType,
  checkEndpoints,
  type RelationshipTypeDef,
} from './relationships.js';
export {
  identifierProperty,
  identifierProperties,
  normalizeIdentifier,
  searchText,
  searchWords,
  sortKey,
} from './identifiers.js';
export { MIGRATIONS, migrate, type Migration, type RunStatement } from './migrations.js';
export { VALID_AT, ACTIVE_AT, MIN_UP_CHANGES_AFTER, minUpBefore } from './at-time.js';
export { CI_STATUSES, type CIStatus, ciStatusSchema, criticalitySchema } from './values.js';
