export { ROLES, hasRole, hasAnyRole, SYSTEM_ACTOR, ANONYMOUS_DEMO_ACTOR, type Actor, type Role } from './roles.js';
export { createToken, actorForToken, ensureAdminToken, hashToken } from './tokens.js';
