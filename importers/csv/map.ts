/**
 * A row + a validated mapping → a sync record (or a rejection naming the line, the field
 * and the reason, or a skip for a class value mapped to "skip").
 */
import { findClass, IDENTIFIER_ATTRIBUTES } from '../../graph-schema/index.js';
import type { RecordReference, SourceItem } from '../sync/index.js';
import { ConversionError, convert, isBlank, type Conversion } from './convert.js';
import { columnsOf, SKIP, type AttributeRule, type ColumnRef, type Mapping } from './mapping.js';
import { CellError, normalizeColumn, type Header, type Row } from './read.js';

function text(value: unknown): string {
  if (isBlank(value)) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value).trim();
}

/** The value a ColumnRef reads from a row: a column, the first non-blank of several, or a join. */
export function cell(row: Row, ref: ColumnRef): unknown {
  if (typeof ref === 'string') return row.get(ref);
  if (Array.isArray(ref)) {
    for (const c of ref) {
      const v = row.get(c);
      if (!isBlank(v)) return v;
    }
    return undefined;
  }
  const parts = ref.join.map((c) => text(row.get(c))).filter(Boolean);
  return parts.length ? parts.join(ref.separator) : undefined;
}

function describe(ref: ColumnRef): string {
  const cols = columnsOf(ref).map((c) => `"${c}"`);
  return cols.length === 1 ? `column ${cols[0]}` : `columns ${cols.join(typeof ref === 'object' && !Array.isArray(ref) ? ' + ' : ' / ')}`;
}

/**
 * Checks the mapping against a CSV header: the key, name and class columns and every
 * attribute not marked optional must exist (any one of a list). Returns the problems,
 * each naming the mapping field; empty when the file fits.
 */
export function checkHeader(mapping: Mapping, header: Header): string[] {
  const has = (ref: ColumnRef) => columnsOf(ref).some((c) => header.positions.has(normalizeColumn(c)));
  const problems: string[] = [];
  const need = (field: string, ref: ColumnRef) => {
    if (!has(ref)) problems.push(`${field}: ${describe(ref)} not in the header`);
  };
  need('key', mapping.key);
  if (mapping.name) need('name', mapping.name);
  if ('column' in mapping.class) need('class.column', mapping.class.column);
  for (const a of mapping.attributes) if (!a.optional) need(`attributes.${a.attribute}`, a.column);
  return problems;
}

function classOf(mapping: Mapping, row: Row): string | { error: string } {
  const rule = mapping.class;
  if ('fixed' in rule) return rule.fixed;
  const value = text(cell(row, rule.column));
  const hit = value ? (rule.map.get(value.toLowerCase()) ?? rule.rules.find((r) => r.pattern.test(value))?.class) : undefined;
  if (hit) return hit;
  if (rule.default) return rule.default;
  return {
    error: value
      ? `class: ${describe(rule.column)} value "${value}" is in neither class.map nor class.rules, and there is no class.default`
      : `class: ${describe(rule.column)} is blank and there is no class.default`,
  };
}

/** How attribute rule `a` converts a cell: its own conversion, dates written `as` (default its own). */
function conversionOf(a: AttributeRule, as = a.as): Conversion {
  return { type: a.type, ...(a.format ? { format: a.format } : {}), ...(as ? { as } : {}), ...(a.separator ? { separator: a.separator } : {}) };
}

/**
 * The source key and the identifiers among `names` a row holds, as far as they read and
 * convert; `unreadable` when an identifier's cell did not (it may hold one).
 */
function readableIdentity(mapping: Mapping, row: Row, names: readonly string[]): { key?: string; identifiers?: Record<string, unknown>; unreadable?: true } {
  let unreadable = false;
  const readable = (ref: ColumnRef): unknown => {
    try {
      return cell(row, ref);
    } catch (e) {
      if (!(e instanceof CellError)) throw e;
      unreadable = true;
      return undefined;
    }
  };
  const identifiers: Record<string, unknown> = {};
  for (const a of mapping.attributes) {
    if (!names.includes(a.attribute)) continue;
    try {
      const value = convert(readable(a.column), conversionOf(a));
      if (value !== undefined) identifiers[a.attribute] = value;
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      unreadable = true;
    }
  }
  const key = text(readable(mapping.key));
  return { ...(key ? { key } : {}), ...(Object.keys(identifiers).length ? { identifiers } : {}), ...(unreadable ? { unreadable: true as const } : {}) };
}

/** Maps one row. Never throws for bad data: a bad row becomes a rejection. */
export function mapRow(mapping: Mapping, row: Row): SourceItem {
  const problems: string[] = [];
  const read = (field: string, ref: ColumnRef): unknown => {
    try {
      return cell(row, ref);
    } catch (e) {
      if (e instanceof CellError) problems.push(`${field}: ${e.message}`);
      else throw e;
      return undefined;
    }
  };
  let cls: string | { error: string };
  try {
    cls = classOf(mapping, row);
  } catch (e) {
    if (!(e instanceof CellError)) throw e;
    cls = { error: `class: ${e.message}` };
  }
  if (typeof cls === 'object') {
    // With no class to read the row as, the identifiers it holds still name the CI the file
    // lists (the engine keeps that CI as it is rather than withdrawing it); when all of
    // them read blank, nothing identifies a CI it could be.
    const { unreadable, ...identity } = readableIdentity(mapping, row, IDENTIFIER_ATTRIBUTES);
    return { kind: 'rejected', origin: row.origin, reason: cls.error, ...identity, ...(identity.identifiers || unreadable ? {} : { noCI: true as const }) };
  }
  if (cls === SKIP) return { kind: 'skipped', origin: row.origin, reason: `class value maps to "skip"` };
  const key = text(read('key', mapping.key));
  if (!key && !problems.length) problems.push(`key: ${describe(mapping.key)} is blank`);
  const name = (mapping.name && text(read('name', mapping.name))) || key;

  const attributes: Record<string, unknown> = {};
  for (const a of mapping.attributes) {
    const raw = read(`attributes.${a.attribute}`, a.column);
    try {
      const value = convert(raw, conversionOf(a, a.as ?? a.dateAs?.(cls)));
      if (value !== undefined) attributes[a.attribute] = value;
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      problems.push(`${a.attribute} (${describe(a.column)}): ${e.message}`);
    }
  }

  const references: RecordReference[] = [];
  for (const [i, r] of mapping.references.entries()) {
    for (const t of r.targets) {
      const value = text(read(`references[${i}]`, t.column));
      if (!value) continue;
      const values = t.split ? value.split(t.split).map((v) => v.trim()).filter(Boolean) : [value];
      for (const v of values) {
        references.push({
          type: r.type,
          ...(r.direction === 'in' ? { direction: 'in' as const } : {}),
          target: t.identifier ? { identifier: { attribute: t.identifier, value: v } } : { key: v },
        });
      }
      break;
    }
  }
  if (problems.length) {
    // The identifiers that did convert name the CI the file still lists: the engine keeps
    // it as it is rather than withdrawing it.
    const names = findClass(cls)?.identifiers ?? [];
    const identifiers = Object.fromEntries(names.filter((a) => attributes[a] !== undefined).map((a) => [a, attributes[a]]));
    if (Object.keys(identifiers).length) return { kind: 'rejected', origin: row.origin, reason: problems.join('; '), identifiers, ...(key ? { key } : {}) };
    // None: blank (nothing identifies a CI it could be), or unreadable (it may be any).
    const blank = !readableIdentity(mapping, row, names).unreadable;
    return { kind: 'rejected', origin: row.origin, reason: problems.join('; '), ...(key ? { key } : {}), ...(blank ? { noCI: true as const } : {}) };
  }
  return {
    kind: 'record',
    record: {
      class: cls,
      key,
      name,
      attributes,
      references,
      ...(mapping.matchClasses ? { matchClasses: mapping.matchClasses.filter((c) => c !== cls) } : {}),
      origin: row.origin,
    },
  };
}
