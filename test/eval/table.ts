/** The evaluation table, as Markdown (printed by npm run eval:rca, pasted into bench/RESULTS.md). */
import { METHODS, type Method, type TopologyResult, type VariantResult } from './evaluate.js';

const LABEL: Record<Method, string> = {
  faultline: 'Faultline',
  mostExplained: 'baseline: most observations explained',
  mostUpstreamObserved: 'baseline: most upstream observed CI',
  protocolOracle: 'ceiling: Bayes ranking that knows the protocol',
};

const f2 = (x: number) => x.toFixed(2);
const f1 = (x: number) => x.toFixed(1);
const ms = (x: number) => (x < 10 ? x.toFixed(1) : x.toFixed(0));

/** Trial-weighted average of variant results across topologies. */
export function pool(results: TopologyResult[], variant: 1 | 2, sizes?: number[]): VariantResult[] {
  return results.filter((r) => !sizes || sizes.includes(r.size)).flatMap((r) => r.variants.filter((v) => v.variant === variant));
}

/** The ceiling's figure in a sentence, unless it was not computed (NaN). */
const ceiling = (x: number) => (Number.isNaN(x) ? '' : ` (the ceiling: ${f2(x)})`);

function weighted(vs: VariantResult[], get: (v: VariantResult) => number): number {
  const n = vs.reduce((a, v) => a + v.trials, 0);
  return vs.reduce((a, v) => a + get(v) * v.trials, 0) / (n || 1);
}

/** `withStates` false: equivalence ignored states (EvalConfig.reportDegraded). */
export function markdownTable(results: TopologyResult[], mode: string, withStates = true): string {
  const lines: string[] = [];
  const rows: string[] = [];
  rows.push('| topology | roots | trials | ties | obs (mean/max) | method | AC@1 | AC@3 | AC@5 | mean rank | AC@1 ≡ | AC@3 ≡ | AC@5 ≡ | mean rank ≡ | p50 ms | p95 ms |');
  rows.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  const add = (label: string, vs: VariantResult[], variant: 1 | 2) => {
    const trials = vs.reduce((a, v) => a + v.trials, 0);
    for (const m of METHODS) {
      const s = (k: 'ac1' | 'ac3' | 'ac5' | 'meanRank', eq: boolean) => weighted(vs, (v) => (eq ? v.equivalent : v.strict)[m][k]);
      if (Number.isNaN(s('ac1', false))) continue;
      const lat = m === 'faultline' ? [ms(Math.max(...vs.map((v) => v.latencyMs.p50))), ms(Math.max(...vs.map((v) => v.latencyMs.p95)))] : ['', ''];
      rows.push(
        `| ${m === 'faultline' ? label : ''} | ${m === 'faultline' ? variant : ''} | ${m === 'faultline' ? trials : ''} | ${m === 'faultline' ? f2(weighted(vs, (v) => v.tieRate)) : ''} | ${
          m === 'faultline' ? `${f1(weighted(vs, (v) => v.observations.mean))}/${Math.max(...vs.map((v) => v.observations.max))}` : ''
        } | ${LABEL[m]} | ${f2(s('ac1', false))} | ${f2(s('ac3', false))} | ${f2(s('ac5', false))} | ${f1(s('meanRank', false))} | ${f2(s('ac1', true))} | ${f2(s('ac3', true))} | ${f2(s('ac5', true))} | ${f1(s('meanRank', true))} | ${lat[0]} | ${lat[1]} |`,
      );
    }
  };
  // Generated topologies: one row per size; given ones (real graphs): one row per group.
  const keyOf = (r: TopologyResult) => r.group ?? `n=${r.size.toLocaleString('en')}`;
  const keys = [...new Set(results.map(keyOf))];
  for (const variant of [1, 2] as const) {
    if (pool(results, variant).length === 0) continue;
    for (const key of keys) {
      const rs = results.filter((r) => keyOf(r) === key);
      const vs = rs.flatMap((r) => r.variants.filter((v) => v.variant === variant));
      if (vs.length > 0) add(rs[0]!.group ?? `${key} (seeds ${rs.map((r) => r.seed).join(',')})`, vs, variant);
    }
    if (keys.length > 1) add('all', pool(results, variant), variant);
  }
  lines.push(`Mode: ${mode}. ≡ = up to equivalence (a candidate breaking exactly the same user-facing CIs, ${withStates ? 'same states' : 'whatever their states'}, as the true root). Two roots: a trial's rank is the worse of the two roots' ranks. ties = share of trials where some other candidate is indistinguishable from a root.`);
  lines.push('');
  lines.push(...rows);
  const two = pool(results, 2);
  if (two.length) {
    lines.push('');
    lines.push(
      `Two roots, both in the top 5: ${f2(weighted(two, (v) => v.bothTop5!.strict))} strictly, ${f2(weighted(two, (v) => v.bothTop5!.equivalent))} up to equivalence${ceiling(weighted(two, (v) => v.bothTop5!.ceilingEquivalent))}.`,
    );
    const sepTrials = two.reduce((a, v) => a + v.separable!.share * v.trials, 0);
    const sepBoth = two.reduce((a, v) => a + (v.separable!.share * v.trials ? v.separable!.bothTop5Equivalent * v.separable!.share * v.trials : 0), 0);
    lines.push(
      `Separable two-root trials (each root explains an observation the other does not break; otherwise the observations cannot show that a second CI failed): ${f2(sepTrials / two.reduce((a, v) => a + v.trials, 0))} of trials; both in the top 5 ≡ in ${sepTrials ? f2(sepBoth / sepTrials) : '-'} of those.`,
    );
  }
  const one = pool(results, 1);
  if (one.length) {
    const layers = new Map<string, { n: number; ac1: number }>();
    for (const v of one) for (const [l, e] of v.byLayer) {
      const x = layers.get(l) ?? { n: 0, ac1: 0 };
      x.n += e.n;
      x.ac1 += e.ac1;
      layers.set(l, x);
    }
    lines.push('');
    lines.push(`One root, AC@1 ≡ by layer of the true root: ${[...layers].sort((a, b) => a[0].localeCompare(b[0])).map(([l, e]) => `${l} ${f2(e.ac1 / e.n)} (${e.n})`).join(', ')}.`);
  }
  return lines.join('\n');
}
