import { describe, expect, it } from 'vitest';
import { identifierProperties, normalizeIdentifier, searchText, searchWords } from './identifiers.js';

describe('identifiers', () => {
  it('normalises case and blanks, ignores empty and non-scalar values', () => {
    expect(normalizeIdentifier('  SN-1 ')).toBe('sn-1');
    expect(normalizeIdentifier(42)).toBe('42');
    expect(normalizeIdentifier('   ')).toBeNull();
    expect(normalizeIdentifier({ a: 1 })).toBeNull();
  });

  it("stores only the class's identifying attributes", () => {
    expect(identifierProperties('Server', { serialNumber: 'ABC', hostname: 'Web01', os: 'Linux' })).toEqual({
      key_serialNumber: 'abc',
      key_hostname: 'web01',
    });
    expect(identifierProperties('NoSuchClass', { serialNumber: 'x' })).toEqual({});
  });

  it('makes search text from identifier values and name words', () => {
    expect(searchWords('catalog-db web01.corp.example')).toEqual(['catalog', 'db', 'web01', 'corp', 'example']);
    const text = searchText('Server', { fqdn: 'web01.corp.example', os: 'Linux' }, 'Web farm-1').split(' ');
    expect(text).toEqual(expect.arrayContaining(['web01.corp.example', 'web01', 'corp', 'example', 'web', 'farm', '1']));
    expect(text).not.toContain('linux');
  });
});
