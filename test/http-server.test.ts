/**
 * The HTTP server as a client meets it: hostile paths never take the process down nor
 * leave the web build; unknown tokens do not grow the process without end.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.js';
import { actorForToken, TOKEN_CACHE_MAX, tokenCacheSize } from '../server/auth/tokens.js';
import type { Graph } from '../server/db/index.js';
import { createLogger } from '../server/log.js';
import { closeTestGraph, testGraph } from './helpers/neo4j.js';

let graph: Graph;
let root: string;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  graph = await testGraph();
  root = mkdtempSync(join(tmpdir(), 'faultline-web-'));
  mkdirSync(join(root, 'dist', 'assets'), { recursive: true });
  mkdirSync(join(root, 'dist-private'));
  writeFileSync(join(root, 'dist', 'index.html'), '<p>the explorer</p>');
  writeFileSync(join(root, 'dist', 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'dist-private', 'secret.txt'), 'a secret');
  const { server } = createApp({ graph, authEnabled: true, webDist: join(root, 'dist'), graphiql: false, maxComplexity: 200_000, maxQueryDepth: 15, log: createLogger('silent') });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((done) => server.close(() => done()));
});
afterAll(async () => {
  await close();
  rmSync(root, { recursive: true, force: true });
  await closeTestGraph();
});

/** GET a raw path (no URL normalisation by the client). */
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it('answers a path that is not valid percent-encoding with 400, and keeps serving', async () => {
    expect((await get('/%')).status).toBe(400);
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect(await get('/assets/app.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });

  it('never serves a file outside the web build, not even from a folder whose name starts like it', async () => {
    for (const path of ['/..%2fdist-private/secret.txt', '/../dist-private/secret.txt', '/%2e%2e/dist-private/secret.txt', '/..%2f..%2fetc/passwd', '//..%2fdist-private/secret.txt', '//evil.example/assets/app.js?x=1']) {
      const res = await get(path);
      expect(res.body, path).not.toContain('a secret');
      expect(res.body, path).toBe('<p>the explorer</p>');
    }
  });
});

describe('tokens', () => {
  it('keeps at most TOKEN_CACHE_MAX tokens cached, however many unknown ones are tried', async () => {
    for (let k = 0; k < TOKEN_CACHE_MAX + 200; k += 100) {
      await Promise.all(Array.from({ length: 100 }, (_v, j) => actorForToken(graph, `random-${k + j}`)));
    }
    expect(tokenCacheSize()).toBeLessThanOrEqual(TOKEN_CACHE_MAX);
    expect(tokenCacheSize()).toBeGreaterThan(TOKEN_CACHE_MAX / 2);
  }, 120_000);
});
