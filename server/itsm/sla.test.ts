import { describe, expect, it } from 'vitest';
import { DEFAULT_SLA_TARGETS, slaTargetsFromEnv } from './sla.js';

describe('FAULTLINE_SLA_TARGETS', () => {
  it('defaults to 4h, 8h, 3d, 5d', () => {
    expect(slaTargetsFromEnv({})).toEqual({ P1: 4 * 3_600_000, P2: 8 * 3_600_000, P3: 3 * 86_400_000, P4: 5 * 86_400_000 });
  });

  it('overrides the priorities it names, in minutes, hours or days', () => {
    expect(slaTargetsFromEnv({ FAULTLINE_SLA_TARGETS: 'P1=90m, P3=1.5d' })).toEqual({
      ...DEFAULT_SLA_TARGETS,
      P1: 90 * 60_000,
      P3: 1.5 * 86_400_000,
    });
  });

  it('refuses a bad value with one line naming the variable', () => {
    expect(() => slaTargetsFromEnv({ FAULTLINE_SLA_TARGETS: 'P1=4 hours' })).toThrow(
      /^Invalid configuration: FAULTLINE_SLA_TARGETS: each entry must look like P1=4h/,
    );
    expect(() => slaTargetsFromEnv({ FAULTLINE_SLA_TARGETS: 'P1=0h' })).toThrow(/longer than zero/);
  });
});
