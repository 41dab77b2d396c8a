import { describe, expect, it } from 'vitest';
import { convert, ConversionError, parseDate } from './convert.js';

describe('cell conversions', () => {
  it('treats a blank cell as not reported, for every type', () => {
    for (const type of ['string', 'number', 'integer', 'boolean', 'date', 'list'] as const) {
      expect(convert('  ', { type })).toBeUndefined();
      expect(convert(null, { type })).toBeUndefined();
    }
  });

  it('converts numbers strictly', () => {
    expect(convert(' 2266.13 ', { type: 'number' })).toBe(2266.13);
    expect(convert('6.37702E+15', { type: 'number' })).toBe(6.37702e15);
    expect(convert(12, { type: 'integer' })).toBe(12);
    expect(() => convert('1,234.50', { type: 'number' })).toThrow(/"1,234.50" is not a number/);
    expect(() => convert('12abc', { type: 'number' })).toThrow(ConversionError);
    expect(() => convert('1.5', { type: 'integer' })).toThrow(/not a whole number/);
  });

  it('converts yes/no values', () => {
    expect(convert('TRUE', { type: 'boolean' })).toBe(true);
    expect(convert('no', { type: 'boolean' })).toBe(false);
    expect(convert('0', { type: 'boolean' })).toBe(false);
    expect(convert(true, { type: 'boolean' })).toBe(true);
    expect(() => convert('maybe', { type: 'boolean' })).toThrow(/not a yes\/no value/);
  });

  it('reads dates in the given layout, as ISO UTC or epoch ms', () => {
    expect(convert('2022-03-18', { type: 'date' })).toBe('2022-03-18T00:00:00.000Z');
    expect(convert('1/23/23', { type: 'date' })).toBe('2023-01-23T00:00:00.000Z');
    expect(convert('23.01.2023', { type: 'date', format: 'dmy' })).toBe('2023-01-23T00:00:00.000Z');
    expect(convert('2022-03-18', { type: 'date', as: 'epochMs' })).toBe(Date.UTC(2022, 2, 18));
    expect(convert('2022-03-18 10:30', { type: 'date' })).toBe('2022-03-18T10:30:00.000Z');
    expect(convert('2022-03-18T10:30:00+02:00', { type: 'date' })).toBe('2022-03-18T08:30:00.000Z');
    expect(parseDate('10/27/99', 'mdy')).toBe(Date.UTC(1999, 9, 27));
    expect(parseDate('10/27/28', 'mdy')).toBe(Date.UTC(2028, 9, 27));
    expect(() => convert('2/30/23', { type: 'date' })).toThrow(/"2\/30\/23" is not a date/);
    expect(() => convert('1/23/23', { type: 'date', format: 'iso' })).toThrow(/not a date \(iso\)/);
    expect(() => convert('soon', { type: 'date' })).toThrow(ConversionError);
  });

  it('splits lists and refuses objects for scalar types', () => {
    expect(convert('a, b,,c', { type: 'list' })).toEqual(['a', 'b', 'c']);
    expect(convert('a;b', { type: 'list', separator: ';' })).toEqual(['a', 'b']);
    expect(convert(['x', 1], { type: 'list' })).toEqual(['x', '1']);
    expect(() => convert({ a: 1 }, { type: 'string' })).toThrow(/not a single value/);
  });
});
