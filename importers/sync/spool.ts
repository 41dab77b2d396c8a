/**
 * The parts of a run's plan that grow with the source (rows to create, update, relate,
 * withdraw; the records' references) are spooled to a temp file as JSON lines and read
 * back in batches, so a run's memory does not grow with the directory: only the
 * identity maps (source key, identifiers and CI ids → a small integer) stay in memory.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import neo4j from 'neo4j-driver';
import { translateDriverError, type Graph, type Params, type Row } from '../../server/db/index.js';

const FLUSH_BYTES = 1 << 20;

/** A directory of spool files, removed with `remove()`. */
export class SpoolDir {
  private path: string | null = null;
  private files = 0;
  constructor(private readonly parent: string = tmpdir()) {}

  file(): string {
    this.path ??= mkdtempSync(join(this.parent, 'faultline-sync-'));
    return join(this.path, `${++this.files}.jsonl`);
  }

  remove(): void {
    if (this.path) rmSync(this.path, { recursive: true, force: true });
    this.path = null;
  }
}

/**
 * Append-only JSON lines. `discard` keeps only the count (a dry run never applies). A
 * spool is written completely, then read once or more with `batches`.
 */
export class Spool<T> {
  count = 0;
  private fd: number | null = null;
  private path: string | null = null;
  private buffer: string[] = [];
  private bytes = 0;

  constructor(
    private readonly dir: SpoolDir,
    private readonly discard = false,
  ) {}

  push(item: T): void {
    this.count++;
    if (this.discard) return;
    const line = `${JSON.stringify(item)}\n`;
    this.buffer.push(line);
    this.bytes += line.length;
    if (this.bytes >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    if (this.fd === null) {
      this.path ??= this.dir.file();
      this.fd = openSync(this.path, 'a');
    }
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.bytes = 0;
  }

  async *batches(size: number): AsyncGenerator<T[]> {
    this.flush();
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    if (this.path === null) return;
    const lines = createInterface({ input: createReadStream(this.path), crlfDelay: Infinity });
    let batch: T[] = [];
    for await (const line of lines) {
      if (!line) continue;
      batch.push(JSON.parse(line) as T);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
}

/**
 * Streams a read query's rows to `onRow` as the server sends them (the driver pulls in
 * pages), never holding the whole result. An auto-commit read: a retry would replay rows
 * into `onRow`, so there is none; a failure fails the run, which then writes nothing.
 */
export async function streamRows(
  graph: Graph,
  cypher: string,
  params: Params,
  onRow: (row: Row) => void,
): Promise<void> {
  graph.queryCount++;
  graph.totals.queries++;
  const session = graph.driver.session({
    database: graph.database,
    defaultAccessMode: neo4j.session.READ,
    fetchSize: 2000,
  });
  try {
    for await (const record of session.run(cypher, params)) onRow(record.toObject() as Row);
  } catch (error) {
    throw translateDriverError(error);
  } finally {
    await session.close();
  }
}
