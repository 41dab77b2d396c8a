/**
 * Fixture loader for the MicroDepGraph dataset (../shared/fixtures/third-party/
 * microservice-dependency-graph-dataset, LGPL-3.0, read in place and never copied into
 * this repository): 20 GraphML graphs of real open-source microservice systems. Test
 * code, not a product importer: it turns one graph into CMDB records for loadCMDB and
 * for the fault-injection evaluation.
 *
 * Mapping (documented in docs/impact.md, "Real topologies"):
 * - A node whose name, split on `-`, `_` and `.`, holds a data-store word (mysql, postgres,
 *   mongo, redis, cassandra, elasticsearch, memcached, sqlserver, dynamodb, db, data, cache,
 *   elk, …) is a Database; a message broker (rabbitmq, kafka, zookeeper, mqtt, nats, broker,
 *   middleware, …) is an ApplicationService (a technical service consumed by applications);
 *   a name with a job word (init, setup, migrate) is an Application whatever else it says
 *   (`dynamodblocal-init` creates tables, it stores nothing); everything else is an
 *   Application.
 * - Each edge `A -> B` becomes `(A)-[:DEPENDS_ON]->(B)`: the dataset's edges run from the
 *   dependent to the provider, which is Faultline's direction. Evidence: Robot_Shop has
 *   `source="shipping" target="mysql"`, `source="user" target="mongodb"` and
 *   `source="web" target="catalogue"` (the web front end calls the catalogue), and no edge
 *   leaves mysql, mongodb or redis in any of the 20 graphs (checked in
 *   test/impact-real-topologies.test.ts).
 * - One BusinessService per project (`<project>/service`) DEPENDS_ON its entry points: the
 *   nodes nothing depends on (plus one node of each dependency cycle nothing outside it
 *   depends on), so every CI has a user-facing consumer.
 * - Names and identifiers are namespaced `<namespace>/<node>` (node ids are plain service
 *   names: `mysql` is in many projects); CI ids are UUIDs derived from them (stable across
 *   runs).
 *
 * GraphML is read by the small function below, not an XML library: no XML parser is in
 * node_modules, adding one for 66 KB of machine-written fixtures was not worth a new
 * dependency, and the files use only `<node id>`, `<edge source target>` and entity-escaped
 * attribute values (the reader refuses anything it does not understand: an undirected graph,
 * an edge to an undeclared node).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GeneratedCI, GeneratedCMDB, Layer } from '../generator/index.js';
import type { RelationshipRecord } from '../generator/index.js';

export const MICRODEP_DIR =
  process.env.MICRODEP_DIR ??
  fileURLToPath(new URL('../../../shared/fixtures/third-party/microservice-dependency-graph-dataset/MicroDepGraphDataset/', import.meta.url));

export interface MicroDepGraph {
  project: string;
  nodes: string[];
  /** `source` depends on `target`. */
  edges: { source: string; target: string }[];
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescape(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    const c = ENTITIES[e];
    if (c === undefined) throw new Error(`GraphML: unknown entity ${whole}`);
    return c;
  });
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out.set(m[1]!, unescape(m[3] ?? m[4] ?? ''));
  return out;
}

/** The nodes and edges of a GraphML document (directed graphs only). */
export function parseGraphML(xml: string, project = 'graph'): MicroDepGraph {
  const text = xml.replace(/<!--[\s\S]*?-->/g, '');
  const graphTag = /<graph\b[^>]*>/.exec(text);
  if (!graphTag) throw new Error(`GraphML ${project}: no <graph> element`);
  if (attributes(graphTag[0]).get('edgedefault') !== 'directed') throw new Error(`GraphML ${project}: not a directed graph`);
  const nodes: string[] = [];
  for (const m of text.matchAll(/<node\b[^>]*>/g)) {
    const id = attributes(m[0]).get('id');
    if (id === undefined) throw new Error(`GraphML ${project}: a node without id`);
    if (!nodes.includes(id)) nodes.push(id);
  }
  const edges: MicroDepGraph['edges'] = [];
  for (const m of text.matchAll(/<edge\b[^>]*>/g)) {
    const a = attributes(m[0]);
    const source = a.get('source');
    const target = a.get('target');
    if (source === undefined || target === undefined) throw new Error(`GraphML ${project}: an edge without source or target`);
    if (!nodes.includes(source) || !nodes.includes(target)) throw new Error(`GraphML ${project}: edge ${source} -> ${target} to an undeclared node`);
    if (a.get('directed') === 'false') throw new Error(`GraphML ${project}: undirected edge ${source} -- ${target}`);
    if (!edges.some((e) => e.source === source && e.target === target)) edges.push({ source, target });
  }
  return { project, nodes, edges };
}

/** The project names (file names without .graphml), sorted. */
export function microdepProjects(dir = MICRODEP_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphml'))
    .map((f) => f.slice(0, -'.graphml'.length))
    .sort();
}

export function readMicroDep(project: string, dir = MICRODEP_DIR): MicroDepGraph {
  return parseGraphML(readFileSync(`${dir}/${project}.graphml`, 'utf8'), project);
}

const STORE_WORDS = new Set([
  'mysql', 'mariadb', 'postgres', 'postgresql', 'mongo', 'mongodb', 'redis', 'cassandra', 'elasticsearch', 'elk', 'memcached',
  'sqlserver', 'mssql', 'oracle', 'dynamodb', 'dynamodblocal', 'couchdb', 'neo4j', 'influxdb', 'db', 'database', 'data', 'sql', 'nosql', 'cache',
]);
const BROKER_WORDS = new Set(['rabbitmq', 'rabbit', 'kafka', 'zookeeper', 'mqtt', 'activemq', 'nats', 'broker', 'middleware']);
const JOB_WORDS = new Set(['init', 'setup', 'migrate', 'migration']);

export type MicroDepClass = 'Database' | 'ApplicationService' | 'Application';

/** The CI class of a dataset node, by the words of its name (see the header). */
export function classify(node: string): MicroDepClass {
  const words = node.toLowerCase().split(/[-_.]/);
  if (words.some((w) => JOB_WORDS.has(w))) return 'Application';
  if (words.some((w) => STORE_WORDS.has(w))) return 'Database';
  if (words.some((w) => BROKER_WORDS.has(w))) return 'ApplicationService';
  return 'Application';
}

const LAYER: Record<string, Layer> = { Database: 'db', ApplicationService: 'platformService', Application: 'app', BusinessService: 'businessService', Cluster: 'cluster' };
const IDENTIFIER: Record<string, string> = {
  Database: 'instanceId',
  ApplicationService: 'serviceId',
  Application: 'appId',
  BusinessService: 'serviceId',
  Cluster: 'clusterId',
};

/** A UUID derived from a name (stable across runs, distinct per namespace). */
function nameUuid(name: string): string {
  const h = createHash('sha1').update(`microdep:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${'89ab'[parseInt(h[16]!, 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The entry points: nodes nothing depends on, plus, for each group of nodes that reach one
 * another (a cycle) with no dependent outside it, its first node in file order.
 */
export function entryPoints(g: MicroDepGraph): string[] {
  const dependents = new Map(g.nodes.map((n) => [n, [] as string[]]));
  for (const e of g.edges) dependents.get(e.target)!.push(e.source);
  const entries = g.nodes.filter((n) => dependents.get(n)!.length === 0);
  // Every node some entry point reaches (along dependent -> provider) has a consumer.
  const covered = new Set<string>();
  const reach = (from: string) => {
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (covered.has(n)) continue;
      covered.add(n);
      for (const e of g.edges) if (e.source === n) stack.push(e.target);
    }
  };
  entries.forEach(reach);
  for (const n of g.nodes) {
    if (covered.has(n)) continue;
    entries.push(n);
    reach(n);
  }
  return entries;
}

export interface MicroDepCMDB extends GeneratedCMDB {
  project: string;
  namespace: string;
  /** CI id by dataset node name (and 'service' for the business service). */
  idOf: Map<string, string>;
  /** The farm variant: the Application made a farm, its cluster and its three members. */
  farm?: { application: string; cluster: string; members: string[] };
}

export interface MicroDepOptions {
  /** Namespace for names and identifiers (default: the project). */
  namespace?: string;
  /**
   * Make the most depended-on Application (most dependents; ties by name) a farm: it RUNS_ON
   * a Cluster (minUp 2) that HAS_MEMBER three Application instances, each depending on what
   * the Application depended on (the Application itself keeps no DEPENDS_ON of its own).
   */
  farm?: boolean;
}

/** CMDB records of one project, shaped like the generator's output (layers included). */
export function microdepCMDB(g: MicroDepGraph, options: MicroDepOptions = {}): MicroDepCMDB {
  const ns = options.namespace ?? g.project;
  const cis: GeneratedCI[] = [];
  const relationships: RelationshipRecord[] = [];
  const idOf = new Map<string, string>();
  const add = (key: string, cls: string, attributes: Record<string, unknown> = {}) => {
    const name = `${ns}/${key}`;
    const id = nameUuid(name);
    idOf.set(key, id);
    cis.push({ id, class: cls, name, layer: LAYER[cls]!, criticality: cls === 'BusinessService' ? 1 : 3, attributes: { [IDENTIFIER[cls]!]: name, ...attributes } });
    return id;
  };
  const rel = (from: string, type: string, to: string) =>
    relationships.push({ id: `REL-${nameUuid(`${ns}/${from}-${type}->${to}`)}`, type, from: idOf.get(from)!, to: idOf.get(to)! });

  for (const n of g.nodes) add(n, classify(n));
  let edges = g.edges;
  let farm: MicroDepCMDB['farm'];
  if (options.farm) {
    const apps = g.nodes.filter((n) => classify(n) === 'Application');
    const fanIn = (n: string) => g.edges.filter((e) => e.target === n).length;
    const app = [...apps].sort((a, b) => fanIn(b) - fanIn(a) || (a < b ? -1 : a > b ? 1 : 0))[0];
    if (app === undefined) throw new Error(`${g.project}: no Application to make a farm of`);
    const cluster = `${app} farm`;
    add(cluster, 'Cluster', { minUp: 2, technology: 'replicas' });
    const members = [1, 2, 3].map((k) => `${app}#${k}`);
    rel(app, 'RUNS_ON', cluster);
    for (const m of members) {
      add(m, 'Application');
      rel(cluster, 'HAS_MEMBER', m);
      for (const e of g.edges) if (e.source === app) rel(m, 'DEPENDS_ON', e.target);
    }
    edges = g.edges.filter((e) => e.source !== app);
    farm = { application: idOf.get(app)!, cluster: idOf.get(cluster)!, members: members.map((m) => idOf.get(m)!) };
  }
  for (const e of edges) rel(e.source, 'DEPENDS_ON', e.target);
  add('service', 'BusinessService');
  for (const entry of entryPoints(g)) rel('service', 'DEPENDS_ON', entry);

  const byLayer = {} as Record<Layer, string[]>;
  for (const layer of Object.values(LAYER)) byLayer[layer] = [];
  for (const c of cis) (byLayer[c.layer] ??= []).push(c.id);
  return { n: cis.length, seed: 0, cis, relationships, byLayer, project: g.project, namespace: ns, idOf, farm };
}
