/**
 * `npm start`: Neo4j (local unless NEO4J_URI is set) → migrations → API and web on
 * http://HOST:PORT. Ctrl-C (or SIGTERM) closes the server, then the database, cleanly.
 */
import { createServer } from 'node:net';
import { ConfigError, loadConfig } from './config.js';
import { connectGraph } from './db/index.js';
import { ensureAdminToken } from './auth/index.js';
import { createApp } from './app.js';
import { topologyCache } from './topology/index.js';
import { prepareProjection, warmProjection, warmRootCause } from './rootcause/index.js';
import { createLogger } from './log.js';
import { ensureWebBuilt } from './web-build.js';
import { slaTargetsFromEnv, SlaConfigError } from './itsm/sla.js';

let config;
try {
  config = loadConfig();
  slaTargetsFromEnv();
} catch (error) {
  if (error instanceof ConfigError || error instanceof SlaConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}

/** Why HOST:PORT cannot be listened on (in use, not an address of this machine), in one line. */
function cannotListen(error: NodeJS.ErrnoException, host: string, port: number): string {
  const why =
    error.code === 'EADDRINUSE'
      ? 'the port is already in use (another Faultline?); set PORT'
      : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN'
        ? 'HOST is not an address of this machine; set HOST'
        : error.code === 'EACCES'
          ? 'not allowed to listen on that port; set PORT'
          : (error.code ?? error.message);
  return `Cannot listen on ${host}:${port}: ${why}`;
}

// Before Neo4j starts: a port in use or a wrong HOST stops the start here, in one line.
await new Promise<void>((resolveCheck) => {
  const probe = createServer();
  probe.once('error', (error: NodeJS.ErrnoException) => {
    console.error(cannotListen(error, config.HOST, config.PORT));
    process.exit(2);
  });
  probe.listen(config.PORT, config.HOST, () => probe.close(() => resolveCheck()));
});

const log = createLogger(config.LOG_LEVEL);
const say = (line: string) => log.info(line);
const connection = await connectGraph(config, say).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});

const authEnabled = config.FAULTLINE_AUTH === 'on';
let tokenHint = 'authentication is OFF (loopback demo)';
if (authEnabled) {
  const admin = await ensureAdminToken(connection.graph, config.FAULTLINE_DATA_DIR, config.FAULTLINE_ADMIN_TOKEN);
  tokenHint = admin.file ? `admin token in ${admin.file}` : 'admin token from FAULTLINE_ADMIN_TOKEN';
}

ensureWebBuilt(config.FAULTLINE_WEB_DIST, say);

// Root cause keeps the propagating graph in memory, checked against the graph's state on every use.
const topology = topologyCache(connection.graph);
topology.settings = { enabled: config.FAULTLINE_TOPOLOGY_CACHE, maxAgeMs: config.FAULTLINE_TOPOLOGY_MAX_AGE * 1000 };
topology.onLoad = (p, previous) => {
  if (p.update) log.debug({ from: p.update.from, to: p.state.version, touched: p.update.touched, reindexed: p.update.reindexed, ms: Math.round(p.loadMs) }, 'topology projection caught up with writes');
  prepareProjection(p, previous);
  // A renewal waits for this before the projection replaces the one in use.
  return warmProjection(p).catch((error: unknown) => log.warn({ err: error }, 'root cause: warming the topology projection failed; rankings compute what they need'));
};
if (topology.settings.enabled) {
  topology.refresh().then(
    (p) => say(`topology projection loaded: ${p.graph.ids.length} CIs in ${Math.round(p.loadMs)} ms`),
    (error: unknown) => log.warn({ err: error }, 'topology projection not loaded; root cause reads Neo4j until it is'),
  );
}

// Neo4j plans an analysis's reads, and the reporting model is learnt, now: not during the first outage.
warmRootCause(connection.graph).catch((error: unknown) =>
  log.warn({ err: error }, 'root cause: readying it failed; the first analysis plans its reads and ranks before learning'),
);

const { server } = createApp({
  graph: connection.graph,
  authEnabled,
  webDist: config.FAULTLINE_WEB_DIST,
  graphiql: config.FAULTLINE_GRAPHIQL,
  maxComplexity: config.FAULTLINE_MAX_COMPLEXITY,
  maxQueryDepth: config.FAULTLINE_MAX_DEPTH,
  log,
  jit: config.FAULTLINE_GRAPHQL_JIT,
});

server.once('error', (error: NodeJS.ErrnoException) => {
  console.error(cannotListen(error, config.HOST, config.PORT));
  void shutdown('listen failed', 2);
});
server.listen(config.PORT, config.HOST, () => {
  const base = `http://${config.HOST}:${config.PORT}`;
  say(`Faultline is up: web ${base}/  GraphQL ${base}/graphql  (${tokenHint})`);
});

let stopping = false;
async function shutdown(signal: string, code = 0) {
  if (stopping) return;
  stopping = true;
  say(`${signal}: shutting down`);
  server.close();
  server.closeAllConnections();
  await connection.close();
  say('stopped cleanly');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
