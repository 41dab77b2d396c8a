import { describe, expect, it } from 'vitest';
import { identifierProperties, normalizeIdentifier, searchText, searchWords, sortKey } from './identifiers.js';

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

  it('keys names so that UTF-16 order is code point order, with no surrogate left', () => {
    expect(sortKey('web-01')).toBeNull();
    expect(sortKey('\uff5e-audit')).toBeNull();
    const codePoints = (x: string) => Array.from(x, (c) => c.codePointAt(0)!);
    const byCodePoint = (a: string, b: string) => {
      const [x, y] = [codePoints(a), codePoints(b)];
      for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k]! - y[k]!;
      return x.length - y.length;
    };
    const byUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const alphabet = ['a', 'z', '\u00e9', '\u65e5', '\ud7ff', '\ue000', '\uff5e', '\ufffe', '\uffff', '\u{1f600}', '\u{10000}', '\u{10ffff}', '\u{1f4a9}', '\u0000'];
    let seed = 3;
    const random = (k: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % k);
    const names = Array.from({ length: 400 }, () => Array.from({ length: 1 + random(4) }, () => alphabet[random(alphabet.length)]).join(''));
    const key = (x: string) => sortKey(x) ?? x;
    for (const name of names) expect(key(name)).not.toMatch(/[\ud800-\udfff]/);
    const expected = [...names].sort(byCodePoint);
    expect([...names].sort((a, b) => byUnits(key(a), key(b)) || byCodePoint(a, b))).toEqual(expected);
    // Distinct names, distinct keys.
    expect(new Set(names.map(key)).size).toBe(new Set(names).size);
  });
});
