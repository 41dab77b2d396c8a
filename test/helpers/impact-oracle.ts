/**
 * An oracle for `impact` written straight from DESIGN.md ("Impact semantics"), sharing no
 * code with server/impact, and the check of an API answer against it (states, depths,
 * counts, business services, and each path a valid shortest explanation). Used by
 * test/impact-oracle.test.ts (seeded random graphs) and test/impact-real-topologies.test.ts
 * (the MicroDepGraph dataset).
 *
 * The oracle computes the least fixpoint by plain Kleene iteration over the whole graph
 * (the rules are monotone, so iterating from "nothing impacted" climbs to it), then
 * depths by BFS from the failed CIs through impacted CIs.
 */
import { expect } from 'vitest';
import type { CIRecord, RelationshipRecord } from '../generator/index.js';
import type { TestApi } from './api.js';

export const PROPAGATING = ['DEPENDS_ON', 'RUNS_ON', 'HOSTED_ON', 'LOCATED_IN', 'CONNECTED_TO'];

export interface OracleCase {
  cis: (CIRecord & { minUp: number })[];
  rels: RelationshipRecord[];
  failed: string[];
  at: number;
}

export const NONE = 0;
export const DEGRADED = 1;
export const DOWN = 2;

/** The rules of DESIGN.md, applied literally. */
export function oracle(c: OracleCase): Map<string, { state: number; depth: number }> {
  const active = new Set(c.cis.filter((x) => (x.createdAt ?? 0) <= c.at && (x.retiredAt == null || x.retiredAt > c.at)).map((x) => x.id));
  const valid = c.rels.filter(
    (r) => (r.validFrom ?? 0) <= c.at && (r.validTo == null || r.validTo > c.at) && active.has(r.from) && active.has(r.to),
  );
  const failed = new Set(c.failed.filter((id) => active.has(id)));
  const state = new Map<string, number>([...active].map((id) => [id, failed.has(id) ? DOWN : NONE]));
  const minUp = new Map(c.cis.map((x) => [x.id, x.minUp]));
  for (let changed = true; changed; ) {
    changed = false;
    for (const x of active) {
      if (failed.has(x)) continue;
      const out = valid.filter((r) => r.from === x);
      let worst = NONE;
      for (const r of out) if (r.type !== 'HAS_MEMBER' && PROPAGATING.includes(r.type)) worst = Math.max(worst, state.get(r.to)!);
      const members = [...new Set(out.filter((r) => r.type === 'HAS_MEMBER').map((r) => r.to))];
      const down = members.filter((m) => state.get(m) === DOWN).length;
      const anyImpacted = members.some((m) => state.get(m)! > NONE);
      if (anyImpacted) worst = Math.max(worst, members.length - down < minUp.get(x)! ? DOWN : DEGRADED);
      if (worst !== state.get(x)) {
        state.set(x, worst);
        changed = true;
      }
    }
  }
  const depth = new Map<string, number>([...failed].map((id) => [id, 0]));
  for (let frontier = [...failed], d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const p of frontier) {
      for (const r of valid) {
        if (r.to !== p || !(PROPAGATING.includes(r.type) || r.type === 'HAS_MEMBER')) continue;
        if (state.get(r.from) === NONE || depth.has(r.from)) continue;
        depth.set(r.from, d);
        next.push(r.from);
      }
    }
    frontier = next;
  }
  const result = new Map<string, { state: number; depth: number }>();
  for (const [id, s] of state) if (s !== NONE && !failed.has(id)) result.set(id, { state: s, depth: depth.get(id)! });
  return result;
}

export const IMPACT_QUERY = `
query($input: ImpactInput!) {
  impact(input: $input) {
    totalCount
    truncated
    impacted { ci { id } state depth path { ci { id } relationship } }
    businessServices { ci { id } state }
  }
}`;

export interface ImpactAnswer {
  impact: {
    totalCount: number;
    truncated: boolean;
    impacted: { ci: { id: string }; state: 'DOWN' | 'DEGRADED'; depth: number; path: { ci: { id: string }; relationship: string | null }[] }[];
    businessServices: { ci: { id: string }; state: string }[];
  };
}

export interface OracleCheckOptions {
  /** Leave `at` out of the query (the API evaluates "now"); the oracle still uses c.at. */
  omitAt?: boolean;
}

/**
 * Asks the API for the impact of c.failed and expects exactly the oracle's states and
 * depths, the same count, no truncation, business services = the impacted
 * BusinessService CIs, and each path a shortest explanation: from a failed CI, one hop
 * per depth, every step a relationship valid at `at` from the next CI to this one, every
 * CI after the first impacted. `label` names the case in failure messages.
 */
export async function expectImpactMatchesOracle(api: TestApi, c: OracleCase, label: string, options: OracleCheckOptions = {}): Promise<void> {
  const input = { ciIds: c.failed, maxDepth: 100, ...(options.omitAt ? {} : { at: new Date(c.at).toISOString() }) };
  const { impact } = await api.ok<ImpactAnswer>(IMPACT_QUERY, { input });
  const expected = oracle(c);
  const name = new Map(c.cis.map((x) => [x.id, x.name]));
  const got = new Map(impact.impacted.map((e) => [e.ci.id, { state: e.state === 'DOWN' ? DOWN : DEGRADED, depth: e.depth }]));
  const show = (m: Map<string, { state: number; depth: number }>) =>
    [...m].map(([id, v]) => `${name.get(id)} ${v.state === DOWN ? 'DOWN' : 'DEGRADED'} ${v.depth}`).sort();
  expect(show(got), label).toEqual(show(expected));
  expect(impact.totalCount, label).toBe(expected.size);
  expect(impact.truncated, label).toBe(false);

  const failed = new Set(c.failed);
  for (const e of impact.impacted) {
    expect(e.path, `${label}: path to ${name.get(e.ci.id)}`).toHaveLength(e.depth + 1);
    expect(failed.has(e.path[0]!.ci.id), `${label}: path to ${name.get(e.ci.id)} starts at a failed CI`).toBe(true);
    expect(e.path.at(-1)).toEqual({ ci: { id: e.ci.id }, relationship: null });
    for (let i = 0; i + 1 < e.path.length; i++) {
      const provider = e.path[i]!.ci.id;
      const dependent = e.path[i + 1]!.ci.id;
      if (i + 1 < e.path.length - 1) expect(got.has(dependent), `${label}: ${name.get(dependent)} on a path is impacted`).toBe(true);
      const ok = c.rels.some(
        (r) =>
          r.from === dependent &&
          r.to === provider &&
          r.type === e.path[i]!.relationship &&
          (r.validFrom ?? 0) <= c.at &&
          (r.validTo == null || r.validTo > c.at),
      );
      expect(ok, `${label}: step ${name.get(provider)} -> ${name.get(dependent)}`).toBe(true);
    }
  }
  const services = impact.impacted.filter((e) => c.cis.find((x) => x.id === e.ci.id)!.class === 'BusinessService');
  expect(impact.businessServices.map((b) => b.ci.id).sort(), label).toEqual(services.map((e) => e.ci.id).sort());
}
