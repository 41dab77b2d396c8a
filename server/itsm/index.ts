/** Shared ITSM pieces and the KPIs: what other domains may use. */
export { computeKpis, type ItsmKpis, type KpiArgs } from './service.js';
export { slaTargetsFromEnv, DEFAULT_SLA_TARGETS, PRIORITIES, type Priority } from './sla.js';
export { windowsOverlap, type Transition, type Page, type Actor } from './records.js';
