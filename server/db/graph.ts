/**
 * Neo4j access. Reads go through read transactions (a cluster routes them to
 * followers), writes through write transactions; both retry transient failures via the
 * driver's managed transactions. A lost database is reported as UnavailableError.
 */
import neo4j, { type Driver, type ManagedTransaction, type QueryResult } from 'neo4j-driver';
import { UnavailableError, ConflictError } from '../errors.js';

export type Params = Record<string, unknown>;
export type Row = Record<string, unknown>;
export type Tx = ManagedTransaction;

export interface GraphOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
}

export function createDriver(options: GraphOptions): Driver {
  return neo4j.driver(options.uri, neo4j.auth.basic(options.user, options.password), {
    disableLosslessIntegers: true,
    maxConnectionPoolSize: 100,
    connectionAcquisitionTimeout: 20_000,
    maxTransactionRetryTime: 10_000,
    logging: { level: 'error', logger: (_level, message) => console.error(`neo4j-driver: ${message}`) },
  });
}

/** An integer parameter (LIMIT, SKIP): JS numbers travel as floats otherwise. */
export function int(n: number): ReturnType<typeof neo4j.int> {
  return neo4j.int(Math.trunc(n));
}

/**
 * Bulk lookups by id (root cause asks about thousands of CIs) first read the time window
 * or open set instead when it holds fewer rows than this many ids: below it, looking up
 * each id is cheap and a second round trip is not worth risking.
 */
export const WINDOW_FIRST_MIN_IDS = 256;

export function rows(result: QueryResult): Row[] {
  return result.records.map((r) => r.toObject() as Row);
}

const UNAVAILABLE_CODES = new Set([
  'ServiceUnavailable',
  'SessionExpired',
  'Neo.TransientError.General.DatabaseUnavailable',
  'Neo.ClientError.Security.AuthenticationRateLimit',
]);

/** Maps driver failures to domain errors; leaves anything else as it is. */
export function translateDriverError(error: unknown): unknown {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    if (UNAVAILABLE_CODES.has(code) || code.startsWith('Neo.TransientError')) {
      return new UnavailableError('The graph database cannot be reached; retry later.', { cause: code });
    }
    if (code === 'Neo.ClientError.Schema.ConstraintValidationFailed') {
      return new ConflictError(`A unique value is already taken: ${String((error as { message?: unknown }).message)}`);
    }
  }
  if (error instanceof Error && /ECONNREFUSED|connect ECONN|socket hang up|Pool is closed/.test(error.message)) {
    return new UnavailableError('The graph database cannot be reached; retry later.');
  }
  return error;
}

/** The one door to Neo4j. A request gets its own view that counts its queries. */
export class Graph {
  /** Transactions run through this view. */
  queryCount = 0;
  constructor(
    readonly driver: Driver,
    readonly database?: string,
    /** Transactions run through this Graph and every view made from it. */
    readonly totals: { queries: number } = { queries: 0 },
  ) {}

  /** A view for one request: same driver, own query counter. */
  forRequest(): Graph {
    return new Graph(this.driver, this.database, this.totals);
  }

  async read(cypher: string, params: Params = {}): Promise<Row[]> {
    return this.readTx((tx) => tx.run(cypher, params).then(rows));
  }

  async write(cypher: string, params: Params = {}): Promise<Row[]> {
    return this.writeTx((tx) => tx.run(cypher, params).then(rows));
  }

  async readTx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.queryCount++;
    this.totals.queries++;
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.READ });
    try {
      return await session.executeRead(work);
    } catch (error) {
      throw translateDriverError(error);
    } finally {
      await session.close();
    }
  }

  async writeTx<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    this.queryCount++;
    this.totals.queries++;
    const session = this.driver.session({ database: this.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      return await session.executeWrite(work);
    } catch (error) {
      throw translateDriverError(error);
    } finally {
      await session.close();
    }
  }

  /** Runs schema statements (migrations) outside explicit transactions. */
  async runAutoCommit(cypher: string, params: Params = {}): Promise<Row[]> {
    const session = this.driver.session({ database: this.database });
    try {
      return rows(await session.run(cypher, params));
    } catch (error) {
      throw translateDriverError(error);
    } finally {
      await session.close();
    }
  }
}
