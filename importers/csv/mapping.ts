/**
 * The mapping file of the generic CSV/JSON adapter: which class, key, name, attributes
 * and references a row makes. Validated with zod, then against the graph-schema
 * catalogue; every error names the mapping field (`references[1].target[0].identifier`).
 * docs/inventory.md has the format with a full example.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { CI_CLASS_NAMES, findClass, findRelationshipType, IDENTIFIER_ATTRIBUTES } from '../../graph-schema/index.js';
import { DATE_FORMATS, VALUE_TYPES, type Conversion, type DateOutput } from './convert.js';

/** One column, the first non-blank of several, or non-blank columns joined. */
const columnRef = z.union([
  z.string().trim().min(1),
  z.array(z.string().trim().min(1)).min(1),
  z.strictObject({ join: z.array(z.string().trim().min(1)).min(1), separator: z.string().default(' ') }),
]);
export type ColumnRef = z.infer<typeof columnRef>;

const attributeSpec = z.union([
  columnRef,
  z.strictObject({
    column: columnRef,
    type: z.enum(VALUE_TYPES).default('string'),
    format: z.enum(DATE_FORMATS).optional(),
    as: z.enum(['iso', 'epochMs']).optional(),
    separator: z.string().min(1).optional(),
    /** The column may be missing from the file (no error; the attribute is not reported). */
    optional: z.boolean().default(false),
  }),
]);

const classSpec = z.union([
  z.string().min(1),
  z.strictObject({
    column: columnRef,
    /** Exact values (compared trimmed, case-insensitively) → class, or "skip". */
    map: z.record(z.string(), z.string().min(1)).default({}),
    /** Regular expressions (case-insensitive) tried in order after `map`. */
    rules: z.array(z.strictObject({ pattern: z.string().min(1), class: z.string().min(1) })).default([]),
    /** Class (or "skip") of a value neither `map` nor `rules` knows; without it such a row is rejected. */
    default: z.string().min(1).optional(),
  }),
]);

const target = z.union([
  z.strictObject({ column: columnRef, identifier: z.string().min(1), split: z.string().min(1).optional() }),
  z.strictObject({ column: columnRef, key: z.literal(true), split: z.string().min(1).optional() }),
]);

const reference = z.strictObject({
  type: z.string().min(1),
  direction: z.enum(['out', 'in']).default('out'),
  /** One target, or several tried in order: the first whose column is not blank is used. */
  target: z.union([target, z.array(target).min(1)]),
});

export const mappingSchema = z.strictObject({
  /** Source name recorded in provenance: lower-case letters, digits, dashes. */
  source: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes')
    .optional(),
  /** CSV only: the field delimiter (default ","). */
  delimiter: z.string().length(1).optional(),
  /** JSON only: where the array of records is, e.g. "data.rows" (default: the document is the array). */
  recordsPath: z.string().min(1).optional(),
  class: classSpec,
  /** Other classes an existing CI may have and still be this row's CI (e.g. ["Server"] for a Computer). */
  matchClasses: z.array(z.string().min(1)).optional(),
  key: columnRef,
  /** Default: the key. A row whose name is blank is named after its key. */
  name: columnRef.optional(),
  attributes: z.record(z.string().min(1), attributeSpec).default({}),
  references: z.array(reference).default([]),
});

export type MappingInput = z.input<typeof mappingSchema>;
type Parsed = z.output<typeof mappingSchema>;

export interface AttributeRule extends Conversion {
  attribute: string;
  column: ColumnRef;
  optional: boolean;
  /** For dates: per record class, when the class schema wants a number (epoch ms). */
  dateAs?: (cls: string) => DateOutput;
}

export interface TargetRule {
  column: ColumnRef;
  identifier?: string;
  split?: string;
}

export interface ReferenceRule {
  type: string;
  direction: 'out' | 'in';
  targets: TargetRule[];
}

export type ClassRule =
  | { fixed: string }
  | { column: ColumnRef; map: Map<string, string>; rules: { pattern: RegExp; class: string }[]; default?: string };

/** A validated mapping, ready to apply to rows. */
export interface Mapping {
  source?: string;
  delimiter?: string;
  recordsPath?: string;
  class: ClassRule;
  matchClasses?: string[];
  key: ColumnRef;
  name?: ColumnRef;
  attributes: AttributeRule[];
  references: ReferenceRule[];
}

export interface MappingIssue {
  field: string;
  message: string;
}

export class MappingError extends Error {
  constructor(
    readonly where: string,
    readonly issues: MappingIssue[],
  ) {
    super(`${where}: invalid mapping: ${issues.map((i) => `${i.field || '(top)'}: ${i.message}`).join('; ')}`);
    this.name = 'MappingError';
  }
}

export const SKIP = 'skip';

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '');
}

/** Every column a ColumnRef names. */
export function columnsOf(ref: ColumnRef): string[] {
  if (typeof ref === 'string') return [ref];
  return Array.isArray(ref) ? ref : ref.join;
}

/** Validates a mapping (already parsed JSON); throws MappingError naming every bad field. */
export function compileMapping(input: unknown, where = 'mapping'): Mapping {
  const parsed = mappingSchema.safeParse(input);
  if (!parsed.success) {
    throw new MappingError(
      where,
      parsed.error.issues.map((i) => ({ field: pathOf(i.path), message: i.message })),
    );
  }
  const issues: MappingIssue[] = [];
  const m = parsed.data;
  const classes = recordClasses(m, issues);
  for (const [i, c] of (m.matchClasses ?? []).entries()) {
    if (!findClass(c)) issues.push({ field: `matchClasses[${i}]`, message: `unknown class "${c}" (known: ${CI_CLASS_NAMES.join(', ')})` });
  }
  const attributes = Object.entries(m.attributes).map(([attribute, spec]): AttributeRule => {
    const full = typeof spec === 'object' && !Array.isArray(spec) && 'column' in spec ? spec : { column: spec, type: 'string' as const, optional: false };
    const rule: AttributeRule = { attribute, ...full };
    if (full.type === 'date' && !full.as) rule.dateAs = (cls) => (wantsNumber(cls, attribute) ? 'epochMs' : 'iso');
    if (full.type !== 'date' && (full.format || full.as)) {
      issues.push({ field: `attributes.${attribute}`, message: '"format" and "as" apply to type "date" only' });
    }
    return rule;
  });
  const references = m.references.map((r, i): ReferenceRule => {
    const field = `references[${i}]`;
    const type = findRelationshipType(r.type);
    const targets = (Array.isArray(r.target) ? r.target : [r.target]).map((t) => ({
      column: t.column,
      ...('identifier' in t ? { identifier: t.identifier } : {}),
      ...(t.split ? { split: t.split } : {}),
    }));
    if (!type) {
      issues.push({ field: `${field}.type`, message: `unknown relationship type "${r.type}"` });
      return { type: r.type, direction: r.direction, targets };
    }
    const [selfEnd, otherEnd] = r.direction === 'out' ? [type.from, type.to] : [type.to, type.from];
    const known = classes.filter((c) => c !== SKIP && findClass(c));
    if (known.length && !known.some((c) => selfEnd.includes(c))) {
      issues.push({
        field: `${field}.type`,
        message: `${r.type} cannot ${r.direction === 'out' ? 'start' : 'end'} at ${known.join('/')} (allowed: ${selfEnd.join(', ')})`,
      });
    }
    targets.forEach((t, j) => {
      if (t.identifier === undefined) return;
      const tf = `${field}.target${Array.isArray(r.target) ? `[${j}]` : ''}.identifier`;
      if (!IDENTIFIER_ATTRIBUTES.includes(t.identifier)) {
        issues.push({ field: tf, message: `"${t.identifier}" is not an identifier of any class (identifiers: ${IDENTIFIER_ATTRIBUTES.join(', ')})` });
      } else if (!otherEnd.some((c) => findClass(c)?.identifiers.includes(t.identifier!))) {
        issues.push({ field: tf, message: `"${t.identifier}" identifies no class a ${r.type} can ${r.direction === 'out' ? 'end' : 'start'} at (${otherEnd.join(', ')})` });
      }
    });
    return { type: r.type, direction: r.direction, targets };
  });
  if (issues.length) throw new MappingError(where, issues);
  return {
    ...(m.source ? { source: m.source } : {}),
    ...(m.delimiter ? { delimiter: m.delimiter } : {}),
    ...(m.recordsPath ? { recordsPath: m.recordsPath } : {}),
    class: classRule(m),
    ...(m.matchClasses ? { matchClasses: m.matchClasses } : {}),
    key: m.key,
    ...(m.name ? { name: m.name } : {}),
    attributes,
    references,
  };
}

/** Checks the class names of `class` and returns every class a row can get. */
function recordClasses(m: Parsed, issues: MappingIssue[]): string[] {
  const check = (c: string, field: string, skipOk: boolean) => {
    if (skipOk && c === SKIP) return;
    if (!findClass(c)) issues.push({ field, message: `unknown class "${c}" (known: ${CI_CLASS_NAMES.join(', ')}${skipOk ? ', or "skip"' : ''})` });
  };
  if (typeof m.class === 'string') {
    check(m.class, 'class', false);
    return [m.class];
  }
  const out: string[] = [];
  for (const [value, c] of Object.entries(m.class.map)) {
    check(c, `class.map.${value}`, true);
    out.push(c);
  }
  m.class.rules.forEach((r, i) => {
    check(r.class, `class.rules[${i}].class`, true);
    out.push(r.class);
    try {
      new RegExp(r.pattern, 'i');
    } catch (e) {
      issues.push({ field: `class.rules[${i}].pattern`, message: `not a regular expression: ${(e as Error).message}` });
    }
  });
  if (m.class.default) {
    check(m.class.default, 'class.default', true);
    out.push(m.class.default);
  }
  if (out.length === 0) issues.push({ field: 'class', message: 'a class column needs "map", "rules" or "default"' });
  return out;
}

function classRule(m: Parsed): ClassRule {
  if (typeof m.class === 'string') return { fixed: m.class };
  return {
    column: m.class.column,
    map: new Map(Object.entries(m.class.map).map(([k, v]) => [k.trim().toLowerCase(), v])),
    rules: m.class.rules.map((r) => ({ pattern: new RegExp(r.pattern, 'i'), class: r.class })),
    ...(m.class.default ? { default: m.class.default } : {}),
  };
}

/** True when the class's zod schema types the attribute as a number (a date → epoch ms). */
function wantsNumber(cls: string, attribute: string): boolean {
  let schema = findClass(cls)?.attributes.shape[attribute] as z.ZodType | undefined;
  while (schema && (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable)) {
    schema = schema.unwrap() as z.ZodType;
  }
  return schema instanceof z.ZodNumber;
}

/** Reads and validates a mapping file. */
export function loadMapping(file: string): Mapping {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new MappingError(file, [{ field: '', message: `not readable JSON: ${(e as Error).message}` }]);
  }
  return compileMapping(json, file);
}
