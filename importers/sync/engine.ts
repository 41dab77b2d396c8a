/**
 * The sync engine: load and cleanup for every source (Cartography's get → transform →
 * load → cleanup; the adapter did get and transform).
 *
 *   read      records from the adapter (rejections counted, the rest goes on)
 *   identify  per-class identifier precedence, `key_<attr>` index seeks; identifiers of
 *             one record pointing at two CIs is a conflict, never a merge
 *   reconcile per-field provenance and precedence rules (reconcile.ts)
 *   plan      creates, updates, relationships, withdrawals; the withdrawal guard
 *   apply     batched UNWIND transactions with history, then withdraw and retire
 *   record    the (:ImportRun) node
 *
 * Nothing is written before the plan is complete, so a source that fails while being
 * read (unreadable file, lost connection) changes nothing and retires nothing.
 */
import { randomUUID } from 'node:crypto';
import {
  checkEndpoints,
  findClass,
  findRelationshipType,
  identifierProperties,
  normalizeIdentifier,
  searchText,
} from '../../graph-schema/index.js';
import type { Graph, Row, Tx } from '../../server/db/index.js';
import { recordHistory, type HistoryChange } from '../../server/history/index.js';
import * as Q from './cypher.js';
import { acquireLock, heartbeat, releaseLock } from './lock.js';
import { reconcile, RETIRED_BY_SYNC, type CIState, type FieldChange, type Provenance } from './reconcile.js';
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

/** The scope key stored on CIs and relationships: which source+scope reports them. */
export function scopeKey(source: string, scope: string): string {
  return `${source}:${scope}`;
}

const sourceOfScope = (key: string) => key.slice(0, key.indexOf(':'));

interface Planned {
  rec: SourceRecord;
  attrs: Record<string, unknown>;
  /** Normalised identifiers in the class's precedence order. */
  keys: [string, string][];
  /** Failed the schema: only identified, so its CI is not withdrawn by mistake. */
  protectOnly?: boolean;
  ciId?: string;
  ciClass?: string;
  isNew?: boolean;
  dead?: boolean;
  /** For an existing CI: the state before and after reconciliation. */
  before?: StoredCI;
  after?: CIState;
  changes?: FieldChange[];
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

type Triple = { type: string; from: string; to: string };
const tripleKey = (t: Triple) => `${t.type}|${t.from}|${t.to}`;
const identKey = (attr: string, value: string) => `${attr}\u0000${value}`;

function parseObject<T>(value: unknown): Record<string, T> {
  if (typeof value !== 'string') return {};
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, T>) : {};
  } catch {
    // A hand-edited property that is not JSON is treated as empty; the sync rewrites it.
    return {};
  }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function decodeStored(props: Row): StoredCI {
  return {
    id: String(props.id),
    class: String(props.class),
    name: String(props.name),
    status: String(props.status ?? 'ACTIVE'),
    attributes: parseObject(props.attributes),
    provenance: parseObject<Provenance>(props.provenance),
    sources: strings(props.sources),
    syncScopes: strings(props.syncScopes),
    keyProps: Object.keys(props).filter((k) => k.startsWith('key_')),
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

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function dropEmpty(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)),
  );
}

/** Sources left after this scope withdraws: the source stays while another of its scopes reports. */
function sourcesAfterWithdrawal(sources: string[], scopes: string[], source: string): string[] {
  return scopes.some((s) => sourceOfScope(s) === source) ? sources : sources.filter((s) => s !== source);
}

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
  readonly unresolved = { count: 0, sample: [] as RecordIssue[] };
  readonly sample: DiffSample[] = [];
  private readonly batchSize: number;
  private readonly actor: string;
  private readonly now = Date.now();
  private planned: Planned[] = [];
  /** CIs this run must not withdraw: identified, or candidates of a conflicted/rejected record. */
  private readonly seen = new Set<string>();
  private relCreates: (Triple & { props: Record<string, unknown> })[] = [];
  private relTouches: { type: string; id: string; props: Record<string, unknown> }[] = [];
  private relCloses: (RelRow & { props: Record<string, unknown> })[] = [];
  private ciWithdrawals: { id: string; props: Record<string, unknown> }[] = [];
  private ciRetirements: { id: string; status: string; props: Record<string, unknown> }[] = [];
  private previousInScope = 0;
  private written = 0;

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
    this.scopeKey = scopeKey(options.source, options.scope);
    this.batchSize = options.batchSize ?? 1000;
    this.actor = options.actor ?? `importer:${options.source}`;
  }

  private progress(phase: 'read' | 'plan' | 'write' | 'withdraw' | 'done', total = 0) {
    this.options.onProgress?.({ phase, read: this.counts.read, written: this.written, total });
  }

  private reject(origin: string, reason: string) {
    this.counts.rejected++;
    if (this.rejections.length < ISSUE_CAP) this.rejections.push({ origin, reason });
  }

  private conflict(p: Planned, reason: string) {
    p.dead = true;
    this.counts.conflicts++;
    if (this.conflicts.length < ISSUE_CAP) this.conflicts.push({ origin: p.rec.origin, reason });
  }

  private note(sample: DiffSample) {
    if (this.sample.length < SAMPLE_SIZE) this.sample.push(sample);
  }

  private unresolvedRef(origin: string, reason: string) {
    this.unresolved.count++;
    if (this.unresolved.sample.length < 50) this.unresolved.sample.push({ origin, reason });
  }

  // ---------------------------------------------------------------- read

  async read(items: AsyncIterable<SourceItem>): Promise<void> {
    const keys = new Map<string, string>();
    for await (const item of items) {
      if (item.kind === 'rejected') this.reject(item.origin, item.reason);
      else if (item.kind === 'skipped') this.counts.skipped++;
      else {
        this.counts.read++;
        const p = this.check(item.record, keys);
        if (p) this.planned.push(p);
        if (this.counts.read % 1000 === 0) this.progress('read');
      }
    }
    this.progress('read');
  }

  private check(rec: SourceRecord, keys: Map<string, string>): Planned | null {
    const cls = findClass(rec.class);
    if (!cls) {
      this.reject(rec.origin, `unknown class "${rec.class}"`);
      return null;
    }
    if (!rec.key) {
      this.reject(rec.origin, 'record has no source key');
      return null;
    }
    const first = keys.get(rec.key);
    if (first !== undefined) {
      this.reject(rec.origin, `duplicate source key "${rec.key}" (first seen at ${first})`);
      return null;
    }
    keys.set(rec.key, rec.origin);
    const attrs = dropEmpty(rec.attributes);
    const idKeys: [string, string][] = [];
    for (const attr of cls.identifiers) {
      const value = normalizeIdentifier(attrs[attr]);
      if (value !== null) idKeys.push([attr, value]);
    }
    if (idKeys.length === 0) {
      this.reject(rec.origin, `no identifier: a ${rec.class} needs one of ${cls.identifiers.join(', ')}`);
      return null;
    }
    if (!rec.name?.trim()) {
      this.reject(rec.origin, 'record has no name');
      return { rec, attrs, keys: idKeys, protectOnly: true };
    }
    const parsed = cls.attributes.safeParse(attrs);
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      this.reject(rec.origin, `attributes do not fit class ${rec.class}: ${why}`);
      return { rec, attrs, keys: idKeys, protectOnly: true };
    }
    return { rec, attrs, keys: idKeys };
  }

  // ---------------------------------------------------------------- identify

  private async lookup(pairs: [string, string][]): Promise<Map<string, Hit>> {
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
    });
    return found;
  }

  async identify(): Promise<void> {
    const claimedCI = new Map<string, string>();
    const claimedKey = new Map<string, Planned>();
    for (const batch of chunks(this.planned, this.batchSize)) {
      const found = await this.lookup(batch.flatMap((p) => p.keys));
      for (const p of batch) {
        const hits = p.keys
          .map(([attr, value]) => ({ attr, value, hit: found.get(identKey(attr, value)) }))
          .filter((h): h is { attr: string; value: string; hit: Hit } => h.hit !== undefined);
        const ids = [...new Set(hits.map((h) => h.hit.id))];
        for (const id of ids) this.seen.add(id);
        if (p.protectOnly) {
          p.dead = true;
          continue;
        }
        if (ids.length > 1) {
          const which = hits.map((h) => `${h.attr} "${h.value}" is CI ${h.hit.id} (${h.hit.class} "${h.hit.name}")`);
          this.conflict(p, `identifiers point at ${ids.length} different CIs: ${which.join('; ')}`);
          continue;
        }
        const hit = hits[0]?.hit;
        if (hit && hit.class !== p.rec.class && !(p.rec.matchClasses ?? []).includes(hit.class)) {
          this.conflict(
            p,
            `${hits[0]!.attr} "${hits[0]!.value}" already identifies CI ${hit.id}, a ${hit.class} ("${hit.name}"), not a ${p.rec.class}`,
          );
          continue;
        }
        const ciId = hit?.id ?? randomUUID();
        const twin = hit ? claimedCI.get(hit.id) : undefined;
        if (twin !== undefined) {
          this.conflict(p, `identifies the same CI ${ciId} as the record at ${twin}`);
          continue;
        }
        const clash = p.keys.map(([a, v]) => ({ a, v, other: claimedKey.get(identKey(a, v)) })).find((c) => c.other);
        if (clash) {
          this.conflict(p, `${clash.a} "${clash.v}" is also claimed by the record at ${clash.other!.rec.origin}`);
          continue;
        }
        p.ciId = ciId;
        p.ciClass = hit?.class ?? p.rec.class;
        p.isNew = !hit;
        claimedCI.set(ciId, p.rec.origin);
        for (const [a, v] of p.keys) claimedKey.set(identKey(a, v), p);
      }
      this.progress('plan', this.planned.length);
    }
    this.planned = this.planned.filter((p) => !p.dead);
  }

  // ---------------------------------------------------------------- reconcile

  async reconcileAll(): Promise<void> {
    const rules = this.options.precedence ?? [];
    for (const batch of chunks(this.planned, this.batchSize)) {
      const existing = batch.filter((p) => !p.isNew);
      const states = new Map<string, StoredCI>();
      if (existing.length) {
        const rows = await this.graph.read(Q.CI_STATES, { ids: existing.map((p) => p.ciId) });
        for (const row of rows) {
          const stored = decodeStored(row.props as Row);
          states.set(stored.id, stored);
        }
      }
      for (const p of batch) {
        const reported = { name: p.rec.name.trim(), attributes: p.attrs };
        if (p.isNew) {
          p.after = reconcile(p.rec.class, null, reported, this.options.source, this.now, rules).state;
          this.counts.created++;
          this.note({ action: 'create', ciId: p.ciId, class: p.rec.class, name: reported.name });
          continue;
        }
        const before = states.get(p.ciId!);
        if (!before) throw new Error(`CI ${p.ciId} disappeared while the run was planning; rerun`);
        const result = reconcile(p.ciClass!, before, reported, this.options.source, this.now, rules);
        p.before = before;
        p.after = result.state;
        p.changes = result.changes;
        if (result.changes.length) {
          this.counts.updated++;
          this.note({ action: 'update', ciId: p.ciId, class: p.ciClass, name: result.state.name, changes: result.changes });
        } else this.counts.unchanged++;
      }
    }
  }

  // ---------------------------------------------------------------- relationships

  async planRelationships(): Promise<void> {
    const byKey = new Map<string, Planned>();
    const byIdent = new Map<string, Planned>();
    for (const p of this.planned) {
      byKey.set(p.rec.key, p);
      for (const [a, v] of p.keys) byIdent.set(identKey(a, v), p);
    }
    // Targets outside this run: look them up by identifier in the graph.
    const outside: [string, string][] = [];
    for (const p of this.planned) {
      for (const ref of p.rec.references ?? []) {
        if (!('identifier' in ref.target)) continue;
        const value = normalizeIdentifier(ref.target.identifier.value);
        if (value !== null && !byIdent.has(identKey(ref.target.identifier.attribute, value))) {
          outside.push([ref.target.identifier.attribute, value]);
        }
      }
    }
    const found = new Map<string, Hit>();
    for (const batch of chunks(outside, this.batchSize * 5)) {
      for (const [k, v] of await this.lookup(batch)) found.set(k, v);
    }

    const asserted = new Map<string, Triple>();
    for (const p of this.planned) {
      for (const ref of p.rec.references ?? []) {
        const type = findRelationshipType(ref.type);
        if (!type) {
          this.unresolvedRef(p.rec.origin, `unknown relationship type ${ref.type}`);
          continue;
        }
        let target: { id: string; class: string } | undefined;
        let label: string;
        if ('key' in ref.target) {
          label = `key "${ref.target.key}"`;
          const t = byKey.get(ref.target.key);
          if (t) target = { id: t.ciId!, class: t.ciClass! };
        } else {
          const { attribute, value } = ref.target.identifier;
          label = `${attribute} "${value}"`;
          const k = identKey(attribute, normalizeIdentifier(value) ?? '');
          const t = byIdent.get(k);
          const hit = found.get(k);
          if (t) target = { id: t.ciId!, class: t.ciClass! };
          else if (hit && hit.status !== 'RETIRED') target = hit;
        }
        if (!target) {
          this.unresolvedRef(p.rec.origin, `${ref.type} target ${label} is not in this run nor in the graph`);
          continue;
        }
        const self = { id: p.ciId!, class: p.ciClass! };
        const [from, to] = ref.direction === 'in' ? [target, self] : [self, target];
        if (from.id === to.id) continue;
        const reason = checkEndpoints(type, from.class, to.class);
        if (reason) {
          this.unresolvedRef(p.rec.origin, reason);
          continue;
        }
        const triple = { type: type.name, from: from.id, to: to.id };
        asserted.set(tripleKey(triple), triple);
      }
    }

    const inScope = new Map<string, RelRow>();
    for (const row of await this.graph.read(Q.SCOPE_RELATIONSHIPS, { scopeKey: this.scopeKey })) {
      const rel = decodeRel(row);
      inScope.set(tripleKey(rel), rel);
    }
    const newIds = new Set(this.planned.filter((p) => p.isNew).map((p) => p.ciId!));
    const toLookUp = [...asserted.values()].filter(
      (t) => !inScope.has(tripleKey(t)) && !newIds.has(t.from) && !newIds.has(t.to),
    );
    const existing = new Map<string, RelRow>();
    const byType = new Map<string, Triple[]>();
    for (const t of toLookUp) byType.set(t.type, [...(byType.get(t.type) ?? []), t]);
    for (const [type, triples] of byType) {
      for (const batch of chunks(triples, this.batchSize * 5)) {
        const rows = await this.graph.read(Q.openRelationshipsBetween(type), {
          pairs: batch.map((t) => ({ from: t.from, to: t.to })),
        });
        for (const row of rows) {
          const rel = decodeRel({ ...row, type });
          existing.set(tripleKey(rel), rel);
        }
      }
    }

    const source = this.options.source;
    const seenBy = (rel: RelRow) => JSON.stringify({ ...rel.lastSeen, [source]: this.now });
    for (const [key, t] of asserted) {
      const rel = inScope.get(key) ?? existing.get(key);
      if (rel) {
        this.counts.relationshipsUnchanged++;
        this.relTouches.push({
          type: t.type,
          id: rel.id,
          props: {
            sources: rel.sources.includes(source) ? rel.sources : [...rel.sources, source],
            syncScopes: rel.syncScopes.includes(this.scopeKey) ? rel.syncScopes : [...rel.syncScopes, this.scopeKey],
            lastSeen: seenBy(rel),
          },
        });
        continue;
      }
      this.counts.relationshipsCreated++;
      this.note({ action: 'relate', relationship: t });
      this.relCreates.push({
        ...t,
        props: {
          id: `REL-${randomUUID()}`,
          attributes: null,
          validFrom: this.now,
          validTo: null,
          sources: [source],
          syncScopes: [this.scopeKey],
          lastSeen: JSON.stringify({ [source]: this.now }),
        },
      });
    }
    for (const [key, rel] of inScope) {
      if (asserted.has(key)) continue;
      const syncScopes = rel.syncScopes.filter((s) => s !== this.scopeKey);
      const sources = sourcesAfterWithdrawal(rel.sources, syncScopes, source);
      if (sources.length === 0) {
        this.counts.relationshipsClosed++;
        this.note({ action: 'unrelate', relationship: { type: rel.type, from: rel.from, to: rel.to } });
        this.relCloses.push({ ...rel, props: { validTo: this.now, syncScopes } });
      } else {
        this.relTouches.push({ type: rel.type, id: rel.id, props: { syncScopes, sources } });
      }
    }
  }

  // ---------------------------------------------------------------- withdrawals

  async planWithdrawals(): Promise<void> {
    for (const p of this.planned) this.seen.add(p.ciId!);
    const rows = await this.graph.read(Q.SCOPE_CIS, { scopeKey: this.scopeKey });
    this.previousInScope = rows.length;
    for (const row of rows) {
      const id = String(row.id);
      if (this.seen.has(id)) continue;
      const syncScopes = strings(row.syncScopes).filter((s) => s !== this.scopeKey);
      const sources = sourcesAfterWithdrawal(strings(row.sources), syncScopes, this.options.source);
      const status = String(row.status);
      if (sources.length === 0 && status !== 'RETIRED') {
        this.counts.retired++;
        this.note({ action: 'retire', ciId: id, class: String(row.class), name: String(row.name) });
        const provenance = { ...parseObject<Provenance>(row.provenance), status: { source: RETIRED_BY_SYNC, at: this.now } };
        this.ciRetirements.push({
          id,
          status,
          props: { status: 'RETIRED', retiredAt: this.now, updatedAt: this.now, syncScopes, provenance: JSON.stringify(provenance) },
        });
      } else {
        if (status !== 'RETIRED') {
          this.counts.withdrawn++;
          this.note({ action: 'withdraw', ciId: id, class: String(row.class), name: String(row.name) });
        }
        this.ciWithdrawals.push({ id, props: { syncScopes, sources: sources.length ? sources : strings(row.sources) } });
      }
    }
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

  private ciProps(p: Planned): Record<string, unknown> {
    const state = p.after!;
    const cls = p.ciClass!;
    const keys = { ...identifierProperties(cls, state.attributes), ...identifierProperties(p.rec.class, state.attributes) };
    const minUp = state.attributes.minUp;
    const common = {
      name: state.name,
      status: state.status,
      attributes: JSON.stringify(state.attributes),
      provenance: JSON.stringify(state.provenance),
      searchText: searchText(cls, state.attributes, state.name),
      minUp: typeof minUp === 'number' ? minUp : null,
      updatedAt: this.now,
      ...keys,
    };
    if (p.isNew) {
      return {
        ...common,
        id: p.ciId,
        class: cls,
        criticality: null,
        sources: [this.options.source],
        syncScopes: [this.scopeKey],
        createdAt: this.now,
        retiredAt: null,
      };
    }
    const before = p.before!;
    const dropped = Object.fromEntries(before.keyProps.filter((k) => !(k in keys)).map((k) => [k, null]));
    return {
      ...common,
      ...dropped,
      ...(state.status === 'RETIRED' ? {} : { retiredAt: null }),
      sources: before.sources.includes(this.options.source) ? before.sources : [...before.sources, this.options.source],
      syncScopes: before.syncScopes.includes(this.scopeKey) ? before.syncScopes : [...before.syncScopes, this.scopeKey],
    };
  }

  /** Provenance-only write: a CI whose values match but that this scope had not claimed yet. */
  private scopeProps(p: Planned): Record<string, unknown> | null {
    const before = p.before!;
    if (before.syncScopes.includes(this.scopeKey) && before.sources.includes(this.options.source)) return null;
    return {
      sources: before.sources.includes(this.options.source) ? before.sources : [...before.sources, this.options.source],
      syncScopes: [...new Set([...before.syncScopes, this.scopeKey])],
      provenance: JSON.stringify(p.after!.provenance),
    };
  }

  private async batchWrite(work: (tx: Tx) => Promise<void>, count: number) {
    await this.graph.writeTx(work);
    this.written += count;
    await heartbeat(this.graph, this.scopeKey, this.runId);
    this.progress('write', this.planned.length);
  }

  private who() {
    return { actor: this.actor, source: this.options.source, at: this.now };
  }

  async apply(): Promise<void> {
    const creates = this.planned.filter((p) => p.isNew);
    for (const batch of chunks(creates, this.batchSize)) {
      await this.batchWrite(async (tx) => {
        const byClass = new Map<string, Planned[]>();
        for (const p of batch) byClass.set(p.ciClass!, [...(byClass.get(p.ciClass!) ?? []), p]);
        for (const [cls, ps] of byClass) {
          await tx.run(Q.createCIs(cls), { rows: ps.map((p) => ({ id: p.ciId, props: this.ciProps(p) })) });
        }
        await recordHistory(
          tx,
          batch.map((p) => ({
            ciIds: [p.ciId!],
            entityType: 'CI',
            entityId: p.ciId!,
            field: 'created',
            old: null,
            new: { class: p.ciClass, name: p.after!.name, status: p.after!.status },
          })),
          this.who(),
        );
      }, batch.length);
    }

    const updates = this.planned.filter((p) => !p.isNew);
    for (const batch of chunks(updates, this.batchSize)) {
      const rows: { id: string; props: Record<string, unknown> }[] = [];
      const history: HistoryChange[] = [];
      for (const p of batch) {
        if (p.changes!.length) {
          rows.push({ id: p.ciId!, props: this.ciProps(p) });
          for (const c of p.changes!) {
            history.push({ ciIds: [p.ciId!], entityType: 'CI', entityId: p.ciId!, field: c.field, old: c.old, new: c.new });
          }
        } else {
          const props = this.scopeProps(p);
          if (props) rows.push({ id: p.ciId!, props });
        }
      }
      if (rows.length === 0) continue;
      await this.batchWrite(async (tx) => {
        await tx.run(Q.UPDATE_CIS, { rows });
        await recordHistory(tx, history, this.who());
      }, rows.length);
    }

    for (const batch of chunks(this.relCreates, this.batchSize * 5)) {
      await this.batchWrite(async (tx) => {
        for (const [type, rels] of groupByType(batch)) {
          await tx.run(Q.createRelationships(type), { rows: rels.map((r) => ({ from: r.from, to: r.to, props: r.props })) });
        }
        await recordHistory(
          tx,
          batch.map((r) => ({
            ciIds: [r.from, r.to],
            entityType: 'RELATIONSHIP',
            entityId: String(r.props.id),
            field: 'created',
            old: null,
            new: { type: r.type, from: r.from, to: r.to },
          })),
          this.who(),
        );
      }, batch.length);
    }

    for (const batch of chunks(this.relTouches, this.batchSize * 5)) {
      await this.batchWrite(async (tx) => {
        for (const [type, rels] of groupByType(batch)) {
          await tx.run(Q.updateRelationships(type), { rows: rels.map((r) => ({ id: r.id, props: r.props })) });
        }
      }, 0);
    }
  }

  async withdraw(): Promise<void> {
    this.progress('withdraw');
    for (const batch of chunks(this.relCloses, this.batchSize * 5)) {
      await this.batchWrite(async (tx) => {
        for (const [type, rels] of groupByType(batch)) {
          await tx.run(Q.updateRelationships(type), { rows: rels.map((r) => ({ id: r.id, props: r.props })) });
        }
        await recordHistory(
          tx,
          batch.map((r) => ({
            ciIds: [r.from, r.to],
            entityType: 'RELATIONSHIP',
            entityId: r.id,
            field: 'validTo',
            old: null,
            new: new Date(this.now).toISOString(),
          })),
          this.who(),
        );
      }, batch.length);
    }
    for (const batch of chunks(this.ciWithdrawals, this.batchSize)) {
      await this.batchWrite(async (tx) => {
        await tx.run(Q.UPDATE_CIS, { rows: batch });
      }, batch.length);
    }
    for (const batch of chunks(this.ciRetirements, this.batchSize)) {
      await this.batchWrite(async (tx) => {
        const res = await tx.run(Q.RETIRE_CIS, { rows: batch.map((r) => ({ id: r.id, props: r.props })) });
        const history: HistoryChange[] = batch.map((r) => ({
          ciIds: [r.id],
          entityType: 'CI',
          entityId: r.id,
          field: 'status',
          old: r.status,
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
              new: new Date(this.now).toISOString(),
            });
          }
        }
        await recordHistory(tx, history, this.who());
      }, batch.length);
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
      rejections: report.rejections,
      conflicts: report.conflicts,
      unresolved: report.unresolved,
      sample: report.sample,
      counts: report.counts,
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
      rejections: this.rejections,
      conflicts: this.conflicts,
      unresolved: this.unresolved,
      sample: this.sample,
    };
  }
}

function groupByType<T extends { type: string }>(items: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(item.type, [...(out.get(item.type) ?? []), item]);
  return out;
}

/**
 * Runs one sync of one source+scope: read, plan, (unless dry) apply and withdraw, and
 * record the run. Throws ImportLockedError when another run holds the scope; any other
 * failure ends as a FAILED run in the report (and the ImportRun node).
 */
export async function runSync(graph: Graph, items: AsyncIterable<SourceItem>, options: SyncOptions): Promise<SyncReport> {
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
    await run.read(items);
    await run.identify();
    await run.reconcileAll();
    await run.planRelationships();
    await run.planWithdrawals();
    const stop = options.force ? null : run.guard();
    if (dry) report = run.report('DRY_RUN', stop ?? undefined, stop !== null);
    else if (stop) report = run.report('FAILED', stop, true);
    else {
      await run.apply();
      await run.withdraw();
      report = run.report('SUCCEEDED');
    }
  } catch (error) {
    report = run.report('FAILED', error instanceof Error ? error.message : String(error));
  }
  try {
    await run.finishRecord(report);
  } finally {
    if (!dry) await run.releaseLock();
  }
  options.onProgress?.({ phase: 'done', read: report.counts.read, written: 0, total: 0 });
  return report;
}
