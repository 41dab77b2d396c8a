import { describe, expect, it } from 'vitest';
import { prng } from '../../test/eval/faults.js';
import { indexSubgraph, type SubgraphRelationship } from '../impact/index.js';
import { ClosureBits, countBoth, SetFamily, type UserFacingBits } from './closures.js';
import { prepareRcaGraph } from './model.js';

/** A random graph with cycles; about half the CIs are applications (user-facing). */
function randomPrepared(seed: number, n: number, edges: number) {
  const rand = prng(seed);
  const cis = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, minUp: rand() < 0.2 ? 1 : null }));
  const relationships: SubgraphRelationship[] = [];
  for (let k = 0; k < edges; k++) {
    const type = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER'][Math.floor(rand() * 3)]!;
    relationships.push({ type, from: `c${Math.floor(rand() * n)}`, to: `c${Math.floor(rand() * n)}` });
  }
  const g = indexSubgraph({ cis, relationships }, 0);
  const nodes = new Map(cis.map((c) => [c.id, { class: rand() < 0.5 ? 'Application' : 'Server', name: c.id }]));
  return prepareRcaGraph(g, nodes, { countAll: true });
}

const members = (set: UserFacingBits) => {
  const out: number[] = [];
  set.words.forEach((word, w) => {
    for (let k = 0; k < 32; k++) if ((word >>> k) & 1) out.push((set.lo + w) * 32 + k);
  });
  return out;
};

describe('ClosureBits', () => {
  it("holds exactly the user-facing CIs of each failure's closure, and counts what two failures both break", () => {
    for (let seed = 1; seed <= 10; seed++) {
      const prepared = randomPrepared(seed, 120, 200 + seed * 20);
      const n = prepared.graph.ids.length;
      const bits = new ClosureBits(prepared, { bigClosure: 1 });
      // Every user-facing CI gets its own bit, numbered from 0.
      const numbers = Array.from(bits.bitOf).filter((b, i) => (b >= 0) === (prepared.userFacing[i] === 1) && b >= 0);
      expect(numbers.length).toBe(prepared.userFacing.reduce((s, u) => s + u, 0));
      expect(numbers.length).toBeGreaterThan(30);
      expect(new Set(numbers).size).toBe(numbers.length);
      expect(Math.max(-1, ...numbers)).toBe(numbers.length - 1);
      const closure = (x: number) => {
        const found: number[] = [];
        prepared.spreader.downstream(x, (y) => found.push(y));
        return new Set(found);
      };
      const small = new ClosureBits(prepared, { bigClosure: n + 1 });
      for (let x = 0; x < n; x++) {
        const expected = [...closure(x)].filter((y) => prepared.userFacing[y]).map((y) => bits.bitOf[y]!).sort((p, q) => p - q);
        expect(members(bits.of(x))).toEqual(expected);
        // As lists: from the bitset (big) or kept (small); bits map back to their CIs.
        const asNodes = expected.map((b) => bits.nodeOf[b]!).sort((p, q) => p - q);
        expect(Array.from(bits.listOf(x)).sort((p, q) => p - q)).toEqual(asNodes);
        expect(Array.from(small.listOf(x)).sort((p, q) => p - q)).toEqual(asNodes);
      }
      for (let k = 0; k < 200; k++) {
        const x = k % n;
        const y = (k * 37 + seed) % n;
        const cx = closure(x);
        const both = [...closure(y)].filter((z) => cx.has(z) && prepared.userFacing[z]).length;
        expect(countBoth(bits.of(x), bits.of(y))).toBe(both);
      }
    }
  });

  it('keeps bitsets up to its budget and hands the rest to the caller', () => {
    const prepared = randomPrepared(3, 200, 500);
    const bits = new ClosureBits(prepared, { bigClosure: 1, cacheBytes: 64 });
    const overflow = new Map<number, UserFacingBits>();
    const all = Array.from({ length: prepared.graph.ids.length }, (_v, x) => bits.of(x, overflow));
    expect(overflow.size).toBeGreaterThan(0);
    const kept = all.filter((_set, x) => !overflow.has(x));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.reduce((s, set) => s + set.words.byteLength, 0)).toBeLessThanOrEqual(64);
    // Asked again, the same sets (kept or from the caller's overflow).
    all.forEach((set, x) => expect(bits.of(x, overflow)).toBe(set));
  });
});

describe('SetFamily', () => {
  it('counts each set against others as a direct popcount would, look-alikes derived from an earlier set', () => {
    const prepared = randomPrepared(5, 2000, 2400);
    const bits = new ClosureBits(prepared, { bigClosure: 1 });
    const rand = prng(77);
    const uf = Array.from({ length: 2000 }, (_v, x) => x).filter((x) => prepared.userFacing[x]);
    // Sets that differ from the first by a few members, some identical, some unrelated.
    const base = uf.filter(() => rand() < 0.6);
    const members = Array.from({ length: 12 }, (_v, k) => {
      if (k % 4 === 3) return Int32Array.from(uf.filter(() => rand() < 0.3));
      const set = new Set(base);
      for (let j = 0; j < k % 4; j++) {
        set.delete(uf[Math.floor(rand() * uf.length)]!);
        set.add(uf[Math.floor(rand() * uf.length)]!);
      }
      return Int32Array.from(set);
    });
    const otherMembers = Array.from({ length: 20 }, () => new Set(uf.filter(() => rand() < 0.5)));
    const others = otherMembers.map((m) => bits.setOf([...m]));
    const family = new SetFamily(members.map((m) => bits.setOf(m)), others.length);
    // The look-alikes are derived (from the first set or one derived from it), the unrelated ones not.
    members.forEach((_m, k) => expect(family.ref[k]! >= 0).toBe(k % 4 !== 3 && k > 0));
    for (let round = 0; round < 2; round++) {
      members.forEach((m, k) => {
        others.forEach((other, key) => {
          expect(family.count(k, key, other)).toBe(Array.from(m).filter((x) => otherMembers[key]!.has(x)).length);
        });
      });
    }
  });
});
