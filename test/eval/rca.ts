/**
 * `npm run eval:rca [-- --mode memory|service|both] [--sizes 2000,10000] [--seeds 1,2,3]
 * [--trials 60] [--write]`: the fault-injection evaluation of root-cause ranking
 * (issue 6). Prints a Markdown table; --write puts it under "## Root cause" in
 * bench/RESULTS.md (replacing that section only).
 *
 * `--topology microdep`: the same protocol on the 20 real MicroDepGraph topologies
 * (test/eval/real-topologies.ts) instead of generated ones; --trials / --service-trials
 * are then per graph (defaults 30 / 10); --write is refused (record that table by hand).
 * `--decoys N` changes the number of decoy changes per scenario (default 4), a diagnostic.
 * `--report-degraded`: incidents on the DEGRADED user-facing CIs too (the other reading
 * of "impacted"), equivalence as the same broken CIs whatever their states; no ceiling
 * (it models the DOWN reading). A diagnostic; --write is refused with it.
 * `--report-rate R` / `--noise-rate R`: report R of what a root takes DOWN (default 0.3) /
 * add noise incidents at R of the observations (default 0.2), to see how the ranking
 * fares where outages are reported otherwise than the issue's protocol says. Diagnostics;
 * --write is refused with them.
 * `--options JSON` overrides model options in memory mode; `--oracle-forget a,b` makes the
 * ceiling ranking (oracle.ts) forget parts of the protocol. Both are diagnostics.
 * `--history N`: N past one-root outages per topology are put on record as resolved
 * problems before the trials, for the ranking to learn how outages are reported
 * (server/rootcause/calibration.ts); --write then writes the section "Root cause,
 * learning from resolved problems". With `--unlabelled`, the same outages are put on
 * record as resolved incidents alone, noise included, with no problem naming a root: the
 * ranking labels them itself (calibration.ts, "past outages"); --write then writes
 * "Root cause, learning from past incidents alone". `--background R` (with `--unlabelled`)
 * adds R unrelated resolved incidents per hour between the past outages (faults.ts,
 * `backgroundIncidents`), which the outage grouping must see through; --write is refused
 * with it (a diagnostic).
 *
 * memory: the model on the whole generated graph in memory (many trials, no database).
 * service: end to end, Neo4j + ITSM records + the root-cause service (a Neo4j of its
 * own is started unless NEO4J_URI is set; with NEO4J_URI it refuses without
 * --allow-wipe, since it wipes the database). The service answers from the topology
 * projection, loaded with each topology as a warm API has it; --service-walk makes it
 * walk Neo4j instead (same answers, the latency without a current projection).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../graph-schema/index.js';
import { Graph, createDriver } from '../../server/db/index.js';
import { startLocalNeo4j, type LocalNeo4j } from '../../neo4j-local/index.js';
import { evaluate, memoryRanker, type EvalConfig } from './evaluate.js';
import { PROTOCOL } from './faults.js';
import { microdepTopologies } from './real-topologies.js';
import { ORACLE_FORGETS, type OracleForget } from './oracle.js';
import { serviceRanker } from './service-ranker.js';
import { markdownTable } from './table.js';

const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const numbers = (s: string | undefined, fallback: number[]) => (s ? s.split(',').map((x) => Number(x.replace(/_/g, ''))) : fallback);
const mode = value('--mode') ?? 'both';
const topologyKind = value('--topology') ?? 'generator';
if (topologyKind !== 'generator' && topologyKind !== 'microdep') throw new Error(`--topology: generator or microdep, not ${topologyKind}`);
const real = topologyKind === 'microdep' ? microdepTopologies() : undefined;
if (real && args.includes('--write')) throw new Error('--write replaces the generator table; record the microdep table by hand');
/** --decoys N: decoy changes per scenario (default 4; a diagnostic, the protocol uses 4). */
const decoys = () => (value('--decoys') === undefined ? undefined : Number(value('--decoys')));
/** --history N: past outages per topology put on record as resolved problems before the trials (default 0). */
const history = () => Number(value('--history') ?? 0);
/** --unlabelled: the past outages on record as resolved incidents alone, no problems. */
const unlabelled = args.includes('--unlabelled');
if (unlabelled && !history()) throw new Error('--unlabelled needs --history N (how many past outages)');
/** --background R: unrelated resolved incidents per hour between the unlabelled past outages (default 0). */
const background = Number(value('--background') ?? 0);
if (!(background >= 0)) throw new Error(`--background: incidents per hour, not ${value('--background')}`);
if (background && !unlabelled) throw new Error('--background needs --unlabelled (past outages on record as incidents alone)');
if (background && args.includes('--write')) throw new Error('--background is a diagnostic: record its table by hand');
const historyLabel = !history()
  ? ''
  : unlabelled
    ? `; learnt from ${history()} past outages per topology on record as resolved incidents alone (noise included, no problems: the ranking labels them itself)${background ? `, among ${background} unrelated resolved incidents per hour` : ''}`
    : `; learnt from ${history()} resolved problems per topology`;
/** --options JSON: override model options in memory mode (a diagnostic; the defaults are the method). */
const modelOptions = value('--options') === undefined ? undefined : (JSON.parse(value('--options')!) as Record<string, number | boolean>);
/** --oracle-forget a,b: what the ceiling ranking forgets of the protocol (test/eval/oracle.ts; a diagnostic). */
const oracleForget = (() => {
  const list = value('--oracle-forget');
  if (list === undefined) return undefined;
  const names = list.split(',').filter(Boolean);
  for (const n of names) if (!(ORACLE_FORGETS as readonly string[]).includes(n)) throw new Error(`--oracle-forget: one of ${ORACLE_FORGETS.join(', ')}, not ${n}`);
  return new Set(names as OracleForget[]);
})();
const realLabel = real ? `; topologies: ${real[0]!.group}` : '';
/** --report-degraded: the other reading of "the impacted user-facing CIs" (a diagnostic). */
const reportDegraded = args.includes('--report-degraded');
/** A share given on the command line; `least` is its smallest allowed value (no noise is a case; no reports is not). */
const rateOf = (name: string, least: number) => {
  const text = value(name);
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!(rate >= least && rate <= 1)) throw new Error(`${name} must be a number in [${least}, 1], got ${JSON.stringify(text)}`);
  return rate;
};
const reportRate = rateOf('--report-rate', 0.01);
const noiseRate = rateOf('--noise-rate', 0);
if ((reportRate !== undefined || noiseRate !== undefined) && args.includes('--write')) throw new Error('--report-rate and --noise-rate are diagnostics; record their tables by hand');
if (reportDegraded && args.includes('--write')) throw new Error('--report-degraded is a diagnostic; record its table by hand');
const reportPercent = Math.round((reportRate ?? PROTOCOL.reportRate) * 100);
/** How this run's incidents differ from the protocol's (the diagnostics' flags). */
const protocolLabel =
  (reportDegraded ? `; incidents on ${reportPercent} % of every user-facing CI a root breaks, DEGRADED ones too (--report-degraded)` : '') +
  (reportRate !== undefined && !reportDegraded ? `; incidents on ${reportPercent} % of what a root takes DOWN (--report-rate)` : '') +
  (noiseRate !== undefined ? `; noise at ${Math.round(noiseRate * 100)} % of the observations (--noise-rate)` : '');

const sections: string[] = [];
const log = (line: string) => console.error(`  ${line}`);

if (mode === 'memory' || mode === 'both') {
  const config: EvalConfig = {
    sizes: numbers(value('--sizes'), [2_000, 10_000]),
    seeds: numbers(value('--seeds'), [1, 2, 3]),
    trials: Number(value('--trials') ?? (real ? 30 : 60)),
    variants: [1, 2],
    topologies: real,
    decoys: decoys(),
    oracleForget,
    history: history(),
    unlabelled,
    background,
    reportDegraded,
    reportRate,
    noiseRate,
  };
  if (real) console.error(`memory: ${real[0]!.group}, ${config.trials} trials per graph and variant`);
  else console.error(`memory: sizes ${config.sizes.join(',')}, seeds ${config.seeds.join(',')}, ${config.trials} trials per topology and variant`);
  const results = await evaluate(memoryRanker(modelOptions), config, log);
  sections.push(markdownTable(results, `in memory (the model on the whole ${real ? '' : 'generated '}graph; latency = ranking only)${realLabel}${historyLabel}${protocolLabel}`, !reportDegraded));
  console.log(sections.at(-1));
}

if (mode === 'service' || mode === 'both') {
  const config: EvalConfig = {
    sizes: numbers(value('--service-sizes'), [2_000]),
    seeds: numbers(value('--service-seeds'), [1, 2]),
    trials: Number(value('--service-trials') ?? (real ? 10 : 30)),
    variants: [1, 2],
    topologies: real,
    decoys: decoys(),
    history: history(),
    unlabelled,
    background,
    reportDegraded,
    reportRate,
    noiseRate,
  };
  let local: LocalNeo4j | undefined;
  let home: string | undefined;
  let graph: Graph;
  if (process.env.NEO4J_URI) {
    if (!args.includes('--allow-wipe')) throw new Error('service mode wipes the database; pass --allow-wipe to use NEO4J_URI');
    graph = new Graph(createDriver({ uri: process.env.NEO4J_URI, user: process.env.NEO4J_USER ?? 'neo4j', password: process.env.NEO4J_PASSWORD ?? '' }));
  } else {
    home = mkdtempSync(join(tmpdir(), 'faultline-eval-neo4j-'));
    local = await startLocalNeo4j({ home: join(home, 'neo4j'), port: 0, heap: '2g', pageCache: '1g', password: 'faultline-eval', log: (l) => console.error(l) });
    graph = new Graph(createDriver({ uri: local.uri, user: local.user, password: local.password }));
  }
  try {
    await migrate((cypher, params) => graph.runAutoCommit(cypher, params ?? {}));
    if (real) console.error(`service: ${real[0]!.group}, ${config.trials} trials per graph and variant`);
    else console.error(`service: sizes ${config.sizes.join(',')}, seeds ${config.seeds.join(',')}, ${config.trials} trials per topology and variant`);
    const results = await evaluate(serviceRanker(graph, { walk: args.includes('--service-walk') }), config, log);
    sections.push(markdownTable(results, `end to end (Neo4j, incidents and changes through the ITSM services, the root-cause service; latency = rankRootCause)${realLabel}${historyLabel}${protocolLabel}`, !reportDegraded));
    console.log(sections.at(-1));
  } finally {
    await graph.driver.close();
    await local?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  }
}

if (args.includes('--write')) {
  const file = 'bench/RESULTS.md';
  const heading = !history() ? '## Root cause' : unlabelled ? '## Root cause, learning from past incidents alone' : '## Root cause, learning from resolved problems';
  const body = `${heading}\n\nFault-injection evaluation (\`npm run eval:rca\`, ${new Date().toISOString().slice(0, 10)}; protocol in docs/rootcause.md).\n\n${sections.join('\n\n')}\n`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const start = text.indexOf(`${heading}\n`);
  let next;
  if (start >= 0) {
    const after = text.slice(start + heading.length).search(/\n## /);
    next = text.slice(0, start) + body + (after >= 0 ? text.slice(start + heading.length + after + 1) : '');
  } else {
    next = `${text.trimEnd()}\n\n${body}`;
  }
  writeFileSync(file, next);
  console.error(`wrote the "${heading}" section of ${file}`);
}
