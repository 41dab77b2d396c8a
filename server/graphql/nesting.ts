/**
 * A bound on how deeply a query document nests, checked on its text before it is parsed:
 * graphql-js parses, validates and costs a document recursively, so a few thousand
 * nested selections overflowed the stack and came back as INTERNAL (found by an outside
 * audit). The depth limit proper (FAULTLINE_MAX_DEPTH, on fields) still applies after.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Far above any query the depth limit lets through (fields, arguments and input objects together). */
export const MAX_NESTING = 100;

/** The deepest nesting of {, [ and ( in a GraphQL document, outside strings and comments. */
export function nestingOf(source: string): number {
  let depth = 0;
  let deepest = 0;
  for (let k = 0; k < source.length; k++) {
    const c = source[k];
    if (c === '#') {
      while (k < source.length && source[k] !== '\n' && source[k] !== '\r') k++;
    } else if (c === '"') {
      if (source.startsWith('"""', k)) {
        k += 3;
        while (k < source.length && !source.startsWith('"""', k)) k += source.startsWith('\\"""', k) ? 4 : 1;
        k += 2;
      } else {
        k++;
        while (k < source.length && source[k] !== '"' && source[k] !== '\n') k += source[k] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '[' || c === '(') {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === '}' || c === ']' || c === ')') depth--;
  }
  return deepest;
}

/** Refuses, before parsing, a document nested deeper than `limit`, as BAD_USER_INPUT. */
export function boundedNesting(limit = MAX_NESTING): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      const nesting = nestingOf(source);
      if (nesting > limit) {
        throw new GraphQLError(`The query nests ${nesting} levels deep; at most ${limit} (braces, brackets and parentheses)`, {
          extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
        });
      }
    },
  };
}
