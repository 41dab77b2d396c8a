import { describe, expect, it } from 'vitest';
import { indexSubgraph, propagate, type SubgraphRelationship } from '../impact/index.js';
import { Spreader, type MemberEdges } from './spread.js';

/**
 * What `b` (its DOWN part `nodes`, member edges out `edges`) takes DOWN together with `a`
 * that `a` alone (`alone`) does not: b's own part outside a's, then what only the two
 * take DOWN together (Spreader.spreadDownTogether).
 */
function downJoin(spreader: Spreader, a: number, alone: ReadonlySet<number>, nodes: Int32Array, edges: MemberEdges): number[] {
  const own = Array.from(nodes).filter((x) => !alone.has(x));
  return [...own, ...spreader.spreadDownTogether(a, nodes, edges)];
}

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random graph of n CIs and `edges` relationships of the given types; a `farmShare` of CIs get a minUp of 1 or 2. */
function randomGraph(rand: () => number, n: number, edges: number, types: readonly string[], farmShare: number) {
  const cis = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, minUp: rand() < farmShare ? 1 + Math.floor(rand() * 2) : null }));
  const relationships: SubgraphRelationship[] = [];
  for (let k = 0; k < edges; k++) {
    relationships.push({ type: types[Math.floor(rand() * types.length)]!, from: `c${Math.floor(rand() * n)}`, to: `c${Math.floor(rand() * n)}` });
  }
  return indexSubgraph({ cis, relationships }, 0);
}

describe('Spreader', () => {
  it('agrees with the impact core (propagate) on random graphs with farms and cycles', () => {
    const types = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'HOSTED_ON'];
    for (let seed = 1; seed <= 30; seed++) {
      const rand = prng(seed);
      const n = 40;
      const g = randomGraph(rand, n, 90, types, 0.3);
      const spreader = new Spreader(g);
      for (let i = 0; i < n; i++) {
        const expected = propagate(g, [`c${i}`], 0);
        const got = spreader.spread(g.index.get(`c${i}`)!);
        const states = new Map<string, string>();
        got.nodes.forEach((node, k) => {
          if (node !== g.index.get(`c${i}`)) states.set(g.ids[node]!, got.states[k] === 2 ? 'DOWN' : 'DEGRADED');
        });
        expect(states).toEqual(new Map([...expected.impacted].map(([id, s]) => [id, s.state])));
        expect(got.complete).toBe(true);
      }
    }
  });

  it('agrees with the impact core for joint failures of two CIs (farms losing two members)', () => {
    const types = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'HOSTED_ON'];
    for (let seed = 1; seed <= 20; seed++) {
      const rand = prng(100 + seed);
      const n = 30;
      const g = randomGraph(rand, n, 60, types, 0.4);
      const spreader = new Spreader(g);
      for (let k = 0; k < 20; k++) {
        const a = Math.floor(rand() * n);
        const b = Math.floor(rand() * n);
        const expected = propagate(g, [`c${a}`, `c${b}`], 0);
        const got = spreader.spread([a, b]);
        const states = new Map<string, string>();
        got.nodes.forEach((node, j) => {
          if (node !== a && node !== b) states.set(g.ids[node]!, got.states[j] === 2 ? 'DOWN' : 'DEGRADED');
        });
        expect(states).toEqual(new Map([...expected.impacted].map(([id, st]) => [id, st.state])));
      }
    }
  });

  it('breaks exactly the downstream closure; spreadDown finds its DOWN part unless a fragile farm lies downstream', () => {
    const types = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'HAS_MEMBER', 'HOSTED_ON'];
    let checked = 0;
    let jointChecked = 0;
    let joinChecked = 0;
    let fragileSeen = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const rand = prng(300 + seed);
      const n = 40;
      const g = randomGraph(rand, n, 80, types, 0.25);
      const spreader = new Spreader(g);
      const fragile = new Set(spreader.fragileFarms());
      fragileSeen += fragile.size;
      for (let i = 0; i < n; i++) {
        const full = spreader.spread(i);
        const closure: number[] = [];
        expect(spreader.downstream(i, (x) => closure.push(x))).toBe(full.nodes.length);
        expect(new Set(closure)).toEqual(new Set(full.nodes));
        if (closure.some((x) => fragile.has(x))) continue;
        const down = spreader.spreadDown(i);
        expect(new Set(down.nodes)).toEqual(new Set(Array.from(full.nodes).filter((_x, k) => full.states[k] === 2)));
        // Soft farms with a DOWN member: the same ones, with the same count.
        const soft = (s: typeof full) => new Map(Array.from(s.softFarms, (f, k): [number, number] => [f, s.softFarmDown[k]!]).filter(([, d]) => d > 0));
        expect(soft(down)).toEqual(soft(full));
        checked++;
      }
      // Joint failures of two CIs, likewise.
      for (let k = 0; k < 20; k++) {
        const pair = [Math.floor(rand() * n), Math.floor(rand() * n)];
        const full = spreader.spread(pair);
        if (Array.from(full.nodes).some((x) => fragile.has(x))) continue;
        const jointDown = new Set(Array.from(full.nodes).filter((_x, j) => full.states[j] === 2));
        expect(new Set(spreader.spreadDown(pair).nodes)).toEqual(jointDown);
        jointChecked++;
      }
      // On top of one CI's DOWN part, kept between calls with the same base: several
      // second failures in a row give each joint DOWN part.
      const a = Math.floor(rand() * n);
      const alone = Array.from(spreader.spreadDown(a).nodes);
      const aloneSet = new Set(alone);
      const seconds = Array.from({ length: 6 }, () => Math.floor(rand() * n));
      const expected = seconds.map((b) => {
        const full = spreader.spread([a, b]);
        return Array.from(full.nodes).some((x) => fragile.has(x)) ? null : new Set(Array.from(full.nodes).filter((_x, j) => full.states[j] === 2));
      });
      const parts = seconds.map((b) => {
        const nodes = spreader.spreadDown(b).nodes;
        return { nodes, edges: spreader.memberEdgesOut(nodes) };
      });
      for (let again = 0; again < 2; again++) {
        seconds.forEach((b, k) => {
          const extra = downJoin(spreader, a, aloneSet, parts[k]!.nodes, parts[k]!.edges);
          if (!expected[k]) return;
          expect(new Set(extra).size).toBe(extra.length);
          expect(extra.every((x) => !alone.includes(x))).toBe(true);
          expect(new Set([...alone, ...extra])).toEqual(expected[k]);
          joinChecked++;

        });
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(jointChecked).toBeGreaterThan(300);
    expect(joinChecked).toBeGreaterThan(150);
    expect(fragileSeen).toBeGreaterThan(10);
  });

  it('spreadDown stops once enough masked CIs are DOWN, even inside a hub', () => {
    const relationships = Array.from({ length: 100 }, (_, i) => ({ type: 'DEPENDS_ON', from: `d${i}`, to: 'hub' }));
    const g = indexSubgraph({ cis: [{ id: 'hub' }], relationships }, 0);
    const mask = new Uint8Array(g.ids.length).fill(1);
    const s = new Spreader(g).spreadDown(g.index.get('hub')!, { mask, limit: 10 });
    expect(s.stopped).toBe(true);
    expect(s.nodes.length).toBe(10);
  });

  it('a joint failure of two CIs is the union of the single ones unless a farm both hit could go DOWN (softFarmDown)', () => {
    const types = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'HAS_MEMBER', 'HOSTED_ON'];
    let unions = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rand = prng(100 + seed);
      const n = 30;
      const g = randomGraph(rand, n, 60, types, 0.5);
      const spreader = new Spreader(g);
      const statesOf = (s: ReturnType<Spreader['spread']>) => new Map(Array.from(s.nodes, (node, k) => [node, s.states[k]!]));
      for (let a = 0; a < n; a++) {
        for (let b = a + 1; b < n; b++) {
          const sa = spreader.spread(a);
          const sb = spreader.spread(b);
          const downA = new Map(Array.from(sa.softFarms, (f, k) => [f, sa.softFarmDown[k]!]));
          const mayFlip = Array.from(sb.softFarms).some((f, k) => downA.has(f) && g.members[f]! - (downA.get(f)! + sb.softFarmDown[k]!) < g.minUp[f]!);
          if (mayFlip) continue;
          const union = statesOf(sa);
          for (const [node, state] of statesOf(sb)) union.set(node, Math.max(state, union.get(node) ?? 0));
          expect(statesOf(spreader.spread([a, b]))).toEqual(union);
          unions++;
        }
      }
    }
    expect(unions).toBeGreaterThan(1000);
  });
  it('joint DOWN parts: farms that lose members to both failures go DOWN with all they carry', () => {
    let together = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rand = prng(900 + seed);
      const n = 40;
      // Farms of 2-4 members that survive any one member (minUp = members - 1 or less) but not two.
      const cis = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, minUp: null as number | null }));
      const relationships: SubgraphRelationship[] = [];
      const memberOf: number[][] = [];
      for (let f = 0; f < 8; f++) {
        const size = 2 + Math.floor(rand() * 3);
        const farm = 20 + f;
        cis[farm]!.minUp = size - 1;
        const ms = Array.from({ length: size }, () => Math.floor(rand() * 20));
        for (const m of new Set(ms)) relationships.push({ type: 'HAS_MEMBER', from: `c${farm}`, to: `c${m}` });
        memberOf.push([...new Set(ms)]);
      }
      for (let k = 0; k < 40; k++) relationships.push({ type: 'DEPENDS_ON', from: `c${Math.floor(rand() * n)}`, to: `c${Math.floor(rand() * n)}` });
      const g = indexSubgraph({ cis, relationships }, 0);
      const spreader = new Spreader(g);
      // Half the spreaders start just below the end of the joint walks' Int32 rounds, which restart there.
      if (seed % 2 === 0) (spreader as unknown as { round: number }).round = 0x7fffffff - 2;
      const fragile = new Set(spreader.fragileFarms());
      for (let k = 0; k < 12; k++) {
        const ms = memberOf[Math.floor(rand() * memberOf.length)]!;
        const a = ms[Math.floor(rand() * ms.length)]!;
        const b = rand() < 0.7 ? ms[Math.floor(rand() * ms.length)]! : Math.floor(rand() * n);
        const full = spreader.spread([a, b]);
        if (Array.from(full.nodes).some((x) => fragile.has(x))) continue;
        const expected = new Set(Array.from(full.nodes).filter((_x, j) => full.states[j] === 2));
        const bNodes = spreader.spreadDown(b).nodes;
        const edges = spreader.memberEdgesOut(bNodes);
        const alone = Array.from(spreader.spreadDown(a).nodes);
        const extra = downJoin(spreader, a, new Set(alone), bNodes, edges);
        // What only the two together take DOWN: the joint part less what either does alone.
        const bAlone = new Set(bNodes);
        expect(Array.from(spreader.spreadDownTogether(a, bNodes, edges))).toEqual(extra.filter((x) => !bAlone.has(x)));
        expect(new Set(extra).size).toBe(extra.length);
        expect(extra.every((x) => !alone.includes(x))).toBe(true);
        expect(new Set([...alone, ...extra])).toEqual(expected);
        if (extra.some((x) => !bNodes.includes(x))) together++;
      }
    }
    expect(together).toBeGreaterThan(150);
  });
});
