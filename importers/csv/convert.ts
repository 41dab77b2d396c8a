/**
 * Cell → attribute value conversions of a mapping (`type` of an attribute). A blank
 * cell is "not reported" (undefined), never an error; a value that does not convert is
 * an error whose message names the value and the expected type.
 */
export const VALUE_TYPES = ['string', 'number', 'integer', 'boolean', 'date', 'list'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/**
 * Date layouts: `auto` reads ISO 8601 (2024-03-18, 2024-03-18T10:00:00Z) and falls back
 * to month/day/year (US spreadsheets, Snipe-IT's templates); `mdy`, `dmy` (also with dots
 * or dashes), `ymd` are explicit. Two-digit years: 00-68 → 2000s, 69-99 → 1900s (POSIX).
 */
export const DATE_FORMATS = ['auto', 'iso', 'mdy', 'dmy', 'ymd'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
/** What a date becomes: an ISO 8601 UTC timestamp, or epoch milliseconds. */
export type DateOutput = 'iso' | 'epochMs';

export interface Conversion {
  type: ValueType;
  format?: DateFormat;
  as?: DateOutput;
  /** For `list`: the separator between items (default ","). */
  separator?: string;
}

export class ConversionError extends Error {}

const TRUE = new Set(['true', 'yes', 'y', '1', 'on', 't', 'x']);
const FALSE = new Set(['false', 'no', 'n', '0', 'off', 'f']);

export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** Converts one cell; undefined for a blank cell; throws ConversionError. */
export function convert(value: unknown, c: Conversion): unknown {
  if (isBlank(value)) return undefined;
  if (typeof value === 'object') {
    if (c.type === 'list' && Array.isArray(value)) return value.map((v) => String(v).trim()).filter(Boolean);
    throw new ConversionError(`${JSON.stringify(value)} is not a single value`);
  }
  const text = String(value).trim();
  switch (c.type) {
    case 'string':
      return text;
    case 'number':
    case 'integer': {
      const n = typeof value === 'number' ? value : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : NaN;
      if (!Number.isFinite(n)) throw new ConversionError(`"${text}" is not a number`);
      if (c.type === 'integer' && !Number.isInteger(n)) throw new ConversionError(`"${text}" is not a whole number`);
      return n;
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const t = text.toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw new ConversionError(`"${text}" is not a yes/no value (true/false, yes/no, 1/0)`);
    }
    case 'date': {
      const ms = typeof value === 'number' ? value : parseDate(text, c.format ?? 'auto');
      if (ms === null || !Number.isFinite(ms)) {
        throw new ConversionError(`"${text}" is not a date${c.format && c.format !== 'auto' ? ` (${c.format})` : ''}`);
      }
      return c.as === 'epochMs' ? ms : new Date(ms).toISOString();
    }
    case 'list':
      return text
        .split(c.separator ?? ',')
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

function year(y: string): number {
  const n = Number(y);
  if (y.length > 2) return n;
  return n < 69 ? 2000 + n : 1900 + n;
}

function utc(y: number, m: number, d: number): number | null {
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2/30 over to 3/2: refuse what is not a calendar date.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return ms;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const PARTS = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})$/;

/** Epoch ms of a date in the given layout, or null. A date without a time is midnight UTC. */
export function parseDate(text: string, format: DateFormat): number | null {
  const iso = ISO.exec(text);
  if (iso && format !== 'mdy' && format !== 'dmy') {
    if (!iso[4]) return utc(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    const day = utc(Number(iso[1]), Number(iso[2]), Number(iso[3]));
    // A time without an offset is read as UTC, never as the importing machine's zone.
    const ms = Date.parse(iso[7] ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
    return day === null || Number.isNaN(ms) ? null : ms;
  }
  if (format === 'iso') return null;
  const p = PARTS.exec(text);
  if (!p) return null;
  const [a, b, c] = [p[1]!, p[2]!, p[3]!];
  if (format === 'ymd' || (format === 'auto' && a.length === 4)) return utc(Number(a), Number(b), Number(c));
  if (c.length === 3) return null;
  if (format === 'dmy') return utc(year(c), Number(b), Number(a));
  return utc(year(c), Number(a), Number(b));
}
