import { describe, expect, it } from 'vitest';
import { Int32Pool, Scratch } from './scratch.js';

describe('Scratch', () => {
  it('gives a view of the asked length and fill, reusing its buffer until it must grow', () => {
    const scratch = new Scratch();
    const a = scratch.int32('a', 10, -1);
    expect(Array.from(a)).toEqual(new Array(10).fill(-1));
    a[3] = 7;
    const again = scratch.int32('a', 6);
    expect(again.buffer).toBe(a.buffer);
    expect(Array.from(again)).toEqual(new Array(6).fill(0));
    const grown = scratch.int32('a', 40, 2);
    expect(grown.buffer).not.toBe(a.buffer);
    expect(grown.length).toBe(40);
    expect(grown.every((x) => x === 2)).toBe(true);
    // One buffer per type and name.
    expect(scratch.float64('a', 4, Number.NaN).every(Number.isNaN)).toBe(true);
    expect(scratch.uint8('b', 3).buffer).not.toBe(scratch.uint8('c', 3).buffer);
    expect(scratch.bytes).toBeGreaterThanOrEqual(40 * 4 + 4 * 8 + 3 + 3);
  });
});

describe('Int32Pool', () => {
  it('lays lists one after another; a list laid before the pool grows keeps its entries', () => {
    const pool = new Int32Pool(8);
    const source = Int32Array.from({ length: 20 }, (_v, k) => k);
    const first = pool.copy(source, 0, 5);
    const second = pool.copy(source, 5, 8);
    expect(Array.from(first)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(second)).toEqual([5, 6, 7]);
    const big = pool.copy(source, 2, 19);
    expect(Array.from(big)).toEqual(Array.from(source.subarray(2, 19)));
    expect(Array.from(first)).toEqual([0, 1, 2, 3, 4]);
    const last = pool.alloc(3);
    expect(last.length).toBe(3);
    // After a reset the newest chunk is laid from its start again.
    pool.reset();
    const reused = pool.copy(source, 10, 12);
    expect(reused.buffer).toBe(last.buffer);
    expect(reused.byteOffset).toBe(0);
    expect(Array.from(reused)).toEqual([10, 11]);
  });
});
