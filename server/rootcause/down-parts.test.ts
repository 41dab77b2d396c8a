import { describe, expect, it } from 'vitest';
import { prng } from '../../test/eval/faults.js';
import { indexSubgraph, type SubgraphRelationship } from '../impact/index.js';
import { DownParts } from './down-parts.js';
import { prepareRcaGraph } from './model.js';
import { closureBits } from './closures.js';

/** A random graph with farms (minUp 1 or 2, none fragile) and cycles. */
function randomPrepared(seed: number, n: number, edges: number) {
  const rand = prng(seed);
  const cis = Array.from({ length: n }, (_, i) => ({ id: `c${i}`, minUp: rand() < 0.3 ? 1 + Math.floor(rand() * 2) : null }));
  const relationships: SubgraphRelationship[] = [];
  for (let k = 0; k < edges; k++) {
    const type = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'HOSTED_ON'][Math.floor(rand() * 4)]!;
    relationships.push({ type, from: `c${Math.floor(rand() * n)}`, to: `c${Math.floor(rand() * n)}` });
  }
  const g = indexSubgraph({ cis, relationships }, 0);
  return prepareRcaGraph(g, new Map(cis.map((c) => [c.id, { class: 'Application', name: c.id }])));
}

describe('DownParts', () => {
  it("keeps each CI's DOWN part, and a walk stopped at the k-th masked CI found is the part cut there", () => {
    let checked = 0;
    let cut = 0;
    for (let seed = 1; seed <= 15; seed++) {
      const prepared = randomPrepared(seed, 60, 120);
      const parts = new DownParts(prepared);
      const rand = prng(1000 + seed);
      const mask = Uint8Array.from({ length: 60 }, () => (rand() < 0.5 ? 1 : 0));
      for (let x = 0; x < 60; x++) {
        if (prepared.aboveFragile[x]) continue;
        checked++;
        const walked = prepared.spreader.spreadDown(x);
        const part = parts.of(x);
        expect(Array.from(part.nodes)).toEqual(Array.from(walked.nodes));
        expect(Array.from(part.softFarms)).toEqual(Array.from(walked.softFarms));
        expect(Array.from(part.softFarmDown)).toEqual(Array.from(walked.softFarmDown));
        for (let limit = 1; limit <= 6; limit++) {
          const stopped = prepared.spreader.spreadDown(x, { mask, limit });
          let found = 0;
          const at = Array.from(part.nodes).findIndex((i) => mask[i] === 1 && ++found >= limit);
          if (at >= 0 && at < part.nodes.length - 1) cut++;
          expect(stopped.stopped).toBe(at >= 0);
          expect(Array.from(stopped.nodes)).toEqual(Array.from(at >= 0 ? part.nodes.subarray(0, at + 1) : part.nodes));
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect(cut).toBeGreaterThan(100);
  });

  it('keeps parts up to its budget, computing the rest on each call', () => {
    const prepared = randomPrepared(7, 200, 260);
    const parts = new DownParts(prepared, { cacheNodes: 40 });
    parts.warm();
    const nodes = Array.from({ length: 200 }, (_v, x) => x).filter((x) => !prepared.aboveFragile[x]);
    const kept = nodes.filter((x) => parts.kept(x) !== undefined);
    expect(kept.length).toBeGreaterThan(0);
    // Without its member edges, the same views.
    expect(nodes.filter((x) => parts.keptDown(x) !== undefined)).toEqual(kept);
    for (const x of kept) {
      const { nodes: part, softFarms, softFarmDown } = parts.kept(x)!;
      expect(parts.keptDown(x)).toEqual({ nodes: part, softFarms, softFarmDown });
    }
    expect(kept.length).toBeLessThan(nodes.length);
    expect(kept.reduce((s, x) => s + parts.of(x).nodes.length, 0)).toBeLessThanOrEqual(40);
    // Kept or not, the same part as a walk finds.
    for (const x of nodes) {
      const walked = prepared.spreader.spreadDown(x);
      const part = parts.of(x);
      expect([Array.from(part.nodes), Array.from(part.softFarms), Array.from(part.softFarmDown)]).toEqual([
        Array.from(walked.nodes),
        Array.from(walked.softFarms),
        Array.from(walked.softFarmDown),
      ]);
      expect(part.edges).toEqual(prepared.spreader.memberEdgesOut(walked.nodes));
    }
  });

  it("gives a kept part's user-facing CIs as a bitset in ClosureBits' order, and nothing for a part not kept", () => {
    const prepared = randomPrepared(9, 200, 260);
    // Half the graph's user-facing CIs, at random.
    const rand = prng(9);
    prepared.userFacing.forEach((_v, x) => (prepared.userFacing[x] = rand() < 0.5 ? 1 : 0));
    const parts = new DownParts(prepared, { cacheNodes: 60 });
    parts.warm();
    const bits = closureBits(prepared);
    let compared = 0;
    for (let x = 0; x < 200; x++) {
      if (prepared.aboveFragile[x]) continue;
      const set = parts.userFacingDown(x);
      if (!parts.kept(x)) {
        expect(set).toBeUndefined();
        continue;
      }
      const inSet: number[] = [];
      set!.words.forEach((word, w) => {
        for (let b = 0; b < 32; b++) if ((word >>> b) & 1) inSet.push(bits.nodeOf[((set!.lo + w) << 5) + b]!);
      });
      const expected = Array.from(parts.of(x).nodes).filter((i) => prepared.userFacing[i]);
      expect(inSet.sort((p, q) => p - q)).toEqual(expected.sort((p, q) => p - q));
      // Past the budget (the parts filled it) not kept: made again, the same.
      expect(parts.userFacingDown(x)).toEqual(set);
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
    // With room, kept: the same object on the next ask.
    const roomy = new DownParts(prepared);
    roomy.warm();
    const first = roomy.userFacingDown(0);
    expect(first).toBeDefined();
    expect(roomy.userFacingDown(0)).toBe(first);
  });
});
