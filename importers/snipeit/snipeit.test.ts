/** The built-in Snipe-IT mappings on Snipe-IT's own sample files (read in place). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SourceItem } from '../sync/index.js';
import { snipeitMapping, snipeitRecords, SNIPEIT_KINDS, type SnipeitKind } from './index.js';

const DIR = '../shared/fixtures/third-party/snipe-it-sample-csvs/sample_csvs';

async function all(kind: SnipeitKind, file: string, options = {}) {
  const notices: string[] = [];
  const items: SourceItem[] = [];
  for await (const item of snipeitRecords(kind, join(DIR, file), { ...options, onNotice: (m) => notices.push(m) })) items.push(item);
  const records = items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
  return { items, records, notices };
}

describe('Snipe-IT built-in mappings', () => {
  it('are valid mappings', () => {
    for (const kind of SNIPEIT_KINDS) expect(() => snipeitMapping(kind)).not.toThrow();
    expect(() => snipeitMapping('assets', { defaultClass: 'Toaster' })).toThrow(/class.default: unknown class "Toaster"/);
  });

  it('assets-sample.csv (UTF-8 with BOM): 22 assets keyed by asset tag, dates and costs converted', async () => {
    const { records, notices, items } = await all('assets', 'assets-sample.csv');
    expect(notices).toEqual(['assets-sample.csv: read as UTF-8 with BOM, LF line endings']);
    expect(items.length).toBe(22);
    expect(records[0]).toMatchObject({
      class: 'Computer',
      key: 'ICC-2065556',
      name: 'Backhoe',
      origin: 'assets-sample.csv:2',
      attributes: { assetTag: 'ICC-2065556', company: 'Abshire and Sons', model: 'Macbook Pro 13"', purchaseDate: '2023-01-23T00:00:00.000Z', purchaseCost: 2266.13 },
      references: [{ type: 'LOCATED_IN', target: { identifier: { attribute: 'locationId', value: 'Wilkinson, Waters and Kerluke' } } }],
    });
    // Checked out to a user: ASSIGNED_TO by username; checked out to a location: LOCATED_IN that one.
    expect(records[1]!.references).toContainEqual({ type: 'ASSIGNED_TO', target: { identifier: { attribute: 'sAMAccountName', value: 'gmccrackem2a' } } });
    expect(records[2]!.references).toEqual([{ type: 'LOCATED_IN', target: { identifier: { attribute: 'locationId', value: 'Pacocha-Kiehn' } } }]);
  });

  it('assets-sample-BAD.csv (cp1252, CR-only, duplicate headers): decoded, lines counted, duplicates agree', async () => {
    const { records, notices, items } = await all('assets', 'assets-sample-BAD.csv');
    expect(notices[0]).toBe('assets-sample-BAD.csv: read as windows-1252 (the bytes are not valid UTF-8), CR line endings');
    expect(notices[1]).toMatch(/duplicate header columns "Company" \(columns 4, 17\), "Category" \(columns 6, 13\)/);
    expect(items.length).toBe(200);
    expect(records.every((r) => r.class === 'Computer')).toBe(true);
    expect(records[0]).toMatchObject({ key: '970882174-8', origin: 'assets-sample-BAD.csv:2', attributes: { serialNumber: '27aa8378-b0f4-4289-84a4-405da95c6147', warrantyMonths: 14 } });
    expect(records[199]!.origin).toBe('assets-sample-BAD.csv:201');
    // cp1252 bytes became the right characters, not U+FFFD.
    expect(JSON.stringify(records)).not.toContain('\uFFFD');
  });

  it('assets-sample-BLANKS.csv: blank header columns ignored', async () => {
    const { records, notices } = await all('assets', 'assets-sample-BLANKS.csv');
    expect(notices[1]).toBe('assets-sample-BLANKS.csv: blank header columns 5, 9, 14 are ignored');
    expect(records.length).toBe(200);
  });

  it('category decides the class; an override map and default class win', async () => {
    const { records } = await all('assets', 'assets-sample.csv', { classMap: { Electrical: 'Server', HVAC: 'skip' }, defaultClass: 'NetworkDevice' });
    expect(records.find((r) => r.key === 'YOO-5936907')!.class).toBe('Server');
    expect(records.find((r) => r.key === 'OID-4455781')).toBeUndefined();
    expect(records.find((r) => r.key === 'ICC-2065556')!.class).toBe('NetworkDevice');
  });

  it('users and locations', async () => {
    const users = await all('users', 'users-sample.csv');
    expect(users.records.length).toBe(100);
    expect(users.records[0]).toMatchObject({
      class: 'User',
      key: 'rtenant0',
      name: 'Reagen Tenant',
      attributes: { sAMAccountName: 'rtenant0', email: 'rtenant0@istockphoto.com', enabled: true, startDate: '2022-03-18T00:00:00.000Z' },
    });
    const locations = await all('locations', 'locations-sample.csv');
    expect(locations.records.length).toBe(19);
    expect(locations.records[0]).toMatchObject({
      class: 'Location',
      key: 'Peace River',
      attributes: { locationId: 'Peace River', address: '8 Brentwood Court, Birendranagar, AB, T8S, CA' },
      references: [{ type: 'MANAGED_BY', target: { identifier: { attribute: 'sAMAccountName', value: 'dmostyn0' } } }],
    });
  });
});
