/**
 * Snipe-IT's own sample exports (../shared/fixtures/third-party/snipe-it-sample-csvs, read
 * in place, never copied into the repo) through the built-in mappings, the sync engine
 * and the `faultline import snipeit` CLI, against the test Neo4j. Files derived from them
 * for a removal or a bad row are written to a temp dir.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snipeitRecords, type SnipeitKind } from '../importers/snipeit/index.js';
import { runSync } from '../importers/sync/index.js';
import { createCI, getCI } from '../server/cis/service.js';
import type { Graph } from '../server/db/index.js';
import { runImportCli as cli } from './helpers/cli.js';
import { closeTestGraph, countOf, testGraph, wipe } from './helpers/neo4j.js';

const DIR = '../shared/fixtures/third-party/snipe-it-sample-csvs/sample_csvs';
const ASSETS = join(DIR, 'assets-sample.csv');
const BAD = join(DIR, 'assets-sample-BAD.csv');
const tmp = mkdtempSync(join(tmpdir(), 'snipeit-test-'));

let graph: Graph;
const sync = (kind: SnipeitKind, file: string, scope: string, extra: { dryRun?: boolean; force?: boolean } = {}) =>
  runSync(graph, snipeitRecords(kind, file), { source: 'snipeit', scope, ...extra });

const count = (cypher: string) => countOf(graph, cypher);

beforeAll(async () => {
  graph = await testGraph();
  await wipe(graph);
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await closeTestGraph();
});

describe('Snipe-IT sample exports into the graph', () => {
  it('locations: 17 Locations, the two repeated names rejected with their lines', async () => {
    const report = await sync('locations', join(DIR, 'locations-sample.csv'), 'locations:sample');
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ read: 19, created: 17, rejected: 2 });
    expect(report.rejections).toEqual([
      { origin: 'locations-sample.csv:16', reason: 'duplicate source key "Rocky Mountain House" (first seen at locations-sample.csv:14)' },
      { origin: 'locations-sample.csv:18', reason: 'duplicate source key "Airdrie" (first seen at locations-sample.csv:3)' },
    ]);
    // Their managers are not users of the graph: unresolved, counted, not rejections.
    expect(report.unresolved.count).toBe(14);
    const rows = await graph.read("MATCH (l:Location {key_locationId: 'peace river'}) RETURN l.name AS name, l.attributes AS a");
    expect(rows[0]!.name).toBe('Peace River');
    expect(JSON.parse(String(rows[0]!.a))).toMatchObject({ city: 'Birendranagar', country: 'CA', zip: 'T8S' });
  });

  it('users: 100 Users by username; rerun changes nothing', async () => {
    const report = await sync('users', join(DIR, 'users-sample.csv'), 'users:sample');
    expect(report.counts).toMatchObject({ read: 100, created: 100, rejected: 0 });
    const again = await sync('users', join(DIR, 'users-sample.csv'), 'users:sample');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 100, retired: 0, withdrawn: 0 });
  });

  it('assets: 22 Computers keyed by asset tag; idempotent rerun; dry run writes nothing', async () => {
    const dry = await sync('assets', ASSETS, 'assets:sample', { dryRun: true });
    expect(dry.status).toBe('DRY_RUN');
    expect(dry.counts).toMatchObject({ read: 22, created: 22 });
    expect(await count('MATCH (c:Computer) RETURN count(c) AS c')).toBe(0);

    const first = await sync('assets', ASSETS, 'assets:sample');
    expect(first.counts).toMatchObject({ read: 22, created: 22, rejected: 0, conflicts: 0 });
    expect(await count("MATCH (c:Computer) WHERE 'snipeit' IN c.sources RETURN count(c) AS c")).toBe(22);
    const tag = await graph.read("MATCH (c:Computer {key_assetTag: 'icc-2065556'}) RETURN c.name AS name, c.attributes AS a, c.provenance AS p");
    expect(tag[0]!.name).toBe('Backhoe');
    expect(JSON.parse(String(tag[0]!.a))).toMatchObject({ purchaseDate: '2023-01-23T00:00:00.000Z', purchaseCost: 2266.13, model: 'Macbook Pro 13"' });
    expect(JSON.parse(String(tag[0]!.p))['attributes.purchaseCost']).toMatchObject({ source: 'snipeit' });

    const again = await sync('assets', ASSETS, 'assets:sample');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 22, retired: 0, withdrawn: 0, relationshipsCreated: 0 });
  });

  it('a row removed from the export: that asset is retired on the next full run of the scope', async () => {
    const lines = readFileSync(ASSETS, 'utf8').split('\n');
    const file = join(tmp, 'assets-minus-one.csv');
    writeFileSync(file, lines.filter((l) => !l.includes('NNH-3656031')).join('\n'));
    const report = await sync('assets', file, 'assets:sample');
    expect(report.counts).toMatchObject({ read: 21, unchanged: 21, retired: 1, withdrawn: 0 });
    const gone = await graph.read("MATCH (c:Computer {key_assetTag: 'nnh-3656031'}) RETURN c.status AS s, c.retiredAt AS at");
    expect(gone[0]!.s).toBe('RETIRED');
    // Other scopes of the same source are untouched.
    expect(await count("MATCH (u:User) WHERE u.status = 'ACTIVE' RETURN count(u) AS c")).toBe(100);
    // Back in the export: ACTIVE again.
    const back = await sync('assets', ASSETS, 'assets:sample');
    expect(back.counts).toMatchObject({ updated: 1, unchanged: 21 });
    expect((await graph.read("MATCH (c:Computer {key_assetTag: 'nnh-3656031'}) RETURN c.status AS s"))[0]!.s).toBe('ACTIVE');
  });

  it('the withdrawal guard stops a run that would retire most of the scope', async () => {
    const file = join(tmp, 'assets-two.csv');
    writeFileSync(file, readFileSync(ASSETS, 'utf8').split('\n').slice(0, 3).join('\n'));
    const report = await sync('assets', file, 'assets:sample');
    expect(report.status).toBe('FAILED');
    expect(report.guardTripped).toBe(true);
    expect(report.error).toMatch(/refusing to withdraw 20 of the 22/);
    expect(await count("MATCH (c:Computer) WHERE c.status = 'RETIRED' RETURN count(c) AS c")).toBe(0);
  });

  it('locations and the checked-out user: LOCATED_IN and ASSIGNED_TO when they exist', async () => {
    const locations = join(tmp, 'locations.csv');
    writeFileSync(locations, 'name,address,city\nLindgren-Marquardt,1 Main St,Springfield\nPacocha-Kiehn,2 Side St,Shelbyville\n');
    const users = join(tmp, 'users.csv');
    writeFileSync(users, 'First Name,Last Name,Email,Username\nGage,McCrackem,gmccrackem2a@bing.com,gmccrackem2a\n');
    expect((await sync('locations', locations, 'locations:extra')).counts.created).toBe(2);
    expect((await sync('users', users, 'users:extra')).counts.created).toBe(1);
    const report = await sync('assets', ASSETS, 'assets:sample');
    // WBH-2841795: location Lindgren-Marquardt, checked out to gmccrackem2a; NNH-3656031
    // checked out to the location Pacocha-Kiehn. EJS-7488052 sits in Lindgren-Marquardt but
    // is checked out to the location "McGlynn, Hagenes and Bruen" (not in the graph): where
    // it is checked out to wins, and that one is unresolved.
    expect(report.counts).toMatchObject({ unchanged: 22, relationshipsCreated: 3 });
    const rels = await graph.read(
      `MATCH (c:Computer)-[r]->(t) WHERE r.validTo IS NULL AND 'snipeit' IN r.sources
       RETURN c.attributes AS a, type(r) AS type, t.name AS target ORDER BY type, target, a`,
    );
    const got = rels.map((r) => [JSON.parse(String(r.a)).assetTag, r.type, r.target]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['WBH-2841795', 'ASSIGNED_TO', 'Gage McCrackem'],
        ['WBH-2841795', 'LOCATED_IN', 'Lindgren-Marquardt'],
        ['NNH-3656031', 'LOCATED_IN', 'Pacocha-Kiehn'],
      ]),
    );
    expect(got.length).toBe(3);
    expect(report.unresolved.sample).toContainEqual({
      origin: 'assets-sample.csv:8',
      reason: 'LOCATED_IN target locationId "McGlynn, Hagenes and Bruen" is not in this run nor in the graph',
    });
  });

  it('bad rows are rejected with their line and field; the rest lands', async () => {
    const text = readFileSync(ASSETS, 'utf8')
      .replace('1/23/23,2266.13', '1/23/23,lots')
      .replace('WBH-2841795', '')
      .replace('11/2/22,1444.69', '2/30/22,1444.69')
      // A quoted multi-line note: the rows after it still carry their physical line.
      .replace(
        'at nulla suspendisse potenti cras in purus eu magna vulputate luctus cum sociis natoque penatibus et magnis dis',
        '"at nulla\nsuspendisse, ""potenti""\ncras"',
      );
    const file = join(tmp, 'assets-bad-rows.csv');
    writeFileSync(file, text);
    const report = await sync('assets', file, 'assets:bad-rows');
    expect(report.counts).toMatchObject({ read: 19, rejected: 3, unchanged: 19, created: 0 });
    expect(report.rejections).toEqual([
      { origin: 'assets-bad-rows.csv:2', reason: 'purchaseCost (column "Purchase Cost"): "lots" is not a number' },
      { origin: 'assets-bad-rows.csv:5', reason: 'key: column "Asset Tag" is blank' },
      { origin: 'assets-bad-rows.csv:19', reason: 'purchaseDate (column "Purchase Date"): "2/30/22" is not a date' },
    ]);
  });

  it('cross-source: a Server created by hand with a serial is the asset with that serial (one CI, two sources)', async () => {
    const server = await createCI(
      graph,
      { class: 'Server', name: 'db-01', attributes: { serialNumber: '27AA8378-B0F4-4289-84A4-405DA95C6147', hostname: 'db-01' } },
      { actor: 'alice', source: 'manual' },
    );
    // The cp1252, CR-only file with duplicate headers, as it is.
    const report = await sync('assets', BAD, 'assets:bad');
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ read: 200, rejected: 0, conflicts: 0, created: 199, updated: 1 });
    const after = await getCI(graph, server.id);
    expect(after!.class).toBe('Server');
    expect(after!.name).toBe('db-01'); // the manual name stays
    expect([...after!.sources].sort()).toEqual(['manual', 'snipeit']);
    expect(after!.attributes).toMatchObject({ hostname: 'db-01', assetTag: '970882174-8', manufacturer: 'Linkbridge', warrantyMonths: 14 });
    expect(await count("MATCH (c:CI {key_serialNumber: '27aa8378-b0f4-4289-84a4-405da95c6147'}) RETURN count(c) AS c")).toBe(1);
    const again = await sync('assets', BAD, 'assets:bad');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 200 });
  });

  it('cross-source: an asset with a Hostname custom field is the directory computer of that name', async () => {
    const ad = await runSync(
      graph,
      (async function* () {
        yield {
          kind: 'record' as const,
          record: {
            class: 'Computer',
            key: 'guid-ws-042',
            name: 'WS-042',
            attributes: { objectGUID: '0b0e5d1a-7d1c-4a53-9a38-0d9c1a2b3c4d', hostname: 'ws-042', os: 'Windows 11' },
            matchClasses: ['Server', 'VirtualMachine'],
            origin: 'test',
          },
        };
      })(),
      { source: 'ad', scope: 'test-ad' },
    );
    expect(ad.counts.created).toBe(1);
    const file = join(tmp, 'assets-hostname.csv');
    writeFileSync(file, 'Asset Tag,Name,Category,Serial,Hostname,Manufacturer\r\nLT-42,Dana laptop,Laptops,PF-42,WS-042,Lenovo\r\n');
    const report = await sync('assets', file, 'assets:hostname');
    expect(report.counts).toMatchObject({ read: 1, created: 0, updated: 1, conflicts: 0 });
    const rows = await graph.read("MATCH (c:Computer {key_hostname: 'ws-042'}) RETURN c.name AS name, c.sources AS sources, c.attributes AS a");
    expect(rows.length).toBe(1);
    expect(rows[0]!.name).toBe('WS-042'); // the directory named it first
    expect([...(rows[0]!.sources as string[])].sort()).toEqual(['ad', 'snipeit']);
    expect(JSON.parse(String(rows[0]!.a))).toMatchObject({ os: 'Windows 11', serialNumber: 'PF-42', assetTag: 'LT-42', manufacturer: 'Lenovo' });
  });

  it('the CLI: faultline import snipeit, encoding in the output, dry run and real run', () => {
    const blanks = join(DIR, 'assets-sample-BLANKS.csv');
    const dry = cli('snipeit', 'assets', blanks, '--dry-run', '--scope', 'assets:blanks');
    expect(dry.status).toBe(0);
    expect(dry.stderr).toContain('assets-sample-BLANKS.csv: read as windows-1252 (the bytes are not valid UTF-8), CR line endings');
    expect(dry.stderr).toContain('blank header columns 5, 9, 14 are ignored');
    expect(dry.stdout).toMatch(/^DRY_RUN RUN-\S+ \(snipeit assets:blanks\)/);
    // The BLANKS file holds the BAD file's 200 assets: already in the graph from another scope.
    expect(dry.stdout).toMatch(/read 200, created 0, updated 0, unchanged 200/);
    const real = cli('snipeit', 'assets', blanks, '--scope', 'assets:blanks', '--json');
    expect(real.status).toBe(0);
    const report = JSON.parse(real.stdout) as { status: string; source: string; counts: { unchanged: number } };
    expect(report).toMatchObject({ status: 'SUCCEEDED', source: 'snipeit', counts: { unchanged: 200 } });
    const usage = cli('snipeit', 'printers', blanks);
    expect(usage.status).not.toBe(0);
    expect(usage.stderr).toMatch(/Allowed choices are assets, users, locations/);
  });
});
