/**
 * The NetBox importer on the real NetBox demo dump (../shared/fixtures, read in place,
 * never copied) against a real Neo4j: counts per class, idempotent rerun, withdrawal of a
 * removed device, the guard and dry run, impact through a cluster, rejections, cross-source
 * reconciliation with an AD computer and a manual server, and the CLI end to end. Variants
 * of the dump (a device removed, hosts added) are written to a temp dir by the test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { mapEntry } from '../importers/ad/index.js';
import { NETBOX_SOURCE, netboxRecords, netboxScope, type NetboxStats } from '../importers/netbox/index.js';
import { runSync, type SourceItem, type SyncOptions } from '../importers/sync/index.js';
import { createCI, getCI } from '../server/cis/service.js';
import type { Graph } from '../server/db/index.js';
import { computeImpact } from '../server/impact/service.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';

const DUMP = '../shared/fixtures/third-party/netbox-demo-data/json/netbox-demo-v3.6.json';
const SCOPE = 'netbox-demo';

interface DumpRow {
  model: string;
  pk?: number;
  fields: Record<string, unknown>;
}
const original = JSON.parse(readFileSync(DUMP, 'utf8')) as DumpRow[];

let graph: Graph;
let dir: string;

/** Writes a variant of the demo dump and returns its path. */
function variant(name: string, change: (rows: DumpRow[]) => DumpRow[]): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(change(structuredClone(original)), null, 2));
  return file;
}

function sync(file: string, options: Partial<SyncOptions> = {}, stats?: (s: NetboxStats) => void) {
  return runSync(graph, netboxRecords(file, {}, stats), { source: NETBOX_SOURCE, scope: SCOPE, ...options });
}

async function countByClass(): Promise<Record<string, number>> {
  const rows = await graph.read("MATCH (n:CI) WHERE n.status <> 'RETIRED' RETURN n.class AS c, count(*) AS n");
  return Object.fromEntries(rows.map((r) => [String(r.c), Number(r.n)]));
}

async function openRelationships(): Promise<Record<string, number>> {
  const rows = await graph.read('MATCH (:CI)-[r]->(:CI) WHERE r.validTo IS NULL RETURN type(r) AS t, count(*) AS n');
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]));
}

async function ciByHostname(hostname: string) {
  const [row] = await graph.read('MATCH (n:CI {key_hostname: $hostname}) RETURN n.id AS id', { hostname });
  return row ? getCI(graph, String(row.id)) : null;
}

async function ciByKey(attribute: string, value: string) {
  const [row] = await graph.read(`MATCH (n:CI) WHERE n['key_' + $attribute] = $value RETURN n.id AS id`, { attribute, value });
  return row ? getCI(graph, String(row.id)) : null;
}

/** Three hypervisors (role application-server → Server) in demo cluster 9, which hosts VMs. */
function withHosts(rows: DumpRow[]): DumpRow[] {
  const template = rows.find((r) => r.model === 'dcim.device' && r.pk === 1)!;
  const hosts = [1, 2, 3].map((i) => ({
    model: 'dcim.device',
    pk: 9000 + i,
    fields: { ...template.fields, name: `esx0${i}.example.net`, role: 7, platform: null, serial: `SN-ESX-${i}`, position: null, cluster: 9 },
  }));
  return [...rows, ...hosts];
}

beforeAll(async () => {
  graph = await testGraph();
  dir = mkdtempSync(join(tmpdir(), 'faultline-netbox-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeTestGraph();
});

describe('NetBox demo dump', () => {
  beforeAll(async () => {
    await wipe(graph);
  });

  it('imports regions, sites, locations, racks, devices, clusters and VMs; a second run changes nothing', async () => {
    let stats: NetboxStats | undefined;
    const first = await sync(DUMP, {}, (s) => (stats = s));
    expect(first.status).toBe('SUCCEEDED');
    // SOURCE.md: 67 regions + 24 sites + 4 locations + 42 racks; 32 clusters; 180 VMs;
    // 72 devices = 39 switches/routers + 19 patch panels and 13 PDUs (skipped) + 1 unnamed
    // application server with no serial (rejected: nothing identifies it).
    expect(await countByClass()).toEqual({ Location: 137, Cluster: 32, NetworkDevice: 39, VirtualMachine: 180 });
    expect(first.counts).toMatchObject({ read: 388, created: 388, rejected: 1, conflicts: 0 });
    expect(first.rejections).toEqual([
      {
        origin: 'dcim.device:106',
        reason: 'dcim.device 106: unnamed device with no serial and no asset tag: nothing identifies it across sources',
      },
    ]);
    expect(stats!.mapped).toEqual({
      'dcim.region': 67,
      'dcim.site': 24,
      'dcim.location': 4,
      'dcim.rack': 42,
      'virtualization.cluster': 32,
      'dcim.device': 39,
      'virtualization.virtualmachine': 180,
    });
    expect(stats!.skipped).toMatchObject({ 'dcim.device': 32, 'ipam.prefix': 90, 'virtualization.vminterface': 720, 'circuits.circuit': 29 });
    expect(stats!.ignored).toMatchObject({ 'auth.user': 6, 'sessions.session': 9, 'admin.logentry': 12 });
    expect(first.counts.skipped).toBe(Object.values(stats!.skipped).reduce((a, b) => a + b, 0));
    // The report says why, by reason: the devices by role (patch panels, PDUs), the rest by model.
    const roles = first.skips.filter((k) => k.reason.startsWith('role '));
    expect(roles.reduce((n, k) => n + k.count, 0)).toBe(32);
    expect(roles.every((k) => k.first.startsWith('dcim.device:'))).toBe(true);
    expect(first.skips.find((k) => k.reason === 'model ipam.prefix is not imported')?.count).toBe(90);
    // Every VM on its cluster; 26 access-switch ↔ router cables are 13 switch/router pairs.
    const rels = await openRelationships();
    expect(rels).toMatchObject({ HOSTED_ON: 180, CONNECTED_TO: 13 });
    expect(rels.LOCATED_IN).toBe(61 + 24 + 4 + 42 + 39); // the 61 regions under another (6 roots), sites, locations, racks, devices
    expect(first.unresolved.count).toBe(0);

    const router = await ciByHostname('dmi01-akron-rtr01');
    expect(router).toMatchObject({ class: 'NetworkDevice', name: 'dmi01-akron-rtr01', sources: ['netbox'] });
    expect(router!.attributes).toMatchObject({ role: 'edge', platform: 'Cisco IOS', tenant: 'Dunder-Mifflin, Inc.', netboxRole: 'Router' });
    const chain = await graph.read(
      `MATCH (d:CI {id: $id})-[:LOCATED_IN]->(rack:Location)-[:LOCATED_IN]->(site:Location)-[:LOCATED_IN*1..]->(region:Location)
       WHERE NOT (region)-[:LOCATED_IN]->()
       RETURN rack.name AS rack, site.name AS site, region.name AS top`,
      { id: router!.id },
    );
    expect(chain).toEqual([{ rack: 'Comms closet', site: 'DM-Akron', top: 'North America' }]);
    const switchUplink = await graph.read(
      "MATCH (s:NetworkDevice)-[:CONNECTED_TO]->(r:NetworkDevice {id: $id}) RETURN s.attributes AS a",
      { id: router!.id },
    );
    expect(switchUplink.map((r) => JSON.parse(String(r.a)).role)).toEqual(['access']);

    const second = await sync(DUMP);
    expect(second.counts).toMatchObject({ created: 0, updated: 0, unchanged: 388, retired: 0, withdrawn: 0, relationshipsCreated: 0, relationshipsClosed: 0 });
  });

  it('withdraws a device removed from the dump: retired, its relationships closed; dry run and guard first', async () => {
    const router = await ciByHostname('dmi01-akron-rtr01');
    const without = variant('without-router', (rows) => rows.filter((r) => !(r.model === 'dcim.device' && r.pk === 1)));
    const dry = await sync(without, { dryRun: true });
    expect(dry.status).toBe('DRY_RUN');
    expect(dry.counts).toMatchObject({ retired: 1, created: 0, updated: 0 });
    expect((await getCI(graph, router!.id))!.status).toBe('ACTIVE');

    // Half the VMs gone at once (a truncated export): the guard stops before writing.
    const truncated = variant('truncated', (rows) =>
      rows.filter((r) => !(r.model === 'virtualization.virtualmachine' && Number(r.pk) % 2 === 0)),
    );
    const refused = await sync(truncated);
    expect(refused.status).toBe('FAILED');
    expect(refused.guardTripped).toBe(true);
    expect((await countByClass()).VirtualMachine).toBe(180);

    const report = await sync(without);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ retired: 1, created: 0, unchanged: 387 });
    const gone = await getCI(graph, router!.id);
    expect(gone!.status).toBe('RETIRED');
    const open = await graph.read('MATCH (:CI {id: $id})-[r]-(:CI) WHERE r.validTo IS NULL RETURN count(r) AS n', { id: router!.id });
    expect(open[0]!.n).toBe(0);
    const closed = await graph.read('MATCH (:CI {id: $id})-[r]-(:CI) RETURN type(r) AS t ORDER BY t', { id: router!.id });
    expect(closed.map((r) => r.t)).toEqual(['CONNECTED_TO', 'LOCATED_IN']);

    // A dump of another scope (another file) withdraws nothing of this one.
    const other = await runSync(graph, netboxRecords(without), { source: NETBOX_SOURCE, scope: netboxScope(without) });
    expect(other.counts).toMatchObject({ created: 0, retired: 0, withdrawn: 0, unchanged: 387 });
    // Back in the dump: active again.
    const back = await sync(DUMP);
    expect(back.counts).toMatchObject({ updated: 1, retired: 0 });
    expect((await getCI(graph, router!.id))!.status).toBe('ACTIVE');
  });
});

describe('NetBox on the demo dump, changed', () => {
  beforeEach(async () => {
    await wipe(graph);
  });

  it("impact: a cluster's hosts going down degrade, then down, the VMs on it (minUp default 1)", async () => {
    const report = await sync(variant('hosts', withHosts));
    expect(report.counts).toMatchObject({ created: 391, rejected: 1 });
    const hosts = await Promise.all([1, 2, 3].map((i) => ciByHostname(`esx0${i}`)));
    expect(hosts.map((h) => h?.class)).toEqual(['Server', 'Server', 'Server']);
    expect(hosts[0]!.attributes).toMatchObject({ fqdn: 'esx01.example.net', serialNumber: 'SN-ESX-1' });
    const cluster = await ciByKey('clusterId', 'netbox:virtualization.cluster:9');
    const members = await graph.read('MATCH (:CI {id: $id})-[:HAS_MEMBER]->(m) RETURN m.name AS name ORDER BY name', { id: cluster!.id });
    expect(members.map((m) => m.name)).toEqual(['esx01.example.net', 'esx02.example.net', 'esx03.example.net']);
    const vms = await graph.read('MATCH (vm:VirtualMachine)-[:HOSTED_ON]->(:CI {id: $id}) RETURN vm.id AS id', { id: cluster!.id });
    expect(vms.length).toBeGreaterThan(0);

    const one = await computeImpact(graph, { ciIds: [hosts[0]!.id] });
    const state = (r: typeof one) => new Map(r.impacted.map((e) => [e.ciId, e.state]));
    expect(state(one).get(cluster!.id)).toBe('DEGRADED');
    for (const vm of vms) expect(state(one).get(String(vm.id))).toBe('DEGRADED');

    const all = await computeImpact(graph, { ciIds: hosts.map((h) => h!.id) });
    expect(state(all).get(cluster!.id)).toBe('DOWN');
    for (const vm of vms) expect(state(all).get(String(vm.id))).toBe('DOWN');
    const path = all.impacted.find((e) => e.ciId === String(vms[0]!.id))!.path.map((s) => s.ciId);
    expect(path.slice(-2)).toEqual([cluster!.id, String(vms[0]!.id)]);
  });

  it('rejects a record whose foreign key points to nothing; the rest lands', async () => {
    const file = variant('bad-fk', (rows) =>
      rows.map((r) => (r.model === 'dcim.device' && r.pk === 2 ? { ...r, fields: { ...r.fields, site: 9999 } } : r)),
    );
    const report = await sync(file);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ created: 387, rejected: 2 });
    expect(report.rejections).toContainEqual({
      origin: 'dcim.device:2 (dmi01-albany-rtr01)',
      reason: 'dcim.device 2: site 9999 points to no dcim.site',
    });
    expect(await ciByHostname('dmi01-albany-rtr01')).toBeNull();
    expect(await ciByHostname('dmi01-akron-rtr01')).not.toBeNull();
  });

  it('fails a run on a cut-off dump and withdraws nothing', async () => {
    await sync(DUMP);
    const file = join(dir, 'cut.json');
    const text = readFileSync(DUMP, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const report = await sync(file);
    expect(report.status).toBe('FAILED');
    expect(report.error).toMatch(/cut\.json: not a dumpdata JSON array: the file ends inside an element/);
    expect(report.counts).toMatchObject({ retired: 0, withdrawn: 0, created: 0 });
    expect(await countByClass()).toEqual({ Location: 137, Cluster: 32, NetworkDevice: 39, VirtualMachine: 180 });
  });

  it('reconciles with an AD computer (by hostname) and a manual server (by serial): one CI, two sources', async () => {
    // The directory first: esx01's computer account.
    const dn = 'CN=ESX01,OU=Servers,DC=example,DC=net';
    const entry = mapEntry({
      dn,
      origin: dn,
      attributes: new Map<string, (string | Buffer)[]>([
        ['objectclass', ['top', 'computer']],
        ['cn', ['ESX01']],
        ['samaccountname', ['ESX01$']],
        ['dnshostname', ['esx01.example.net']],
        ['objectguid', ['3f2504e0-4f89-11d3-9a0c-0305e82c3301']],
      ]),
    });
    async function* ad(): AsyncGenerator<SourceItem> {
      yield entry;
    }
    const adRun = await runSync(graph, ad(), { source: 'ad', scope: 'ldif:test' });
    expect(adRun.counts.created).toBe(1);
    // A person entered esx02 by hand, with its serial only.
    const manual = await createCI(graph, { class: 'Server', name: 'ESX 2 (rack 4)', attributes: { serialNumber: 'sn-esx-2' } }, { actor: 'alice', source: 'manual' });

    const report = await sync(variant('hosts', withHosts));
    expect(report.counts).toMatchObject({ created: 389, updated: 2, conflicts: 0 });
    const computer = await ciByHostname('esx01');
    expect(computer).toMatchObject({ class: 'Computer' });
    expect(computer!.sources.sort()).toEqual(['ad', 'netbox']);
    expect(computer!.attributes).toMatchObject({ objectGUID: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', serialNumber: 'SN-ESX-1', tenant: 'Dunder-Mifflin, Inc.' });
    const server = await getCI(graph, manual.id);
    expect(server!.sources.sort()).toEqual(['manual', 'netbox']);
    expect(server!.name).toBe('ESX 2 (rack 4)'); // the person's name stays: no precedence rule says otherwise
    expect(server!.attributes).toMatchObject({ hostname: 'esx02', fqdn: 'esx02.example.net' });
    const members = await graph.read(
      "MATCH (c:Cluster {key_clusterId: 'netbox:virtualization.cluster:9'})-[:HAS_MEMBER]->(m) RETURN m.id AS id",
    );
    expect(members.map((m) => m.id).sort()).toEqual([computer!.id, manual.id, (await ciByHostname('esx03'))!.id].sort());
    expect(await graph.read('MATCH (n:CI) WHERE n.key_hostname STARTS WITH "esx0" RETURN count(n) AS n')).toEqual([{ n: 3 }]);
  });

  it('runs from the CLI: faultline import netbox <dump>, then a dry run that changes nothing', () => {
    const { uri, user, password } = inject('neo4j');
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, ['importers/cli/bin.js', 'import', 'netbox', ...args], {
        encoding: 'utf8',
        env: { ...process.env, NEO4J_URI: uri, NEO4J_USER: user, NEO4J_PASSWORD: password },
      });
    const roleMap = JSON.stringify({ 'patch-panel': 'skip', pdu: 'skip' });
    const run = cli(DUMP, '--scope', SCOPE, '--role-map', roleMap);
    expect(run.stderr).toContain('netbox: 6915 objects read');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^SUCCEEDED RUN-/);
    expect(run.stdout).toContain('created 388');
    expect(run.stdout).toContain('rejected dcim.device:106');
    expect(run.stderr).toMatch(/skipped: .*dcim\.device 32/);
    const dry = cli(DUMP, '--scope', SCOPE, '--dry-run', '--json');
    expect(dry.status).toBe(0);
    const report = JSON.parse(dry.stdout) as { status: string; counts: Record<string, number> };
    expect(report.status).toBe('DRY_RUN');
    expect(report.counts).toMatchObject({ created: 0, updated: 0, unchanged: 388 });
    const bad = cli(DUMP, '--role-map', '{"router": "Printer"}');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--role-map');
  });
});
