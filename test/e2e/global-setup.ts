/**
 * The browser suite's world: a real Neo4j in a temp dir, the demo enterprise loaded, the
 * web built with Vite, and the real server (authentication on) on a free loopback port.
 * Tests get the URL, an admin token, a viewer token, the demo's key → CI id map and the id
 * of a server with 1,000 VMs on it (imported beside the demo, for the element budget).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import { build } from 'vite';
import { startLocalNeo4j, type LocalNeo4j } from '../../neo4j-local/index.js';
import { migrate } from '../../graph-schema/index.js';
import { Graph, createDriver } from '../../server/db/index.js';
import { createApp } from '../../server/app.js';
import { createToken } from '../../server/auth/index.js';
import { createLogger } from '../../server/log.js';
import { loadDemo } from '../demo/load-demo.js';
import { runSync, type SourceItem } from '../../importers/sync/index.js';
import { findByIdentifiers } from '../../server/cis/service.js';

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: { url: string; token: string; viewerToken: string; ids: Record<string, string>; bigHost: string };
  }
}

let local: LocalNeo4j | undefined;
let home: string | undefined;
let graph: Graph | undefined;
let server: Server | undefined;

/**
 * A server with `count` VMs hosted on it, imported by the sync engine in batched write
 * transactions (through the API, a mutation at a time, it took about 40 s): drawn one by
 * one, more than the canvas's element budget.
 */
async function loadBigHost(g: Graph, count = 1000): Promise<string> {
  async function* items(): AsyncIterable<SourceItem> {
    yield { kind: 'record', record: { class: 'Server', key: 'host', name: 'e2e-big-host', attributes: { hostname: 'e2e-big-host' }, origin: 'e2e' } };
    for (let i = 0; i < count; i++) {
      const name = `e2e-guest-${i}`;
      yield { kind: 'record', record: { class: 'VirtualMachine', key: name, name, attributes: { hostname: name }, references: [{ type: 'HOSTED_ON', target: { key: 'host' } }], origin: 'e2e' } };
    }
  }
  const report = await runSync(g, items(), { source: 'e2e', scope: 'big-host' });
  if (report.status !== 'SUCCEEDED' || report.counts.relationshipsCreated !== count) throw new Error(`e2e big host: ${report.status} ${report.error ?? JSON.stringify(report.counts)}`);
  const host = await findByIdentifiers(g, 'Server', { hostname: 'e2e-big-host' });
  if (!host) throw new Error('e2e big host: not found after its import');
  return host.id;
}

export async function setup(project: TestProject) {
  const webDist = resolve('web/dist');
  const building = build({ configFile: resolve('web/vite.config.ts'), logLevel: 'warn' });

  let uri = process.env.FAULTLINE_TEST_NEO4J_URI;
  let user = process.env.FAULTLINE_TEST_NEO4J_USER ?? 'neo4j';
  let password = process.env.FAULTLINE_TEST_NEO4J_PASSWORD ?? '';
  if (!uri) {
    home = mkdtempSync(join(tmpdir(), 'faultline-e2e-neo4j-'));
    local = await startLocalNeo4j({ home: join(home, 'neo4j'), port: 0, heap: '1g', pageCache: '512m', password: 'faultline-e2e', log: (line) => console.log(line) });
    ({ uri, user, password } = local);
  }
  graph = new Graph(createDriver({ uri, user, password }));
  await migrate((cypher, params) => graph!.runAutoCommit(cypher, params ?? {}));
  await graph.runAutoCommit('MATCH (n) WHERE NOT n:SchemaMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
  const demo = await loadDemo(graph);
  const bigHost = await loadBigHost(graph);
  const token = await createToken(graph, 'e2e admin', ['admin']);
  const viewerToken = await createToken(graph, 'e2e viewer', ['viewer']);
  await building;

  const app = createApp({ graph, authEnabled: true, webDist, graphiql: false, maxComplexity: 50_000, maxQueryDepth: 15, log: createLogger('warn') });
  server = app.server;
  await new Promise<void>((ok) => server!.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  project.provide('e2e', { url: `http://127.0.0.1:${port}`, token, viewerToken, ids: Object.fromEntries(demo.ids), bigHost });
}

export async function teardown() {
  if (server) {
    server.closeAllConnections();
    await new Promise((ok) => server!.close(ok));
  }
  await graph?.driver.close();
  await local?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}
