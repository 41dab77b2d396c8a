/**
 * The one Pothos builder. Domain folders (cis/, impact/, itsm/, ...) add their types and
 * root fields to it from their own graphql.ts; schema.ts imports them all.
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { Context } from './context.js';

export interface JsonObject {
  [key: string]: unknown;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: {
    ID: { Input: string; Output: string };
    /** Milliseconds since the epoch inside; ISO-8601 on the wire. */
    DateTime: { Input: number; Output: number | Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: true;
}>({
  plugins: [ComplexityPlugin],
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 10,
    limit: (ctx: Context) => ({
      complexity: Number(ctx.memo.get('maxComplexity') ?? 50_000),
      depth: Number(ctx.memo.get('maxQueryDepth') ?? 15),
      breadth: 200,
    }),
    complexityError: (kind, result) =>
      new GraphQLError(
        `Query too expensive: its ${String(kind)} exceeds the limit (depth ${result.depth}/${result.maxDepth ?? '-'}, breadth ${result.breadth}/${result.maxBreadth ?? '-'}, complexity ${result.complexity}/${result.maxComplexity ?? '-'})`,
        { extensions: { code: 'BAD_USER_INPUT' } },
      ),
  },
});

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * An ISO-8601 / RFC 3339 date-time. Without an offset it is read as UTC (never in the
 * server's time zone); a date alone is midnight UTC; an impossible date (February 30)
 * is refused rather than rolled over.
 */
export function parseDateTime(value: unknown): number {
  const fail = () =>
    new GraphQLError(`DateTime must be an ISO-8601 date-time such as 2026-11-26T10:00:00Z, got ${JSON.stringify(value)}`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  if (typeof value !== 'string') throw fail();
  const m = DATE_TIME.exec(value.trim());
  if (!m) throw fail();
  const [year, month, day, hour = '0', minute = '0', second = '0'] = m.slice(1, 7).map((v) => v ?? undefined) as string[];
  const probe = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)));
  if (
    probe.getUTCFullYear() !== Number(year) ||
    probe.getUTCMonth() !== Number(month) - 1 ||
    probe.getUTCDate() !== Number(day) ||
    Number(hour) > 23 ||
    Number(minute) > 59 ||
    Number(second) > 59
  ) {
    throw fail();
  }
  const text = m[4] === undefined ? `${value.trim()}T00:00:00Z` : m[7] === undefined ? `${value.trim()}Z` : value.trim();
  const ms = Date.parse(text.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw fail();
  return ms;
}

builder.scalarType('DateTime', {
  description: 'An ISO-8601 date-time, e.g. 2026-11-26T10:00:00.000Z.',
  serialize: (value) => {
    const date = value instanceof Date ? value : new Date(value as number | string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`Not a date-time: ${String(value)}`);
    return date.toISOString();
  },
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

function literalToJson(ast: ValueNode): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map(literalToJson);
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value)]));
    default:
      throw new GraphQLError('JSON literals cannot contain variables', { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => literalToJson(ast),
});

builder.queryType({});
builder.mutationType({});
