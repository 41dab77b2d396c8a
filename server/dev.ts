/**
 * `npm run dev`: development with reload. Starts the local Neo4j once (unless NEO4J_URI
 * is set), runs the API under `tsx watch` pointed at it (a server change restarts the
 * API, not the database), and Vite's dev server for the web view with hot module reload,
 * which proxies /graphql to the API. Ctrl-C stops all three.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ConfigError, loadConfig } from './config.js';
import { startLocalNeo4j, type LocalNeo4j } from '../neo4j-local/index.js';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

const env: NodeJS.ProcessEnv = { ...process.env };
let neo4j: LocalNeo4j | undefined;
if (!config.NEO4J_URI) {
  neo4j = await startLocalNeo4j({
    home: config.NEO4J_LOCAL_HOME,
    port: config.NEO4J_LOCAL_PORT,
    heap: config.NEO4J_LOCAL_HEAP,
    pageCache: config.NEO4J_LOCAL_PAGECACHE,
    password: config.NEO4J_PASSWORD,
    log: (line) => console.log(line),
  });
  Object.assign(env, { NEO4J_URI: neo4j.uri, NEO4J_USER: neo4j.user, NEO4J_PASSWORD: neo4j.password });
}

const api = `http://${config.HOST}:${config.PORT}`;
const children: ChildProcess[] = [
  spawn('npx', ['tsx', 'watch', '--clear-screen=false', 'server/main.ts'], { stdio: 'inherit', env }),
  spawn('npx', ['vite', 'web'], { stdio: 'inherit', env: { ...env, FAULTLINE_API: api } }),
];
console.log(`dev: API ${api}/graphql (reloads on change), web with hot reload on the Vite URL printed below`);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  await neo4j?.stop();
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop(0));
for (const child of children) child.once('exit', (code) => void stop(code ?? 1));
