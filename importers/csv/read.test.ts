import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeText, describeDecoding } from './decode.js';
import { parseCsv, readJson, type Row } from './read.js';

async function rows(text: string) {
  const out: { origin: string; row?: Row; reason?: string }[] = [];
  for await (const item of parseCsv({ text: decodeText(Buffer.from(text, 'utf8')).text }, 'f.csv')) {
    if (item.kind === 'row') out.push({ origin: item.row.origin, row: item.row });
    else if (item.kind === 'error') out.push({ origin: item.origin, reason: item.reason });
  }
  return out;
}

describe('decoding', () => {
  it('strips a UTF-8 BOM and says so', () => {
    const d = decodeText(Buffer.from('\uFEFFName,Tag\nA,1\n', 'utf8'));
    expect(d.text).toBe('Name,Tag\nA,1\n');
    expect(describeDecoding(d)).toBe('UTF-8 with BOM, LF line endings');
  });

  it('falls back to windows-1252 when the bytes are not UTF-8', () => {
    const d = decodeText(Buffer.from([0x4e, 0xe9, 0x65, 0x2c, 0x80, 0x0d, 0x78, 0x0d]));
    expect(d.encoding).toBe('windows-1252');
    expect(d.text).toBe('Née,€\nx\n');
    expect(describeDecoding(d)).toBe('windows-1252 (the bytes are not valid UTF-8), CR line endings');
  });

  it('reads UTF-16LE told by its BOM, and CRLF', () => {
    const d = decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\r\nü,2\r\n', 'utf16le')]));
    expect(d).toMatchObject({ encoding: 'utf-16le', text: 'a,b\nü,2\n', lineEndings: 'CRLF' });
  });
});

describe('CSV rows and their physical lines', () => {
  it('numbers rows by the line they start on, across quoted multi-line fields and blank lines', async () => {
    const out = await rows('Name,Notes\nA,"one\ntwo\nthree"\n\nB,x\nC,"a ""quoted""\nword"\nD,y');
    expect(out.map((r) => r.origin)).toEqual(['f.csv:2', 'f.csv:6', 'f.csv:7', 'f.csv:9']);
    expect(out[0]!.row!.get('notes')).toBe('one\ntwo\nthree');
    expect(out[2]!.row!.get(' NOTES ')).toBe('a "quoted"\nword');
  });

  it('counts CR-only and CRLF line endings as lines', async () => {
    const cr = await rows('Name,Notes\rA,"x\ry"\rB,z\r');
    expect(cr.map((r) => r.origin)).toEqual(['f.csv:2', 'f.csv:4']);
    const crlf = await rows('Name,Notes\r\nA,"x\r\ny"\r\nB,z\r\n');
    expect(crlf.map((r) => r.origin)).toEqual(['f.csv:2', 'f.csv:4']);
  });

  it('reports a row with too many fields and an unclosed quote by line, and goes on', async () => {
    const out = await rows('Name,Tag\nA,1\nB,2,extra\nC,3,\nD,"4\nE,5\n');
    expect(out.map((r) => [r.origin, r.reason])).toEqual([
      ['f.csv:2', undefined],
      ['f.csv:3', '3 fields, the header has 2'],
      ['f.csv:4', undefined],
      ['f.csv:5', expect.stringMatching(/Quote Not Closed/)],
    ]);
  });

  it('keeps a quote inside an unquoted field as a literal quote', async () => {
    const out = await rows('Name,Model\nA,Macbook Pro 13"\nB,"x"\n');
    expect(out.map((r) => [r.origin, r.row?.get('Model')])).toEqual([
      ['f.csv:2', 'Macbook Pro 13"'],
      ['f.csv:3', 'x'],
    ]);
  });

  it('duplicate header columns: one value when the copies agree, an error when they differ', async () => {
    const out = await rows('Category,Name,category\nLaptop,A,Laptop\nLaptop,B,\nLaptop,C,Server\n');
    expect(out[0]!.row!.get('Category')).toBe('Laptop');
    expect(out[1]!.row!.get('Category')).toBe('Laptop');
    expect(() => out[2]!.row!.get('Category')).toThrow(/"Category" appears 2 times \(columns 1, 3\) with different values: "Laptop", "Server"/);
  });
});

describe('JSON records', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inv-json-'));
  it('reads an array, or one at recordsPath, with dotted column names', async () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ data: { rows: [{ tag: 'A1', location: { name: 'HQ' } }, 7] } }));
    const out = [];
    for await (const item of readJson(file, { recordsPath: 'data.rows' })) out.push(item);
    const first = out[0]!;
    expect(first.kind === "row" && first.row.get("location.name")).toBe("HQ");
    expect(out[1]).toEqual({ kind: 'error', origin: 'a.json[1]', reason: 'record is not an object' });
    await expect(async () => {
      for await (const _ of readJson(file)) void _;
    }).rejects.toThrow(/the document is not an array \(set "recordsPath"/);
  });
});
