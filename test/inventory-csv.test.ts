/**
 * The generic inventory adapter (importers/csv) through the engine and the CLI: a real
 * CSV with quoted multi-line fields (Snipe-IT's licences sample, read in place) under a
 * mapping file, and JSON and cp1252/CR-only files written to a temp dir.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileMapping, csvRecords, jsonRecords, type MappingInput } from '../importers/csv/index.js';
import { runSync } from '../importers/sync/index.js';
import type { Graph } from '../server/db/index.js';
import { runImportCli as cli } from './helpers/cli.js';
import { closeTestGraph, countOf, testGraph, wipe } from './helpers/neo4j.js';

const LICENSES = '../shared/fixtures/third-party/snipe-it-sample-csvs/sample_csvs/licenses-sample.csv';
const tmp = mkdtempSync(join(tmpdir(), 'inventory-csv-test-'));

/** Software licences as Application CIs identified by their licence key: what a mapping can say. */
const licenceMapping: MappingInput = {
  source: 'licences',
  class: 'Application',
  key: 'serial number',
  name: 'Item name',
  attributes: {
    appId: 'serial number',
    manufacturer: { column: 'manufacturer', type: 'string' },
    purchaseDate: { column: 'purchase date', type: 'date', format: 'mdy' },
    purchaseCost: 'purchase cost',
    expires: { column: 'expiration date', type: 'date', format: 'mdy', as: 'epochMs' },
    maintained: { column: 'maintained', type: 'boolean' },
    reassignable: { column: 'reassignable', type: 'boolean' },
    seats: { column: 'seats', type: 'integer' },
    description: 'notes',
  },
  references: [{ type: 'ASSIGNED_TO', target: [{ column: 'Licensed to Email', identifier: 'email' }] }],
};

let graph: Graph;
const syncCsv = (file: string, mapping: MappingInput, scope: string) =>
  runSync(graph, csvRecords(file, compileMapping(mapping)), { source: mapping.source ?? 'csv', scope });

const count = (cypher: string) => countOf(graph, cypher);

beforeAll(async () => {
  graph = await testGraph();
  await wipe(graph);
});
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await closeTestGraph();
});

describe('generic CSV with a mapping file', () => {
  it('a real CSV with multi-line fields: rows land, bad rows are rejected by physical line and field', async () => {
    const report = await syncCsv(LICENSES, licenceMapping, 'licences');
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ read: 47, created: 47, rejected: 3, conflicts: 0 });
    const why = 'reassignable (column "reassignable"): "sometimes" is not a yes/no value (true/false, yes/no, 1/0)';
    expect(report.rejections).toEqual([
      { origin: 'licenses-sample.csv:30', reason: why },
      { origin: 'licenses-sample.csv:70', reason: why },
      { origin: 'licenses-sample.csv:86', reason: why },
    ]);
    const first = await graph.read("MATCH (a:Application {key_appId: '4c2713a1-5b73-4ecb-b2e9-62bf0ff57165'}) RETURN a.name AS name, a.attributes AS attrs");
    expect(first[0]!.name).toBe('Acetaminophen, Chlorpheniramine maleate, Phenylephrine HCl');
    const attrs = JSON.parse(String(first[0]!.attrs)) as Record<string, unknown>;
    expect(attrs).toMatchObject({
      purchaseDate: '2008-11-24T00:00:00.000Z',
      expires: Date.UTC(2016, 1, 26),
      purchaseCost: '$12.58',
      maintained: false,
      reassignable: true,
      seats: 56,
    });
    expect(String(attrs.description)).toContain('elit.\n\nProin interdum');
    // The licensees are not users of the graph: their references are unresolved, not rejections.
    expect(report.unresolved.count).toBe(47);
  });

  it('the same file again changes nothing; a record removed is retired on the next full run', async () => {
    const again = await syncCsv(LICENSES, licenceMapping, 'licences');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 47, retired: 0 });
    const lines = readFileSync(LICENSES, 'utf8').split('\n');
    expect(lines[4]).toMatch(/^Brant Turley,/); // line 5, one physical line
    const file = join(tmp, 'licenses-minus-one.csv');
    writeFileSync(file, [...lines.slice(0, 4), ...lines.slice(5)].join('\n'));
    const report = await syncCsv(file, licenceMapping, 'licences');
    expect(report.counts).toMatchObject({ read: 46, unchanged: 46, retired: 1 });
    // Line numbers after the removed line moved up by one.
    expect(report.rejections[0]!.origin).toBe('licenses-minus-one.csv:29');
    expect(await count("MATCH (a:Application {key_appId: '9dda5116-ec27-4a64-a566-1cb06513460f'}) WHERE a.status = 'RETIRED' RETURN count(a) AS c")).toBe(1);
  });

  it('a file that lacks a mapped column fails the run before writing anything', async () => {
    const report = await syncCsv(LICENSES, { ...licenceMapping, key: 'License Key' }, 'licences-2');
    expect(report.status).toBe('FAILED');
    expect(report.error).toMatch(/does not fit the mapping: key: column "License Key" not in the header/);
    expect(report.counts.created).toBe(0);
  });

  it('windows-1252, CR-only, class from a column, references by key of another row', async () => {
    const mapping: MappingInput = {
      source: 'racks',
      class: { column: 'Kind', map: { Rack: 'Location', Switch: 'NetworkDevice' }, rules: [{ pattern: '^srv', class: 'Server' }], default: 'skip' },
      key: 'Tag',
      name: 'Name',
      attributes: {
        assetTag: { column: 'Tag', optional: true },
        locationId: { column: 'Rack Id', optional: true },
        serialNumber: { column: 'Serial', optional: true },
        cpuCores: { column: 'Cores', type: 'integer', optional: true },
        description: { column: 'Notes', optional: true },
      },
      references: [{ type: 'LOCATED_IN', target: { column: 'In', key: true } }],
    };
    const rows = [
      'Tag,Name,Kind,Rack Id,Serial,Cores,In,Notes',
      'R1,Rack Zürich 1,Rack,zrh-r1,,,,',
      'S1,srv-1,srv-linux,,SN-1,16,R1,"two\rlines"',
      'S2,srv-2,srv-linux,,SN-2,many,R1,',
      'SW1,core-sw,Switch,,SN-3,,R1,',
      'P1,printer,Printer,,SN-4,,R1,',
    ];
    const file = join(tmp, 'racks.csv');
    writeFileSync(file, Buffer.from(rows.join('\r'), 'latin1'));
    const notices: string[] = [];
    const report = await runSync(graph, csvRecords(file, compileMapping(mapping), { onNotice: (m) => notices.push(m) }), { source: 'racks', scope: 'racks' });
    expect(notices).toEqual(['racks.csv: read as windows-1252 (the bytes are not valid UTF-8), CR line endings']);
    expect(report.counts).toMatchObject({ read: 3, created: 3, rejected: 1, skipped: 1, relationshipsCreated: 2 });
    expect(report.rejections).toEqual([{ origin: 'racks.csv:5', reason: 'cpuCores (column "Cores"): "many" is not a number' }]);
    const placed = await graph.read(
      "MATCH (d)-[r:LOCATED_IN]->(l:Location) WHERE r.validTo IS NULL RETURN d.name AS d, labels(d) AS k, l.name AS l ORDER BY d",
    );
    expect(placed.map((p) => [p.d, p.l])).toEqual([
      ['core-sw', 'Rack Zürich 1'],
      ['srv-1', 'Rack Zürich 1'],
    ]);
  });

  it('a row rejected for its class or its shape withdraws nothing it may be', async () => {
    const mapping: MappingInput = {
      source: 'boxes',
      class: { column: 'Type', map: { server: 'Server' } },
      key: 'Tag',
      name: 'Host',
      attributes: { assetTag: 'Tag', serialNumber: 'Serial', hostname: 'Host' },
    };
    const write = (name: string, rows: string[]) => {
      const file = join(tmp, name);
      writeFileSync(file, rows.join('\n'));
      return file;
    };
    const header = 'Tag,Type,Serial,Host';
    await runSync(graph, csvRecords(write('boxes1.csv', [header, 'B1,server,S1,web01', 'B2,server,S2,web02', 'B3,server,S3,db01']), compileMapping(mapping)), { source: 'boxes', scope: 'boxes' });
    // B2's type is misspelt: its identifiers still name web02, which is kept as it is.
    const misspelt = await runSync(graph, csvRecords(write('boxes2.csv', [header, 'B1,server,S1,web01', 'B2,sever,S2,web02', 'B3,server,S3,db01']), compileMapping(mapping)), { source: 'boxes', scope: 'boxes', force: true });
    expect(misspelt.counts).toMatchObject({ rejected: 1, retired: 0, withdrawn: 0 });
    expect(misspelt.withdrawalHeld).toBeUndefined();
    // B3's row has a cell too many: nothing identifies it, so nothing at all is withdrawn.
    const shifted = await runSync(graph, csvRecords(write('boxes3.csv', [header, 'B1,server,S1,web01', 'B2,server,S2,web02', 'B3,server,S3,db01,extra']), compileMapping(mapping)), { source: 'boxes', scope: 'boxes', force: false });
    expect(shifted.counts).toMatchObject({ rejected: 1, retired: 0, withdrawn: 0 });
    expect(shifted.withdrawalHeld).toContain('boxes3.csv:4');
    expect(await count("MATCH (c:CI {class: 'Server', status: 'ACTIVE'}) WHERE c.name IN ['web01', 'web02', 'db01'] RETURN count(c) AS c")).toBe(3);
  });
});

describe('JSON with a mapping file', () => {
  it('records at recordsPath; a bad record is rejected by its index', async () => {
    const file = join(tmp, 'inventory.json');
    writeFileSync(
      file,
      JSON.stringify({
        meta: { exported: '2026-11-27' },
        data: {
          assets: [
            { id: 1, hostname: 'web-01', serial: 'J-1', cores: 8, site: { name: 'zrh-r1' } },
            { id: 2, hostname: 'web-02', serial: 'J-2', cores: '8x', site: { name: 'zrh-r1' } },
            'not an object',
            { id: 4, hostname: 'web-04', serial: 'J-4', cores: 4, site: null },
          ],
        },
      }),
    );
    const mapping = compileMapping({
      source: 'cmdb-json',
      recordsPath: 'data.assets',
      class: 'Server',
      matchClasses: ['Computer'],
      key: 'id',
      name: 'hostname',
      attributes: { hostname: 'hostname', serialNumber: 'serial', cpuCores: { column: 'cores', type: 'integer' } },
      references: [{ type: 'LOCATED_IN', target: { column: 'site.name', identifier: 'locationId' } }],
    });
    const report = await runSync(graph, jsonRecords(file, mapping), { source: 'cmdb-json', scope: 'json' });
    expect(report.counts).toMatchObject({ read: 2, created: 2, rejected: 2, relationshipsCreated: 1 });
    expect(report.rejections).toEqual([
      { origin: 'inventory.json[1]', reason: 'cpuCores (column "cores"): "8x" is not a number' },
      { origin: 'inventory.json[2]', reason: 'record is not an object' },
    ]);
    const again = await runSync(graph, jsonRecords(file, mapping), { source: 'cmdb-json', scope: 'json' });
    expect(again.counts).toMatchObject({ unchanged: 2, created: 0, updated: 0 });
  });
});

describe('the CLI: faultline import csv|json', () => {
  it('runs a mapping file, reports the encoding; a bad mapping names its fields and exits 1', () => {
    const mappingFile = join(tmp, 'licences.json');
    writeFileSync(mappingFile, JSON.stringify(licenceMapping));
    const dry = cli('csv', LICENSES, '--mapping', mappingFile, '--scope', 'licences', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stderr).toContain('licenses-sample.csv: read as UTF-8, LF line endings');
    expect(dry.stdout).toMatch(/^DRY_RUN RUN-\S+ \(licences licences\)/);
    expect(dry.stdout).toContain('rejected licenses-sample.csv:30: reassignable');
    const badFile = join(tmp, 'bad-mapping.json');
    writeFileSync(badFile, JSON.stringify({ ...licenceMapping, class: 'Licence', references: [{ type: 'OWNS', target: { column: 'x', identifier: 'email' } }] }));
    const bad = cli('json', join(tmp, 'inventory.json'), '--mapping', badFile);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${badFile}: invalid mapping: class: unknown class "Licence"`);
    expect(bad.stderr).toContain('references[0].type: unknown relationship type "OWNS"');
  });
});
