/**
 * QA: DESIGN.md "Sync" checked from the outside: an LDIF export (as ldifde would write
 * it) goes through the AD adapter and the sync engine exactly as `faultline import
 * ad-ldif` runs them, and every expectation is read back through the GraphQL API.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { AD_SOURCE, ldifRecords, ldifScope } from '../importers/ad/index.js';
import { runSync, type SyncOptions } from '../importers/sync/index.js';
import { testApi, type TestApi } from './helpers/api.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';

let graph: Graph;
let api: TestApi;
const dir = mkdtempSync(join(tmpdir(), 'qa-sync-'));
const BASE = 'DC=corp,DC=example,DC=test';
const STAFF = `OU=Staff,${BASE}`;

beforeEach(async () => {
  graph = await testGraph();
  await wipe(graph);
  api = await testApi(graph);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeTestGraph();
});

interface UserSpec {
  n: number;
  title?: string;
}

/** An ldifde-style export: the domain, one OU, one group and users 1..12 (all in the group). */
function ldif(users: UserSpec[], extra = ''): string {
  const out = [`dn: ${BASE}`, 'objectClass: top', 'objectClass: domain', 'dc: corp', '', `dn: ${STAFF}`, 'objectClass: organizationalUnit', 'ou: Staff', ''];
  out.push(`dn: CN=Admins,${STAFF}`, 'objectClass: group', 'cn: Admins', 'sAMAccountName: admins');
  for (const u of users) out.push(`member: CN=User ${u.n},${STAFF}`);
  out.push('');
  for (const u of users) {
    out.push(`dn: CN=User ${u.n},${STAFF}`, 'objectClass: top', 'objectClass: person', 'objectClass: user', `cn: User ${u.n}`, `sAMAccountName: user${u.n}`, `title: ${u.title ?? 'Engineer'}`, '');
  }
  return out.join('\n') + extra;
}

const twelve = (): UserSpec[] => Array.from({ length: 12 }, (_, i) => ({ n: i + 1 }));

let fileNo = 0;
function file(text: string): string {
  const path = join(dir, `export-${++fileNo}.ldif`);
  writeFileSync(path, text);
  return path;
}

/** What `faultline import ad-ldif <files>` runs; one fixed scope so runs compare. */
function importLdif(files: string[], options: Partial<SyncOptions> = {}) {
  return runSync(graph, ldifRecords(files), { source: AD_SOURCE, scope: ldifScope([join(dir, 'corp.ldif')]), ...options });
}

async function fingerprint() {
  const [row] = await graph.read(
    `MATCH (n) WHERE NOT n:ImportRun AND NOT n:ImportLock
WITH count(n) AS nodes
OPTIONAL MATCH ()-[r]->()
RETURN nodes, count(r) AS rels, sum(CASE WHEN r.validTo IS NULL THEN 1 ELSE 0 END) AS open`,
  );
  const [cis] = await graph.read('MATCH (n:CI) RETURN collect(n.updatedAt) AS updated, collect(n.status) AS statuses');
  return { ...row, ...cis };
}

interface UserCI {
  id: string;
  name: string;
  status: string;
  attributes: Record<string, unknown>;
  relationships: { type: string; validTo: string | null; to: { name: string } }[];
}

async function userBySam(sam: string): Promise<UserCI | undefined> {
  const data = await api.ok<{ cis: { edges: { node: UserCI }[] } }>(
    'query($s: String) { cis(filter: { classes: ["User"], search: $s }) { edges { node { id name status attributes relationships(direction: OUT, includeClosed: true) { type validTo to { name } } } } } }',
    { s: sam },
  );
  return data.cis.edges.map((e) => e.node).find((u) => u.attributes.sAMAccountName === sam);
}

describe('sync from an LDIF export', () => {
  it('first run creates, the same input again changes nothing, and importRuns says so', async () => {
    const path = file(ldif(twelve()));
    const first = await importLdif([path]);
    expect(first.status).toBe('SUCCEEDED');
    expect(first.counts).toMatchObject({ created: 15, updated: 0, retired: 0, rejected: 0 });
    const users = await api.ok<{ cis: { totalCount: number } }>('{ cis(filter: { classes: ["User"] }) { totalCount } }');
    expect(users.cis.totalCount).toBe(12);
    const u1 = await userBySam('user1');
    expect(u1?.relationships.map((r) => `${r.type} ${r.to.name}`).sort()).toEqual(['CONTAINED_IN Staff', 'MEMBER_OF Admins']);

    const before = await fingerprint();
    const again = await importLdif([path]);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, retired: 0, withdrawn: 0, relationshipsCreated: 0, relationshipsClosed: 0, unchanged: 15 });
    expect(await fingerprint()).toEqual(before);

    const runs = await api.ok<{ importRuns: { source: string; status: string; created: number; unchanged: number }[] }>('{ importRuns(first: 5) { source status created unchanged } }');
    expect(runs.importRuns.map((r) => [r.status, r.created, r.unchanged])).toEqual([
      ['SUCCEEDED', 0, 15],
      ['SUCCEEDED', 15, 0],
    ]);
  });

  it('a dry run writes nothing and reports the counts the real run then has', async () => {
    await importLdif([file(ldif(twelve()))]);
    const changed = twelve().filter((u) => u.n !== 12).map((u) => (u.n === 2 ? { ...u, title: 'Lead' } : u));
    const path = file(ldif(changed));
    const before = await fingerprint();
    const dry = await importLdif([path], { dryRun: true });
    expect(dry.status).toBe('DRY_RUN');
    expect(await fingerprint()).toEqual(before);
    const real = await importLdif([path]);
    expect(real.status).toBe('SUCCEEDED');
    expect(real.counts).toEqual(dry.counts);
    expect(real.counts).toMatchObject({ updated: 1, retired: 1 });
  });

  it('a CI the source no longer reports is RETIRED and its relationships closed; impact ignores it', async () => {
    await importLdif([file(ldif(twelve()))]);
    await importLdif([file(ldif(twelve().filter((u) => u.n !== 7)))]);
    const u7 = await userBySam('user7');
    expect(u7?.status).toBe('RETIRED');
    expect(u7!.relationships.length).toBeGreaterThan(0);
    expect(u7!.relationships.every((r) => r.validTo !== null)).toBe(true);
    const open = await api.ok<{ ci: { relationships: unknown[] } }>('query($id: ID!) { ci(id: $id) { relationships { id } } }', { id: u7!.id });
    expect(open.ci.relationships).toEqual([]);
  });

  it('a bad record is rejected with its line and reason, and the rest goes on', async () => {
    const bad = `\ndn: CN=Broken,${STAFF}\nobjectClass: user\nobjectGUID:: !!!notbase64\nsAMAccountName: broken\n`;
    const report = await importLdif([file(ldif(twelve(), bad))]);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts.rejected).toBe(1);
    expect(report.counts.created).toBe(15);
    expect(report.rejections[0]!.origin).toMatch(/export-\d+\.ldif:\d+/);
    expect(report.rejections[0]!.reason.length).toBeGreaterThan(0);
  });

  it('a failed run (unreadable file) retires nothing', async () => {
    await importLdif([file(ldif(twelve()))]);
    const before = await fingerprint();
    const failed = await importLdif([file(ldif([{ n: 1 }])), join(dir, 'missing.ldif')]);
    expect(failed.status).toBe('FAILED');
    expect(failed.counts.retired).toBe(0);
    const after = await fingerprint();
    expect(after.statuses).toEqual(before.statuses);
    const runs = await api.ok<{ importRuns: { status: string; retired: number }[] }>('{ importRuns(first: 1) { status retired } }');
    expect(runs.importRuns[0]).toEqual({ status: 'FAILED', retired: 0 });
  });

  it('what an operator entered by hand is not overwritten by the source', async () => {
    const path = file(ldif(twelve()));
    await importLdif([path]);
    const u3 = await userBySam('user3');
    await api.ok('mutation($input: UpdateCIInput!) { updateCI(input: $input) { id } }', { input: { id: u3!.id, attributes: { title: 'Manager' } } });
    await importLdif([path]);
    expect((await userBySam('user3'))?.attributes.title).toBe('Manager');
  });

  it('two identifiers pointing at different CIs is a reported conflict, never a silent merge', async () => {
    // Two hand-made users: one holds user5's sAMAccountName, the other user5's DN.
    const mk = (name: string, attributes: Record<string, unknown>) =>
      api.ok<{ createCI: { id: string } }>('mutation($input: CreateCIInput!) { createCI(input: $input) { id } }', { input: { class: 'User', name, attributes } });
    const a = await mk('by sam', { sAMAccountName: 'user5' });
    const b = await mk('by dn', { distinguishedName: `CN=User 5,${STAFF}` });
    const report = await importLdif([file(ldif(twelve()))]);
    expect(report.counts.conflicts).toBe(1);
    const left = await api.ok<{ a: { name: string; status: string }; b: { name: string; status: string } }>(
      'query($a: ID!, $b: ID!) { a: ci(id: $a) { name status } b: ci(id: $b) { name status } }',
      { a: a.createCI.id, b: b.createCI.id },
    );
    expect(left).toEqual({ a: { name: 'by sam', status: 'ACTIVE' }, b: { name: 'by dn', status: 'ACTIVE' } });
  });
});
