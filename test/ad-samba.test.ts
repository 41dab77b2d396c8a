/**
 * The LDAP importer against a real Active Directory: Samba's AD DC, provisioned by the
 * test into a temp dir on loopback (test/helpers/samba.ts). Skips, saying why, only when
 * the Samba binaries are not installed.
 */
import { Attribute, Change } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ldapRecords, ldapScope, readLdap, type LdapOptions } from '../importers/ad/index.js';
import { runSync, type SyncReport } from '../importers/sync/index.js';
import { createCI, getCI, type CI } from '../server/cis/service.js';
import type { Graph } from '../server/db/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { sambaMissing, startSamba, type SambaDC } from './helpers/samba.js';

const missing = sambaMissing();
if (missing) console.warn(`SKIPPING the Samba AD tests: ${missing}`);

const BULK = 2000;
let dc: SambaDC;
let graph: Graph;
let options: LdapOptions;
let server: CI;

const dn = (rdn: string) => `${rdn},DC=corp,DC=example,DC=test`;

function sync(extra: Partial<LdapOptions> = {}): Promise<SyncReport> {
  const o = { ...options, ...extra };
  return runSync(graph, ldapRecords(o), { source: 'ad', scope: ldapScope(o) });
}

async function ci(sam: string) {
  const [row] = await graph.read('MATCH (n:CI {key_sAMAccountName: $sam}) RETURN n.id AS id', { sam: sam.toLowerCase() });
  return row ? getCI(graph, String(row.id)) : null;
}

async function openRels(id: string, type: string, direction: 'out' | 'in') {
  const pattern = direction === 'out' ? '(n)-[r:$($type)]->(o:CI)' : '(n)<-[r:$($type)]-(o:CI)';
  return graph.read(`MATCH (n:CI {id: $id}) MATCH ${pattern} WHERE r.validTo IS NULL RETURN o.name AS name ORDER BY name`, {
    id,
    type,
  });
}

function populate() {
  for (const ou of ['Staff', 'Servers', 'Alumni', 'Bulk']) dc.tool('ou', 'add', `OU=${ou}`);
  const people: [string, string, string, string][] = [
    ['alice', 'Alice', 'Smith', 'Engineer'],
    ['bob', 'Bob', 'Jones', 'Engineer'],
    ['carol', 'Carol', 'White', 'Analyst'],
    ['dave', 'Dave', 'Brown', 'Contractor'],
  ];
  for (const [sam, given, surname, title] of people) {
    dc.tool('user', 'add', sam, `Pw-${sam}-2026!x`, '--use-username-as-cn', '--userou=OU=Staff', `--given-name=${given}`, `--surname=${surname}`,
      `--mail-address=${sam}@corp.example.test`, `--job-title=${title}`, '--department=IT');
  }
  dc.tool('group', 'add', 'Engineers', '--groupou=OU=Staff');
  dc.tool('group', 'add', 'AllStaff', '--groupou=OU=Staff');
  dc.tool('group', 'addmembers', 'Engineers', 'alice,bob,dave');
  dc.tool('group', 'addmembers', 'AllStaff', 'Engineers,carol'); // nested group
  dc.tool('computer', 'add', 'web01', '--computerou=OU=Servers');
  dc.tool('computer', 'add', 'ws042', '--computerou=OU=Staff');
  // 2,000 users and one group holding them all: more than AD's 1,500-value MaxValRange.
  const users = Array.from({ length: BULK }, (_, i) => dn(`CN=bulk${i},OU=Bulk`));
  dc.bulkAdd(
    users.map((u, i) => `dn: ${u}\nobjectClass: user\nsAMAccountName: bulk${i}\n`).join('\n') +
      `\ndn: ${dn('CN=Bulk2000,OU=Bulk')}\nobjectClass: group\nsAMAccountName: Bulk2000\n${users.map((u) => `member: ${u}`).join('\n')}\n`,
  );
}

describe.skipIf(missing !== null)('Active Directory over LDAP (Samba AD DC)', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    graph = await testGraph();
    await wipe(graph);
    dc = await startSamba();
    populate();
    const client = await dc.client();
    await client.modify(dn('CN=bob,OU=Staff'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'manager', values: [dn('CN=alice,OU=Staff')] }) })]);
    await client.modify(dn('CN=Engineers,OU=Staff'), [new Change({ operation: 'replace', modification: new Attribute({ type: 'managedBy', values: [dn('CN=carol,OU=Staff')] }) })]);
    await client.unbind();
    server = await createCI(graph, { class: 'Server', name: 'web01', attributes: { hostname: 'web01', serialNumber: 'SN-1' } }, { actor: 'alice', source: 'manual' });
    options = {
      url: dc.ldapsUrl,
      baseDN: dc.baseDN,
      bindDN: dc.adminDN,
      password: dc.adminPassword,
      caFile: dc.caFile,
      tlsServerName: dc.tlsServerName,
      rangeSize: 1500,
      pageSize: 200,
    };
  }, 300_000);

  afterAll(async () => {
    await dc?.stop();
    await closeTestGraph();
  });

  it('reads group members in ranges (member;range=0-499, 500-999, ...) and pages', async () => {
    let members = 0;
    let entries = 0;
    for await (const entry of readLdap({ ...options, rangeSize: 500, pageSize: 100 })) {
      entries++;
      if (entry.dn.startsWith('CN=Bulk2000')) members = entry.attributes.get('member')?.length ?? 0;
    }
    expect(members).toBe(BULK);
    expect(entries).toBeGreaterThan(BULK);
  });

  it('refuses an unverified certificate unless told, and a plaintext bind', async () => {
    await expect(sync({ caFile: undefined, tlsServerName: undefined })).resolves.toMatchObject({ status: 'FAILED', error: expect.stringMatching(/certificate/i) });
    await expect(sync({ url: dc.ldapUrl })).resolves.toMatchObject({ status: 'FAILED', error: expect.stringMatching(/Refusing to send the bind password/) });
    const wrong = await sync({ password: 'not-the-password' });
    expect(wrong.status).toBe('FAILED');
    expect(wrong.error).not.toContain('not-the-password');
    // StartTLS on 389 with the same CA works too (checked by reading, not syncing).
    const first = await readLdap({ ...options, url: dc.ldapUrl, startTLS: true }).next();
    expect(first.done).toBe(false);
    // The explicit insecure flag reads without the CA (and is the only way to).
    const insecure = await readLdap({ ...options, caFile: undefined, tlsServerName: undefined, insecureSkipVerify: true }).next();
    expect(insecure.done).toBe(false);
    expect(await graph.read('MATCH (n:CI) RETURN count(n) AS c')).toEqual([{ c: 1 }]); // only the inventory server
  });

  it('imports users, groups (nested, 2,000 members), computers, OUs and the domain; reconciles an inventory server', async () => {
    const report = await sync();
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts.rejected).toBe(0);
    expect(report.counts.conflicts).toBe(0);
    expect(report.counts.created).toBeGreaterThan(BULK + 10);

    const alice = (await ci('alice'))!;
    expect(alice.class).toBe('User');
    expect(alice.attributes).toMatchObject({
      email: 'alice@corp.example.test',
      title: 'Engineer',
      department: 'IT',
      enabled: true,
      distinguishedName: dn('CN=alice,OU=Staff'),
    });
    expect(alice.attributes.objectGUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(alice.attributes.whenChanged).toMatch(/^20\d\d-/);
    expect(await openRels(alice.id, 'CONTAINED_IN', 'out')).toEqual([{ name: 'Staff' }]);
    expect(await openRels(alice.id, 'MEMBER_OF', 'out')).toEqual([{ name: 'Engineers' }]);
    const engineers = (await ci('Engineers'))!;
    expect(await openRels(engineers.id, 'MEMBER_OF', 'out')).toEqual([{ name: 'AllStaff' }]);
    expect(await openRels(engineers.id, 'MANAGED_BY', 'out')).toEqual([{ name: 'Carol White' }]);
    expect(await openRels((await ci('bob'))!.id, 'MANAGED_BY', 'out')).toEqual([{ name: 'Alice Smith' }]);
    const bulk = (await ci('Bulk2000'))!;
    expect((await openRels(bulk.id, 'MEMBER_OF', 'in')).length).toBe(BULK);
    const staff = await graph.read("MATCH (o:OrganizationalUnit {name: 'Staff'})-[:CONTAINED_IN]->(d) RETURN d.name AS domain");
    expect(staff).toEqual([{ domain: 'corp.example.test' }]);

    const web01 = (await getCI(graph, server.id))!;
    expect(web01.class).toBe('Server');
    expect(web01.sources.sort()).toEqual(['ad', 'manual']);
    expect(web01.attributes).toMatchObject({ serialNumber: 'SN-1', sAMAccountName: 'web01$', hostname: 'web01' });
    expect((await ci('ws042$'))?.class).toBe('Computer');

    const again = await sync();
    expect(again.counts).toMatchObject({ created: 0, updated: 0, retired: 0, relationshipsCreated: 0, relationshipsClosed: 0 });
  });

  it('a second sync after move, rename, disable and delete shows exactly those changes', async () => {
    const before = { carol: (await ci('carol'))!, bob: (await ci('bob'))!, alice: (await ci('alice'))!, dave: (await ci('dave'))! };
    dc.tool('user', 'move', 'carol', 'OU=Alumni');
    dc.tool('user', 'rename', 'bob', '--force-new-cn=Robert Jones', '--display-name=Robert Jones');
    dc.tool('user', 'disable', 'alice');
    dc.tool('user', 'delete', 'dave');

    const report = await sync();
    expect(report.status).toBe('SUCCEEDED');
    const updated = report.sample.filter((d) => d.action === 'update').map((d) => d.name).sort();
    expect(report.counts).toMatchObject({ created: 0, retired: 1, updated: updated.length });
    // The three changed users (by display name). Engineers lost dave, but Samba does not touch
    // a group's whenChanged for a deleted member's link, so only its relationship closes.
    expect(updated).toEqual(['Alice Smith', 'Carol White', 'Robert Jones']);

    const carol = (await getCI(graph, before.carol.id))!;
    expect(carol.attributes.distinguishedName).toBe(dn('CN=carol,OU=Alumni'));
    expect(await openRels(carol.id, 'CONTAINED_IN', 'out')).toEqual([{ name: 'Alumni' }]);
    const bob = (await getCI(graph, before.bob.id))!; // same CI: same objectGUID, new DN and name
    expect(bob.name).toBe('Robert Jones');
    expect(bob.attributes.distinguishedName).toBe(dn('CN=Robert Jones,OU=Staff'));
    expect(await openRels(bob.id, 'MEMBER_OF', 'out')).toEqual([{ name: 'Engineers' }]);
    expect((await getCI(graph, before.alice.id))!.attributes.enabled).toBe(false);
    const dave = (await getCI(graph, before.dave.id))!;
    expect(dave.status).toBe('RETIRED');
    expect(await openRels(dave.id, 'MEMBER_OF', 'out')).toEqual([]);
    // Relationship changes: carol's old OU closed and new one opened, dave's membership and OU closed.
    expect(report.counts.relationshipsCreated).toBe(1);
    expect(report.counts.relationshipsClosed).toBe(1 + 2);

    const history = await graph.read(
      "MATCH (h:HistoryEntry)-[:RECORDS]->(:CI {id: $id}) WHERE h.field = 'attributes.enabled' RETURN h.actor AS actor, h.new AS new",
      { id: before.alice.id },
    );
    expect(history).toEqual([{ actor: 'importer:ad', new: 'false' }]);
  });
});
