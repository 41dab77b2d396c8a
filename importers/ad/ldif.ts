/**
 * A streaming LDIF reader (RFC 2849) for what `ldifde` and `ldapsearch` write: folded
 * lines, comments, base64 (`::`) values, binary attributes, `version: 1`, attribute
 * options (`member;range=0-1499`). Content records and `changetype: add` (ldifde writes
 * it on every entry) are entries; other change records (modify, delete, moddn) and URL
 * values (`:<`) are rejected with their line number. A `dn:` line inside a record (the
 * blank line before it missing) ends that record, which is rejected, and opens the next.
 * The file is read line by line; only the current entry is held in memory.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export type LdifValue = string | Buffer;

export interface LdifEntry {
  dn: string;
  /** Line of the `dn:` line (1-based). */
  line: number;
  /** Lower-case attribute name (options stripped) → values in file order. */
  attributes: Map<string, LdifValue[]>;
}

export type LdifItem =
  | { kind: 'entry'; entry: LdifEntry }
  | { kind: 'error'; line: number; dn?: string; reason: string };

interface LogicalLine {
  text: string;
  line: number;
}

const ATTR_LINE = /^([A-Za-z0-9][A-Za-z0-9;.=\-_]*)(::|:<|:)[ ]*(.*)$/;
/** `dn:` or `dn::` (RFC 2849: only a record's first line; dn is not an attribute description). */
const DN_LINE = /^dn:/i;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class LdifError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function decodeValue(kind: string, raw: string, line: number, attr: string): LdifValue {
  if (kind === ':<') {
    throw new LdifError(line, `URL values (${attr}:< ...) are not supported; inline the value or base64 it with ::`);
  }
  if (kind === '::') {
    const text = raw.replace(/\s+/g, '');
    if (!BASE64.test(text) || text.length % 4 === 1) throw new LdifError(line, `${attr}:: is not valid base64`);
    return Buffer.from(text, 'base64');
  }
  return raw;
}

/** Turns the logical lines of one record into an entry, or says why it cannot be one. */
function toEntry(lines: LogicalLine[]): LdifEntry {
  const first = lines[0]!;
  const head = ATTR_LINE.exec(first.text);
  if (!head || head[1]!.toLowerCase() !== 'dn') {
    throw new LdifError(first.line, `a record must start with "dn:" (found "${first.text.slice(0, 40)}")`);
  }
  const dnValue = decodeValue(head[2]!, head[3]!, first.line, 'dn');
  const dn = typeof dnValue === 'string' ? dnValue.trim() : dnValue.toString('utf8').trim();
  const attributes = new Map<string, LdifValue[]>();
  for (let i = 1; i < lines.length; i++) {
    const { text, line } = lines[i]!;
    const m = ATTR_LINE.exec(text);
    if (!m) throw new LdifError(line, `cannot read "${text.slice(0, 60)}" as "attribute: value"`);
    const name = m[1]!.split(';')[0]!.toLowerCase();
    if (name === 'control') {
      throw new LdifError(line, `change record with controls in ${dn}: only content records can be imported`);
    }
    if (name === 'changetype') {
      const type = String(decodeValue(m[2]!, m[3]!, line, name)).trim().toLowerCase();
      if (type === 'add') continue;
      throw new LdifError(
        line,
        `change record (changetype: ${type}) for ${dn}: only content records (or changetype: add) can be imported`,
      );
    }
    const value = decodeValue(m[2]!, m[3]!, line, m[1]!);
    const list = attributes.get(name);
    if (list) list.push(value);
    else attributes.set(name, [value]);
  }
  return { dn, line: first.line, attributes };
}

/**
 * The text encoding of an LDIF file: UTF-16LE when it starts with that byte-order mark
 * (what `ldifde -u` writes on Windows), UTF-8 otherwise (RFC 2849; a UTF-8 BOM is skipped
 * after decoding).
 */
export function ldifFileEncoding(path: string): 'utf8' | 'utf16le' {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n === 2 && head[0] === 0xff && head[1] === 0xfe ? 'utf16le' : 'utf8';
  } finally {
    closeSync(fd);
  }
}

/** Reads LDIF from a file path or a (decoded) stream, yielding entries and per-record errors. */
export async function* readLdif(input: string | Readable): AsyncGenerator<LdifItem> {
  const stream = typeof input === 'string' ? createReadStream(input, { encoding: ldifFileEncoding(input) }) : input;
  const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let record: LogicalLine[] = [];
  let current: LogicalLine | null = null;
  let inComment = false;
  let firstRecord = true;
  /** The last line that held only spaces (read as a continuation), for the message below. */
  let spacesOnly = 0;

  const endLine = () => {
    if (current && !inComment) record.push(current);
    current = null;
  };
  /** `nextDn`: the line of the `dn:` that ends this record with no blank line before it. */
  const endRecord = function* (nextDn?: number): Generator<LdifItem> {
    endLine();
    if (record.length === 0) return;
    if (firstRecord && /^version:/i.test(record[0]!.text)) {
      record.shift();
      if (record.length === 0) {
        firstRecord = false;
        return;
      }
    }
    firstRecord = false;
    const lines = record;
    record = [];
    let merged = nextDn === undefined ? '' : `no blank line before the next dn: at line ${nextDn}`;
    if (nextDn !== undefined && spacesOnly === nextDn - 1) {
      merged += ` (line ${spacesOnly} holds only spaces: LDIF reads it as a continuation, not as a separator)`;
    }
    let item: LdifItem;
    try {
      const entry = toEntry(lines);
      // The entry itself reads, but its file is malformed and the run must say so. An
      // adapter's only way into the run's summary is a rejection (SourceItem has no
      // warning), so the entry is rejected rather than imported without a word; with its
      // DN, so the engine keeps its CI as it is (neither updated nor withdrawn).
      item = merged ? { kind: 'error', line: entry.line, dn: entry.dn, reason: merged } : { kind: 'entry', entry };
    } catch (error) {
      if (!(error instanceof LdifError)) throw error;
      const dn = /^dn:\s*(.*)$/i.exec(lines[0]!.text)?.[1];
      const reason = merged ? `${error.message}; and ${merged}` : error.message;
      item = { kind: 'error', line: error.line, reason, ...(dn ? { dn } : {}) };
    }
    yield item;
  };

  try {
    for await (let text of rl) {
      lineNo++;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.startsWith(' ')) {
        // A folded line continues the previous one (comments fold too).
        if (text.trim() === '') spacesOnly = lineNo;
        if (current) (current as LogicalLine).text += text.slice(1);
        else if (!inComment) {
          yield { kind: 'error', line: lineNo, reason: 'continuation line with nothing to continue' };
        }
        continue;
      }
      if (text.trim() === '') {
        yield* endRecord();
        inComment = false;
        continue;
      }
      endLine();
      // A dn: line can only open a record, so one inside a record means the blank line
      // before it is missing (or holds spaces, a continuation line): the record ends here
      // and the next one is read. Merging the two would give one object the other's
      // attributes and lose the other without a word.
      if (record.length > 0 && DN_LINE.test(text)) yield* endRecord(lineNo);
      inComment = text.startsWith('#');
      current = { text, line: lineNo };
    }
    yield* endRecord();
  } finally {
    rl.close();
    if (typeof input === 'string') stream.destroy();
  }
}
