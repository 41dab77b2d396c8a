import { describe, expect, it } from 'vitest';
import { minUpBefore } from './at-time.js';

describe('minUpBefore: a farm minUp at a time, from the changes recorded after it', () => {
  it('takes the old value of the earliest change, whatever order they come in', () => {
    expect(minUpBefore([[300, '3'], [100, '2'], [200, 'null']])).toBe(2);
    expect(minUpBefore([[200, 'null'], [300, '3']])).toBeNull();
  });

  it('is undefined with no change after the time (minUp as now), null for what is not a number', () => {
    expect(minUpBefore([])).toBeUndefined();
    expect(minUpBefore([[1, '"2"']])).toBeNull();
    expect(minUpBefore([[1, null]])).toBeNull();
    expect(minUpBefore([[1, '{not json']])).toBeNull();
  });
});
