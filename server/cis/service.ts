/**
 * The CI service: create, read, update, retire CIs and relate them. Every write is
 * checked against graph-schema (class, attribute schema, allowed endpoints, identifier
 * uniqueness) and recorded in history in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  CI_STATUSES,
  ciStatusSchema,
  criticalitySchema,
  checkEndpoints,
  findClass,
  findRelationshipType,
  identifierProperties,
  searchText,
  searchWords,
  sortKey,
  type CIStatus,
} from '../../graph-schema/index.js';
import type { Graph, Row, Tx } from '../db/index.js';
import { int } from '../db/index.js';
import { BadUserInputError, ConflictError, NotFoundError, parseInput, zodIssues } from '../errors.js';
import { recordHistory, type HistoryChange } from '../history/index.js';
import { topologyWrite } from '../topology/index.js';
import * as Q from './cypher.js';

export interface CI {
  id: string;
  class: string;
  name: string;
  status: CIStatus;
  criticality: number | null;
  attributes: Record<string, unknown>;
  sources: string[];
  createdAt: number;
  updatedAt: number;
  retiredAt: number | null;
}

export interface Relationship {
  id: string;
  type: string;
  from: string;
  to: string;
  attributes: Record<string, unknown> | null;
  validFrom: number | null;
  validTo: number | null;
  sources: string[];
}

/** Who makes a change, for history and provenance. */
export interface Author {
  actor: string;
  /** 'manual' for the API; an importer's source name otherwise. */
  source: string;
}

const REL_PREFIX = 'REL-';
export const isRelationshipId = (id: string) => id.startsWith(REL_PREFIX);
const NON_CI_ID = /^(REL|INC|PRB|CHG|RUN|BLK)-/;
export const isCIId = (id: string) => !NON_CI_ID.test(id);

function parseJson(value: unknown): Record<string, unknown> | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed = JSON.parse(value) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    // A hand-edited property that is not JSON reads as no attributes rather than a crash.
    return null;
  }
}

export function decodeCI(row: unknown): CI {
  const r = row as Row;
  return {
    id: String(r.id),
    class: String(r.class),
    name: String(r.name),
    status: (CI_STATUSES as readonly string[]).includes(String(r.status)) ? (r.status as CIStatus) : 'ACTIVE',
    criticality: typeof r.criticality === 'number' ? r.criticality : null,
    attributes: parseJson(r.attributes) ?? {},
    sources: Array.isArray(r.sources) ? r.sources.map(String) : [],
    createdAt: Number(r.createdAt ?? 0),
    updatedAt: Number(r.updatedAt ?? r.createdAt ?? 0),
    retiredAt: typeof r.retiredAt === 'number' ? r.retiredAt : null,
  };
}

export function decodeRelationship(row: unknown): Relationship {
  const r = row as Row;
  return {
    id: String(r.id),
    type: String(r.type),
    from: String(r.from),
    to: String(r.to),
    attributes: parseJson(r.attributes),
    validFrom: typeof r.validFrom === 'number' ? r.validFrom : null,
    validTo: typeof r.validTo === 'number' ? r.validTo : null,
    sources: Array.isArray(r.sources) ? r.sources.map(String) : [],
  };
}

// ------------------------------------------------------------------ validation

/**
 * A JSON object of attributes, kept as given: z.record would rebuild it by assignment,
 * turning a "__proto__" key into a prototype instead of an attribute.
 */
const attributesInput = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'must be a JSON object' },
);

export const createCIInput = z.object({
  class: z.string().trim().min(1),
  name: z.string().trim().min(1, 'must not be empty').max(500),
  status: ciStatusSchema.default('ACTIVE'),
  criticality: criticalitySchema.nullish(),
  attributes: attributesInput.nullish(),
});
export type CreateCIInput = z.input<typeof createCIInput>;

export const updateCIInput = z.object({
  id: z.string().min(1),
  // null means "leave as it is", as generated clients send it for unset fields.
  name: z.string().trim().min(1, 'must not be empty').max(500).nullish(),
  status: ciStatusSchema.nullish(),
  criticality: criticalitySchema.nullish(),
  attributes: attributesInput.nullish(),
});
export type UpdateCIInput = z.input<typeof updateCIInput>;

export const createRelationshipInput = z.object({
  type: z.string().trim().min(1),
  fromId: z.string().min(1),
  toId: z.string().min(1),
  attributes: attributesInput.nullish(),
});
export type CreateRelationshipInput = z.input<typeof createRelationshipInput>;

function checkClass(name: string) {
  const cls = findClass(name);
  if (!cls) {
    throw new BadUserInputError(`Unknown CI class "${name}"; see the ciClasses query for the catalogue`, [
      { path: ['input', 'class'], message: `unknown class "${name}"` },
    ]);
  }
  return cls;
}

function checkAttributes(className: string, attributes: Record<string, unknown>): Record<string, unknown> {
  const cls = checkClass(className);
  const result = cls.attributes.safeParse(attributes);
  if (!result.success) {
    const issues = zodIssues(result.error, ['input', 'attributes']);
    throw new BadUserInputError(
      `Attributes do not fit class ${className}: ${issues.map((i) => `${i.path.slice(1).join('.')}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  return attributes;
}

/** Refuses identifier values another CI already holds, naming that CI. */
async function checkIdentifiersFree(tx: Tx, className: string, attributes: Record<string, unknown>, exceptId: string) {
  const keys = Object.entries(identifierProperties(className, attributes)).map(([property, value]) => ({ property, value }));
  if (keys.length === 0) return;
  const res = await tx.run(Q.FIND_BY_IDENTIFIERS, { keys, exceptId });
  const hit = res.records[0]?.toObject() as Row | undefined;
  if (hit) {
    const attr = String(hit.property).replace(/^key_/, '');
    throw new ConflictError(
      `${attr} "${String(hit.value)}" already identifies CI ${String(hit.id)} (${String(hit.class)} "${String(hit.name)}")`,
      { existingId: hit.id, attribute: attr },
    );
  }
}

/** The stored properties of a CI, derived from its domain fields. */
function nodeProperties(ci: CI, provenance: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const minUp = ci.attributes.minUp;
  return {
    ...extra,
    id: ci.id,
    class: ci.class,
    name: ci.name,
    status: ci.status,
    criticality: ci.criticality,
    attributes: JSON.stringify(ci.attributes),
    sources: ci.sources,
    createdAt: ci.createdAt,
    updatedAt: ci.updatedAt,
    retiredAt: ci.retiredAt,
    minUp: typeof minUp === 'number' ? minUp : null,
    searchText: searchText(ci.class, ci.attributes, ci.name),
    sortName: sortKey(ci.name),
    provenance: JSON.stringify(provenance),
    ...identifierProperties(ci.class, ci.attributes),
  };
}

// ------------------------------------------------------------------ reads

export async function getCIs(graph: Graph, ids: readonly string[]): Promise<Map<string, CI>> {
  const found = new Map<string, CI>();
  if (ids.length === 0) return found;
  const rows = await graph.read(Q.CIS_BY_IDS, { ids: [...new Set(ids)] });
  for (const row of rows) {
    const ci = decodeCI(row.ci);
    found.set(ci.id, ci);
  }
  return found;
}

export async function getCI(graph: Graph, id: string): Promise<CI | null> {
  return (await getCIs(graph, [id])).get(id) ?? null;
}

export async function requireCI(graph: Graph, id: string, field = 'id'): Promise<CI> {
  const ci = await getCI(graph, id);
  if (!ci) throw new NotFoundError(`No CI with id "${id}"`, { field });
  return ci;
}

/** The CI an identifier of this class's attributes already points at, if any. */
export async function findByIdentifiers(graph: Graph, className: string, attributes: Record<string, unknown>): Promise<CI | null> {
  const keys = Object.entries(identifierProperties(className, attributes)).map(([property, value]) => ({ property, value }));
  if (keys.length === 0) return null;
  const [hit] = await graph.read(Q.FIND_BY_IDENTIFIERS, { keys, exceptId: '' });
  return hit ? getCI(graph, String(hit.id)) : null;
}

export interface CIFilter {
  classes?: string[] | null;
  statuses?: string[] | null;
  search?: string | null;
}

export interface CIPage {
  items: { ci: CI; cursor: string }[];
  hasNextPage: boolean;
  totalCount: number;
}

export function encodeCursor(ci: Pick<CI, 'name' | 'id'>): string {
  return Buffer.from(JSON.stringify([ci.name, ci.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('Invalid cursor; use a cursor returned by this API', [{ path: ['after'], message: 'invalid cursor' }]);
}

/** What a search may hold: a search box's text, not a document (each word is a prefix query Neo4j's full-text index expands; 400 000 of them ran it out of memory). */
export const SEARCH_MAX_CHARS = 200;
export const SEARCH_MAX_WORDS = 12;

/**
 * A Lucene query from what a person typed: every word (letters and digits, so nothing
 * Lucene treats as syntax survives) as a prefix, all required. Null when it holds no
 * word (punctuation only: nothing can match it). Too long a text, or too many words, is
 * refused naming `filter.search`.
 */
export function searchQuery(text: string): string | null {
  if (text.length > SEARCH_MAX_CHARS) {
    throw new BadUserInputError(`Search is too long (${text.length} characters; at most ${SEARCH_MAX_CHARS})`, [{ path: ['filter', 'search'], message: `at most ${SEARCH_MAX_CHARS} characters` }]);
  }
  const words = searchWords(text);
  if (words.length > SEARCH_MAX_WORDS) {
    throw new BadUserInputError(`Search has too many words (${words.length}; at most ${SEARCH_MAX_WORDS})`, [{ path: ['filter', 'search'], message: `at most ${SEARCH_MAX_WORDS} words` }]);
  }
  if (words.length === 0) return null;
  // The index's analyzer (Unicode word breaks) keeps each Han or Hiragana character a
  // word of its own: "日本語" is searched as 日, 本 and 語, or it would match nothing (at
  // most 200 terms, as the text is at most 200 characters).
  const terms = words.flatMap((w) => w.match(/[\p{Script=Han}\p{Script=Hiragana}]|[^\p{Script=Han}\p{Script=Hiragana}]+/gu) ?? []);
  return terms.map((w) => `${w}*`).join(' AND ');
}

const listArgs = z.object({
  first: z.number().int().min(0).max(1000).nullish(),
  after: z.string().nullish(),
});

export async function listCIs(
  graph: Graph,
  args: { first?: number | null; after?: string | null; filter?: CIFilter | null },
): Promise<CIPage> {
  const { first, after } = parseInput(listArgs, { first: args.first, after: args.after }, []);
  const limit = first ?? 50;
  const filter = args.filter ?? {};
  for (const cls of filter.classes ?? []) {
    if (!findClass(cls)) {
      throw new BadUserInputError(`Unknown CI class "${cls}"`, [{ path: ['filter', 'classes'], message: `unknown class "${cls}"` }]);
    }
  }
  const [afterName, afterId] = after ? decodeCursor(after) : [null, null];
  const common = {
    classes: filter.classes?.length ? filter.classes : null,
    statuses: filter.statuses?.length ? filter.statuses : null,
  };
  // Blank text is no search; text with no word in it (only punctuation) matches nothing.
  const searching = (filter.search ?? '').trim() !== '';
  const query = searching ? searchQuery(filter.search!) : null;
  if (searching && query === null) return { items: [], hasNextPage: false, totalCount: 0 };
  const afterKey = afterName === null ? null : (sortKey(afterName) ?? afterName);
  const pageParams = { ...common, afterKey, afterId, limit: int(limit + 1) };
  // One read transaction for the page and its count: two statements, one round trip each.
  const { pageRows, total } = await graph.readTx(async (tx) => {
    const page = query
      ? await tx.run(Q.SEARCH_CIS, { ...pageParams, query })
      : await tx.run(Q.LIST_CIS, pageParams);
    const count = query ? await tx.run(Q.COUNT_SEARCH, { ...common, query }) : await tx.run(Q.COUNT_CIS, common);
    return { pageRows: page.records.map((r) => r.get('ci') as unknown), total: Number(count.records[0]?.get('total') ?? 0) };
  });
  const cis = pageRows.map(decodeCI);
  const hasNextPage = cis.length > limit;
  const items = cis.slice(0, limit).map((ci) => ({ ci, cursor: encodeCursor(ci) }));
  return { items, hasNextPage, totalCount: total };
}

/** Relationships of many CIs at once (one query), by CI id. */
export async function relationshipsOf(
  graph: Graph,
  ids: readonly string[],
  includeClosed: boolean,
): Promise<Map<string, Relationship[]>> {
  const byCI = new Map<string, Relationship[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return byCI;
  const rows = await graph.read(Q.RELATIONSHIPS_OF_CIS, { ids: [...new Set(ids)], includeClosed });
  for (const row of rows) byCI.get(String(row.ciId))?.push(decodeRelationship(row.rel));
  return byCI;
}

export async function getRelationship(graph: Graph, id: string): Promise<Relationship | null> {
  const [row] = await graph.read(Q.RELATIONSHIP_BY_ID, { id });
  return row ? decodeRelationship(row.rel) : null;
}

// ------------------------------------------------------------------ writes

export async function createCI(graph: Graph, raw: CreateCIInput, author: Author): Promise<CI> {
  const input = parseInput(createCIInput, raw);
  checkClass(input.class);
  const attributes = checkAttributes(input.class, dropNulls(input.attributes ?? {}));
  const now = Date.now();
  const ci: CI = {
    id: randomUUID(),
    class: input.class,
    name: input.name,
    status: input.status,
    criticality: input.criticality ?? null,
    attributes,
    sources: [author.source],
    createdAt: now,
    updatedAt: now,
    retiredAt: input.status === 'RETIRED' ? now : null,
  };
  const provenance = Object.fromEntries(
    ['name', 'status', 'criticality', ...Object.keys(attributes).map((a) => `attributes.${a}`)].map((f) => [
      f,
      { source: author.source, at: now },
    ]),
  );
  return topologyWrite(graph, async (tx, change) => {
    change.touch([ci.id]);
    change.created(`class:${ci.class}`);
    await checkIdentifiersFree(tx, ci.class, attributes, ci.id);
    const res = await tx.run(Q.CREATE_CI, { class: ci.class, props: nodeProperties(ci, provenance) });
    const created = decodeCI(res.records[0]!.get('ci'));
    await recordHistory(
      tx,
      [{ ciIds: [ci.id], entityType: 'CI', entityId: ci.id, field: 'created', old: null, new: { class: ci.class, name: ci.name, status: ci.status } }],
      { ...author, at: now },
    );
    return created;
  });
}

function dropNulls(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== null && v !== undefined));
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export async function updateCI(graph: Graph, raw: UpdateCIInput, author: Author): Promise<CI> {
  const input = parseInput(updateCIInput, raw);
  const now = Date.now();
  return topologyWrite(graph, async (tx, change) => {
    change.touch([input.id]);
    await tx.run(Q.LOCK_CI, { id: input.id });
    const res = await tx.run(Q.CI_PROPERTIES, { id: input.id });
    const stored = res.records[0]?.get('props') as Row | undefined;
    if (!stored) throw new NotFoundError(`No CI with id "${input.id}"`, { field: 'input.id' });
    const before = decodeCI(stored);
    const provenance = parseJson(stored.provenance) ?? {};

    // Built with fromEntries (define, not assign) so no key can reach a prototype.
    const changes = input.attributes ?? {};
    const attributes: Record<string, unknown> = Object.fromEntries([
      ...Object.entries(before.attributes).filter(([key]) => !Object.hasOwn(changes, key)),
      ...Object.entries(changes).filter(([, value]) => value !== null && value !== undefined),
    ]);
    checkAttributes(before.class, attributes);

    const after: CI = {
      ...before,
      name: input.name ?? before.name,
      status: input.status ?? before.status,
      criticality: 'criticality' in raw && input.criticality !== undefined ? (input.criticality ?? null) : before.criticality,
      attributes,
    };
    if (after.status === 'RETIRED' && before.status !== 'RETIRED') after.retiredAt = now;
    if (after.status !== 'RETIRED') after.retiredAt = null;

    const history: HistoryChange[] = [];
    const note = (field: string, old: unknown, next: unknown) => {
      if (same(old, next)) return;
      history.push({ ciIds: [before.id], entityType: 'CI', entityId: before.id, field, old, new: next });
      provenance[field] = { source: author.source, at: now };
    };
    note('name', before.name, after.name);
    note('status', before.status, after.status);
    note('criticality', before.criticality, after.criticality);
    for (const key of new Set([...Object.keys(before.attributes), ...Object.keys(attributes)])) {
      note(`attributes.${key}`, before.attributes[key] ?? null, attributes[key] ?? null);
    }
    if (history.length === 0) return before;

    await checkIdentifiersFree(tx, before.class, attributes, before.id);
    after.updatedAt = now;
    const keep = Object.fromEntries(Object.entries(stored).filter(([k]) => !k.startsWith('key_')));
    const written = await tx.run(Q.UPDATE_CI, { id: before.id, props: nodeProperties(after, provenance, keep) });
    let result = decodeCI(written.records[0]!.get('ci'));
    if (after.status === 'RETIRED' && before.status !== 'RETIRED') {
      result = await retireInTx(tx, before.id, now, history);
    }
    await recordHistory(tx, history, { ...author, at: now });
    return result;
  });
}

async function retireInTx(tx: Tx, id: string, now: number, changes: HistoryChange[]): Promise<CI> {
  const res = await tx.run(Q.RETIRE_CI, { id, now });
  const record = res.records[0];
  if (!record) throw new NotFoundError(`No CI with id "${id}"`, { field: 'id' });
  for (const rel of record.get('closed') as Row[]) {
    if (rel.id === null || rel.id === undefined) continue;
    changes.push({
      ciIds: [String(rel.from), String(rel.to)],
      entityType: 'RELATIONSHIP',
      entityId: String(rel.id),
      field: 'validTo',
      old: null,
      new: new Date(now).toISOString(),
    });
  }
  return decodeCI(record.get('ci'));
}

/** Retires a CI: status RETIRED, its open relationships closed; nothing is deleted. */
export async function retireCI(graph: Graph, id: string, author: Author): Promise<CI> {
  const now = Date.now();
  return topologyWrite(graph, async (tx, change) => {
    change.touch([id]);
    await tx.run(Q.LOCK_CI, { id });
    const res = await tx.run(Q.CIS_BY_IDS, { ids: [id] });
    const row = res.records[0];
    if (!row) throw new NotFoundError(`No CI with id "${id}"`, { field: 'id' });
    const before = decodeCI(row.get('ci'));
    if (before.status === 'RETIRED') return before;
    const changes: HistoryChange[] = [{ ciIds: [id], entityType: 'CI', entityId: id, field: 'status', old: before.status, new: 'RETIRED' }];
    const retired = await retireInTx(tx, id, now, changes);
    await recordHistory(tx, changes, { ...author, at: now });
    return retired;
  });
}

export async function createRelationship(graph: Graph, raw: CreateRelationshipInput, author: Author): Promise<Relationship> {
  const input = parseInput(createRelationshipInput, raw);
  const type = findRelationshipType(input.type);
  if (!type) {
    throw new BadUserInputError(`Unknown relationship type "${input.type}"; see the relationshipTypes query`, [
      { path: ['input', 'type'], message: `unknown relationship type "${input.type}"` },
    ]);
  }
  if (input.fromId === input.toId) {
    throw new BadUserInputError('A relationship cannot connect a CI to itself', [
      { path: ['input', 'toId'], message: 'same as fromId' },
    ]);
  }
  const now = Date.now();
  return topologyWrite(graph, async (tx, change) => {
    change.touch([input.fromId, input.toId]);
    change.created(`type:${type.name}`);
    // Both ends locked (in id order, so two creations never wait on each other): the
    // duplicate check below holds, and neither end can be retired between the status
    // check and the commit (a retirement locks the CI, then closes what is open on it).
    for (const id of [input.fromId, input.toId].sort()) await tx.run(Q.LOCK_CI, { id });
    const res = await tx.run(Q.CIS_BY_IDS, { ids: [input.fromId, input.toId] });
    const cis = new Map(res.records.map((r) => decodeCI(r.get('ci'))).map((c) => [c.id, c]));
    const from = cis.get(input.fromId);
    const to = cis.get(input.toId);
    if (!from) throw new NotFoundError(`No CI with id "${input.fromId}"`, { field: 'input.fromId' });
    if (!to) throw new NotFoundError(`No CI with id "${input.toId}"`, { field: 'input.toId' });
    for (const [ci, field] of [[from, 'fromId'], [to, 'toId']] as const) {
      if (ci.status === 'RETIRED') {
        throw new BadUserInputError(`CI ${ci.id} ("${ci.name}") is retired and cannot take new relationships`, [
          { path: ['input', field], message: 'CI is retired' },
        ]);
      }
    }
    const reason = checkEndpoints(type, from.class, to.class);
    if (reason) throw new BadUserInputError(reason, [{ path: ['input', 'type'], message: reason }]);
    const existing = await tx.run(Q.OPEN_RELATIONSHIP_BETWEEN, { type: type.name, fromId: from.id, toId: to.id });
    const existingId = existing.records[0]?.get('id') as string | undefined;
    if (existingId) {
      throw new ConflictError(`${from.name} already ${type.name} ${to.name} (relationship ${existingId})`, { existingId });
    }
    const id = `${REL_PREFIX}${randomUUID()}`;
    const props = {
      id,
      attributes: input.attributes ? JSON.stringify(input.attributes) : null,
      validFrom: now,
      validTo: null,
      sources: [author.source],
      lastSeen: JSON.stringify({ [author.source]: now }),
    };
    const created = await tx.run(Q.CREATE_RELATIONSHIP, { type: type.name, fromId: from.id, toId: to.id, props });
    await recordHistory(
      tx,
      [{ ciIds: [from.id, to.id], entityType: 'RELATIONSHIP', entityId: id, field: 'created', old: null, new: { type: type.name, from: from.id, to: to.id } }],
      { ...author, at: now },
    );
    return decodeRelationship(created.records[0]!.get('rel'));
  });
}

/** Closes a relationship (validTo = now); it stays as history. Closing twice is a no-op. */
export async function removeRelationship(graph: Graph, id: string, author: Author): Promise<Relationship> {
  const now = Date.now();
  return topologyWrite(graph, async (tx, change) => {
    const res = await tx.run(Q.RELATIONSHIP_BY_ID, { id });
    const row = res.records[0];
    if (!row) throw new NotFoundError(`No relationship with id "${id}"`, { field: 'id' });
    const rel = decodeRelationship(row.get('rel'));
    change.touch([rel.from, rel.to]);
    if (rel.validTo !== null) return rel;
    const closed = await tx.run(Q.CLOSE_RELATIONSHIP, { id, now });
    await recordHistory(
      tx,
      [{ ciIds: [rel.from, rel.to], entityType: 'RELATIONSHIP', entityId: id, field: 'validTo', old: null, new: new Date(now).toISOString() }],
      { ...author, at: now },
    );
    return decodeRelationship(closed.records[0]!.get('rel'));
  });
}
