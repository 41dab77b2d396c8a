import { describe, expect, it } from 'vitest';
import { assessRisk, type ImpactedService } from './risk.js';

const svc = (name: string, criticality: number | null, state: 'DOWN' | 'DEGRADED'): ImpactedService => ({ ciId: name, name, criticality, state });

describe('assessRisk', () => {
  it('is LOW with no business service down and no severe incident', () => {
    const risk = assessRisk({ services: [svc('Intranet', 4, 'DEGRADED')], impactedCount: 3, severeIncidents: [] });
    expect(risk.level).toBe('LOW');
    expect(risk.reasons[0]).toMatch(/No business service goes DOWN/);
  });

  it('is HIGH when a criticality-1 service goes down, MEDIUM for a criticality-3 one', () => {
    expect(assessRisk({ services: [svc('Payments', 1, 'DOWN')], impactedCount: 2, severeIncidents: [] })).toEqual({
      level: 'HIGH',
      reasons: ['Business service "Payments" (criticality 1) goes DOWN.'],
    });
    expect(assessRisk({ services: [svc('Wiki', 3, 'DOWN')], impactedCount: 2, severeIncidents: [] }).level).toBe('MEDIUM');
  });

  it('is HIGH with three services down whatever their criticality', () => {
    const services = [svc('A', 5, 'DOWN'), svc('B', null, 'DOWN'), svc('C', 4, 'DOWN')];
    const risk = assessRisk({ services, impactedCount: 3, severeIncidents: [] });
    expect(risk.level).toBe('HIGH');
    expect(risk.reasons).toContain('3 business services go DOWN.');
  });

  it('is MEDIUM for a degraded critical service or a large blast radius', () => {
    expect(assessRisk({ services: [svc('Shop', 2, 'DEGRADED')], impactedCount: 1, severeIncidents: [] }).level).toBe('MEDIUM');
    expect(assessRisk({ services: [], impactedCount: 26, severeIncidents: [] }).level).toBe('MEDIUM');
    expect(assessRisk({ services: [], impactedCount: 25, severeIncidents: [] }).level).toBe('LOW');
  });

  it('is HIGH when the blast radius has an open P1/P2 incident', () => {
    const risk = assessRisk({ services: [], impactedCount: 1, severeIncidents: [{ ciId: 'x', ciName: 'db1', incidentId: 'INC-7', priority: 'P2' }] });
    expect(risk).toEqual({ level: 'HIGH', reasons: ['"db1" has an open P2 incident (INC-7).'] });
  });
});
