import { describe, expect, it } from 'vitest';
import { checkHeader, mapRow } from './map.js';
import { compileMapping, MappingError, type MappingInput } from './mapping.js';
import { parseCsv, readHeader, type Row } from './read.js';

const base: MappingInput = {
  source: 'finance',
  class: { column: 'Category', map: { Laptop: 'Computer', Server: 'Server', Printer: 'skip' } },
  key: 'Asset Tag',
  name: 'Name',
  attributes: {
    assetTag: 'Asset Tag',
    serialNumber: ['Serial', 'Serial Number'],
    purchaseCost: { column: 'Cost', type: 'number' },
    purchased: { column: 'Bought', type: 'date', format: 'mdy' },
    whenCreated: { column: 'Created', type: 'date', optional: true },
    cpuCores: { column: 'Cores', type: 'integer', optional: true },
    minUp: { column: 'Min Up', type: 'date', optional: true },
  },
  references: [
    { type: 'LOCATED_IN', target: { column: 'Location', identifier: 'locationId' } },
    {
      type: 'ASSIGNED_TO',
      target: [
        { column: 'User', identifier: 'sAMAccountName' },
        { column: 'Email', identifier: 'email' },
      ],
    },
  ],
};

function issues(input: unknown): { field: string; message: string }[] {
  try {
    compileMapping(input, 'm.json');
  } catch (e) {
    if (e instanceof MappingError) return e.issues;
    throw e;
  }
  return [];
}

function row(values: Record<string, string>, origin = 'f.csv:2'): Row {
  return { origin, get: (c) => Object.entries(values).find(([k]) => k.toLowerCase() === c.toLowerCase())?.[1] };
}

describe('mapping validation', () => {
  it('accepts a full mapping', () => {
    expect(issues(base)).toEqual([]);
  });

  it('names the mapping field of every shape error', () => {
    const found = issues({ ...base, key: '', attributes: { cost: { column: 'Cost', type: 'money' } }, extra: 1 });
    expect(found.map((i) => i.field)).toEqual(expect.arrayContaining(['key', 'attributes.cost', '']));
    expect(found.find((i) => i.field === '')!.message).toMatch(/extra/);
  });

  it('checks classes, relationship types, endpoints and identifiers against graph-schema', () => {
    const found = issues({
      ...base,
      class: { column: 'Category', map: { Laptop: 'Laptop', Pc: 'Computer' }, rules: [{ pattern: '(', class: 'Server' }] },
      matchClasses: ['Toaster'],
      attributes: { cost: { column: 'Cost', type: 'number', format: 'mdy' } },
      references: [
        { type: 'RUNS_ON', target: { column: 'Host', identifier: 'hostname' } },
        { type: 'LOCATED_IN', target: [{ column: 'Location', identifier: 'name' }] },
        { type: 'ASSIGNED_TO', target: { column: 'Rack', identifier: 'locationId' } },
        { type: 'LIVES_IN', target: { column: 'X', key: true } },
      ],
    });
    expect(found).toEqual(
      expect.arrayContaining([
        { field: 'class.map.Laptop', message: expect.stringMatching(/unknown class "Laptop"/) },
        { field: 'class.rules[0].pattern', message: expect.stringMatching(/not a regular expression/) },
        { field: 'matchClasses[0]', message: expect.stringMatching(/unknown class "Toaster"/) },
        { field: 'attributes.cost', message: '"format" and "as" apply to type "date" only' },
        { field: 'references[0].type', message: expect.stringMatching(/RUNS_ON cannot start at Computer\/Server \(allowed/) },
        { field: 'references[1].target[0].identifier', message: expect.stringMatching(/"name" is not an identifier/) },
        { field: 'references[2].target.identifier', message: expect.stringMatching(/"locationId" identifies no class a ASSIGNED_TO can end at/) },
        { field: 'references[3].type', message: 'unknown relationship type "LIVES_IN"' },
      ]),
    );
  });

  it('an error message lists every field', () => {
    expect(() => compileMapping({ class: 'Nope', key: 'k' }, 'm.json')).toThrow('m.json: invalid mapping: class: unknown class "Nope"');
  });

  it('checks a CSV header: required columns present, optional ones may be missing', () => {
    const m = compileMapping(base);
    expect(checkHeader(m, readHeader(['Category', 'Asset Tag', 'Name', 'serial', 'COST', 'Bought']))).toEqual([]);
    expect(checkHeader(m, readHeader(['Category', 'Tag', 'Cost']))).toEqual([
      'key: column "Asset Tag" not in the header',
      'name: column "Name" not in the header',
      'attributes.assetTag: column "Asset Tag" not in the header',
      'attributes.serialNumber: columns "Serial" / "Serial Number" not in the header',
      'attributes.purchased: column "Bought" not in the header',
    ]);
  });
});

describe('a row through a mapping', () => {
  const m = compileMapping(base);
  const good = { Category: ' laptop ', 'Asset Tag': 'A-1', Name: 'lap-1', 'Serial Number': 'SN1', Cost: '12.5', Bought: '1/23/23', Location: 'HQ', Email: 'a@b.c' };

  it('maps class by value, key, name, typed attributes, references (first non-blank target)', () => {
    expect(mapRow(m, row(good))).toEqual({
      kind: 'record',
      record: {
        class: 'Computer',
        key: 'A-1',
        name: 'lap-1',
        attributes: { assetTag: 'A-1', serialNumber: 'SN1', purchaseCost: 12.5, purchased: '2023-01-23T00:00:00.000Z' },
        references: [
          { type: 'LOCATED_IN', target: { identifier: { attribute: 'locationId', value: 'HQ' } } },
          { type: 'ASSIGNED_TO', target: { identifier: { attribute: 'email', value: 'a@b.c' } } },
        ],
        origin: 'f.csv:2',
      },
    });
  });

  it('writes a date as the class schema wants it: ISO for a datetime, epoch ms for a number', () => {
    const item = mapRow(m, row({ ...good, Created: '2024-02-01', 'Min Up': '1970-01-01' }));
    expect(item.kind === 'record' && item.record.attributes).toMatchObject({ whenCreated: '2024-02-01T00:00:00.000Z', minUp: 0 });
  });

  it('rejects a bad row naming the line, every bad field and the reason', () => {
    expect(mapRow(m, row({ ...good, Cost: 'cheap', Bought: '13/45/23', Cores: '2.5' }, 'f.csv:9'))).toEqual({
      kind: 'rejected',
      origin: 'f.csv:9',
      reason:
        'purchaseCost (column "Cost"): "cheap" is not a number; purchased (column "Bought"): "13/45/23" is not a date (mdy); cpuCores (column "Cores"): "2.5" is not a whole number',
      // What did convert identifies the CI the file still lists: the engine keeps it.
      identifiers: { serialNumber: 'SN1', assetTag: 'A-1' },
      key: 'A-1',
    });
    expect(mapRow(m, row({ ...good, 'Asset Tag': ' ' }))).toMatchObject({ kind: 'rejected', reason: 'key: column "Asset Tag" is blank' });
    // Without a class the row still names its CI by the identifiers it holds.
    expect(mapRow(m, row({ ...good, Category: 'Toaster' }))).toEqual({
      kind: 'rejected',
      origin: 'f.csv:2',
      reason: 'class: column "Category" value "Toaster" is in neither class.map nor class.rules, and there is no class.default',
      identifiers: { serialNumber: 'SN1', assetTag: 'A-1' },
      key: 'A-1',
    });
    expect(mapRow(m, row({ ...good, Category: 'printer' }))).toMatchObject({ kind: 'skipped' });
  });

  it('rejects a row whose duplicated column copies disagree, naming the field and the columns', async () => {
    const text = 'Category,Asset Tag,Name,Cost,Bought,Category\nLaptop,A-1,a,1,1/1/24,Laptop\nLaptop,A-2,b,1,1/1/24,Server\n';
    const items = [];
    for await (const item of parseCsv({ text }, 'd.csv')) if (item.kind === 'row') items.push(mapRow(m, item.row));
    expect(items[0]).toMatchObject({ kind: 'record', record: { class: 'Computer', key: 'A-1' } });
    expect(items[1]).toEqual({
      kind: 'rejected',
      origin: 'd.csv:3',
      reason: 'class: column "Category" appears 2 times (columns 1, 6) with different values: "Laptop", "Server"',
      identifiers: { assetTag: 'A-2' },
      key: 'A-2',
    });
  });

  it('says when a rejected row cannot be a CI: every identifier cell blank, none unreadable', async () => {
    const blank = mapRow(m, row({ ...good, 'Asset Tag': '', 'Serial Number': '', Cost: 'cheap' }));
    expect(blank).toMatchObject({ kind: 'rejected', noCI: true });
    const text = 'Category,Asset Tag,Name,Cost,Bought,Serial Number,Serial Number\nLaptop,,b,cheap,1/1/24,S1,S2\n';
    for await (const item of parseCsv({ text }, 'e.csv')) {
      if (item.kind !== 'row') continue;
      const rejected = mapRow(m, item.row);
      expect(rejected.kind).toBe('rejected');
      expect(rejected).not.toHaveProperty('noCI');
      expect(rejected).not.toHaveProperty('identifiers');
    }
  });

  it('names a row without a name after its key', () => {
    const item = mapRow(m, row({ ...good, Name: '' }));
    expect(item.kind === 'record' && item.record.name).toBe('A-1');
  });
});

describe('the documented example', () => {
  it('docs/inventory.md: the full mapping example is valid', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/inventory.md', import.meta.url), 'utf8');
    const example = /```json\n([\s\S]*?)\n```/.exec(doc)![1]!;
    expect(() => compileMapping(JSON.parse(example), 'docs/inventory.md')).not.toThrow();
  });
});
