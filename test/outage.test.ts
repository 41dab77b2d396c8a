/**
 * The database going away: the API answers UNAVAILABLE (not a crash, not INTERNAL) and
 * recovers by itself when Neo4j is back; a Neo4j killed with -9 recovers its data on
 * the next start. Uses a Neo4j of its own, since it stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalNeo4j, startSupervisedNeo4j, type LocalNeo4j } from '../neo4j-local/index.js';
import { migrate } from '../graph-schema/index.js';
import { Graph, createDriver } from '../server/db/index.js';
import { testApi } from './helpers/api.js';

const home = mkdtempSync(join(tmpdir(), 'faultline-outage-'));
const options = { home: join(home, 'neo4j'), heap: '512m', pageCache: '128m', password: 'outage-test', log: () => {} };
let neo4j: LocalNeo4j | undefined;
let graph: Graph | undefined;

afterAll(async () => {
  await graph?.driver.close();
  await neo4j?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('database outage', () => {
  it('answers UNAVAILABLE while Neo4j is down and recovers when it is back; survives kill -9', async () => {
    neo4j = await startLocalNeo4j({ ...options, port: 0 });
    const port = neo4j.port;
    graph = new Graph(createDriver({ uri: neo4j.uri, user: 'neo4j', password: options.password }));
    await migrate((cypher, params) => graph!.runAutoCommit(cypher, params ?? {}));
    const api = await testApi(graph);
    const created = await api.ok<{ createCI: { id: string } }>(`mutation { createCI(input: { class: "Server", name: "survivor" }) { id } }`);

    await neo4j.stop();
    const down = await api.request(`{ cis { totalCount } }`);
    expect(down.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');

    neo4j = await startLocalNeo4j({ ...options, port });
    const back = await api.ok<{ ci: { name: string } }>(`query($id: ID!) { ci(id: $id) { name } }`, { id: created.createCI.id });
    expect(back.ci.name).toBe('survivor');

    // A hard kill, then a restart on the same files: Neo4j recovers from its log.
    process.kill(neo4j.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    neo4j = await startLocalNeo4j({ ...options, port });
    const recovered = await api.ok<{ ci: { name: string } }>(`query($id: ID!) { ci(id: $id) { name } }`, { id: created.createCI.id });
    expect(recovered.ci.name).toBe('survivor');
  }, 240_000);

  it('a supervised local Neo4j (what npm start runs) is started again when its JVM dies, and the API recovers by itself', async () => {
    await graph?.driver.close();
    await neo4j?.stop();
    const lines: string[] = [];
    neo4j = await startSupervisedNeo4j({ ...options, port: 0, log: (line) => lines.push(line) });
    graph = new Graph(createDriver({ uri: neo4j.uri, user: 'neo4j', password: options.password }));
    const api = await testApi(graph);
    const created = await api.ok<{ createCI: { id: string } }>(`mutation { createCI(input: { class: "Server", name: "phoenix" }) { id } }`);
    const first = neo4j.pid;
    const exited = neo4j.exited;
    // As -XX:+ExitOnOutOfMemoryError would, or an operator's kill.
    process.kill(first, 'SIGKILL');
    await exited;
    let answer = await api.request<{ ci: { name: string } | null }>(`query($id: ID!) { ci(id: $id) { name } }`, { id: created.createCI.id });
    for (let tries = 0; answer.errors && tries < 120; tries++) {
      expect(answer.errors[0]?.extensions?.code).toBe('UNAVAILABLE');
      await new Promise((r) => setTimeout(r, 1_000));
      answer = await api.request<{ ci: { name: string } | null }>(`query($id: ID!) { ci(id: $id) { name } }`, { id: created.createCI.id });
    }
    expect(answer.data?.ci?.name).toBe('phoenix');
    expect(neo4j.pid).not.toBe(first);
    expect(lines.join('\n')).toMatch(/exited unexpectedly \(killed by a signal/);
    // Asked to stop (SIGTERM; Ctrl-C's SIGINT reaches it too), it stays stopped.
    const last = neo4j.pid;
    const stopped = neo4j.exited;
    process.kill(last, 'SIGTERM');
    expect(await stopped).toBe(143);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(neo4j.pid).toBe(last);
    expect(lines.join('\n')).toMatch(/stopped by SIGTERM \(Ctrl-C, or a kill\); not starting it again/);
    await neo4j.stop();
    expect((await api.request(`{ cis { totalCount } }`)).errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
  }, 240_000);
});
