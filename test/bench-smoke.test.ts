/**
 * The benchmarks must not rot: every bench module runs at smoke scale against the test
 * Neo4j. Figures are printed, never asserted.
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchOptions } from '../bench/options.js';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';

const modules = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));

afterAll(closeTestGraph);

describe('bench smoke', () => {
  it('finds the bench modules', () => {
    expect(modules).toContain('impact');
  });

  for (const name of modules) {
    it(`bench ${name} runs at smoke scale`, async () => {
      const graph = await testGraph();
      await wipe(graph);
      const mod = (await import(`../bench/${name}.bench.ts`)) as { default: (o: BenchOptions) => Promise<void> };
      await expect(mod.default({ smoke: true, graph, allowWipe: true })).resolves.toBeUndefined();
    }, 300_000);
  }
});
