import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ldifFileEncoding, readLdif, type LdifItem } from './ldif.js';

async function parse(text: string): Promise<LdifItem[]> {
  const out: LdifItem[] = [];
  for await (const item of readLdif(Readable.from([text]))) out.push(item);
  return out;
}

describe('LDIF reader', () => {
  it('reads version, comments, folded lines, base64 and binary values, options, CRLF', async () => {
    const guid = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex').toString('base64');
    const items = await parse(
      [
        'version: 1',
        '',
        '# a comment that is',
        '  folded',
        'dn: CN=J\\C3\\A9r\\C3\\B4me,OU=Staff,DC=corp',
        'changetype: add',
        'objectClass: user',
        `objectGUID:: ${guid}`,
        'description: a long val',
        ' ue folded',
        'displayName:: SsOpcsO0bWU=',
        'member;range=0-1: CN=a',
        'member;range=0-1: CN=b',
        '',
        '',
        'dn:: Q049Wm/DqyxEQz1jb3Jw',
        'cn: Zoë',
      ].join('\r\n'),
    );
    expect(items).toHaveLength(2);
    const [a, b] = items as Extract<LdifItem, { kind: 'entry' }>[];
    expect(a!.entry.line).toBe(5);
    expect(a!.entry.attributes.get('description')).toEqual(['a long value folded']);
    expect((a!.entry.attributes.get('objectguid')![0] as Buffer).toString('hex')).toBe('0102030405060708090a0b0c0d0e0f10');
    expect((a!.entry.attributes.get('displayname')![0] as Buffer).toString('utf8')).toBe('Jérôme');
    expect(a!.entry.attributes.get('member')).toEqual(['CN=a', 'CN=b']);
    expect(a!.entry.attributes.has('changetype')).toBe(false);
    expect(b!.entry.dn).toBe('CN=Zoë,DC=corp');
    expect(b!.entry.line).toBe(16);
  });

  it('rejects change records, URL values and bad base64 with their line, and goes on', async () => {
    const items = await parse(
      [
        'dn: cn=x,dc=corp',
        'changetype: modify',
        'add: member',
        'member: cn=y',
        '-',
        '',
        'dn: cn=photo,dc=corp',
        'jpegPhoto:< file:///etc/passwd',
        '',
        'dn: cn=bad,dc=corp',
        'userCertificate:: !!!',
        '',
        'cn: no dn here',
        '',
        'dn: cn=ok,dc=corp',
        'cn: ok',
      ].join('\n'),
    );
    expect(items.map((i) => (i.kind === 'error' ? `${i.line}: ${i.reason.slice(0, 25)}` : i.entry.dn))).toEqual([
      '2: change record (changetype',
      '8: URL values (jpegPhoto:< .',
      '11: userCertificate:: is not ',
      '13: a record must start with ',
      'cn=ok,dc=corp',
    ]);
  });

  const GIL = [
    'dn: cn=Gil One,dc=acme,dc=test',
    'objectClass: inetOrgPerson',
    'cn: Gil One',
    'uid: gil',
    'entryUUID: dddddddd-dddd-dddd-dddd-dddddddddddd',
  ];
  const HAL = [
    'dn: cn=Hal Two,dc=acme,dc=test',
    'objectClass: inetOrgPerson',
    'cn: Hal Two',
    'uid: hal',
    'mail: hal@acme.test',
    'entryUUID: eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee',
  ];

  it('a dn: line inside a record (no blank line before it) rejects that record and reads the next one', async () => {
    const items = await parse([...GIL, ...HAL].join('\n'));
    expect(items).toHaveLength(2);
    expect(items[0]).toEqual({
      kind: 'error',
      line: 1,
      dn: 'cn=Gil One,dc=acme,dc=test',
      reason: 'no blank line before the next dn: at line 6',
    });
    const hal = items[1] as Extract<LdifItem, { kind: 'entry' }>;
    expect(hal.kind).toBe('entry');
    expect(hal.entry.dn).toBe('cn=Hal Two,dc=acme,dc=test');
    expect(hal.entry.line).toBe(6);
    expect(hal.entry.attributes.get('uid')).toEqual(['hal']);
    expect(hal.entry.attributes.get('mail')).toEqual(['hal@acme.test']);
    // dn:: (base64) opens a record too, and a record that is already bad says both.
    const more = await parse(['dn: cn=x,dc=corp', 'changetype: delete', 'dn:: Q049Wm/DqyxEQz1jb3Jw', 'cn: Zoë'].join('\n'));
    expect(more.map((i) => (i.kind === 'error' ? `${i.line}: ${i.reason}` : i.entry.dn))).toEqual([
      '2: change record (changetype: delete) for cn=x,dc=corp: only content records (or changetype: add) can be ' +
        'imported; and no blank line before the next dn: at line 3',
      'CN=Zoë,DC=corp',
    ]);
  });

  it('a separator line holding only spaces (a continuation line) is reported the same way', async () => {
    const items = await parse([...GIL, ' ', ...HAL].join('\n'));
    expect(items.map((i) => i.kind)).toEqual(['error', 'entry']);
    expect(items[0]).toMatchObject({ line: 1, dn: 'cn=Gil One,dc=acme,dc=test' });
    expect((items[0] as Extract<LdifItem, { kind: 'error' }>).reason).toBe(
      'no blank line before the next dn: at line 7 ' +
        '(line 6 holds only spaces: LDIF reads it as a continuation, not as a separator)',
    );
    const hal = items[1] as Extract<LdifItem, { kind: 'entry' }>;
    expect(hal.entry.line).toBe(7);
    expect(hal.entry.attributes.get('mail')).toEqual(['hal@acme.test']);
  });

  it('a well-formed file reads as before: blank lines, comments and version: 1 before the first dn:', async () => {
    for (const text of [
      [...GIL, '', ...HAL].join('\n'),
      ['version: 1', '', ...GIL, '', '# Hal', ...HAL, ''].join('\n'),
      // version: 1 directly followed by the first dn: was always read (the version line is not a record).
      ['version: 1', ...GIL, '', ...HAL].join('\n'),
    ]) {
      const items = await parse(text);
      expect(items.map((i) => i.kind)).toEqual(['entry', 'entry']);
      const [gil, hal] = items as Extract<LdifItem, { kind: 'entry' }>[];
      expect(gil!.entry.dn).toBe('cn=Gil One,dc=acme,dc=test');
      expect(gil!.entry.attributes.has('mail')).toBe(false);
      expect(gil!.entry.attributes.get('uid')).toEqual(['gil']);
      expect(hal!.entry.attributes.get('mail')).toEqual(['hal@acme.test']);
    }
  });

  it('reads files written as UTF-16LE with a BOM (ldifde -u) and as UTF-8 with or without a BOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-ldif-'));
    try {
      const text = 'dn: CN=Zoë Müller,OU=Staff,DC=corp\r\ncn: Zoë Müller\r\n\r\ndn: CN=b,DC=corp\r\ncn: b\r\n';
      const files = {
        utf16: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
        utf8bom: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]),
        utf8: Buffer.from(text, 'utf8'),
      };
      for (const [name, bytes] of Object.entries(files)) {
        const path = join(dir, `${name}.ldif`);
        writeFileSync(path, bytes);
        expect(ldifFileEncoding(path)).toBe(name === 'utf16' ? 'utf16le' : 'utf8');
        const items: LdifItem[] = [];
        for await (const item of readLdif(path)) items.push(item);
        expect(items.map((i) => i.kind)).toEqual(['entry', 'entry']);
        const first = items[0] as Extract<LdifItem, { kind: 'entry' }>;
        expect(first.entry.dn).toBe('CN=Zoë Müller,OU=Staff,DC=corp');
        expect(first.entry.attributes.get('cn')).toEqual(['Zoë Müller']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
