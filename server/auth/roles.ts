/**
 * Roles and what they may do. A token carries roles; `admin` implies every role and
 * every role implies `viewer`.
 */
export const ROLES = ['viewer', 'editor', 'change-manager', 'problem-manager', 'importer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  /** Recorded in history as who made a change. */
  name: string;
  roles: readonly Role[];
}

export const SYSTEM_ACTOR: Actor = { name: 'system', roles: ['admin'] };
/** Who the API acts as when an admin turned authentication off for a loopback demo. */
export const ANONYMOUS_DEMO_ACTOR: Actor = { name: 'demo (auth off)', roles: ['admin'] };

export function hasRole(actor: Actor, role: Role): boolean {
  return actor.roles.includes('admin') || role === 'viewer' || actor.roles.includes(role);
}

export function hasAnyRole(actor: Actor, roles: readonly Role[]): boolean {
  return roles.some((r) => hasRole(actor, r));
}
