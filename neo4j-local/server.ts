/**
 * Starts and stops a real Neo4j Community server (embedded in a JVM of its own, Bolt on
 * 127.0.0.1 only, HTTP off, authentication on). See README.md for the memory settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { CLASSES_DIR, LIB_DIR, fetchNeo4j } from './fetch.js';

export interface LocalNeo4jOptions {
  /** Where the database files live (default ./data/neo4j). */
  home?: string;
  /** Bolt port on 127.0.0.1 (default 7687; 0 picks a free one). */
  port?: number;
  /** Initial password; default: generated once and kept in <home>/../neo4j-password. */
  password?: string;
  /** JVM heap, e.g. '4g'. */
  heap?: string;
  /** Page cache in bytes or with a unit, e.g. '6g'. */
  pageCache?: string;
  log?: (line: string) => void;
  /** How long to wait for Bolt, in ms. */
  startTimeoutMs?: number;
}

export interface LocalNeo4j {
  uri: string;
  user: string;
  password: string;
  port: number;
  home: string;
  /** Milliseconds from spawn to Bolt answering. */
  startMs: number;
  /** The JVM's process id. */
  pid: number;
  /** Resolves with the JVM's exit code when it exits, however (stop, a crash, a kill). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

const UNITS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseBytes(text: string): number {
  const match = /^(\d+)([kmg])?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: "${text}" (use e.g. 512m or 4g)`);
  return Number(match[1]) * (match[2] ? UNITS[match[2].toLowerCase()]! : 1);
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

async function portInUse(port: number): Promise<boolean> {
  return new Promise((resolveUse) => {
    const srv = createServer();
    srv.once('error', () => resolveUse(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolveUse(false)));
  });
}

/** The password kept beside the data, generated on first start. */
export function localPassword(home: string): string {
  const file = join(resolve(home, '..'), 'neo4j-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(home, '..'), { recursive: true });
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

export async function startLocalNeo4j(options: LocalNeo4jOptions = {}): Promise<LocalNeo4j> {
  const log = options.log ?? ((line: string) => console.log(line));
  const home = resolve(options.home ?? 'data/neo4j');
  const heap = options.heap ?? '4g';
  const pageCache = parseBytes(options.pageCache ?? '6g');
  const port = options.port === 0 ? await freePort() : (options.port ?? 7687);
  const password = options.password ?? localPassword(home);
  const timeout = options.startTimeoutMs ?? 120_000;

  fetchNeo4j(log);
  if (await portInUse(port)) {
    throw new Error(
      `neo4j-local: port ${port} on 127.0.0.1 is already in use (another Neo4j?). Stop it, or set NEO4J_LOCAL_PORT, or point NEO4J_URI at it.`,
    );
  }
  mkdirSync(home, { recursive: true });

  const started = Date.now();
  const child: ChildProcess = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      // An analysis during an outage waits on a few small reads: under G1's default pause
      // goal (200 ms) young collections paused Neo4j for 100-390 ms at a time in the
      // root-cause bench (the log below); with 50 ms, under 70 ms while analyses ran.
      '-XX:MaxGCPauseMillis=50',
      // Quoted: a colon in the path would end the file name.
      `-Xlog:gc:file="${join(home, 'gc.log')}":time,uptime:filecount=5,filesize=10m`,
      '-XX:+ExitOnOutOfMemoryError',
      '-XX:-OmitStackTraceInFastThrow',
      '--add-opens=java.base/java.nio=ALL-UNNAMED',
      '--add-opens=java.base/java.io=ALL-UNNAMED',
      '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
      '--add-opens=java.base/java.lang=ALL-UNNAMED',
      '-Dio.netty.tryReflectionSetAccessible=true',
      '-cp',
      `${CLASSES_DIR}:${join(LIB_DIR, '*')}`,
      'Launcher',
      home,
      String(port),
      String(pageCache),
    ],
    { env: { ...process.env, NEO4J_LOCAL_PASSWORD: password }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const jvmLog = createWriteStream(join(home, 'jvm.log'), { flags: 'a' });
  child.stderr?.pipe(jvmLog);

  let exited = false;
  const exitedPromise = new Promise<number | null>((resolveExit) => {
    child.once('exit', (code) => {
      exited = true;
      resolveExit(code);
    });
  });

  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`neo4j-local: Bolt did not answer within ${timeout} ms; see ${join(home, 'jvm.log')}`));
    }, timeout);
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes('FAULTLINE_NEO4J_READY')) {
        clearTimeout(timer);
        resolveReady();
      }
      jvmLog.write(chunk);
    });
    void exitedPromise.then((code) => {
      clearTimeout(timer);
      reject(new Error(`neo4j-local: the JVM exited with code ${code} before Bolt was ready; see ${join(home, 'jvm.log')}`));
    });
  });
  const startMs = Date.now() - started;
  log(`neo4j-local: Neo4j Community ready on bolt://127.0.0.1:${port} in ${(startMs / 1000).toFixed(1)} s (data ${home})`);

  return {
    uri: `bolt://127.0.0.1:${port}`,
    user: 'neo4j',
    password,
    port,
    home,
    startMs,
    pid: child.pid!,
    exited: exitedPromise,
    async stop() {
      if (exited) return;
      // SIGTERM runs the JVM's shutdown hook, which closes the database cleanly.
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exitedPromise;
      clearTimeout(killer);
      jvmLog.end();
    },
  };
}

/** How long a supervised Neo4j waits before starting again, doubling while starts fail. */
export const RESTART_DELAY_MS = { first: 1_000, max: 60_000 };

/**
 * A local Neo4j that is started again whenever its JVM exits on its own (an out-of-memory
 * exit, a kill -9, a crash; not when it was asked to stop with SIGINT or SIGTERM, as
 * Ctrl-C in the terminal does): the same home, port and password, after 1 s, then doubling up to
 * a minute while starts keep failing. Its driver reconnects by itself, so the API recovers
 * without a restart of its own. `stop()` stops it for good. `pid`, `startMs` and `exited`
 * are those of the JVM running now.
 */
export async function startSupervisedNeo4j(options: LocalNeo4jOptions = {}): Promise<LocalNeo4j> {
  const log = options.log ?? ((line: string) => console.log(line));
  let current = await startLocalNeo4j(options);
  const again: LocalNeo4jOptions = { ...options, port: current.port, password: current.password };
  let stopping = false;
  let restarting: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const watch = (instance: LocalNeo4j) => {
    void instance.exited.then((code) => {
      if (stopping) return;
      // 130 and 143: the JVM was asked to stop (SIGINT, SIGTERM): Ctrl-C in the terminal
      // reaches it too, or an operator stopped it on purpose. Not started again.
      const asked = code === 130 ? 'SIGINT' : code === 143 ? 'SIGTERM' : null;
      if (asked) {
        log(`neo4j-local: the JVM was stopped by ${asked} (Ctrl-C, or a kill); not starting it again`);
        return;
      }
      log(`neo4j-local: the JVM exited unexpectedly (${code === null ? 'killed by a signal' : `exit code ${code}`}; see ${join(instance.home, 'jvm.log')}); starting it again`);
      restarting = restart().finally(() => {
        restarting = null;
      });
    });
  };
  const restart = async () => {
    for (let delay = RESTART_DELAY_MS.first; !stopping; delay = Math.min(2 * delay, RESTART_DELAY_MS.max)) {
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, delay);
        wake = () => {
          clearTimeout(timer);
          resolveWait();
        };
      });
      wake = null;
      if (stopping) return;
      try {
        const next = await startLocalNeo4j(again);
        current = next;
        if (stopping) {
          await next.stop();
          return;
        }
        watch(next);
        return;
      } catch (error) {
        log(`neo4j-local: starting it again failed (${error instanceof Error ? error.message : String(error)}); next try in ${Math.min(2 * delay, RESTART_DELAY_MS.max) / 1000} s`);
      }
    }
  };
  watch(current);
  return {
    uri: current.uri,
    user: current.user,
    password: current.password,
    port: current.port,
    home: current.home,
    get startMs() {
      return current.startMs;
    },
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    async stop() {
      stopping = true;
      (wake as (() => void) | null)?.();
      await restarting;
      await current.stop();
    },
  };
}
