/**
 * QA: the contract (../shared/contract/schema.graphql) as a checker sees it: selection
 * sets that ask for every field a contract type declares, and a walk that checks an
 * answer against the contract's types (non-null, enums, Int, ISO DateTime, lists).
 */
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLOutputType,
} from 'graphql';
import { readFileSync } from 'node:fs';

export const CONTRACT_SCHEMA = buildSchema(readFileSync(new URL('../../../shared/contract/schema.graphql', import.meta.url), 'utf8'));

/**
 * Every field of a contract type, nested `depth` levels (object fields beyond that are
 * reduced to `id` or their scalars); arguments are left to their defaults.
 */
export function selectAll(typeName: string, depth = 1): string {
  const type = CONTRACT_SCHEMA.getType(typeName);
  if (!type || !(isObjectType(type) || isInterfaceType(type))) throw new Error(`not an object type: ${typeName}`);
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) {
      parts.push(field.name);
    } else if (depth > 0) {
      parts.push(`${field.name} ${selectAll(named.name, depth - 1)}`);
    } else if ((isObjectType(named) || isInterfaceType(named)) && 'id' in named.getFields()) {
      parts.push(`${field.name} { id }`);
    } else if (isObjectType(named)) {
      const scalars = Object.values(named.getFields()).filter((f) => {
        const n = getNamedType(f.type);
        return isScalarType(n) || isEnumType(n);
      });
      if (scalars.length) parts.push(`${field.name} { ${scalars.map((f) => f.name).join(' ')} }`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Problems in `value` against the contract type `typeName` (only the fields present are
 * checked; absent ones were not selected). Empty when the answer fits.
 */
export function shapeProblems(typeName: string, value: unknown, path = typeName): string[] {
  const type = CONTRACT_SCHEMA.getType(typeName);
  if (!type || !(isObjectType(type) || isInterfaceType(type))) return [`${path}: unknown type ${typeName}`];
  if (value === null || typeof value !== 'object') return [`${path}: expected an object, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  const fields = type.getFields();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === '__typename') continue;
    const field = fields[key];
    if (!field) {
      problems.push(`${path}.${key}: not in the contract`);
      continue;
    }
    problems.push(...checkValue(field.type, v, `${path}.${key}`));
  }
  return problems;
}

function checkValue(type: GraphQLOutputType, value: unknown, path: string): string[] {
  if (isNonNullType(type)) {
    if (value === null || value === undefined) return [`${path}: null where the contract says non-null`];
    return checkValue(type.ofType, value, path);
  }
  if (value === null || value === undefined) return [];
  if (isListType(type)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => checkValue(type.ofType, item, `${path}[${i}]`));
  }
  if (isEnumType(type)) {
    return type.getValues().some((v) => v.name === value) ? [] : [`${path}: ${JSON.stringify(value)} is not a ${type.name}`];
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Int':
        return Number.isInteger(value) ? [] : [`${path}: not an Int: ${JSON.stringify(value)}`];
      case 'Float':
        return typeof value === 'number' ? [] : [`${path}: not a Float`];
      case 'String':
      case 'ID':
        return typeof value === 'string' ? [] : [`${path}: not a string: ${JSON.stringify(value)}`];
      case 'Boolean':
        return typeof value === 'boolean' ? [] : [`${path}: not a Boolean`];
      case 'DateTime':
        return typeof value === 'string' && ISO.test(value) && !Number.isNaN(Date.parse(value))
          ? []
          : [`${path}: not an ISO DateTime: ${JSON.stringify(value)}`];
      default:
        return [];
    }
  }
  if (isObjectType(type) || isInterfaceType(type)) return shapeProblems(type.name, value, path);
  return [];
}
