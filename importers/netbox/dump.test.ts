import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonArray } from './dump.js';

/** Feeds the text in chunks of `size` characters, so elements and strings straddle chunks. */
async function read(text: string, size = 3): Promise<unknown[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  const out: unknown[] = [];
  for await (const v of readJsonArray(Readable.from(chunks), 'test.json')) out.push(v);
  return out;
}

describe('readJsonArray', () => {
  it('reads the elements of an indented dump, whatever the chunk boundaries', async () => {
    const data = [
      { model: 'dcim.site', pk: 1, fields: { name: 'A "quoted" } ] name', tags: [1, [2]], nested: { a: { b: '\\' } } } },
      { model: 'dcim.site', pk: 2, fields: { name: 'é ✓ 🚀', empty: {} } },
    ];
    for (const size of [1, 2, 7, 1000]) {
      expect(await read(`\ufeff${JSON.stringify(data, null, 4).replace(/\n/g, '\r\n')}`, size)).toEqual(data);
      expect(await read(JSON.stringify(data), size)).toEqual(data);
    }
  });

  it('reads an empty array', async () => {
    expect(await read('[ ]')).toEqual([]);
  });

  it('fails clearly on what is not a dump', async () => {
    await expect(read('{"model": 1}')).rejects.toThrow(/expected "\[" but found "\{"/);
    await expect(read('[{"model": "x", "fields": {}}')).rejects.toThrow(/ends before the closing/);
    await expect(read('[{"model": "x", "fields": {')).rejects.toThrow(/ends inside an element/);
    await expect(read('[{"model": x}]')).rejects.toThrow(/element 0 is not valid JSON/);
    await expect(read('[1, 2]')).rejects.toThrow(/expected an object/);
    await expect(read('[{}] x')).rejects.toThrow(/after the closing/);
  });
});
