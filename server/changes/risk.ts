/**
 * Change risk from the blast radius, in words. The rule (docs/itsm.md holds the same):
 *
 * HIGH   when a business service of criticality 1 or 2 goes DOWN,
 *        or 3 or more business services go DOWN,
 *        or a target or an impacted CI has an open P1/P2 incident.
 * MEDIUM when any other business service goes DOWN,
 *        or a business service of criticality 1 or 2 is DEGRADED,
 *        or more than 25 CIs are impacted.
 * LOW    otherwise.
 */
import type { ImpactState } from '../impact/index.js';

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface Risk {
  level: RiskLevel;
  reasons: string[];
}

export interface ImpactedService {
  ciId: string;
  name: string;
  criticality: number | null;
  state: ImpactState;
}

export interface SevereIncident {
  ciId: string;
  ciName: string;
  incidentId: string;
  priority: string;
}

export interface RiskFacts {
  /** Impacted CIs of class BusinessService. */
  services: ImpactedService[];
  /** Impacted CIs at any depth, the targets excluded. */
  impactedCount: number;
  /** Open P1/P2 incidents on the targets or impacted CIs. */
  severeIncidents: SevereIncident[];
}

export const LARGE_BLAST_RADIUS = 25;
const CRITICAL = (c: number | null) => c !== null && c <= 2;
const label = (s: ImpactedService) => `"${s.name}" (criticality ${s.criticality ?? 'unset'})`;

export function assessRisk(facts: RiskFacts): Risk {
  const high: string[] = [];
  const medium: string[] = [];
  const down = facts.services.filter((s) => s.state === 'DOWN');
  const degraded = facts.services.filter((s) => s.state === 'DEGRADED');

  for (const s of down.filter((s) => CRITICAL(s.criticality))) high.push(`Business service ${label(s)} goes DOWN.`);
  if (down.length >= 3) high.push(`${down.length} business services go DOWN.`);
  for (const i of facts.severeIncidents) {
    high.push(`"${i.ciName}" has an open ${i.priority} incident (${i.incidentId}).`);
  }
  for (const s of down.filter((s) => !CRITICAL(s.criticality))) medium.push(`Business service ${label(s)} goes DOWN.`);
  for (const s of degraded.filter((s) => CRITICAL(s.criticality))) medium.push(`Business service ${label(s)} is DEGRADED.`);
  if (facts.impactedCount > LARGE_BLAST_RADIUS) {
    medium.push(`${facts.impactedCount} CIs are impacted (more than ${LARGE_BLAST_RADIUS}).`);
  }
  if (high.length) return { level: 'HIGH', reasons: [...high, ...medium] };
  if (medium.length) return { level: 'MEDIUM', reasons: medium };
  const others = degraded.length ? ` ${degraded.length} less critical business service(s) are only DEGRADED;` : '';
  return {
    level: 'LOW',
    reasons: [
      `No business service goes DOWN;${others} ${facts.impactedCount} CI(s) impacted; no open P1/P2 incident on the blast radius.`,
    ],
  };
}
