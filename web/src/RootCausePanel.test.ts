import { describe, expect, it } from 'vitest';
import { basisLines } from './RootCausePanel.js';

describe('what a ranking rested on, in words', () => {
  it('agrees in number with one CI and with several', () => {
    const basis = { candidateCount: 1, complete: true, calibration: null };
    expect(basisLines(basis, 1)[0]).toBe('1 CI explains at least one observed failure; the 1 likeliest is listed.');
    expect(basisLines({ ...basis, candidateCount: 55 }, 10)[0]).toBe('55 CIs explain at least one observed failure; the 10 likeliest are listed.');
  });
});
