/** What every resolver receives: the request's graph view, who is asking, loaders. */
import type { Graph } from '../db/index.js';
import { ForbiddenError } from '../errors.js';
import { hasAnyRole, type Actor, type Role } from '../auth/index.js';

export interface Context {
  graph: Graph;
  actor: Actor;
  /** Per-request memo of DataLoaders and other per-request state, by name. */
  memo: Map<string, unknown>;
}

export function createContext(graph: Graph, actor: Actor): Context {
  return { graph: graph.forRequest(), actor, memo: new Map() };
}

/** A per-request singleton (a DataLoader, typically) created on first use. */
export function perRequest<T>(ctx: Context, key: string, create: () => T): T {
  let value = ctx.memo.get(key) as T | undefined;
  if (value === undefined) {
    value = create();
    ctx.memo.set(key, value);
  }
  return value;
}

/** Throws FORBIDDEN unless the actor holds one of the roles. */
export function requireRole(ctx: Context, ...roles: Role[]): void {
  if (!hasAnyRole(ctx.actor, roles)) {
    throw new ForbiddenError(`This needs one of the roles: ${roles.join(', ')} (you have: ${ctx.actor.roles.join(', ')})`);
  }
}
