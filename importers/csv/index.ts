/**
 * The generic inventory adapter: CSV and JSON files mapped by a mapping file
 * (mapping.ts) to sync records. It never touches Neo4j; runSync does the rest.
 */
import { resolve } from 'node:path';
import type { SourceItem } from '../sync/index.js';
import { checkHeader, mapRow } from './map.js';
import type { Mapping } from './mapping.js';
import { readCsv, readJson, type ReadOptions } from './read.js';

export interface AdapterOptions {
  /** Told how the file was read (encoding, line endings, header findings), for the run output. */
  onNotice?: (message: string) => void;
}

/** Records of a CSV file. A file that does not fit the mapping (a required column missing) throws: the run fails, nothing is written. */
export async function* csvRecords(file: string, mapping: Mapping, options: AdapterOptions = {}): AsyncGenerator<SourceItem> {
  const read: ReadOptions = { ...(mapping.delimiter ? { delimiter: mapping.delimiter } : {}), ...options };
  for await (const item of readCsv(file, read)) {
    if (item.kind === 'header') {
      const problems = checkHeader(mapping, item.header);
      if (problems.length) throw new Error(`${file}: the file does not fit the mapping: ${problems.join('; ')}`);
    } else if (item.kind === 'error') {
      yield { kind: 'rejected', origin: item.origin, reason: item.reason };
    } else {
      yield mapRow(mapping, item.row);
    }
  }
}

/** Records of a JSON file (an array of objects, or one at mapping.recordsPath). */
export async function* jsonRecords(file: string, mapping: Mapping, options: AdapterOptions = {}): AsyncGenerator<SourceItem> {
  const read: ReadOptions = { ...(mapping.recordsPath ? { recordsPath: mapping.recordsPath } : {}), ...options };
  for await (const item of readJson(file, read)) {
    yield item.kind === 'error' ? { kind: 'rejected', origin: item.origin, reason: item.reason } : mapRow(mapping, item.row);
  }
}

/** Default scope of a file import: the format and the file's absolute path. */
export function fileScope(format: string, file: string): string {
  return `${format}:${resolve(file)}`;
}

export const CSV_SOURCE = 'csv';

export { compileMapping, loadMapping, mappingSchema, MappingError, type Mapping, type MappingInput } from './mapping.js';
export { decodeText, describeDecoding, type DecodedText } from './decode.js';
export { convert, parseDate, ConversionError } from './convert.js';
export { readCsv, readJson, parseCsv, type Row } from './read.js';
export { mapRow, checkHeader } from './map.js';
