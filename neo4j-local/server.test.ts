import { describe, expect, it } from 'vitest';
import { parseBytes } from './server.js';

describe('parseBytes', () => {
  it('reads sizes with units', () => {
    expect(parseBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseBytes('6g')).toBe(6 * 1024 ** 3);
    expect(parseBytes('1024')).toBe(1024);
  });
  it('refuses what is not a size', () => {
    expect(() => parseBytes('six gigs')).toThrow(/not a size/);
  });
});
