import { describe, expect, it } from 'vitest';
import { parseDateTime } from './builder.js';

describe('DateTime input', () => {
  it('reads ISO date-times with and without offsets, as UTC when none is given', () => {
    expect(parseDateTime('2026-11-26T10:00:00Z')).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseDateTime('2026-11-26T10:00:00.123+02:00')).toBe(Date.UTC(2026, 10, 26, 8, 0, 0, 123));
    expect(parseDateTime('2026-11-26T10:00:00')).toBe(Date.UTC(2026, 10, 26, 10));
    expect(parseDateTime('2026-11-26')).toBe(Date.UTC(2026, 10, 26));
  });
  it('refuses impossible dates and what is not a date-time', () => {
    for (const bad of ['2025-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '2026-11-26T25:00:00Z', 'yesterday', '1732600000000', '']) {
      expect(() => parseDateTime(bad), bad).toThrow(/DateTime must be/);
    }
    expect(() => parseDateTime(1732600000000)).toThrow(/DateTime must be/);
  });
});
