/**
 * Rows of a CSV or JSON file with where each came from: the physical line a CSV record
 * starts on (a quoted field may span lines; CR-only files count CRs), or a JSON record's
 * index. The file is read whole (inventory exports are megabytes, not gigabytes): its
 * encoding is told from all its bytes; records are then parsed and handed on one at a time.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parse, type Options } from 'csv-parse';
import { decodeText, describeDecoding, type DecodedText } from './decode.js';

/** A cell lookup that fails when a duplicated column holds different values in this row. */
export class CellError extends Error {}

export interface Row {
  /** "file.csv:12" or "file.json[3]". */
  origin: string;
  /** The value of a column (CSV: a string; JSON: any JSON value); undefined when absent. */
  get(column: string): unknown;
}

export type RowItem = { kind: 'row'; row: Row } | { kind: 'error'; origin: string; reason: string };

export interface ReadOptions {
  delimiter?: string;
  recordsPath?: string;
  /** Told how the file was read (encoding, line endings, header findings). */
  onNotice?: (message: string) => void;
}

/** Header names compare trimmed, case-insensitively, with runs of blanks as one. */
export function normalizeColumn(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

export interface Header {
  /** Normalised column name → its positions (0-based); more than one when duplicated. */
  positions: Map<string, number[]>;
  duplicates: { name: string; columns: number[] }[];
  /** 1-based positions of blank header cells (those columns are ignored). */
  blanks: number[];
}

export function readHeader(cells: string[]): Header {
  const positions = new Map<string, number[]>();
  const blanks: number[] = [];
  const names = new Map<string, string>();
  cells.forEach((cell, i) => {
    const key = normalizeColumn(cell);
    if (!key) {
      blanks.push(i + 1);
      return;
    }
    if (!names.has(key)) names.set(key, cell.trim());
    positions.set(key, [...(positions.get(key) ?? []), i]);
  });
  const duplicates = [...positions.entries()]
    .filter(([, at]) => at.length > 1)
    .map(([key, at]) => ({ name: names.get(key)!, columns: at.map((i) => i + 1) }));
  return { positions, duplicates, blanks };
}

/** Header findings for the run output. */
export function describeHeader(h: Header): string[] {
  const out: string[] = [];
  if (h.duplicates.length) {
    out.push(
      `duplicate header columns ${h.duplicates.map((d) => `"${d.name}" (columns ${d.columns.join(', ')})`).join(', ')}: ` +
        'a row whose copies hold different values is rejected for the field that uses it',
    );
  }
  if (h.blanks.length) out.push(`blank header columns ${h.blanks.join(', ')} are ignored`);
  return out;
}

function csvRow(origin: string, header: Header, cells: string[]): Row {
  return {
    origin,
    get(column) {
      const at = header.positions.get(normalizeColumn(column));
      if (!at) return undefined;
      if (at.length === 1) return cells[at[0]!] ?? '';
      const values = [...new Set(at.map((i) => (cells[i] ?? '').trim()).filter(Boolean))];
      if (values.length > 1) {
        throw new CellError(
          `column "${column}" appears ${at.length} times (columns ${at.map((i) => i + 1).join(', ')}) with different values: ${values.map((v) => JSON.stringify(v)).join(', ')}`,
        );
      }
      return values[0] ?? '';
    },
  };
}

/**
 * Yields the header (once, first) and then the rows of a CSV text. Blank lines are
 * skipped; a row with more cells than the header is an error item, fewer cells are blank.
 */
export async function* parseCsv(
  decoded: Pick<DecodedText, 'text'>,
  name: string,
  options: Pick<ReadOptions, 'delimiter'> = {},
): AsyncGenerator<{ kind: 'header'; header: Header; cells: string[] } | RowItem> {
  // Records and parse errors in file order: both callbacks run synchronously while a
  // chunk is parsed, into one queue drained after every chunk.
  type Parsed = { ok: true; cells: string[]; start: number; end: number } | { ok: false; start: number; reason: string };
  const queue: Parsed[] = [];
  let lastEnd = 0;
  const csvOptions: Options = {
    delimiter: options.delimiter ?? ',',
    record_delimiter: '\n',
    raw: true,
    relax_column_count: true,
    // A quote inside an unquoted field (Macbook 13") is a literal quote, not an error.
    relax_quotes: true,
    skip_records_with_error: true,
    // With `raw`, a record arrives as {record, raw}.
    on_record: (rec, context) => {
      const { record: cells, raw } = rec as unknown as { record: string[]; raw: string | undefined };
      const text = raw ?? context.raw ?? '';
      const inner = text.endsWith('\n') ? text.slice(0, -1) : text;
      const start = context.lines - (inner.match(/\n/g)?.length ?? 0);
      queue.push({ ok: true, cells, start, end: context.lines });
      lastEnd = context.lines;
      return null;
    },
    on_skip: (err) => {
      const through = (err as { lines?: number } | undefined)?.lines;
      const reason = (err?.message ?? 'unreadable record').replace(/ at line \d+$/, '');
      queue.push({ ok: false, start: lastEnd + 1, reason: `${reason}${through ? ` (through line ${through})` : ''}` });
      if (through) lastEnd = through;
      return undefined;
    },
  };
  const parser = parse(csvOptions);
  const done = new Promise<void>((resolve, reject) => {
    parser.on('error', reject);
    parser.on('end', resolve);
  });
  parser.resume();
  let header: Header | undefined;
  let width = 0;
  const CHUNK = 1 << 16;
  const chunks = Math.ceil(decoded.text.length / CHUNK);
  for (let c = 0; c <= chunks; c++) {
    if (c < chunks) parser.write(decoded.text.slice(c * CHUNK, (c + 1) * CHUNK));
    else {
      parser.end();
      await done;
    }
    while (queue.length) {
      const item = queue.shift()!;
      if (!item.ok) {
        yield { kind: 'error', origin: `${name}:${item.start}`, reason: item.reason };
        continue;
      }
      const { cells, start } = item;
      if (cells.every((c) => c.trim() === '')) continue;
      if (!header) {
        header = readHeader(cells);
        width = cells.length;
        yield { kind: 'header', header, cells };
        continue;
      }
      if (cells.length > width && cells.slice(width).some((c) => c.trim() !== '')) {
        yield { kind: 'error', origin: `${name}:${start}`, reason: `${cells.length} fields, the header has ${width}` };
        continue;
      }
      yield { kind: 'row', row: csvRow(`${name}:${start}`, header, cells) };
    }
  }
}

/** Reads a CSV file: decoded (BOM, UTF-8 or windows-1252), header checked, rows with their lines. */
export async function* readCsv(
  file: string,
  options: ReadOptions = {},
): AsyncGenerator<{ kind: 'header'; header: Header; cells: string[] } | RowItem> {
  const decoded = decodeText(await readFile(file));
  const name = basename(file);
  options.onNotice?.(`${name}: read as ${describeDecoding(decoded)}`);
  for await (const item of parseCsv(decoded, name, options)) {
    if (item.kind === 'header') for (const note of describeHeader(item.header)) options.onNotice?.(`${name}: ${note}`);
    yield item;
  }
}

function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function jsonRow(origin: string, obj: Record<string, unknown>): Row {
  return {
    origin,
    get(column) {
      if (Object.hasOwn(obj, column)) return obj[column];
      return column.includes('.') ? at(obj, column) : undefined;
    },
  };
}

/**
 * Reads a JSON file: an array of objects, or an object holding one at `recordsPath`
 * ("data.assets"). Column names are keys; a dotted name reaches into nested objects.
 */
export async function* readJson(file: string, options: ReadOptions = {}): AsyncGenerator<RowItem> {
  const decoded = decodeText(await readFile(file));
  const name = basename(file);
  options.onNotice?.(`${name}: read as ${describeDecoding(decoded)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(decoded.text);
  } catch (e) {
    throw new Error(`${name}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const records = options.recordsPath ? at(doc, options.recordsPath) : doc;
  if (!Array.isArray(records)) {
    throw new Error(
      `${name}: ${options.recordsPath ? `"${options.recordsPath}" is not an array` : 'the document is not an array (set "recordsPath" in the mapping to where the records are)'}`,
    );
  }
  for (const [i, rec] of records.entries()) {
    const origin = `${name}[${i}]`;
    if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) {
      yield { kind: 'error', origin, reason: 'record is not an object' };
      continue;
    }
    yield { kind: 'row', row: jsonRow(origin, rec as Record<string, unknown>) };
  }
}
