/**
 * A streaming reader for a Django `dumpdata` JSON export: a top-level array of
 * `{model, pk, fields}` objects. The file is read in chunks; a small scanner finds where
 * each top-level element starts and ends (tracking strings, escapes and nesting), and only
 * that element's text is handed to JSON.parse. Memory is one element plus one chunk, not
 * the file, whatever its size; `--indent` or compact output, CRLF, a UTF-8 BOM all read.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

export interface DumpObject {
  model: string;
  /** Absent on models dumped with natural keys (contenttypes.contenttype). */
  pk?: number | string;
  fields: Record<string, unknown>;
}

export class DumpFormatError extends Error {}

const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}

/** Yields the top-level elements of a JSON array read from `input`, parsed one at a time. */
export async function* readJsonArray(input: Readable, label = 'input'): AsyncGenerator<unknown> {
  input.setEncoding('utf8');
  let state: 'before' | 'between' | 'element' | 'after' = 'before';
  let depth = 0;
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let offset = 0; // characters consumed before the current chunk, for messages
  let index = 0;
  const fail = (at: number, what: string) => {
    throw new DumpFormatError(`${label}: not a dumpdata JSON array: ${what} at character ${at}`);
  };
  for await (const chunk of input as AsyncIterable<string>) {
    let start = state === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === LBRACE || c === OPEN) depth++;
        else if (c === RBRACE || c === CLOSE) {
          depth--;
          if (depth === 0) {
            parts.push(chunk.slice(start, i + 1));
            const text = parts.join('');
            parts = [];
            let value: unknown;
            try {
              value = JSON.parse(text);
            } catch (error) {
              fail(offset + i, `element ${index} is not valid JSON (${(error as Error).message})`);
            }
            index++;
            yield value;
            state = 'between';
          }
        }
        continue;
      }
      if (isBlank(c)) continue;
      if (state === 'before') {
        if (c !== OPEN) fail(offset + i, `expected "[" but found ${JSON.stringify(chunk[i])}`);
        state = 'between';
      } else if (state === 'between') {
        if (c === CLOSE) state = 'after';
        else if (c === COMMA && index > 0) continue;
        else if (c === LBRACE || c === OPEN) {
          state = 'element';
          depth = 1;
          start = i;
        } else fail(offset + i, `expected an object but found ${JSON.stringify(chunk[i])}`);
      } else fail(offset + i, 'text after the closing "]"');
    }
    if (state === 'element') parts.push(chunk.slice(Math.max(start, 0)));
    offset += chunk.length;
  }
  if ((state as string) !== 'after') fail(offset, (state as string) === 'element' ? 'the file ends inside an element' : 'the file ends before the closing "]"');
}

/** The objects of a dumpdata file, checked for shape. A file that cannot be read throws. */
export async function* readDump(file: string, label = file): AsyncGenerator<DumpObject> {
  let n = 0;
  for await (const value of readJsonArray(createReadStream(file), label)) {
    const o = value as Partial<DumpObject> | null;
    if (!o || typeof o !== 'object' || typeof o.model !== 'string' || typeof o.fields !== 'object' || o.fields === null) {
      throw new DumpFormatError(`${label}: element ${n} is not a {model, pk, fields} object`);
    }
    n++;
    yield o as DumpObject;
  }
}
