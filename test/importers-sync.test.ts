/**
 * The sync engine against a real Neo4j, with records built in the test (source-agnostic):
 * idempotency, withdrawal and retirement, the guard, dry run, conflicts, manual edits and
 * precedence, relationship provenance, scoped withdrawal, the lock, and importRuns.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createCI, getCI, updateCI } from '../server/cis/service.js';
import type { Graph } from '../server/db/index.js';
import { runSync, type SourceItem, type SourceRecord, type SyncOptions, type SyncProgress } from '../importers/sync/index.js';
import { computeImpact } from '../server/impact/index.js';
import { readTopologyState } from '../server/topology/index.js';
import { testApi } from './helpers/api.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';

let graph: Graph;

function user(n: number, extra: Partial<SourceRecord> = {}): SourceRecord {
  return {
    class: 'User',
    key: `u${n}`,
    name: `User ${n}`,
    attributes: { sAMAccountName: `user${n}`, title: 'Engineer', department: 'IT' },
    references: [{ type: 'MEMBER_OF', target: { key: 'g1' } }],
    origin: `row ${n}`,
    ...extra,
  };
}

const group: SourceRecord = { class: 'Group', key: 'g1', name: 'Staff', attributes: { sAMAccountName: 'staff' }, origin: 'row 0' };

async function* items(records: (SourceRecord | SourceItem)[]): AsyncGenerator<SourceItem> {
  for (const r of records) yield 'kind' in r ? r : { kind: 'record', record: r };
}

const base: SyncOptions = { source: 'test', scope: 'all' };
const sync = (records: (SourceRecord | SourceItem)[], options: Partial<SyncOptions> = {}) =>
  runSync(graph, items(records), { ...base, ...options });

const users = (count: number) => Array.from({ length: count }, (_, i) => user(i + 1));

async function ciBySam(sam: string) {
  const [row] = await graph.read('MATCH (n:CI {key_sAMAccountName: $sam}) RETURN n.id AS id', { sam });
  return row ? getCI(graph, String(row.id)) : null;
}

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
});
afterAll(closeTestGraph);

describe('sync engine', () => {
  it('creates, then a second identical run changes nothing and says so', async () => {
    const before = (await readTopologyState(graph)).version;
    const progress: SyncProgress[] = [];
    const first = await sync([group, ...users(5)], { onProgress: (p) => progress.push(p) });
    expect(first.status).toBe('SUCCEEDED');
    // The last progress line says what was written (it said 0).
    expect(progress.at(-1)).toMatchObject({ phase: 'done', read: 6 });
    expect(progress.at(-1)!.written).toBeGreaterThanOrEqual(6);
    expect(first.counts).toMatchObject({ created: 6, updated: 0, unchanged: 0, relationshipsCreated: 5 });
    // Writes raise the topology version (projections reload); a run that changes nothing does not.
    const afterFirst = (await readTopologyState(graph)).version;
    expect(afterFirst).not.toBe(before);
    const second = await sync([group, ...users(5)]);
    expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: 6, retired: 0, relationshipsCreated: 0, relationshipsUnchanged: 5 });
    expect((await readTopologyState(graph)).version).toBe(afterFirst);
    const [{ history }] = (await graph.read('MATCH (h:HistoryEntry) RETURN count(h) AS history')) as [{ history: number }];
    expect(history).toBe(11); // 6 CIs + 5 relationships created, nothing after
    const rel = await graph.read('MATCH ()-[r:MEMBER_OF]->() RETURN r.sources AS sources, r.lastSeen AS lastSeen LIMIT 1');
    expect(rel[0]!.sources).toEqual(['test']);
    expect(Object.keys(JSON.parse(String(rel[0]!.lastSeen)))).toEqual(['test']);
  });

  it('updates changed attributes with history, retires what no source reports, closes its relationships', async () => {
    await sync([group, ...users(20)]);
    const changed = users(19).map((u) => (u.key === 'u3' ? { ...u, attributes: { ...u.attributes, title: 'Lead' } } : u));
    const report = await sync([group, ...changed]);
    expect(report.counts).toMatchObject({ updated: 1, retired: 1, unchanged: 19, relationshipsClosed: 1 });
    const gone = await ciBySam('user20');
    expect(gone?.status).toBe('RETIRED');
    expect(gone?.retiredAt).toBeTypeOf('number');
    const open = await graph.read('MATCH (n:CI {id: $id})-[r]-(:CI) WHERE r.validTo IS NULL RETURN count(r) AS c', { id: gone!.id });
    expect(open[0]!.c).toBe(0);
    const closed = await graph.read('MATCH (n:CI {id: $id})-[r]-(:CI) RETURN count(r) AS c', { id: gone!.id });
    expect(closed[0]!.c).toBe(1); // kept as history, never deleted
    const history = await graph.read(
      "MATCH (h:HistoryEntry {field: 'attributes.title'})-[:RECORDS]->(n:CI) RETURN h.actor AS actor, h.old AS old, h.new AS new",
    );
    expect(history).toEqual([{ actor: 'importer:test', old: '"Engineer"', new: '"Lead"' }]);
    // It comes back when reported again.
    const back = await sync([group, ...users(20)]);
    expect(back.counts).toMatchObject({ updated: 2, created: 0 });
    expect((await ciBySam('user20'))?.status).toBe('ACTIVE');
  });

  it('stops before writing when it would withdraw more than the allowed share, unless forced', async () => {
    await sync([group, ...users(19)]);
    const half = await sync([group, ...users(9)]);
    expect(half.status).toBe('FAILED');
    expect(half.guardTripped).toBe(true);
    expect(half.error).toMatch(/refusing to withdraw 10 of the 20/);
    expect((await ciBySam('user15'))?.status).toBe('ACTIVE');
    const dry = await sync([group, ...users(9)], { dryRun: true });
    expect(dry.status).toBe('DRY_RUN');
    expect(dry.guardTripped).toBe(true);
    const forced = await sync([group, ...users(9)], { force: true });
    expect(forced.status).toBe('SUCCEEDED');
    expect(forced.counts.retired).toBe(10);
  });

  it('dry run writes nothing and reports the same counts and a sample', async () => {
    await sync([group, ...users(3)]);
    const next = [group, ...users(3).map((u) => ({ ...u, name: `${u.name} (renamed)` })), user(4)];
    const dry = await sync(next, { dryRun: true });
    expect(dry.status).toBe('DRY_RUN');
    expect(dry.counts).toMatchObject({ created: 1, updated: 3, relationshipsCreated: 1 });
    expect(dry.sample.find((d) => d.action === 'update')?.changes?.[0]).toMatchObject({ field: 'name', old: 'User 1' });
    expect(await ciBySam('user4')).toBeNull();
    expect((await ciBySam('user1'))?.name).toBe('User 1');
    const real = await sync(next);
    expect(real.counts).toMatchObject({ created: 1, updated: 3, relationshipsCreated: 1 });
  });

  it('rejects bad records with their origin and reason, and the rest goes on', async () => {
    const report = await sync([
      group,
      user(1),
      { kind: 'rejected', origin: 'file.ldif:12', reason: 'change record' },
      { ...user(2), class: 'Spaceship' },
      { ...user(3), attributes: { sAMAccountName: 'user3', enabled: 'yes' } },
      { ...user(4), attributes: {} },
      { ...user(5), key: 'u1' },
    ]);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ created: 2, rejected: 5 });
    expect(report.rejections.map((r) => r.origin).sort()).toEqual(['file.ldif:12', 'row 2', 'row 3', 'row 4', 'row 5']);
    expect(report.rejections.find((r) => r.origin === 'row 3')?.reason).toMatch(/enabled/);
  });

  it('keeps, as it is, the CI of an object the adapter rejected with its identifiers: no update, no withdrawal', async () => {
    await sync([group, ...users(3)]);
    const rejectedU2: SourceItem = {
      kind: 'rejected',
      origin: 'row 2',
      reason: 'lastLogon: not a date',
      identifiers: { sAMAccountName: 'USER2', notAnIdentifier: 'x' },
    };
    const second = await sync([group, user(1), rejectedU2, user(3)]);
    expect(second.status).toBe('SUCCEEDED');
    expect(second.counts).toMatchObject({ rejected: 1, retired: 0, withdrawn: 0, unchanged: 3, relationshipsClosed: 0 });
    const u2 = await ciBySam('user2');
    expect(u2?.status).toBe('ACTIVE');
    const [{ open }] = (await graph.read(
      'MATCH (:CI {key_sAMAccountName: "user2"})-[r:MEMBER_OF]->() WHERE r.validTo IS NULL RETURN count(r) AS open',
    )) as [{ open: number }];
    expect(open).toBe(1);
    // Gone from the source for real: withdrawn on the next full run (1 of 4: past the guard).
    const third = await sync([group, user(1), user(3)], { force: true });
    expect(third.status).toBe('SUCCEEDED');
    expect(third.counts).toMatchObject({ retired: 1, relationshipsClosed: 1 });
    expect((await ciBySam('user2'))?.status).toBe('RETIRED');
  });

  it('reports a record whose identifiers point at two CIs as a conflict and merges nothing', async () => {
    await sync([group, user(1), user(2)]);
    const mixed = { ...user(1), attributes: { sAMAccountName: 'user1', email: 'x@example.com' } };
    await sync([group, mixed, user(2)]);
    const clash = { ...user(1), attributes: { sAMAccountName: 'user2', email: 'x@example.com' } };
    const report = await sync([group, clash, user(2)], { force: true });
    expect(report.counts.conflicts).toBe(1);
    expect(report.conflicts[0]!.reason).toMatch(/point at 2 different CIs/);
    expect(report.counts.retired).toBe(0); // the conflicted CIs are not withdrawn either
    expect((await ciBySam('user1'))?.attributes.email).toBe('x@example.com');
  });

  it('never overwrites a manual edit without a precedence rule, and does with one', async () => {
    await sync([group, user(1)]);
    const ci = (await ciBySam('user1'))!;
    await updateCI(graph, { id: ci.id, attributes: { title: 'Chief' } }, { actor: 'alice', source: 'manual' });
    const changed = { ...user(1), attributes: { ...user(1).attributes, title: 'Intern', department: 'Ops' } };
    const kept = await sync([group, changed]);
    expect(kept.counts.updated).toBe(1);
    expect((await getCI(graph, ci.id))?.attributes).toMatchObject({ title: 'Chief', department: 'Ops' });
    await sync([group, changed], { precedence: [{ class: 'User', field: 'attributes.title', order: ['test', 'manual'] }] });
    expect((await getCI(graph, ci.id))?.attributes.title).toBe('Intern');
  });

  it('matches a manually created CI by identifier, keeps it when the source withdraws', async () => {
    const manual = await createCI(graph, { class: 'User', name: 'Manual', attributes: { sAMAccountName: 'user1' } }, { actor: 'alice', source: 'manual' });
    await sync([group, user(1)]);
    const after = await getCI(graph, manual.id);
    expect(after?.sources.sort()).toEqual(['manual', 'test']);
    expect(after?.name).toBe('Manual'); // a person named it
    await sync([group], { force: true });
    const withdrawn = await getCI(graph, manual.id);
    expect(withdrawn?.status).toBe('ACTIVE');
    expect(withdrawn?.sources).toEqual(['manual']);
  });

  it('withdraws per scope: a run of one scope never withdraws another scope or source', async () => {
    await sync([group, user(1), user(2)], { scope: 'ou=a' });
    const byName = { type: 'MEMBER_OF', target: { identifier: { attribute: 'sAMAccountName', value: 'STAFF' } } };
    await sync([{ ...user(3), references: [byName] }], { scope: 'ou=b' });
    await sync([user(1)], { source: 'other', scope: 'x' });
    const report = await sync([group], { scope: 'ou=a', force: true });
    expect(report.counts).toMatchObject({ retired: 1, withdrawn: 1 });
    expect((await ciBySam('user1'))?.status).toBe('ACTIVE'); // still reported by "other"
    expect((await ciBySam('user2'))?.status).toBe('RETIRED');
    expect((await ciBySam('user3'))?.status).toBe('ACTIVE'); // other scope
    const rel = await graph.read('MATCH (:CI {key_sAMAccountName: "user3"})-[r:MEMBER_OF]->() RETURN r.validTo AS validTo');
    expect(rel[0]!.validTo).toBeNull();
  });

  it('a failing source writes and retires nothing; a rerun converges', async () => {
    await sync([group, ...users(3)]);
    async function* broken(): AsyncGenerator<SourceItem> {
      yield { kind: 'record', record: user(1) };
      throw new Error('connection lost');
    }
    const report = await runSync(graph, broken(), base);
    expect(report.status).toBe('FAILED');
    expect(report.error).toMatch(/connection lost/);
    expect((await ciBySam('user3'))?.status).toBe('ACTIVE');
    const rerun = await sync([group, ...users(3)]);
    expect(rerun.counts).toMatchObject({ unchanged: 4, retired: 0 });
  });

  it('refuses a second concurrent run of the same source and scope', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    async function* slow(): AsyncGenerator<SourceItem> {
      yield { kind: 'record', record: group };
      await gate;
    }
    const first = runSync(graph, slow(), base);
    await new Promise((r) => setTimeout(r, 300));
    await expect(sync([group])).rejects.toThrow(/Another import of test:all is running/);
    release();
    expect((await first).status).toBe('SUCCEEDED');
    expect((await sync([group])).status).toBe('SUCCEEDED');
  });

  it('records runs for importRuns and node(id)', async () => {
    await sync([group, user(1)]);
    await sync([group, user(1)], { dryRun: true });
    const api = await testApi(graph);
    const data = await api.ok<{ importRuns: { id: string; status: string; created: number; unchanged: number; report: { counts: unknown } }[] }>(
      '{ importRuns(first: 5) { id source scope status created updated unchanged retired rejected startedAt finishedAt report } }',
    );
    expect(data.importRuns.map((r) => r.status)).toEqual(['DRY_RUN', 'SUCCEEDED']);
    expect(data.importRuns[1]).toMatchObject({ created: 2 });
    expect(data.importRuns[0]).toMatchObject({ unchanged: 2 });
    const node = await api.ok<{ node: { __typename: string; source: string } }>(
      'query($id: ID!) { node(id: $id) { __typename ... on ImportRun { source } } }',
      { id: data.importRuns[0]!.id },
    );
    expect(node.node).toEqual({ __typename: 'ImportRun', source: 'test' });
  });

  it('plans across batches: forward references, conflicts with an earlier batch, spool files removed', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'faultline-spool-test-'));
    try {
      // batchSize 2: the users reference the group that comes last, in a later batch.
      const twin = { ...user(9), key: 'u9-twin', origin: 'row 99' };
      const report = await sync([...users(5), twin, user(9), group], { batchSize: 2, spoolDir });
      expect(report.counts).toMatchObject({ created: 7, conflicts: 1, relationshipsCreated: 6 });
      expect(report.conflicts[0]!.origin).toBe('row 9');
      expect(report.conflicts[0]!.reason).toMatch(/also claimed by the record at row 99/);
      expect(readdirSync(spoolDir)).toEqual([]);
      const again = await sync([group, ...users(5), twin], { batchSize: 3, spoolDir });
      expect(again.counts).toMatchObject({ created: 0, unchanged: 7, relationshipsUnchanged: 6, relationshipsCreated: 0 });
      expect(readdirSync(spoolDir)).toEqual([]);
    } finally {
      rmSync(spoolDir, { recursive: true, force: true });
    }
  });

  it("refreshes a relationship's lastSeen only when it is due (lastSeenIntervalMs)", async () => {
    const lastSeen = async () => {
      const rows = await graph.read('MATCH ()-[r:MEMBER_OF]->() RETURN r.lastSeen AS lastSeen');
      return rows.map((r) => (JSON.parse(String(r.lastSeen)) as Record<string, number>).test!);
    };
    const first = await sync([group, ...users(3)]);
    const seen1 = await lastSeen();
    expect(seen1).toEqual([first.startedAt, first.startedAt, first.startedAt]);
    await new Promise((r) => setTimeout(r, 5));
    await sync([group, ...users(3)]); // default interval (12 h): nothing to write
    expect(await lastSeen()).toEqual(seen1);
    const third = await sync([group, ...users(3)], { lastSeenIntervalMs: 0 });
    expect(third.counts).toMatchObject({ relationshipsUnchanged: 3, relationshipsCreated: 0 });
    expect(await lastSeen()).toEqual([third.startedAt, third.startedAt, third.startedAt]);
    const history = await graph.read("MATCH (h:HistoryEntry {entityType: 'RELATIONSHIP'}) RETURN h.field AS field, h.old AS old, h.new AS new");
    expect(history).toHaveLength(3); // only 'created': provenance refreshes are not changes
    expect(history[0]).toMatchObject({ field: 'created', old: 'null' });
  });

  it('withdraws nothing while a rejected object is unidentified, says why, and does when forced', async () => {
    await sync([group, ...users(4)]);
    const unreadable: SourceItem = { kind: 'rejected', origin: 'row 4', reason: 'row 4: 9 fields, the header has 7' };
    const held = await sync([group, user(1), user(2), user(3), unreadable]);
    expect(held.status).toBe('SUCCEEDED');
    expect(held.counts).toMatchObject({ retired: 0, withdrawn: 0, rejected: 1, relationshipsClosed: 0 });
    expect(held.withdrawalHeld).toContain('1 rejected record could not be identified (row 4)');
    expect((await ciBySam('user4'))?.status).toBe('ACTIVE');
    const open = await graph.read('MATCH (:CI {key_sAMAccountName: "user4"})-[r:MEMBER_OF]->() RETURN r.validTo AS validTo');
    expect(open[0]!.validTo).toBeNull();
    // Objects the adapter read and that cannot be CIs (a cable; nothing identifies it) hold nothing.
    const cable: SourceItem = { kind: 'rejected', origin: 'cable 7', reason: 'points to no port', noCI: true };
    const report = await sync([group, user(1), user(2), user(3), cable]);
    expect(report.withdrawalHeld).toBeUndefined();
    expect(report.counts).toMatchObject({ retired: 1 });
    await sync([group, ...users(4)]);
    const forced = await sync([group, user(1), user(2), user(3), unreadable], { force: true });
    expect(forced.counts).toMatchObject({ retired: 1 });
    expect(forced.withdrawalHeld).toBeUndefined();
  });

  it('a rejected object keeps its source key: a later record with that key is a duplicate, not that object', async () => {
    await sync([group, ...users(2)]);
    const bad: SourceItem = { kind: 'rejected', origin: 'row 1', reason: 'bad date', key: 'u1', identifiers: { sAMAccountName: 'user1' } };
    const sameKey = { ...user(1), name: 'Someone Else', attributes: { ...user(1).attributes, sAMAccountName: 'someone-else' }, origin: 'row 5' };
    const report = await sync([group, bad, user(2), sameKey]);
    expect(report.rejections.map((r) => r.reason)).toContain('duplicate source key "u1" (first seen at row 1)');
    expect(report.counts).toMatchObject({ created: 0, retired: 0 });
    expect(await ciBySam('someone-else')).toBeNull();
    expect((await ciBySam('user1'))?.name).toBe('User 1');
  });

  it("a rejected record after its object's good record does not freeze the object's relationships", async () => {
    await sync([group, ...users(2)]);
    const leaves = { ...user(1), references: [] };
    const twin: SourceItem = { kind: 'rejected', origin: 'row 9', reason: 'a change record', identifiers: { sAMAccountName: 'user1' } };
    for (const records of [[group, leaves, user(2), twin], [twin, group, leaves, user(2)]]) {
      await sync([group, ...users(2)]);
      const report = await sync(records, { dryRun: true });
      expect(report.counts.relationshipsClosed).toBe(1);
    }
  });

  it('identifies by precedence: a stronger identifier the CI holds with another value is a conflict, not a merge', async () => {
    const server = (attributes: Record<string, unknown>, key = 's1'): SourceRecord => ({ class: 'Server', key, name: `box ${key}`, attributes, origin: `row ${key}` });
    const web01 = await createCI(graph, { class: 'Server', name: 'web01', attributes: { serialNumber: 'S1', hostname: 'web01', assetTag: 'A1' } }, { actor: 'alice', source: 'manual' });
    // The hostname is web01's, the serial number is another machine's.
    const other = await sync([server({ serialNumber: 'SN-T3', hostname: 'web01', assetTag: 'T-3' })]);
    expect(other.counts).toMatchObject({ created: 0, updated: 0, conflicts: 1 });
    expect(other.conflicts[0]!.reason).toContain(`hostname "web01" is CI ${web01.id}`);
    expect(other.conflicts[0]!.reason).toContain('its serialNumber is "s1", not "sn-t3"');
    expect((await getCI(graph, web01.id))?.sources).toEqual(['manual']);
    // The serial number matches and the hostname differs: the same machine (renamed), matched.
    const renamed = await sync([server({ serialNumber: 'S1', hostname: 'web01-new' })]);
    expect(renamed.conflicts).toEqual([]);
    expect(renamed.counts).toMatchObject({ created: 0 });
    expect((await getCI(graph, web01.id))?.sources.sort()).toEqual(['manual', 'test']);
  });

  it("records a farm's minUp as it changes, so that impact(at:) sees the farm as it stood", async () => {
    const server = (n: number): SourceRecord => ({ class: 'Server', key: `s${n}`, name: `node${n}`, attributes: { hostname: `node${n}` }, origin: `row ${n}` });
    const farm = (minUp: number): SourceRecord => ({
      class: 'Cluster',
      key: 'c1',
      name: 'db-cluster',
      attributes: { clusterId: 'c1', minUp },
      references: [1, 2, 3].map((n) => ({ type: 'HAS_MEMBER', target: { key: `s${n}` } })),
      origin: 'row 0',
    });
    const records = (minUp: number) => [farm(minUp), server(1), server(2), server(3)];
    expect((await sync(records(2))).status).toBe('SUCCEEDED');
    await new Promise((r) => setTimeout(r, 5));
    const between = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    expect((await sync(records(3))).counts).toMatchObject({ updated: 1 });
    const [cluster, one] = await Promise.all([
      graph.read("MATCH (c:CI {key_clusterId: 'c1'}) RETURN c.id AS id"),
      graph.read("MATCH (c:CI {key_hostname: 'node1'}) RETURN c.id AS id"),
    ]);
    const farmState = async (at?: number) => {
      const result = await computeImpact(graph, { ciIds: [String(one[0]!.id)], ...(at === undefined ? {} : { at }) });
      return result.impacted.find((e) => e.ciId === String(cluster[0]!.id))?.state;
    };
    // One member of three down: enough with minUp 3 (now), not with minUp 2 (then).
    expect(await farmState()).toBe('DOWN');
    expect(await farmState(between)).toBe('DEGRADED');
  });
});

