/**
 * The AD importer from LDIF: the real OpenLDAP "Planet Express" exports in
 * ../shared/fixtures (read in place, never copied), through the engine and through the
 * `faultline` CLI as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const tmp = mkdtempSync(join(tmpdir(), 'faultline-ad-ldif-'));

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
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await closeTestGraph();
});

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

  it('a missing blank line between two entries rejects the first (its CI kept) and imports the second', async () => {
    const gil = ['dn: cn=Gil One,dc=acme,dc=test', 'objectClass: inetOrgPerson', 'cn: Gil One', 'uid: gil'];
    const hal = ['dn: cn=Hal Two,dc=acme,dc=test', 'objectClass: inetOrgPerson', 'cn: Hal Two', 'uid: hal'];
    const file = join(tmp, 'acme.ldif');
    writeFileSync(file, [...gil, '', ...hal, ''].join('\n'));
    expect((await sync([file])).counts).toMatchObject({ created: 2, rejected: 0 });
    // The same file with the blank line lost: Gil is rejected, not merged into, nor withdrawn.
    writeFileSync(file, [...gil, ...hal, 'title: Pilot', ''].join('\n'));
    const report = await sync([file]);
    expect(report.status).toBe('SUCCEEDED');
    expect(report.counts).toMatchObject({ read: 1, rejected: 1, updated: 1, withdrawn: 0, retired: 0 });
    expect(report.rejections).toEqual([{ origin: 'acme.ldif:1', reason: 'no blank line before the next dn: at line 5' }]);
    const users = await graph.read(
      "MATCH (u:User) WHERE u.key_sAMAccountName IN ['gil', 'hal'] RETURN u.name AS name, u.status AS status, u.attributes AS a",
    );
    const seen = users.map((u) => [u.name, u.status, (JSON.parse(String(u.a)) as { title?: string }).title ?? null]);
    expect(seen.sort()).toEqual([
      ['Gil One', 'ACTIVE', null],
      ['Hal Two', 'ACTIVE', 'Pilot'],
    ]);
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
    // A precedence file that is not JSON is named, as a bad --mapping is.
    const precedence = join(tmp, 'precbad.json');
    writeFileSync(precedence, '{bad json');
    const badPrecedence = cli('ad-ldif', ...DATA, '--dry-run', '--precedence', precedence);
    expect(badPrecedence.status).toBe(1);
    expect(badPrecedence.stderr).toContain(`faultline: ${precedence}: not readable JSON: Expected property name`);
  });
});
