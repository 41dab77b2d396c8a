/**
 * The AD importer from LDIF: the real OpenLDAP "Planet Express" exports in
 * ../shared/fixtures (read in place, never copied), through the engine and through the
 * `faultline` CLI as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ldifRecords, ldifScope } from '../importers/ad/index.js';
import { runSync } from '../importers/sync/index.js';
import type { Graph } from '../server/db/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';

const FIXTURES = '../shared/fixtures/third-party/docker-test-openldap-planetexpress';
const DATA = readdirSync(join(FIXTURES, 'data'))
  .sort()
  .map((f) => join(FIXTURES, 'data', f));
const LARGE = join(FIXTURES, 'large-group', 'large-group-2000-members.ldif');

let graph: Graph;
const sync = (files: string[]) => runSync(graph, ldifRecords(files), { source: 'ad', scope: ldifScope(files) });

function cli(...args: string[]) {
  const { uri, user, password } = inject('neo4j');
  return spawnSync(process.execPath, ['importers/cli/bin.js', 'import', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NEO4J_URI: uri, NEO4J_USER: user, NEO4J_PASSWORD: password },
  });
}

beforeAll(async () => {
  graph = await testGraph();
  await wipe(graph);
});
afterAll(closeTestGraph);

describe('AD from LDIF (Planet Express, OpenLDAP exports)', () => {
  it('imports the crew: OU, 7 people (base64 photos and passwords dropped), 2 groups with members', async () => {
    const report = await sync(DATA);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ read: 10, created: 10, rejected: 0, relationshipsCreated: 9 + 5 });
    const fry = await graph.read("MATCH (u:User {key_sAMAccountName: 'fry'}) RETURN u.name AS name, u.attributes AS a");
    expect(fry[0]!.name).toBe('Fry');
    const attributes = JSON.parse(String(fry[0]!.a)) as Record<string, unknown>;
    expect(attributes).toMatchObject({ email: 'fry@planetexpress.com', title: 'Delivery boy', department: 'Delivering Crew' });
    expect(Object.keys(attributes)).not.toContain('userPassword');
    expect(Object.keys(attributes)).not.toContain('jpegPhoto');
    const crew = await graph.read(
      "MATCH (u:User)-[r:MEMBER_OF]->(:Group {name: 'ship_crew'}) WHERE r.validTo IS NULL RETURN u.name AS name ORDER BY name",
    );
    expect(crew.map((r) => r.name)).toEqual(['Bender', 'Fry', 'Turanga Leela']);
    // Amy's DN has a multi-valued RDN (cn=Amy Wong+sn=Kroker); she sits in ou=people.
    const amy = await graph.read("MATCH (:User {key_sAMAccountName: 'amy'})-[:CONTAINED_IN]->(o) RETURN o.name AS ou");
    expect(amy).toEqual([{ ou: 'people' }]);
    const again = await sync(DATA);
    expect(again.counts).toMatchObject({ created: 0, updated: 0, unchanged: 10, relationshipsCreated: 0 });
  });

  it('imports the 2,000-member group file as it is', async () => {
    const report = await sync([LARGE]);
    expect(report.counts).toMatchObject({ read: 2002, created: 2002, rejected: 0 });
    const members = await graph.read("MATCH (:Group {name: 'large_group'})<-[r:MEMBER_OF]-(u:User) RETURN count(u) AS c");
    expect(members).toEqual([{ c: 2000 }]);
  });

  it('rejects the change records of the config LDIF with their line numbers', async () => {
    const report = await sync([join(FIXTURES, 'config', 'memberof.ldif'), join(FIXTURES, 'config', 'msad.ldif')]);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts.created).toBe(0);
    expect(report.rejections.map((r) => r.origin)).toEqual(['memberof.ldif:3', 'memberof.ldif:21', 'msad.ldif:5', 'msad.ldif:13']);
    expect(report.rejections[0]!.reason).toMatch(/change record \(changetype: modify\)/);
  });

  it('the faultline CLI: dry run, summary, plain progress lines, non-zero exit on a failed run', () => {
    const dry = cli('ad-ldif', ...DATA, '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^DRY_RUN RUN-/);
    expect(dry.stdout).toMatch(/nothing changed/);
    expect(dry.stderr).toMatch(/read: \d+ read/);
    const missing = cli('ad-ldif', 'no-such-file.ldif');
    expect(missing.status).toBe(1);
    expect(missing.stdout).toMatch(/FAILED .*\n[\s\S]*error: ENOENT/);
    const usage = cli('ad-ldif');
    expect(usage.status).not.toBe(0);
  });
});
