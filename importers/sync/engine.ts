/**
 * The sync engine: load and cleanup for every source (Cartography's get → transform →
 * load → cleanup; the adapter did get and transform).
 *
 *   read      records from the adapter, a batch at a time (rejections counted, the rest
 *             goes on), and for each batch:
 *   identify  per-class identifier precedence, `key_<attr>` index seeks; identifiers of
 *             one record pointing at two CIs is a conflict, never a merge
 *   reconcile per-field provenance and precedence rules (reconcile.ts), against the CIs'
 *             stored state fetched for that batch and dropped once diffed
 *   plan      relationships (after the last record: a reference may point forward),
 *             withdrawals; the withdrawal guard
 *   apply     batched UNWIND transactions with history, then withdraw and retire
 *   record    the (:ImportRun) node
 *
 * Memory: the plan is spooled (spool.ts). What stays in memory is the identity of the
 * run — each CI the run touches is a small integer (its id, class, the record that
 * claimed it), the source keys and identifiers map to it — and the asserted
 * relationships as numbers per type. Rows to write, and the records' references, are
 * JSON lines in a temp file, read back in batches.
 *
 * Nothing is written before the plan is complete, so a source that fails while being
 * read (unreadable file, lost connection) changes nothing and retires nothing.
 */
import { randomUUID } from 'node:crypto';
import {
  checkEndpoints,
  findClass,
  findRelationshipType,
  IDENTIFIER_ATTRIBUTES,
  identifierProperties,
  normalizeIdentifier,
  searchText,
  sortKey,
} from '../../graph-schema/index.js';
import type { Graph, Row, Tx } from '../../server/db/index.js';
import { recordHistory, type HistoryChange } from '../../server/history/index.js';
import { topologyWrite, type TopologyChange } from '../../server/topology/index.js';
import * as Q from './cypher.js';
import { acquireLock, heartbeat, releaseLock } from './lock.js';
import { reconcile, RETIRED_BY_SYNC, type CIState, type FieldChange, type Provenance } from './reconcile.js';
import { Spool, SpoolDir, streamRows } from './spool.js';
import type {
  DiffSample,
  RecordIssue,
  SourceItem,
  SourceRecord,
  SyncCounts,
  SyncOptions,
  SyncReport,
} from './types.js';

const SAMPLE_SIZE = 20;
const ISSUE_CAP = 1000;
const SOURCE_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** Default: a relationship's lastSeen is rewritten when it moved by 12 hours or more. */
export const DEFAULT_LAST_SEEN_INTERVAL_MS = 12 * 3_600_000;
/** CIs per run are numbered; a relationship is (from * 2^26 + to), exact in a double. */
const PAIR = 2 ** 26;

/** The scope key stored on CIs and relationships: which source+scope reports them. */
export function scopeKey(source: string, scope: string): string {
  return `${source}:${scope}`;
}

const sourceOfScope = (key: string) => key.slice(0, key.indexOf(':'));

/** A record that passed the checks, while its batch is identified and reconciled. */
interface Checked {
  rec: SourceRecord;
  ordinal: number;
  attrs: Record<string, unknown>;
  /** Normalised identifiers in the class's precedence order. */
  keys: [string, string][];
  /** Failed the schema: only identified, so its CI is not withdrawn by mistake. */
  protectOnly?: boolean;
}

interface StoredCI extends CIState {
  id: string;
  class: string;
  sources: string[];
  syncScopes: string[];
  keyProps: string[];
}

interface Hit {
  id: string;
  class: string;
  status: string;
  name: string;
}

interface RelRow {
  id: string;
  type: string;
  from: string;
  to: string;
  sources: string[];
  syncScopes: string[];
  lastSeen: Record<string, number>;
}

/** Spooled plan rows (JSON lines). */
type CreateRow = { id: string; cls: string; props: Record<string, unknown> };
type UpdateRow = { id: string; props: Record<string, unknown>; changes: FieldChange[] };
/** [ci index, type, 1 when 'in', target source key | null, identifier attribute | null, identifier value | null] */
type RefRow = [number, string, 0 | 1, string | null, string | null, string | null];
/** [type, from CI id, to CI id] */
type RelCreateRow = [string, string, string];
/** [type, relationship id, properties to set] */
type RelTouchRow = [string, string, Record<string, unknown>];
/** [type, relationship id, from, to, syncScopes left] */
type RelCloseRow = [string, string, string, string, string[]];
/** [CI id, properties] */
type WithdrawRow = [string, Record<string, unknown>];
/** [CI id, status before, properties] */
type RetireRow = [string, string, Record<string, unknown>];

const identKey = (attr: string, value: string) => `${attr}\u0000${value}`;

function parseObject<T>(value: unknown): Record<string, T> {
  if (typeof value !== 'string') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, T>)
      : {};
  } catch {
    // A hand-edited property that is not JSON is treated as empty; the sync rewrites it.
    return {};
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

/**
 * The first identifier `keys` (in precedence order) ranks above `matched` that `stored`
 * holds with another value; null when none does (or nothing is stored).
 */
function contradicts(keys: [string, string][], matched: string, stored: StoredCI | undefined): { attr: string; value: string; stored: string } | null {
  if (!stored) return null;
  for (const [attr, value] of keys) {
    if (attr === matched) return null;
    const held = normalizeIdentifier(stored.attributes[attr]);
    if (held !== null && held !== value) return { attr, value, stored: held };
  }
  return null;
}

/** The normalised identifiers among `attrs`, in the order of `attributes` (a class's: its precedence). */
function identifierKeys(attrs: Record<string, unknown>, attributes: readonly string[]): [string, string][] {
  const keys: [string, string][] = [];
  for (const attr of attributes) {
    const value = normalizeIdentifier(attrs[attr]);
    if (value !== null) keys.push([attr, value]);
  }
  return keys;
}

function decodeStored(row: Row): StoredCI {
  return {
    id: String(row.id),
    class: String(row.class),
    name: String(row.name),
    status: String(row.status ?? 'ACTIVE'),
    attributes: parseObject(row.attributes),
    provenance: parseObject<Provenance>(row.provenance),
    sources: strings(row.sources),
    syncScopes: strings(row.syncScopes),
    keyProps: strings(row.keyProps),
  };
}

function decodeRel(row: Row): RelRow {
  return {
    id: String(row.id),
    type: String(row.type),
    from: String(row.from),
    to: String(row.to),
    sources: strings(row.sources),
    syncScopes: strings(row.syncScopes),
    lastSeen: parseObject<number>(row.lastSeen),
  };
}

/** A row of SCOPE_RELATIONSHIPS: the scopes other than this run's come as `otherScopes`. */
function decodeScopeRel(row: Row, scopeKey: string): RelRow {
  return decodeRel({ ...row, syncScopes: [...strings(row.otherScopes), scopeKey] });
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = out.get(key);
    if (list) list.push(item);
    else out.set(key, [item]);
  }
  return out;
}

function dropEmpty(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).filter(
      ([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0),
    ),
  );
}

/** Sources left after this scope withdraws: the source stays while another of its scopes reports. */
function sourcesAfterWithdrawal(sources: string[], scopes: string[], source: string): string[] {
  return scopes.some((s) => sourceOfScope(s) === source) ? sources : sources.filter((s) => s !== source);
}

const withItem = (list: string[], item: string) => (list.includes(item) ? list : [...list, item]);

function emptyCounts(): SyncCounts {
  return {
    read: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    withdrawn: 0,
    retired: 0,
    rejected: 0,
    conflicts: 0,
    skipped: 0,
    relationshipsCreated: 0,
    relationshipsClosed: 0,
    relationshipsUnchanged: 0,
  };
}

export class SyncRun {
  readonly runId = `RUN-${randomUUID()}`;
  readonly scopeKey: string;
  readonly counts = emptyCounts();
  readonly rejections: RecordIssue[] = [];
  readonly conflicts: RecordIssue[] = [];
  /** Skipped objects by reason (the first 50 reasons). */
  private readonly skips = new Map<string, { count: number; first: string }>();
  /** Origins of rejected objects the adapter could not read far enough to identify (any may be a CI this scope reported). */
  private readonly unidentified: string[] = [];
  private withdrawalHeld: string | null = null;
  readonly unresolved = { count: 0, sample: [] as RecordIssue[] };
  readonly sample: DiffSample[] = [];
  /** Milliseconds per phase, for the report and the bench. */
  readonly timings: Record<string, number> = {};
  private readonly batchSize: number;
  private readonly actor: string;
  private readonly lastSeenInterval: number;
  private readonly now = Date.now();

  // The run's identity, in memory. Records are numbered in order (ordinals); each CI
  // the run touches (a record's, or a reference's target found in the graph) is a CI index.
  private readonly origins: string[] = [];
  private readonly keyOrdinal = new Map<string, number>();
  /** Ordinal → CI index, -1 when the record was not planned (rejected, conflict). */
  private readonly ordinalCi: number[] = [];
  /** Normalised identifier of a planned record → its ordinal. */
  private readonly identOrdinal = new Map<string, number>();
  private readonly ciIds: string[] = [];
  private readonly ciClasses: string[] = [];
  /** CI index → ordinal of the record that reports it; -1 for a reference target only. */
  private readonly ciOrdinal: number[] = [];
  private readonly ciNew: boolean[] = [];
  private readonly ciIndex = new Map<string, number>();
  /** CIs this run must not withdraw though it plans nothing for them (conflicts, rejected records). */
  private readonly seen = new Set<string>();
  /** Identifiers of objects the adapter rejected (see keepRejected). */
  private readonly rejectedKeys = new WeakMap<SourceRecord, [string, string][]>();
  private planned = 0;

  // The plan, spooled.
  private readonly spoolDir: SpoolDir;
  private readonly refs: Spool<RefRow>;
  private readonly ciCreates: Spool<CreateRow>;
  private readonly ciUpdates: Spool<UpdateRow>;
  private readonly relCreates: Spool<RelCreateRow>;
  private readonly relTouches: Spool<RelTouchRow>;
  private readonly relCloses: Spool<RelCloseRow>;
  private readonly ciWithdrawals: Spool<WithdrawRow>;
  private readonly ciRetirements: Spool<RetireRow>;

  private previousInScope = 0;
  private written = 0;
  private lastBeat = Date.now();

  constructor(
    private readonly graph: Graph,
    private readonly options: SyncOptions,
  ) {
    if (!SOURCE_NAME.test(options.source)) {
      throw new Error(`Invalid source name "${options.source}": lower-case letters, digits and dashes`);
    }
    if (!options.scope.trim()) throw new Error('A sync needs a non-empty scope');
    const share = options.maxRetireShare ?? 0.1;
    if (!(share >= 0 && share <= 1)) throw new Error(`maxRetireShare must be between 0 and 1 (got ${share})`);
    this.lastSeenInterval = options.lastSeenIntervalMs ?? DEFAULT_LAST_SEEN_INTERVAL_MS;
    if (!(this.lastSeenInterval >= 0))
      throw new Error(`lastSeenIntervalMs must be 0 or more (got ${this.lastSeenInterval})`);
    this.scopeKey = scopeKey(options.source, options.scope);
    this.batchSize = options.batchSize ?? 1000;
    this.actor = options.actor ?? `importer:${options.source}`;
    this.spoolDir = new SpoolDir(options.spoolDir);
    const dry = options.dryRun ?? false;
    this.refs = new Spool(this.spoolDir);
    this.ciCreates = new Spool(this.spoolDir, dry);
    this.ciUpdates = new Spool(this.spoolDir, dry);
    this.relCreates = new Spool(this.spoolDir, dry);
    this.relTouches = new Spool(this.spoolDir, dry);
    this.relCloses = new Spool(this.spoolDir, dry);
    this.ciWithdrawals = new Spool(this.spoolDir, dry);
    this.ciRetirements = new Spool(this.spoolDir, dry);
  }

  /** Removes the spool files. */
  cleanup(): void {
    this.spoolDir.remove();
  }

  async timed(phase: string, work: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await work();
    } finally {
      this.timings[phase] = Math.round((this.timings[phase] ?? 0) + performance.now() - started);
    }
  }

  private progress(phase: 'read' | 'plan' | 'write' | 'withdraw' | 'done', total = 0) {
    this.options.onProgress?.({ phase, read: this.counts.read, written: this.written, total });
  }

  /** The last progress line: what was read and written, as the run left it (it said 0 written). */
  done() {
    this.progress('done');
  }

  private reject(origin: string, reason: string) {
    this.counts.rejected++;
    if (this.rejections.length < ISSUE_CAP) this.rejections.push({ origin, reason });
  }

  private conflict(c: Checked, reason: string) {
    this.counts.conflicts++;
    if (this.conflicts.length < ISSUE_CAP) this.conflicts.push({ origin: c.rec.origin, reason });
  }

  private note(sample: DiffSample) {
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(sample);
  }

  private unresolvedRef(origin: string, reason: string) {
    this.unresolved.count++;
    if (this.unresolved.sample.length < 50) this.unresolved.sample.push({ origin, reason });
  }

  /** The CI index of a CI id (a new one is numbered). */
  private intern(id: string, cls: string): number {
    let i = this.ciIndex.get(id);
    if (i === undefined) {
      i = this.ciIds.length;
      if (i >= PAIR) throw new Error(`a run touches at most ${PAIR} CIs`);
      this.ciIds.push(id);
      this.ciClasses.push(cls);
      this.ciOrdinal.push(-1);
      this.ciNew.push(false);
      this.ciIndex.set(id, i);
    }
    return i;
  }

  // ---------------------------------------------------------------- read, identify, reconcile

  /**
   * Reads the source, identifying and reconciling a batch at a time. One batch is planned
   * while the next is read (the planning waits on Neo4j, the reading on the source);
   * batches are planned strictly in order.
   */
  async read(items: AsyncIterable<SourceItem>): Promise<void> {
    let batch: SourceRecord[] = [];
    let planning: Promise<void> = Promise.resolve();
    const next = async (records: SourceRecord[]) => {
      await planning;
      planning = this.planBatch(records);
      // Awaited before the next batch or at the end; a failure is reported there.
      planning.catch(() => {});
    };
    for await (const item of items) {
      if (item.kind === 'rejected') {
        this.reject(item.origin, item.reason);
        const keep = this.keepRejected(item.origin, item.identifiers, item.key);
        if (keep) batch.push(keep);
        const identified = keep !== null && this.rejectedKeys.get(keep)!.length > 0;
        if (!identified && !item.noCI) this.unidentified.push(item.origin);
      } else if (item.kind === 'skipped') {
        this.counts.skipped++;
        const known = this.skips.get(item.reason);
        if (known) known.count++;
        else if (this.skips.size < 50) this.skips.set(item.reason, { count: 1, first: item.origin });
      }
      else {
        this.counts.read++;
        batch.push(item.record);
        if (batch.length >= this.batchSize) {
          await next(batch);
          batch = [];
          this.progress('read');
        }
      }
    }
    if (batch.length) await next(batch);
    await planning;
    this.progress('read');
  }

  /**
   * A rejected object's CI is identified but not planned, so a full run does not withdraw
   * what the source still reports. Only catalogue identifier attributes are used.
   */
  private keepRejected(origin: string, identifiers: Record<string, unknown> | undefined, key = ''): SourceRecord | null {
    const keys = identifierKeys(identifiers ?? {}, IDENTIFIER_ATTRIBUTES);
    if (keys.length === 0 && !key) return null;
    const rec: SourceRecord = { class: '', key, name: '', attributes: {}, origin };
    this.rejectedKeys.set(rec, keys);
    return rec;
  }

  /**
   * A record the engine rejects: kept as it is by its identifiers when it has any (so
   * neither updated nor withdrawn). One with none was read whole: nothing identifies a
   * CI it could be.
   */
  private rejectRecord(rec: SourceRecord, reason: string, keys: [string, string][]): Checked | null {
    this.reject(rec.origin, reason);
    if (keys.length === 0) return null;
    const ordinal = this.origins.length;
    this.origins.push(rec.origin);
    this.ordinalCi.push(-1);
    return { rec, ordinal, attrs: {}, keys, protectOnly: true };
  }

  private check(rec: SourceRecord): Checked | null {
    const kept = this.rejectedKeys.get(rec);
    if (kept) {
      const ordinal = this.origins.length;
      this.origins.push(rec.origin);
      this.ordinalCi.push(-1);
      // Its key is taken: a later record with it is a duplicate, not this key's object.
      if (rec.key && !this.keyOrdinal.has(rec.key)) this.keyOrdinal.set(rec.key, ordinal);
      return { rec, ordinal, attrs: {}, keys: kept, protectOnly: true };
    }
    const cls = findClass(rec.class);
    const attrs = dropEmpty(rec.attributes);
    if (!cls) return this.rejectRecord(rec, `unknown class "${rec.class}"`, identifierKeys(attrs, IDENTIFIER_ATTRIBUTES));
    const idKeys = identifierKeys(attrs, cls.identifiers);
    if (!rec.key) return this.rejectRecord(rec, 'record has no source key', idKeys);
    const first = this.keyOrdinal.get(rec.key);
    if (first !== undefined) return this.rejectRecord(rec, `duplicate source key "${rec.key}" (first seen at ${this.origins[first]})`, idKeys);
    const ordinal = this.origins.length;
    this.origins.push(rec.origin);
    this.ordinalCi.push(-1);
    this.keyOrdinal.set(rec.key, ordinal);
    if (idKeys.length === 0) return this.rejectRecord(rec, `no identifier: a ${rec.class} needs one of ${cls.identifiers.join(', ')}`, idKeys);
    if (!rec.name?.trim()) {
      this.reject(rec.origin, 'record has no name');
      return { rec, ordinal, attrs, keys: idKeys, protectOnly: true };
    }
    const parsed = cls.attributes.safeParse(attrs);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      this.reject(rec.origin, `attributes do not fit class ${rec.class}: ${why}`);
      return { rec, ordinal, attrs, keys: idKeys, protectOnly: true };
    }
    return { rec, ordinal, attrs, keys: idKeys };
  }

  /**
   * CIs by identifier, one index seek per value. With `states`, the stored state of every
   * CI found is read in the same transaction (for reconciliation).
   */
  private async lookup(pairs: [string, string][], states?: Map<string, StoredCI>): Promise<Map<string, Hit>> {
    const byAttr = new Map<string, Set<string>>();
    for (const [attr, value] of pairs) {
      let set = byAttr.get(attr);
      if (!set) byAttr.set(attr, (set = new Set()));
      set.add(value);
    }
    const found = new Map<string, Hit>();
    if (byAttr.size === 0) return found;
    await this.graph.readTx(async (tx) => {
      for (const [attr, values] of byAttr) {
        const res = await tx.run(Q.findByIdentifier(attr), { values: [...values] });
        for (const r of res.records) {
          const row = r.toObject() as Row;
          found.set(identKey(attr, String(row.value)), {
            id: String(row.id),
            class: String(row.class),
            status: String(row.status),
            name: String(row.name),
          });
        }
      }
      if (states && found.size) {
        const ids = [...new Set([...found.values()].map((h) => h.id))];
        for (const r of (await tx.run(Q.CI_STATES, { ids })).records) {
          const stored = decodeStored(r.toObject() as Row);
          states.set(stored.id, stored);
        }
      }
    });
    return found;
  }

  /** Identifies a batch: returns the records planned, with their CI index. */
  private async identify(
    batch: Checked[],
    states: Map<string, StoredCI>,
  ): Promise<{ c: Checked; ci: number }[]> {
    const found = await this.lookup(
      batch.flatMap((c) => c.keys),
      states,
    );
    const out: { c: Checked; ci: number }[] = [];
    for (const c of batch) {
      const hits = c.keys
        .map(([attr, value]) => ({ attr, value, hit: found.get(identKey(attr, value)) }))
        .filter((h): h is { attr: string; value: string; hit: Hit } => h.hit !== undefined);
      const ids = [...new Set(hits.map((h) => h.hit.id))];
      // Kept as they are (not withdrawn, relationships left alone), unless a record of this
      // run planned them already: that record says what they are.
      for (const id of ids) {
        const planned = this.ciIndex.get(id);
        if (planned === undefined || this.ciOrdinal[planned]! < 0) this.seen.add(id);
      }
      if (c.protectOnly) continue;
      if (ids.length > 1) {
        const which = hits.map(
          (h) => `${h.attr} "${h.value}" is CI ${h.hit.id} (${h.hit.class} "${h.hit.name}")`,
        );
        this.conflict(c, `identifiers point at ${ids.length} different CIs: ${which.join('; ')}`);
        continue;
      }
      const hit = hits[0]?.hit;
      // Identifier precedence: an identifier the record ranks above the one that matched,
      // which the CI holds with another value, says it is another object (a hostname
      // reused by a machine with another serial number).
      const contradiction = hit ? contradicts(c.keys, hits[0]!.attr, states.get(hit.id)) : null;
      if (hit && contradiction) {
        this.conflict(
          c,
          `${hits[0]!.attr} "${hits[0]!.value}" is CI ${hit.id} (${hit.class} "${hit.name}"), but its ${contradiction.attr} is "${contradiction.stored}", not "${contradiction.value}": another object`,
        );
        continue;
      }
      if (hit && hit.class !== c.rec.class && !(c.rec.matchClasses ?? []).includes(hit.class)) {
        this.conflict(
          c,
          `${hits[0]!.attr} "${hits[0]!.value}" already identifies CI ${hit.id}, a ${hit.class} ("${hit.name}"), not a ${c.rec.class}`,
        );
        continue;
      }
      const ciId = hit?.id ?? randomUUID();
      const twin = hit ? this.ciIndex.get(hit.id) : undefined;
      if (twin !== undefined && this.ciOrdinal[twin]! >= 0) {
        this.conflict(
          c,
          `identifies the same CI ${ciId} as the record at ${this.origins[this.ciOrdinal[twin]!]}`,
        );
        continue;
      }
      const clash = c.keys
        .map(([a, v]) => ({ a, v, other: this.identOrdinal.get(identKey(a, v)) }))
        .find((k) => k.other !== undefined);
      if (clash) {
        this.conflict(
          c,
          `${clash.a} "${clash.v}" is also claimed by the record at ${this.origins[clash.other!]}`,
        );
        continue;
      }
      // Planned, so not withdrawn: `seen` keeps only what the run protects without planning.
      if (hit) this.seen.delete(hit.id);
      const ci = this.intern(ciId, hit?.class ?? c.rec.class);
      this.ciOrdinal[ci] = c.ordinal;
      this.ciNew[ci] = !hit;
      this.ordinalCi[c.ordinal] = ci;
      for (const [a, v] of c.keys) this.identOrdinal.set(identKey(a, v), c.ordinal);
      this.planned++;
      out.push({ c, ci });
    }
    return out;
  }

  private async planBatch(records: SourceRecord[]): Promise<void> {
    const batch = records.map((r) => this.check(r)).filter((c): c is Checked => c !== null);
    const states = new Map<string, StoredCI>();
    const planned = await this.identify(batch, states);
    const rules = this.options.precedence ?? [];
    for (const { c, ci } of planned) {
      const ciId = this.ciIds[ci]!;
      const cls = this.ciClasses[ci]!;
      const reported = { name: c.rec.name.trim(), attributes: c.attrs };
      for (const ref of c.rec.references ?? []) {
        const dir = ref.direction === 'in' ? 1 : 0;
        if ('key' in ref.target) this.refs.push([ci, ref.type, dir, ref.target.key, null, null]);
        else
          this.refs.push([
            ci,
            ref.type,
            dir,
            null,
            ref.target.identifier.attribute,
            ref.target.identifier.value,
          ]);
      }
      if (this.ciNew[ci]) {
        const state = reconcile(c.rec.class, null, reported, this.options.source, this.now, rules).state;
        this.counts.created++;
        this.note({ action: 'create', ciId, class: c.rec.class, name: reported.name });
        this.ciCreates.push({ id: ciId, cls, props: this.ciProps(ciId, cls, c.rec.class, state, null) });
        continue;
      }
      const before = states.get(ciId);
      if (!before) throw new Error(`CI ${ciId} disappeared while the run was planning; rerun`);
      const result = reconcile(cls, before, reported, this.options.source, this.now, rules);
      if (result.changes.length) {
        this.counts.updated++;
        this.note({ action: 'update', ciId, class: cls, name: result.state.name, changes: result.changes });
        this.ciUpdates.push({
          id: ciId,
          props: this.ciProps(ciId, cls, c.rec.class, result.state, before),
          changes: result.changes,
        });
      } else {
        this.counts.unchanged++;
        const props = this.scopeProps(before, result.state);
        if (props) this.ciUpdates.push({ id: ciId, props, changes: [] });
      }
    }
  }

  private ciProps(
    id: string,
    cls: string,
    recClass: string,
    state: CIState,
    before: StoredCI | null,
  ): Record<string, unknown> {
    const keys = {
      ...identifierProperties(cls, state.attributes),
      ...identifierProperties(recClass, state.attributes),
    };
    const minUp = state.attributes.minUp;
    const common = {
      name: state.name,
      status: state.status,
      attributes: JSON.stringify(state.attributes),
      provenance: JSON.stringify(state.provenance),
      searchText: searchText(cls, state.attributes, state.name),
      sortName: sortKey(state.name),
      minUp: typeof minUp === 'number' ? minUp : null,
      updatedAt: this.now,
      ...keys,
    };
    if (!before) {
      return {
        ...common,
        id,
        class: cls,
        criticality: null,
        sources: [this.options.source],
        syncScopes: [this.scopeKey],
        createdAt: this.now,
        retiredAt: null,
      };
    }
    const dropped = Object.fromEntries(before.keyProps.filter((k) => !(k in keys)).map((k) => [k, null]));
    return {
      ...common,
      ...dropped,
      ...(state.status === 'RETIRED' ? {} : { retiredAt: null }),
      sources: withItem(before.sources, this.options.source),
      syncScopes: withItem(before.syncScopes, this.scopeKey),
    };
  }

  /** Provenance-only write: a CI whose values match but that this scope had not claimed yet. */
  private scopeProps(before: StoredCI, after: CIState): Record<string, unknown> | null {
    if (before.syncScopes.includes(this.scopeKey) && before.sources.includes(this.options.source))
      return null;
    return {
      sources: withItem(before.sources, this.options.source),
      syncScopes: withItem(before.syncScopes, this.scopeKey),
      provenance: JSON.stringify(after.provenance),
    };
  }

  // ---------------------------------------------------------------- relationships

  /** The asserted relationships, per type, as from * 2^26 + to (CI indexes). */
  private async resolveReferences(): Promise<Map<string, Set<number>>> {
    const asserted = new Map<string, Set<number>>();
    /** Identifier of a reference target outside the run → CI index, or -1 (not in the graph, or retired). */
    const outside = new Map<string, number>();
    for await (const batch of this.refs.batches(this.batchSize * 5)) {
      const ask: [string, string][] = [];
      for (const r of batch) {
        if (r[4] === null) continue;
        const value = normalizeIdentifier(r[5]);
        if (value === null) continue;
        const k = identKey(r[4], value);
        if (!this.identOrdinal.has(k) && !outside.has(k)) ask.push([r[4], value]);
      }
      if (ask.length) {
        const found = await this.lookup(ask);
        for (const [a, v] of ask) {
          const k = identKey(a, v);
          const hit = found.get(k);
          outside.set(k, hit && hit.status !== 'RETIRED' ? this.intern(hit.id, hit.class) : -1);
        }
      }
      for (const [self, typeName, dir, key, attribute, value] of batch) {
        const origin = this.origins[this.ciOrdinal[self]!]!;
        const type = findRelationshipType(typeName);
        if (!type) {
          this.unresolvedRef(origin, `unknown relationship type ${typeName}`);
          continue;
        }
        let target = -1;
        let label: string;
        if (key !== null) {
          label = `key "${key}"`;
          const ordinal = this.keyOrdinal.get(key);
          if (ordinal !== undefined) target = this.ordinalCi[ordinal]!;
        } else {
          label = `${attribute} "${value}"`;
          const k = identKey(attribute!, normalizeIdentifier(value) ?? '');
          const ordinal = this.identOrdinal.get(k);
          target = ordinal !== undefined ? this.ordinalCi[ordinal]! : (outside.get(k) ?? -1);
        }
        if (target < 0) {
          this.unresolvedRef(origin, `${typeName} target ${label} is not in this run nor in the graph`);
          continue;
        }
        const [from, to] = dir === 1 ? [target, self] : [self, target];
        if (from === to) continue;
        const reason = checkEndpoints(type, this.ciClasses[from]!, this.ciClasses[to]!);
        if (reason) {
          this.unresolvedRef(origin, reason);
          continue;
        }
        let set = asserted.get(type.name);
        if (!set) asserted.set(type.name, (set = new Set()));
        set.add(from * PAIR + to);
      }
    }
    return asserted;
  }

  async planRelationships(): Promise<void> {
    let asserted = new Map<string, Set<number>>();
    await this.timed('resolveReferences', async () => {
      asserted = await this.resolveReferences();
    });
    const started = performance.now();
    const source = this.options.source;
    const seenBy = (rel: RelRow) => JSON.stringify({ ...rel.lastSeen, [source]: this.now });

    // What this scope asserted before: kept (touched when its provenance is due), or withdrawn.
    await streamRows(this.graph, Q.SCOPE_RELATIONSHIPS, { scopeKey: this.scopeKey }, (row) => {
      const rel = decodeScopeRel(row, this.scopeKey);
      const from = this.ciIndex.get(rel.from);
      const to = this.ciIndex.get(rel.to);
      const set = asserted.get(rel.type);
      if (from !== undefined && to !== undefined && set?.delete(from * PAIR + to)) {
        this.counts.relationshipsUnchanged++;
        const last = rel.lastSeen[source];
        const claimed = rel.sources.includes(source) && rel.syncScopes.includes(this.scopeKey);
        if (claimed && typeof last === 'number' && this.now - last < this.lastSeenInterval) return;
        this.relTouches.push([
          rel.type,
          rel.id,
          {
            sources: withItem(rel.sources, source),
            syncScopes: withItem(rel.syncScopes, this.scopeKey),
            lastSeen: seenBy(rel),
          },
        ]);
        return;
      }
      // A CI kept as it is (its record was rejected, or in conflict) keeps its
      // relationships as they are: the source still reports the object. So does every CI
      // no record planned while withdrawals are held (an unidentified rejection may be it).
      if (this.seen.has(rel.from) || this.seen.has(rel.to)) return;
      const planned = (ci: number | undefined) => ci !== undefined && this.ciOrdinal[ci]! >= 0;
      if (this.holdsWithdrawals() && !(planned(from) && planned(to))) return;
      const syncScopes = rel.syncScopes.filter((s) => s !== this.scopeKey);
      const sources = sourcesAfterWithdrawal(rel.sources, syncScopes, source);
      if (sources.length === 0) {
        this.counts.relationshipsClosed++;
        this.note({ action: 'unrelate', relationship: { type: rel.type, from: rel.from, to: rel.to } });
        this.relCloses.push([rel.type, rel.id, rel.from, rel.to, syncScopes]);
      } else {
        this.relTouches.push([rel.type, rel.id, { syncScopes, sources }]);
      }
    });
    this.timings.scopeRelationships = Math.round(performance.now() - started);

    // The rest is new to this scope: adopted when an open one exists (a person's, another
    // source's), created otherwise. A pair with a CI the run creates cannot exist yet.
    for (const [type, pairs] of asserted) {
      const fresh: [number, number][] = [];
      const known: [number, number][] = [];
      for (const pair of pairs) {
        const from = Math.floor(pair / PAIR);
        const to = pair % PAIR;
        (this.ciNew[from] || this.ciNew[to] ? fresh : known).push([from, to]);
      }
      for (const batch of chunks(known, this.batchSize * 5)) {
        const open = new Map<string, RelRow>();
        const rows = await this.graph.read(Q.openRelationshipsBetween(type), {
          pairs: batch.map(([from, to]) => ({ from: this.ciIds[from], to: this.ciIds[to] })),
        });
        for (const row of rows) {
          const rel = decodeRel({ ...row, type });
          open.set(`${rel.from}|${rel.to}`, rel);
        }
        for (const [from, to] of batch) {
          const rel = open.get(`${this.ciIds[from]}|${this.ciIds[to]}`);
          if (!rel) {
            fresh.push([from, to]);
            continue;
          }
          this.counts.relationshipsUnchanged++;
          this.relTouches.push([
            type,
            rel.id,
            {
              sources: withItem(rel.sources, source),
              syncScopes: withItem(rel.syncScopes, this.scopeKey),
              lastSeen: seenBy(rel),
            },
          ]);
        }
      }
      for (const [from, to] of fresh) {
        const t = { type, from: this.ciIds[from]!, to: this.ciIds[to]! };
        this.counts.relationshipsCreated++;
        this.note({ action: 'relate', relationship: t });
        this.relCreates.push([type, t.from, t.to]);
      }
    }
  }

  // ---------------------------------------------------------------- withdrawals

  /** Whether this run withdraws nothing: a rejected object nothing identifies, not forced. */
  private holdsWithdrawals(): boolean {
    return this.unidentified.length > 0 && !this.options.force;
  }

  async planWithdrawals(): Promise<void> {
    // A rejected object nothing identifies may be any CI this scope reported before:
    // withdrawing what the run did not see could withdraw it. Nothing is withdrawn then
    // (nor their relationships closed: planRelationships), and the report says why,
    // unless the run is forced.
    const hold = this.holdsWithdrawals();
    if (hold) {
      const n = this.unidentified.length;
      this.withdrawalHeld =
        `nothing withdrawn: ${n} rejected record${n === 1 ? '' : 's'} could not be identified (${this.unidentified.slice(0, 5).join(', ')}${n > 5 ? ', …' : ''}), ` +
        `and any of them may be a CI this scope reported before. Fix ${n === 1 ? 'it' : 'them'}, or rerun with --force to withdraw what the source no longer reports.`;
    }
    await streamRows(this.graph, Q.SCOPE_CIS, { scopeKey: this.scopeKey }, (row) => {
      this.previousInScope++;
      if (hold) return;
      const id = String(row.id);
      const ci = this.ciIndex.get(id);
      if ((ci !== undefined && this.ciOrdinal[ci]! >= 0) || this.seen.has(id)) return;
      const syncScopes = strings(row.syncScopes).filter((s) => s !== this.scopeKey);
      const sources = sourcesAfterWithdrawal(strings(row.sources), syncScopes, this.options.source);
      const status = String(row.status);
      if (sources.length === 0 && status !== 'RETIRED') {
        this.counts.retired++;
        this.note({ action: 'retire', ciId: id, class: String(row.class), name: String(row.name) });
        this.ciRetirements.push([
          id,
          status,
          { status: 'RETIRED', retiredAt: this.now, updatedAt: this.now, syncScopes },
        ]);
      } else {
        if (status !== 'RETIRED') {
          this.counts.withdrawn++;
          this.note({ action: 'withdraw', ciId: id, class: String(row.class), name: String(row.name) });
        }
        this.ciWithdrawals.push([
          id,
          { syncScopes, sources: sources.length ? sources : strings(row.sources) },
        ]);
      }
    });
  }

  /** The guard: a source that returned half a directory must not retire half the company. */
  guard(): string | null {
    const share = this.options.maxRetireShare ?? 0.1;
    const leaving = this.counts.retired + this.counts.withdrawn;
    if (this.previousInScope === 0 || leaving / this.previousInScope <= share) return null;
    const pct = ((100 * leaving) / this.previousInScope).toFixed(1);
    return (
      `refusing to withdraw ${leaving} of the ${this.previousInScope} CIs this scope reported before ` +
      `(${pct}% > ${(share * 100).toFixed(1)}% allowed); nothing was written. ` +
      `If the source really lost them, rerun with --force (or raise --max-retire-share).`
    );
  }

  // ---------------------------------------------------------------- apply

  /**
   * A batch that writes CIs or relationships raises the topology version and says which
   * CIs it touched and what it created (`touched`); provenance touches (count 0) do not.
   */
  private async batchWrite(work: (tx: Tx) => Promise<void>, count: number, touched?: (change: TopologyChange) => void) {
    await (count > 0
      ? topologyWrite(this.graph, async (tx, change) => {
          touched?.(change);
          await work(tx);
        })
      : this.graph.writeTx(work));
    this.written += count;
    // The lock's heartbeat: often enough that it never looks stale, not once per batch.
    const staleMs = this.options.staleLockMs ?? 10 * 60_000;
    if (Date.now() - this.lastBeat >= Math.min(5_000, staleMs / 4)) {
      await heartbeat(this.graph, this.scopeKey, this.runId);
      this.lastBeat = Date.now();
    }
    this.progress('write', this.planned);
  }

  private who() {
    return { actor: this.actor, source: this.options.source, at: this.now };
  }

  /** A HistoryEntry's properties exactly as server/history's recordHistory writes them. */
  private historyProps(
    entityType: 'CI' | 'RELATIONSHIP',
    entityId: string,
    field: string,
    old: unknown,
    value: unknown,
  ) {
    return {
      id: randomUUID(),
      at: this.now,
      actor: this.actor,
      source: this.options.source,
      entityType,
      entityId,
      field,
      old: old === undefined ? null : JSON.stringify(old),
      new: value === undefined ? null : JSON.stringify(value),
    };
  }

  async apply(): Promise<void> {
    await this.timed('applyCreates', async () => {
      for await (const batch of this.ciCreates.batches(this.batchSize)) {
        await this.batchWrite(async (tx) => {
          for (const [cls, rows] of groupBy(batch, (r) => r.cls)) {
            await tx.run(Q.createCIs(cls), {
              rows: rows.map((r) => ({
                id: r.id,
                props: r.props,
                history: this.historyProps('CI', r.id, 'created', null, {
                  class: r.cls,
                  name: r.props.name,
                  status: r.props.status,
                }),
              })),
            });
          }
        }, batch.length, (change) => {
          change.touch(batch.map((r) => r.id));
          for (const [cls, rows] of groupBy(batch, (r) => r.cls)) change.created(`class:${cls}`, rows.length);
        });
      }
    });

    await this.timed('applyUpdates', async () => {
      for await (const batch of this.ciUpdates.batches(this.batchSize)) {
        const history: HistoryChange[] = batch.flatMap((r) =>
          r.changes.map((c) => ({
            ciIds: [r.id],
            entityType: 'CI' as const,
            entityId: r.id,
            field: c.field,
            old: c.old,
            new: c.new,
          })),
        );
        await this.batchWrite(async (tx) => {
          await tx.run(Q.UPDATE_CIS, { rows: batch.map((r) => ({ id: r.id, props: r.props })) });
          await recordHistory(tx, history, this.who());
        }, batch.length, (change) => change.touch(batch.map((r) => r.id)));
      }
    });

    await this.timed('applyRelationships', async () => {
      const relProps = () => ({
        id: `REL-${randomUUID()}`,
        attributes: null,
        validFrom: this.now,
        validTo: null,
        sources: [this.options.source],
        syncScopes: [this.scopeKey],
        lastSeen: JSON.stringify({ [this.options.source]: this.now }),
      });
      for await (const batch of this.relCreates.batches(this.batchSize * 5)) {
        await this.batchWrite(async (tx) => {
          for (const [type, rels] of groupBy(batch, (r) => r[0])) {
            await tx.run(Q.createRelationships(type), {
              rows: rels.map(([, from, to]) => {
                const props = relProps();
                return {
                  from,
                  to,
                  props,
                  history: this.historyProps('RELATIONSHIP', props.id, 'created', null, { type, from, to }),
                };
              }),
            });
          }
        }, batch.length, (change) => {
          change.touch(batch.flatMap(([, from, to]) => [from, to]));
          for (const [type, rels] of groupBy(batch, (r) => r[0])) change.created(`type:${type}`, rels.length);
        });
      }
    });

    await this.timed('applyRelationshipProvenance', async () => {
      for await (const batch of this.relTouches.batches(this.batchSize * 5)) {
        await this.batchWrite(async (tx) => {
          for (const [type, rels] of groupBy(batch, (r) => r[0])) {
            await tx.run(Q.updateRelationships(type), { rows: rels.map(([, id, props]) => ({ id, props })) });
          }
        }, 0);
      }
    });
  }

  async withdraw(): Promise<void> {
    this.progress('withdraw');
    const closedAt = new Date(this.now).toISOString();
    for await (const batch of this.relCloses.batches(this.batchSize * 5)) {
      await this.batchWrite(async (tx) => {
        for (const [type, rels] of groupBy(batch, (r) => r[0])) {
          await tx.run(Q.updateRelationships(type), {
            rows: rels.map(([, id, , , syncScopes]) => ({ id, props: { validTo: this.now, syncScopes } })),
          });
        }
        await recordHistory(
          tx,
          batch.map(([, id, from, to]) => ({
            ciIds: [from, to],
            entityType: 'RELATIONSHIP',
            entityId: id,
            field: 'validTo',
            old: null,
            new: closedAt,
          })),
          this.who(),
        );
      }, batch.length, (change) => change.touch(batch.flatMap(([, , from, to]) => [from, to])));
    }
    for await (const batch of this.ciWithdrawals.batches(this.batchSize)) {
      await this.batchWrite(async (tx) => {
        await tx.run(Q.UPDATE_CIS, { rows: batch.map(([id, props]) => ({ id, props })) });
      }, batch.length, (change) => change.touch(batch.map(([id]) => id)));
    }
    for await (const batch of this.ciRetirements.batches(this.batchSize)) {
      await this.batchWrite(async (tx) => {
        // The status's provenance becomes the engine's, read and written in this transaction.
        const provenance = new Map<string, string>();
        for (const r of (await tx.run(Q.CI_PROVENANCE, { ids: batch.map(([id]) => id) })).records) {
          const stored = parseObject<Provenance>(r.get('provenance'));
          provenance.set(
            String(r.get('id')),
            JSON.stringify({ ...stored, status: { source: RETIRED_BY_SYNC, at: this.now } }),
          );
        }
        const rows = batch.map(([id, , props]) => ({
          id,
          props: { ...props, provenance: provenance.get(id) ?? null },
        }));
        const res = await tx.run(Q.RETIRE_CIS, { rows });
        const history: HistoryChange[] = batch.map(([id, status]) => ({
          ciIds: [id],
          entityType: 'CI',
          entityId: id,
          field: 'status',
          old: status,
          new: 'RETIRED',
        }));
        for (const record of res.records) {
          for (const rel of record.get('closed') as Row[]) {
            if (rel.id === null || rel.id === undefined) continue;
            history.push({
              ciIds: [String(rel.from), String(rel.to)],
              entityType: 'RELATIONSHIP',
              entityId: String(rel.id),
              field: 'validTo',
              old: null,
              new: closedAt,
            });
          }
        }
        await recordHistory(tx, history, this.who());
      }, batch.length, (change) => change.touch(batch.map(([id]) => id)));
    }
  }

  // ---------------------------------------------------------------- the run record

  runProps(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: this.runId,
      source: this.options.source,
      scope: this.options.scope,
      status,
      startedAt: this.now,
      ...this.counts,
      ...extra,
    };
  }

  async startRecord(): Promise<void> {
    await this.graph.write(Q.START_RUN, { props: this.runProps('RUNNING') });
  }

  async finishRecord(report: SyncReport): Promise<void> {
    const details = {
      error: report.error ?? null,
      guardTripped: report.guardTripped ?? false,
      withdrawalHeld: report.withdrawalHeld ?? null,
      rejections: report.rejections,
      skips: report.skips,
      conflicts: report.conflicts,
      unresolved: report.unresolved,
      sample: report.sample,
      counts: report.counts,
      timings: report.timings,
    };
    await this.graph.write(Q.FINISH_RUN, {
      props: this.runProps(report.status, {
        finishedAt: report.finishedAt,
        error: report.error ?? null,
        report: JSON.stringify(details),
      }),
    });
  }

  lockOwner(): Promise<void> {
    return acquireLock(this.graph, this.scopeKey, this.runId, this.options.staleLockMs ?? 10 * 60_000);
  }

  releaseLock(): Promise<void> {
    return releaseLock(this.graph, this.scopeKey, this.runId);
  }

  report(status: SyncReport['status'], error?: string, guardTripped?: boolean): SyncReport {
    return {
      runId: this.runId,
      source: this.options.source,
      scope: this.options.scope,
      status,
      startedAt: this.now,
      finishedAt: Date.now(),
      counts: { ...this.counts },
      ...(error ? { error } : {}),
      ...(guardTripped ? { guardTripped } : {}),
      ...(this.withdrawalHeld ? { withdrawalHeld: this.withdrawalHeld } : {}),
      rejections: this.rejections,
      skips: [...this.skips].map(([reason, { count, first }]) => ({ reason, count, first })),
      conflicts: this.conflicts,
      unresolved: this.unresolved,
      sample: this.sample,
      timings: { ...this.timings },
    };
  }
}

/**
 * Runs one sync of one source+scope: read and plan, (unless dry) apply and withdraw, and
 * record the run. Throws ImportLockedError when another run holds the scope; any other
 * failure ends as a FAILED run in the report (and the ImportRun node).
 */
export async function runSync(
  graph: Graph,
  items: AsyncIterable<SourceItem>,
  options: SyncOptions,
): Promise<SyncReport> {
  const run = new SyncRun(graph, options);
  const dry = options.dryRun ?? false;
  if (!dry) {
    await run.lockOwner();
    try {
      await run.startRecord();
    } catch (error) {
      await run.releaseLock();
      throw error;
    }
  }
  let report: SyncReport;
  try {
    await run.timed('read', () => run.read(items));
    await run.timed('planRelationships', () => run.planRelationships());
    await run.timed('planWithdrawals', () => run.planWithdrawals());
    const stop = options.force ? null : run.guard();
    if (dry) report = run.report('DRY_RUN', stop ?? undefined, stop !== null);
    else if (stop) report = run.report('FAILED', stop, true);
    else {
      await run.apply();
      await run.timed('withdraw', () => run.withdraw());
      report = run.report('SUCCEEDED');
    }
  } catch (error) {
    report = run.report('FAILED', error instanceof Error ? error.message : String(error));
  } finally {
    run.cleanup();
  }
  try {
    await run.finishRecord(report);
  } finally {
    if (!dry) await run.releaseLock();
  }
  run.done();
  return report;
}
