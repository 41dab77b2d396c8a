/**
 * Starts one real Neo4j for the whole test run (in a temp dir, on a free loopback port)
 * and hands its address to the tests. Set FAULTLINE_TEST_NEO4J_URI (and _PASSWORD) to
 * use a running server instead; the tests wipe it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalNeo4j, type LocalNeo4j } from '../neo4j-local/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    neo4j: { uri: string; user: string; password: string };
  }
}

let local: LocalNeo4j | undefined;
let home: string | undefined;

export async function setup(project: TestProject) {
  const uri = process.env.FAULTLINE_TEST_NEO4J_URI;
  if (uri) {
    project.provide('neo4j', { uri, user: process.env.FAULTLINE_TEST_NEO4J_USER ?? 'neo4j', password: process.env.FAULTLINE_TEST_NEO4J_PASSWORD ?? '' });
    return;
  }
  home = mkdtempSync(join(tmpdir(), 'faultline-test-neo4j-'));
  local = await startLocalNeo4j({
    home: join(home, 'neo4j'),
    port: 0,
    heap: '1g',
    pageCache: '512m',
    password: 'faultline-test',
    log: (line) => console.log(line),
  });
  project.provide('neo4j', { uri: local.uri, user: local.user, password: local.password });
}

export async function teardown() {
  await local?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
}
