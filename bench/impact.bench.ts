/**
 * Impact at scale (issue 3): load rate of the synthetic CMDB, then impact latency for
 * random single-CI failures stratified by layer, through the GraphQL API (in-process
 * yoga.fetch with a real token: full HTTP handling minus the socket) and, in the same
 * run on the same CIs, the raw Cypher traversal alone (reachability, ids only) as the
 * baseline; result sizes; peak memory of this Node process and of the Neo4j heap.
 */
import { execFileSync } from 'node:child_process';
import type { Graph } from '../server/db/index.js';
import { reachableBaseline } from '../server/impact/index.js';
import { generateCMDB, loadCMDB, prng, type GeneratedCMDB, type Layer } from '../test/generator/index.js';
import { testApi } from '../test/helpers/api.js';
import { benchGraph, fmt, quantile, type BenchOptions } from './options.js';

const STRATA: { layer: Layer; samples: number }[] = [
  { layer: 'host', samples: 60 },
  { layer: 'clusterMember', samples: 100 },
  { layer: 'db', samples: 100 },
  { layer: 'app', samples: 60 },
  { layer: 'networkAccess', samples: 30 },
  { layer: 'networkCore', samples: 8 },
  { layer: 'site', samples: 6 },
  { layer: 'platformService', samples: 6 },
];

const QUERY = `
query Impact($input: ImpactInput!) {
  impact(input: $input) {
    totalCount
    truncated
    impacted { ci { id name class criticality } state depth path { ci { id name } relationship } }
    businessServices { ci { id name } state depth }
  }
}`;

interface Sample {
  layer: Layer;
  api: number;
  raw: number;
  blast: number;
  returned: number;
}

/** Peak RSS / heap of this process, sampled every 50 ms. */
function memoryWatch() {
  let rss = 0;
  let heap = 0;
  const tick = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  tick();
  const timer = setInterval(tick, 50);
  return {
    stop: () => {
      clearInterval(timer);
      tick();
      return { rss, heap };
    },
  };
}

async function neo4jHeapUsed(graph: Graph): Promise<number | null> {
  try {
    const [row] = await graph.runAutoCommit(
      "CALL dbms.queryJmx('java.lang:type=Memory') YIELD attributes RETURN attributes.HeapMemoryUsage.value.properties.used AS used",
    );
    return typeof row?.used === 'number' ? row.used : null;
  } catch {
    return null; // JMX procedures can be disabled on a managed server; the figure is then omitted.
  }
}

const mb = (bytes: number | null) => (bytes === null ? '-' : `${Math.round(bytes / 1024 / 1024)} MB`);

async function wipeAll(graph: Graph) {
  await graph.runAutoCommit(`
MATCH (n)
WHERE NOT n:SchemaMigration
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 20000 ROWS
`);
}

function printRow(cells: (string | number)[], widths: number[]) {
  console.log(cells.map((c, i) => String(c).padStart(widths[i]!)).join(' '));
}

function summarise(label: string, samples: Sample[], widths: number[]) {
  if (samples.length === 0) return;
  const api = samples.map((s) => s.api).sort((a, b) => a - b);
  const raw = samples.map((s) => s.raw).sort((a, b) => a - b);
  const blast = samples.map((s) => s.blast).sort((a, b) => a - b);
  const p = (xs: number[], q: number) => fmt(quantile(xs, q));
  printRow(
    [label, samples.length, quantile(blast, 0.5), blast.at(-1)!, p(api, 0.5), p(api, 0.95), p(api, 0.99), p(raw, 0.5), p(raw, 0.95), p(raw, 0.99), (quantile(api, 0.5) / quantile(raw, 0.5)).toFixed(2)],
    widths,
  );
}

async function runScale(graph: Graph, n: number, smoke: boolean, options: BenchOptions) {
  console.log(`\n--- N = ${n.toLocaleString('en')} CIs`);
  const mem = memoryWatch();
  await wipeAll(graph);

  let t = performance.now();
  const data: GeneratedCMDB = generateCMDB({ n, seed: 42 });
  const genMs = performance.now() - t;
  console.log(`generate: ${data.cis.length} CIs, ${data.relationships.length} relationships (${(data.relationships.length / data.cis.length).toFixed(2)}/CI) in ${fmt(genMs)} ms`);

  t = performance.now();
  let lastPrint = t;
  const load = await loadCMDB(graph, data, {
    batchSize: smoke ? 1000 : 10_000,
    onProgress: (d) => {
      if (!smoke && performance.now() - lastPrint > 15_000) {
        lastPrint = performance.now();
        console.log(`  loading... ${d.cis} CIs, ${d.relationships} relationships`);
      }
    },
  });
  const loadMs = performance.now() - t;
  console.log(
    `load: ${load.cis} CIs in ${(load.ciMs / 1000).toFixed(1)} s (${Math.round(load.cis / (load.ciMs / 1000))} CIs/s), ` +
      `${load.relationships} relationships in ${(load.relationshipMs / 1000).toFixed(1)} s (${Math.round(load.relationships / (load.relationshipMs / 1000))} rel/s); ` +
      `total ${(loadMs / 1000).toFixed(1)} s = ${Math.round(load.cis / (loadMs / 1000))} CIs/s overall`,
  );

  const api = await testApi(graph);
  const random = prng(7);
  const pick = (ids: string[]) => ids[Math.floor(random() * ids.length)]!;
  const runApi = async (id: string) => {
    const start = performance.now();
    const res = await api.request<{ impact: { totalCount: number; impacted: unknown[] } }>(QUERY, { input: { ciIds: [id], maxDepth: 50 } });
    const ms = performance.now() - start;
    if (res.errors?.length) throw new Error(`impact failed for ${id}: ${JSON.stringify(res.errors)}`);
    return { ms, blast: res.data!.impact.totalCount, returned: res.data!.impact.impacted.length };
  };
  const runRaw = async (id: string) => {
    const start = performance.now();
    const ids = await reachableBaseline(graph, [id]);
    return { ms: performance.now() - start, size: ids.length };
  };

  // Warm up the page cache, the query plans and the JIT on both paths.
  for (let i = 0; i < (smoke ? 3 : 40); i++) {
    const id = pick(data.byLayer[i % 2 ? 'clusterMember' : 'db']);
    await runApi(id);
    await runRaw(id);
  }

  const samples: Sample[] = [];
  for (const { layer, samples: count } of STRATA) {
    const ids = data.byLayer[layer];
    if (ids.length === 0) continue;
    for (let i = 0; i < (smoke ? Math.min(2, count) : count); i++) {
      const id = pick(ids);
      // Alternate which side runs first so neither always gets the warmer cache.
      const first = i % 2 === 0;
      const raw1 = first ? await runRaw(id) : undefined;
      const a = await runApi(id);
      const raw = raw1 ?? (await runRaw(id));
      samples.push({ layer, api: a.ms, raw: raw.ms, blast: a.blast, returned: a.returned });
    }
    if (!smoke) console.log(`  sampled ${layer}`);
  }

  const widths = [22, 5, 8, 8, 8, 8, 8, 8, 8, 8, 6];
  console.log('\nimpact latency (ms), API = GraphQL in-process (yoga.fetch) with states, paths and CI fields; raw = Cypher reachability ids only');
  printRow(['stratum', 'n', 'blast50', 'blastMax', 'api p50', 'api p95', 'api p99', 'raw p50', 'raw p95', 'raw p99', 'ratio'], widths);
  for (const { layer } of STRATA) summarise(layer, samples.filter((s) => s.layer === layer), widths);
  summarise('all', samples, widths);
  summarise('blast <= 15k', samples.filter((s) => s.blast <= 15_000), widths);
  summarise('blast >= 100k', samples.filter((s) => s.blast >= 100_000), widths);

  const m = mem.stop();
  const heapUsed = await neo4jHeapUsed(graph);
  let store = '-';
  if (options.neo4j) {
    try {
      store = execFileSync('du', ['-sh', `${options.neo4j.home}/data/databases/neo4j`]).toString().split('\t')[0]!;
    } catch {
      store = '-';
    }
  }
  console.log(
    `\nmemory: node peak RSS ${mb(m.rss)}, peak JS heap ${mb(m.heap)}; neo4j heap used ${mb(heapUsed)}` +
      (options.neo4j ? ` of ${options.neo4j.heap}, page cache ${options.neo4j.pageCache} configured, store on disk ${store}` : ''),
  );
}

export default async function impactBench(options: BenchOptions): Promise<void> {
  if (!options.allowWipe) throw new Error('the impact bench wipes and reloads the database; pass --allow-wipe to use NEO4J_URI');
  const { graph, close } = await benchGraph(options);
  try {
    const scales = options.scales ?? (options.smoke ? [2_000] : [100_000, 1_000_000]);
    for (const n of scales) await runScale(graph, n, options.smoke, options);
  } finally {
    await close();
  }
}
