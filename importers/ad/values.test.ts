import { describe, expect, it } from 'vitest';
import {
  accountEnabled,
  decodeFiletime,
  decodeGeneralizedTime,
  decodeGroupType,
  decodeGuid,
  dnsDomainOf,
  encodeFiletime,
  encodeGuid,
  normalizeDN,
  parentDN,
  rdnValue,
} from './values.js';

describe('directory values', () => {
  it('decodes objectGUID bytes (first three fields little-endian) and round-trips', () => {
    const bytes = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    expect(decodeGuid(bytes)).toBe('04030201-0605-0807-090a-0b0c0d0e0f10');
    expect(encodeGuid('04030201-0605-0807-090a-0b0c0d0e0f10').equals(bytes)).toBe(true);
    expect(decodeGuid('{6F9619FF-8B86-D011-B42D-00C04FC964FF}')).toBe('6f9619ff-8b86-d011-b42d-00c04fc964ff');
    expect(decodeGuid(Buffer.alloc(3))).toBeNull();
  });

  it('decodes Windows FILETIME and GeneralizedTime; 0 and never are no date', () => {
    expect(decodeFiletime('133497504000000000')).toBe('2024-01-15T00:00:00.000Z');
    expect(decodeFiletime(encodeFiletime(new Date('2020-02-29T12:34:56.789Z')))).toBe('2020-02-29T12:34:56.789Z');
    expect(decodeFiletime('0')).toBeNull();
    expect(decodeFiletime('9223372036854775807')).toBeNull();
    expect(decodeGeneralizedTime('20240131120000.0Z')).toBe('2024-01-31T12:00:00.000Z');
    expect(decodeGeneralizedTime('20240131120000+0200')).toBe('2024-01-31T10:00:00.000Z');
    expect(decodeGeneralizedTime('yesterday')).toBeNull();
  });

  it('reads account and group flags', () => {
    expect(accountEnabled('512')).toBe(true);
    expect(accountEnabled('514')).toBe(false);
    expect(accountEnabled(undefined)).toBeNull();
    expect(decodeGroupType('-2147483646')).toBe('security-global');
    expect(decodeGroupType('2147483650')).toBe('security-global');
    expect(decodeGroupType('8')).toBe('distribution-universal');
  });

  it('normalises DNs without breaking escaped commas or multi-valued RDNs', () => {
    expect(normalizeDN('CN=Smith\\, John , OU=Staff,DC=corp')).toBe('CN=Smith\\, John,OU=Staff,DC=corp');
    expect(parentDN('cn=Amy Wong+sn=Kroker,ou=people,dc=planetexpress,dc=com')).toBe('ou=people,dc=planetexpress,dc=com');
    expect(rdnValue('CN=Smith\\, John,OU=Staff')).toBe('Smith, John');
    expect(dnsDomainOf('OU=x,DC=corp,DC=Example,DC=test')).toBe('corp.example.test');
    expect(parentDN('DC=test')).toBeNull();
  });
});
