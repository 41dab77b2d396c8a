/**
 * Differential test of `impact` against an oracle written straight from DESIGN.md
 * ("Impact semantics"), sharing no code with server/impact: on seeded random graphs with
 * farms (HAS_MEMBER + minUp), duplicate memberships, cycles, informational edges, CIs
 * created and retired at different times and relationships opened and closed, every
 * `impact(at:)` answer must give exactly the oracle's states and depths, and each path
 * must be a shortest path from a failed CI through impacted CIs over relationships valid
 * at `at`.
 *
 * The oracle computes the least fixpoint by plain Kleene iteration over the whole graph
 * (the rules are monotone, so iterating from "nothing impacted" climbs to it), then
 * depths by BFS from the failed CIs through impacted CIs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Graph } from '../server/db/index.js';
import { loadCMDB, prng, type CIRecord, type RelationshipRecord } from './generator/index.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { testApi, type TestApi } from './helpers/api.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const PROPAGATING = ['DEPENDS_ON', 'RUNS_ON', 'HOSTED_ON', 'LOCATED_IN', 'CONNECTED_TO'];
const INFORMATIONAL = ['OWNED_BY', 'MANAGED_BY'];
const CLASSES = ['Application', 'Server', 'Cluster', 'BusinessService'];

interface Case {
  cis: (CIRecord & { minUp: number })[];
  rels: RelationshipRecord[];
  failed: string[];
  at: number;
}

function randomCase(seed: number): Case {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const size = 8 + Math.floor(rand() * 18);
  const cis: Case['cis'] = [];
  for (let i = 0; i < size; i++) {
    const minUp = 1;
    const createdAt = T0 + Math.floor(rand() * 20) * HOUR;
    const retiredAt = rand() < 0.15 ? createdAt + (1 + Math.floor(rand() * 60)) * HOUR : null;
    cis.push({
      id: randomUUID(),
      class: pick(CLASSES),
      name: `ci-${String(i).padStart(2, '0')}`,
      criticality: 1 + Math.floor(rand() * 5),
      attributes: {},
      minUp,
      createdAt,
      retiredAt,
    });
  }
  const rels: RelationshipRecord[] = [];
  const edge = (type: string, from: string, to: string) => {
    const validFrom = T0 + Math.floor(rand() * 30) * HOUR;
    const validTo = rand() < 0.15 ? validFrom + (1 + Math.floor(rand() * 40)) * HOUR : null;
    rels.push({ id: `REL-${randomUUID()}`, type, from, to, validFrom, validTo });
    // Now and then a second, simultaneous membership of the same pair (counted once).
    if (type === 'HAS_MEMBER' && rand() < 0.1) rels.push({ id: `REL-${randomUUID()}`, type, from, to, validFrom, validTo });
  };
  // Farms: a quarter of the CIs have 2-4 members and a minUp between 1 and one more than that.
  for (const farm of cis) {
    if (rand() >= 0.25) continue;
    const members = new Set(Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(cis)).filter((m) => m !== farm));
    for (const m of members) edge('HAS_MEMBER', farm.id, m.id);
    farm.minUp = 1 + Math.floor(rand() * (members.size + 1));
    farm.attributes = { minUp: farm.minUp };
  }
  const edges = Math.floor(size * (0.8 + rand()));
  for (let e = 0; e < edges; e++) {
    const from = pick(cis);
    const to = pick(cis);
    if (from === to) continue;
    const roll = rand();
    edge(roll < 0.1 ? 'HAS_MEMBER' : roll < 0.85 ? pick(PROPAGATING) : pick(INFORMATIONAL), from.id, to.id);
  }
  const failed = [...new Set(Array.from({ length: 1 + Math.floor(rand() * 3) }, () => pick(cis).id))];
  const at = T0 + (rand() < 0.7 ? 30 + Math.floor(rand() * 40) : Math.floor(rand() * 70)) * HOUR + HOUR / 2;
  return { cis, rels, failed, at };
}

const NONE = 0;
const DEGRADED = 1;
const DOWN = 2;

/** The rules of DESIGN.md, applied literally. */
function oracle(c: Case): Map<string, { state: number; depth: number }> {
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

const QUERY = `
query($input: ImpactInput!) {
  impact(input: $input) {
    totalCount
    truncated
    impacted { ci { id } state depth path { ci { id } relationship } }
    businessServices { ci { id } state }
  }
}`;

interface Answer {
  impact: {
    totalCount: number;
    truncated: boolean;
    impacted: { ci: { id: string }; state: 'DOWN' | 'DEGRADED'; depth: number; path: { ci: { id: string }; relationship: string | null }[] }[];
    businessServices: { ci: { id: string }; state: string }[];
  };
}

let graph: Graph;
beforeAll(async () => {
  graph = await testGraph();
});
afterAll(closeTestGraph);

describe('impact agrees with an oracle written from DESIGN.md on random graphs', () => {
  const seeds = Array.from({ length: 60 }, (_, i) => 1000 + i);
  it.each(seeds)('seed %i', async (seed) => {
    const c = randomCase(seed);
    await wipe(graph);
    const api: TestApi = await testApi(graph); // after wipe: it holds the token
    await loadCMDB(graph, { cis: c.cis, relationships: c.rels });
    const { impact } = await api.ok<Answer>(QUERY, { input: { ciIds: c.failed, maxDepth: 100, at: new Date(c.at).toISOString() } });
    const expected = oracle(c);
    const name = new Map(c.cis.map((x) => [x.id, x.name]));
    const got = new Map(impact.impacted.map((e) => [e.ci.id, { state: e.state === 'DOWN' ? DOWN : DEGRADED, depth: e.depth }]));
    const show = (m: Map<string, { state: number; depth: number }>) =>
      [...m].map(([id, v]) => `${name.get(id)} ${v.state === DOWN ? 'DOWN' : 'DEGRADED'} ${v.depth}`).sort();
    expect(show(got), `seed ${seed}`).toEqual(show(expected));
    expect(impact.totalCount).toBe(expected.size);
    expect(impact.truncated).toBe(false);

    // Each path: from a failed CI, one hop per depth, every step a relationship valid at
    // `at` from the next CI to this one, every CI after the first impacted.
    const failed = new Set(c.failed);
    for (const e of impact.impacted) {
      expect(e.path).toHaveLength(e.depth + 1);
      expect(failed.has(e.path[0]!.ci.id)).toBe(true);
      expect(e.path.at(-1)).toEqual({ ci: { id: e.ci.id }, relationship: null });
      for (let i = 0; i + 1 < e.path.length; i++) {
        const provider = e.path[i]!.ci.id;
        const dependent = e.path[i + 1]!.ci.id;
        if (i + 1 < e.path.length - 1) expect(got.has(dependent)).toBe(true);
        const ok = c.rels.some(
          (r) =>
            r.from === dependent &&
            r.to === provider &&
            r.type === e.path[i]!.relationship &&
            (r.validFrom ?? 0) <= c.at &&
            (r.validTo == null || r.validTo > c.at),
        );
        expect(ok, `seed ${seed}: step ${name.get(provider)} -> ${name.get(dependent)}`).toBe(true);
      }
    }
    const services = impact.impacted.filter((e) => c.cis.find((x) => x.id === e.ci.id)!.class === 'BusinessService');
    expect(impact.businessServices.map((b) => b.ci.id).sort()).toEqual(services.map((e) => e.ci.id).sort());
  });
});
