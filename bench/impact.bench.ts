/**
 * Impact at scale (issue 3): load rate of the synthetic CMDB, then impact latency for
 * random single-CI failures stratified by layer, through the GraphQL API (in-process
 * yoga.fetch with a real token: full HTTP handling minus the socket) and, in the same
 * run on the same CIs, the raw Cypher traversal alone (reachability, ids only) as the
 * baseline; result sizes; peak memory of this Node process and of the Neo4j heap. The API
 * is measured twice on the same CIs: walking Neo4j (no topology projection), then on the
 * in-memory topology projection the API process keeps (server/topology), once loaded.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Graph } from '../server/db/index.js';
import { reachableBaseline } from '../server/impact/index.js';
import { topologyCache } from '../server/topology/index.js';
import { generateCMDB, loadCMDB, prng, type GeneratedCMDB, type Layer } from '../test/generator/index.js';
import { createApp } from '../server/app.js';
import { createToken } from '../server/auth/index.js';
import { createLogger } from '../server/log.js';
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

/** A hub reaches at least this share of the CMDB (100k CIs at N = 1M). */
const HUB_FRACTION = 0.1;
const MAX_HUBS = 8;

const QUERY = `
query Impact($input: ImpactInput!) {
  impact(input: $input) {
    totalCount
    truncated
    impacted { ci { id name class criticality } state depth path { ci { id name } relationship } }
    businessServices { ci { id name } state depth }
  }
}`;

/**
 * What a hub's report costs read in part, as the web view reads it: the counts, the
 * business services with their paths, and the nearest 1,000 CIs (paths are built only
 * for the entries read).
 */
const SUMMARY_QUERY = `
query ImpactSummary($input: ImpactInput!) {
  impact(input: $input) {
    totalCount
    downCount
    degradedCount
    truncated
    businessServices { ci { id name } state depth path { ci { id name } relationship } }
    impacted(first: 1000) { ci { id name class criticality } state depth path { ci { id name } relationship } }
  }
}`;

interface Sample {
  layer: Layer | 'hub';
  id: string;
  /** The API walking Neo4j (no topology projection). */
  api: number;
  /** The API on the in-memory topology projection. */
  proj?: number;
  raw: number;
  /** The same request with graphql-js's executor instead of graphql-jit (BENCH_IMPACT_COMPARE_JS=1). */
  js?: number;
  blast: number;
  returned: number;
  /** Response body size (characters). */
  bytes: number;
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

/**
 * The API in-process (yoga.fetch with a real admin token: authentication, parsing,
 * validation, the cost/depth limits, execution, error mapping and serialisation, minus
 * the socket), as test/helpers/api.ts builds it. `jit: false` builds the same app with
 * graphql-js's executor (FAULTLINE_GRAPHQL_JIT=0 is read when the app is created).
 * The clock stops when the last byte of the response body is read; parsing the JSON is
 * the client's work and is done after.
 */
async function benchApi(graph: Graph, jit: boolean, query = QUERY) {
  const before = process.env.FAULTLINE_GRAPHQL_JIT;
  process.env.FAULTLINE_GRAPHQL_JIT = jit ? '1' : '0';
  const { yoga } = createApp({
    graph,
    authEnabled: true,
    webDist: 'web/dist',
    graphiql: false,
    maxComplexity: 200_000,
    maxQueryDepth: 15,
    log: createLogger('silent'),
  });
  if (before === undefined) delete process.env.FAULTLINE_GRAPHQL_JIT;
  else process.env.FAULTLINE_GRAPHQL_JIT = before;
  const token = await createToken(graph, `bench admin${jit ? '' : ' (graphql-js)'}`, ['admin']);
  return async (id: string) => {
    const start = performance.now();
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables: { input: { ciIds: [id], maxDepth: 50 } } }),
    });
    const text = await res.text();
    const ms = performance.now() - start;
    const body = JSON.parse(text) as { data?: { impact: { totalCount: number; impacted?: unknown[] } }; errors?: unknown[] };
    if (body.errors?.length) throw new Error(`impact failed for ${id}: ${JSON.stringify(body.errors)}`);
    // SUMMARY_QUERY asks no `impacted`.
    return { ms, blast: body.data!.impact.totalCount, returned: body.data!.impact.impacted?.length ?? 0, bytes: text.length };
  };
}

/** The JVM serving `home` (a Neo4j this run started), found in /proc; null elsewhere. */
function neo4jPid(home: string | undefined): number | null {
  if (!home) return null;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (cmd.includes('java') && cmd.includes(home)) return Number(entry);
      } catch {
        // the process ended while we looked
      }
    }
  } catch {
    // no /proc (not Linux)
  }
  return null;
}

/** CPU seconds (user + system) and peak RSS so far of a process, from /proc. */
function processUsage(pid: number | null): { cpuS: number; peakRssBytes: number } | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuS: ticks / 100, peakRssBytes: hwm ? Number(hwm[1]) * 1024 : 0 };
  } catch {
    return null;
  }
}

const loadavg = () => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '-';
  }
};

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
  const js = samples.flatMap((s) => (s.js === undefined ? [] : [s.js])).sort((a, b) => a - b);
  const proj = samples.flatMap((s) => (s.proj === undefined ? [] : [s.proj])).sort((a, b) => a - b);
  const bytes = samples.map((s) => s.bytes).sort((a, b) => a - b);
  const p = (xs: number[], q: number) => fmt(quantile(xs, q));
  printRow(
    [
      label,
      samples.length,
      quantile(blast, 0.5),
      blast.at(-1)!,
      p(api, 0.5),
      p(api, 0.95),
      p(api, 0.99),
      p(raw, 0.5),
      p(raw, 0.95),
      p(raw, 0.99),
      (quantile(api, 0.5) / quantile(raw, 0.5)).toFixed(2),
      proj.length ? p(proj, 0.5) : '-',
      proj.length ? p(proj, 0.95) : '-',
      proj.length ? p(proj, 0.99) : '-',
      proj.length ? (quantile(proj, 0.5) / quantile(raw, 0.5)).toFixed(2) : '-',
      js.length ? p(js, 0.5) : '-',
      js.length ? p(js, 0.99) : '-',
      `${(quantile(bytes, 0.5) / 1e6).toFixed(2)}/${(bytes.at(-1)! / 1e6).toFixed(1)}`,
    ],
    widths,
  );
}

async function generateAndLoad(graph: Graph, n: number, smoke: boolean): Promise<{ byLayer: Record<Layer, string[]>; loadLine: string }> {
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
        console.log(`  loading... ${d.cis} CIs, ${d.relationships} relationships (${((performance.now() - t) / 1000).toFixed(0)} s)`);
      }
    },
  });
  const loadMs = performance.now() - t;
  return {
    byLayer: data.byLayer,
    loadLine:
      `load: ${load.cis} CIs in ${(load.ciMs / 1000).toFixed(1)} s (${Math.round(load.cis / (load.ciMs / 1000))} CIs/s), ` +
      `${load.relationships} relationships in ${(load.relationshipMs / 1000).toFixed(1)} s (${Math.round(load.relationships / (load.relationshipMs / 1000))} rel/s); ` +
      `total ${(loadMs / 1000).toFixed(1)} s = ${Math.round(load.cis / (loadMs / 1000))} CIs/s overall`,
  };
}

async function runScale(graph: Graph, n: number, smoke: boolean, options: BenchOptions) {
  console.log(`\n--- N = ${n.toLocaleString('en')} CIs`);
  const mem = memoryWatch();
  await wipeAll(graph);

  // Only the ids by layer outlive the load: at 1M the generated records (~5.7M objects)
  // would otherwise stay on the heap for the whole latency phase.
  const pid = neo4jPid(options.neo4j?.home);
  const cpuBefore = processUsage(pid);
  const loadStart = performance.now();
  console.log(`load average at start: ${loadavg()}`);
  const { byLayer, loadLine } = await generateAndLoad(graph, n, smoke);
  console.log(loadLine);
  const cpuAfter = processUsage(pid);
  if (cpuBefore && cpuAfter) {
    const wallS = (performance.now() - loadStart) / 1000;
    console.log(
      `neo4j JVM during generate + load: ${(cpuAfter.cpuS - cpuBefore.cpuS).toFixed(0)} CPU s in ${wallS.toFixed(0)} s wall ` +
        `(${((cpuAfter.cpuS - cpuBefore.cpuS) / wallS).toFixed(2)} cores on average); load average now ${loadavg()}`,
    );
  }

  // First the API walking Neo4j, as before the projection existed; then (below) on it.
  const cache = topologyCache(graph);
  cache.settings = { ...cache.settings, enabled: false };
  const runApi = await benchApi(graph, true);
  const compareJs = process.env.BENCH_IMPACT_COMPARE_JS === '1';
  const runJs = compareJs ? await benchApi(graph, false) : undefined;
  const random = prng(7);
  const pick = (ids: string[]) => ids[Math.floor(random() * ids.length)]!;
  const runRaw = async (id: string) => {
    const start = performance.now();
    const ids = await reachableBaseline(graph, [id]);
    return { ms: performance.now() - start, size: ids.length };
  };

  // Warm up the page cache, the query plans and the JIT on both paths.
  for (let i = 0; i < (smoke ? 3 : 40); i++) {
    const id = pick(byLayer[i % 2 ? 'clusterMember' : 'db']);
    await runApi(id);
    await runJs?.(id);
    await runRaw(id);
  }

  const samples: Sample[] = [];
  const measure = async (layer: Sample['layer'], id: string, rawFirst: boolean) => {
    // Alternate which side runs first so neither always gets the warmer cache.
    const raw1 = rawFirst ? await runRaw(id) : undefined;
    const a = await runApi(id);
    const js = runJs ? (await runJs(id)).ms : undefined;
    const raw = raw1 ?? (await runRaw(id));
    samples.push({ layer, id, api: a.ms, raw: raw.ms, js, blast: a.blast, returned: a.returned, bytes: a.bytes });
  };
  for (const { layer, samples: count } of STRATA) {
    const ids = byLayer[layer];
    if (ids.length === 0) continue;
    for (let i = 0; i < (smoke ? Math.min(2, count) : count); i++) await measure(layer, pick(ids), i % 2 === 0);
    if (!smoke) console.log(`  sampled ${layer}`);
  }

  // Hubs: the issue's "hubs with >= 100k blast radius". Candidates are the CIs of the
  // layers that fan out widest (every platform service, site and core switch); a hub is
  // one whose raw reachability is at least HUB_FRACTION of the CMDB (100k at N = 1M).
  // Each hub is measured once, up to MAX_HUBS, largest blast first.
  const hubThreshold = Math.round(n * HUB_FRACTION);
  const candidates = [...byLayer.platformService, ...byLayer.site, ...byLayer.networkCore];
  const sized: { id: string; size: number }[] = [];
  for (const id of smoke ? candidates.slice(0, 4) : candidates) sized.push({ id, size: (await runRaw(id)).size });
  const hubs = sized.filter((c) => c.size >= hubThreshold).sort((a, b) => b.size - a.size).slice(0, MAX_HUBS);
  console.log(`  hubs: ${hubs.length} of ${sized.length} candidates reach >= ${hubThreshold.toLocaleString('en')} CIs`);
  for (const [i, hub] of hubs.entries()) await measure('hub', hub.id, i % 2 === 0);
  // The same hubs read in part: counts, business services, the nearest 1,000.
  const runSummary = await benchApi(graph, true, SUMMARY_QUERY);
  const summaryMs: number[] = [];
  for (const hub of hubs) summaryMs.push((await runSummary(hub.id)).ms);
  summaryMs.sort((a, b) => a - b);

  // The same requests on the in-memory topology projection, as the API serves them once it has loaded it.
  cache.settings = { ...cache.settings, enabled: true };
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const projection = await cache.refresh();
  global.gc?.();
  console.log(
    `topology projection: ${projection.graph.ids.length.toLocaleString('en')} CIs loaded in ${fmt(projection.loadMs)} ms` +
      (global.gc ? `, live JS heap +${mb(process.memoryUsage().heapUsed - heapBefore)}` : ' (NODE_OPTIONS=--expose-gc also gives the heap it holds)'),
  );
  for (let i = 0; i < (smoke ? 3 : 40); i++) await runApi(pick(byLayer[i % 2 ? 'clusterMember' : 'db']));
  for (const sample of samples) {
    const a = await runApi(sample.id);
    if (a.blast !== sample.blast) throw new Error(`impact of ${sample.id}: ${a.blast} CIs on the projection, ${sample.blast} walking Neo4j`);
    sample.proj = a.ms;
  }
  const summaryProjMs: number[] = [];
  for (const hub of hubs) summaryProjMs.push((await runSummary(hub.id)).ms);
  summaryProjMs.sort((a, b) => a - b);

  const widths = [22, 5, 8, 8, 8, 8, 8, 8, 8, 8, 6, 8, 8, 8, 6, 8, 8, 12];
  console.log(
    '\nimpact latency (ms), API = GraphQL in-process (yoga.fetch, graphql-jit) with states, paths and CI fields, to the last byte; ' +
      'raw = Cypher reachability ids only; api = walking Neo4j; proj = the same requests on the in-memory topology projection; ' +
      'js = the API walking Neo4j with graphql-js (BENCH_IMPACT_COMPARE_JS=1); MB = response size p50/max',
  );
  printRow(
    ['stratum', 'n', 'blast50', 'blastMax', 'api p50', 'api p95', 'api p99', 'raw p50', 'raw p95', 'raw p99', 'ratio', 'proj p50', 'proj p95', 'proj p99', 'ratio', 'js p50', 'js p99', 'MB p50/max'],
    widths,
  );
  for (const { layer } of STRATA) summarise(layer, samples.filter((s) => s.layer === layer), widths);
  summarise(`hub >= ${hubThreshold.toLocaleString('en')}`, samples.filter((s) => s.layer === 'hub'), widths);
  summarise('all (hubs excluded)', samples.filter((s) => s.layer !== 'hub'), widths);
  summarise('blast <= 15k', samples.filter((s) => s.layer !== 'hub' && s.blast <= 15_000), widths);
  summarise('blast >= 100k', samples.filter((s) => s.blast >= 100_000), widths);
  if (summaryMs.length) {
    console.log(
      `hubs read in part (counts, business services with paths, impacted(first: 1000)): the same states, paths built for what is read: ` +
        `p50 ${fmt(quantile(summaryMs, 0.5))} ms, max ${fmt(summaryMs.at(-1)!)} ms over ${summaryMs.length} hubs walking Neo4j; ` +
        `p50 ${fmt(quantile(summaryProjMs, 0.5))} ms, max ${fmt(summaryProjMs.at(-1)!)} ms on the projection`,
    );
  }

  const m = mem.stop();
  const heapUsed = await neo4jHeapUsed(graph);
  const jvm = processUsage(pid);
  console.log(`load average at end: ${loadavg()}${jvm ? `; neo4j JVM peak RSS ${mb(jvm.peakRssBytes)} (heap + page cache + off-heap)` : ''}`);
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
