/**
 * QA helpers: build topologies through the GraphQL API only (createCI/createRelationship),
 * the way an outside checker would, and read impact reports by CI name.
 */
import { parse, validate } from 'graphql';
import { expect } from 'vitest';
import type { TestApi } from './api.js';
import { CONTRACT_SCHEMA } from './qa-shape.js';

/** Fails when a query uses anything outside the contract (so a checker could send it). */
export function expectContractQuery(query: string): void {
  const errors = validate(CONTRACT_SCHEMA, parse(query));
  expect(errors.map((e) => e.message)).toEqual([]);
}

export const IMPACT = `
query QaImpact($input: ImpactInput!) {
  impact(input: $input) {
    sources { id name }
    totalCount
    truncated
    impacted { ci { id name class criticality } state depth path { ci { name } relationship } }
    businessServices { ci { name } state depth }
  }
}`;

export interface QaEntry {
  ci: { id: string; name: string; class: string; criticality: number | null };
  state: 'DOWN' | 'DEGRADED';
  depth: number;
  path: { ci: { name: string }; relationship: string | null }[];
}
export interface QaReport {
  sources: { id: string; name: string }[];
  totalCount: number;
  truncated: boolean;
  impacted: QaEntry[];
  businessServices: { ci: { name: string }; state: string; depth: number }[];
}

const CREATE_CI = `mutation QaCreateCI($input: CreateCIInput!) { createCI(input: $input) { id name } }`;
const CREATE_REL = `mutation QaCreateRel($input: CreateRelationshipInput!) { createRelationship(input: $input) { id } }`;

/** A topology by CI name, created through the API. */
export class Topology {
  readonly ids = new Map<string, string>();
  readonly rels = new Map<string, string>();

  constructor(private readonly api: TestApi) {}

  async ci(name: string, cls: string, extra: { criticality?: number; minUp?: number; attributes?: Record<string, unknown>; status?: string } = {}) {
    const attributes = { ...(extra.attributes ?? {}), ...(extra.minUp === undefined ? {} : { minUp: extra.minUp }) };
    const input: Record<string, unknown> = { class: cls, name, attributes };
    if (extra.criticality !== undefined) input.criticality = extra.criticality;
    if (extra.status !== undefined) input.status = extra.status;
    const data = await this.api.ok<{ createCI: { id: string } }>(CREATE_CI, { input });
    this.ids.set(name, data.createCI.id);
    return data.createCI.id;
  }

  /** Several CIs of one class. */
  async cis(cls: string, ...names: string[]) {
    for (const name of names) await this.ci(name, cls);
  }

  /** `rel('app', 'RUNS_ON', 'vm')`; the relationship id is kept under "app RUNS_ON vm". */
  async rel(from: string, type: string, to: string) {
    const data = await this.api.ok<{ createRelationship: { id: string } }>(CREATE_REL, {
      input: { type, fromId: this.id(from), toId: this.id(to) },
    });
    this.rels.set(`${from} ${type} ${to}`, data.createRelationship.id);
    return data.createRelationship.id;
  }

  id(name: string): string {
    const id = this.ids.get(name);
    if (!id) throw new Error(`no CI named ${name} in this topology`);
    return id;
  }

  relId(key: string): string {
    const id = this.rels.get(key);
    if (!id) throw new Error(`no relationship ${key} in this topology`);
    return id;
  }

  async impact(failed: string[], extra: { maxDepth?: number; at?: string } = {}): Promise<QaReport> {
    const data = await this.api.ok<{ impact: QaReport }>(IMPACT, { input: { ciIds: failed.map((n) => this.id(n)), ...extra } });
    return data.impact;
  }
}

/** "name STATE depth" per impacted CI, in the API's order. */
export const states = (r: QaReport) => r.impacted.map((e) => `${e.ci.name} ${e.state} ${e.depth}`);

/** The same, sorted, for assertions that do not care about order. */
export const stateSet = (r: QaReport) => states(r).sort();

/** "a -TYPE-> b -TYPE-> c" for one impacted CI's path. */
export function pathOf(r: QaReport, name: string): string {
  const e = r.impacted.find((x) => x.ci.name === name);
  if (!e) return '(not impacted)';
  return e.path.map((s) => (s.relationship ? `${s.ci.name} -${s.relationship}->` : s.ci.name)).join(' ');
}

/** The codes of a response's errors. */
export const codes = (res: { errors?: { extensions?: { code?: string } }[] }) => (res.errors ?? []).map((e) => e.extensions?.code);

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An ISO instant strictly between what happened before and what happens after the call. */
export async function instant(): Promise<string> {
  await sleep(5);
  const at = new Date().toISOString();
  await sleep(5);
  return at;
}
