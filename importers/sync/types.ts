/**
 * What a source adapter hands to the sync engine: records and rejections, nothing else.
 * The format is source-agnostic (directory, CSV, asset inventories all speak it); an
 * adapter never talks to Neo4j.
 */

/** Points at another CI: a record of the same run by its source key, or any CI by identifier. */
export type RecordTarget = { key: string } | { identifier: { attribute: string; value: string } };

export interface RecordReference {
  /** A relationship type from graph-schema (MEMBER_OF, CONTAINED_IN, MANAGED_BY, ...). */
  type: string;
  target: RecordTarget;
  /**
   * 'out' (default): (this)-[type]->(target). 'in': (target)-[type]->(this), e.g. a
   * group lists its members, but the relationship is (member)-[:MEMBER_OF]->(group).
   */
  direction?: 'out' | 'in';
}

export interface SourceRecord {
  /** CI class from graph-schema. */
  class: string;
  /** Stable key of the object in its source (objectGUID, DN, row id); unique per run. */
  key: string;
  name: string;
  /** Attributes for the class schema; the class's identifiers are taken from here. */
  attributes: Record<string, unknown>;
  references?: RecordReference[];
  /**
   * Other classes an existing CI may have and still be this record (a directory Computer
   * account is the inventory's Server with the same hostname). Default: only `class`.
   */
  matchClasses?: string[];
  /** Where the record came from, for messages: "file.ldif:120", "row 7", a DN. */
  origin: string;
}

export type SourceItem =
  | { kind: 'record'; record: SourceRecord }
  /**
   * A record the adapter could not map; the run goes on and reports it. `identifiers`
   * (attribute → value, e.g. the serial number read before a bad field) name the CI the
   * source still reports: the engine keeps that CI as it is — never updated from a bad
   * record, never withdrawn as if the source had dropped it.
   */
  /**
   * `key`: its source key when it could be read, so that a later record with the same key
   * is a duplicate, not that key's object. `noCI`: the adapter read the object and it
   * cannot be a CI of this source: a relationship (a cable), or an object with nothing
   * that identifies it. A rejection with neither identifiers nor `noCI` (a row that could
   * not be read) may be any CI the scope reported before: the run then withdraws nothing
   * (`SyncReport.withdrawalHeld`) unless forced.
   */
  | { kind: 'rejected'; origin: string; reason: string; identifiers?: Record<string, unknown>; key?: string; noCI?: true }
  /** An object outside what the adapter maps (a printer queue, a contact). */
  | { kind: 'skipped'; origin: string; reason: string };

/** Which source wins an attribute when two disagree. */
export interface PrecedenceRule {
  /** Limit the rule to one class; omit for every class. */
  class?: string;
  /** 'name', 'status', 'attributes.<attr>', or '*' for every field. */
  field: string;
  /** Sources from the strongest down; may include 'manual'. */
  order: string[];
}

export interface SyncOptions {
  /** Source name: lower-case letters, digits, dashes ('ad', 'snipeit'). */
  source: string;
  /** What part of the source this run covers (base DN + filter, a file); withdrawal is per scope. */
  scope: string;
  dryRun?: boolean;
  /** Apply even when the withdrawal guard would stop the run. */
  force?: boolean;
  /** Stop before writing when more than this share of the scope's CIs would be withdrawn (default 0.1). */
  maxRetireShare?: number;
  precedence?: PrecedenceRule[];
  /** Records per write transaction (default 1000). */
  batchSize?: number;
  /** Recorded as the history actor; default `importer:<source>`. */
  actor?: string;
  /** Called as the run advances, for progress bars. */
  onProgress?: (progress: SyncProgress) => void;
  /** A lock older than this (ms without heartbeat) is taken over; default 10 minutes. */
  staleLockMs?: number;
  /**
   * A relationship this scope still asserts gets its `lastSeen[source]` rewritten only
   * when the stored time is at least this old (ms; default 12 hours, 0 = every run), so an
   * unchanged rerun writes nothing. "Last confirmed" is exact to within this interval.
   */
  lastSeenIntervalMs?: number;
  /** Where the run spools its plan (temp files, removed at the end); default the OS temp dir. */
  spoolDir?: string;
}

export interface SyncProgress {
  phase: 'read' | 'plan' | 'write' | 'withdraw' | 'done';
  read: number;
  written: number;
  total: number;
}

export interface RecordIssue {
  origin: string;
  reason: string;
}

export interface DiffSample {
  action: 'create' | 'update' | 'withdraw' | 'retire' | 'relate' | 'unrelate';
  ciId?: string;
  class?: string;
  name?: string;
  changes?: { field: string; old: unknown; new: unknown }[];
  relationship?: { type: string; from: string; to: string };
}

export interface SyncCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  /** CIs this scope stopped reporting that another source still reports. */
  withdrawn: number;
  /** CIs no source reports any more: RETIRED, relationships closed. */
  retired: number;
  rejected: number;
  conflicts: number;
  skipped: number;
  relationshipsCreated: number;
  relationshipsClosed: number;
  relationshipsUnchanged: number;
}

export interface SyncReport {
  runId: string;
  source: string;
  scope: string;
  status: 'SUCCEEDED' | 'FAILED' | 'DRY_RUN';
  startedAt: number;
  finishedAt: number;
  counts: SyncCounts;
  /** Why a run failed (unreadable source, withdrawal guard, lost database). */
  error?: string;
  /** True when the withdrawal guard stopped the run before it wrote anything. */
  guardTripped?: boolean;
  /**
   * Why the run withdrew nothing though it succeeded: rejected objects it could not
   * identify (any of them may be a CI the scope reported before). Absent otherwise.
   */
  withdrawalHeld?: string;
  rejections: RecordIssue[];
  /** Why the adapter skipped objects (outside what it maps), how many each, and the first; the first 50 reasons. */
  skips: { reason: string; count: number; first: string }[];
  conflicts: RecordIssue[];
  /** References whose target is neither in this run nor in the graph, or not allowed. */
  unresolved: { count: number; sample: RecordIssue[] };
  /** Up to `sampleSize` differences (the dry run's preview; also kept for real runs). */
  sample: DiffSample[];
  /** Milliseconds per phase (read+identify+reconcile, relationships, withdrawals, each apply step). */
  timings?: Record<string, number>;
}
