/** The shared sync engine: every importer hands its records to runSync. */
export { runSync, scopeKey, SyncRun } from './engine.js';
export { ImportLockedError } from './lock.js';
export { reconcile, mayOverwrite, RETIRED_BY_SYNC } from './reconcile.js';
export type * from './types.js';
