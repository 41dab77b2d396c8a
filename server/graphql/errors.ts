/**
 * Maps every error once to the contract's codes: domain errors keep their message and
 * code; a lost database is UNAVAILABLE; anything unexpected is INTERNAL with its
 * message hidden (and logged).
 */
import { GraphQLError } from 'graphql';
import { FaultlineError, BadUserInputError } from '../errors.js';
import { translateDriverError } from '../db/index.js';

const PASS_THROUGH = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNAUTHENTICATED', 'FORBIDDEN', 'UNAVAILABLE']);

export function toGraphQLError(error: unknown, log: (error: unknown) => void): GraphQLError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const translated = translateDriverError(original);
  const base = error instanceof GraphQLError ? error : undefined;
  if (translated instanceof FaultlineError) {
    const extensions: Record<string, unknown> = { code: translated.code, ...translated.details };
    if (translated instanceof BadUserInputError) extensions.issues = translated.issues;
    // The database is down: HTTP 503 (yoga answers 500 otherwise), the body says which.
    if (translated.code === 'UNAVAILABLE') extensions.http = { status: 503 };
    return new GraphQLError(translated.message, {
      nodes: base?.nodes,
      source: base?.source,
      positions: base?.positions,
      path: base?.path,
      originalError: translated,
      extensions,
    });
  }
  if (base && !base.originalError) {
    // Parse/validation/coercion errors from graphql-js: the request itself is wrong. An
    // error mapped already (errors pass here twice: the errorCodes plugin, then yoga's
    // masking) keeps its code, INTERNAL included.
    const code = base.extensions?.code;
    if (typeof code === 'string' && (PASS_THROUGH.has(code) || code === 'INTERNAL')) return base;
    return new GraphQLError(base.message, {
      nodes: base.nodes,
      source: base.source,
      positions: base.positions,
      path: base.path,
      extensions: { ...base.extensions, code: 'BAD_USER_INPUT' },
    });
  }
  if (base?.originalError instanceof GraphQLError) {
    // graphql-js wraps a scalar's or enum's complaint about a variable in an error that
    // names where it is ('Variable "$i" got invalid value "x" at "i.at"; …'): keep that
    // message, with the code the inner error maps to.
    const inner = toGraphQLError(base.originalError, log);
    if (inner.extensions.code === 'INTERNAL') return inner;
    return new GraphQLError(base.message, { nodes: base.nodes, source: base.source, positions: base.positions, path: base.path, originalError: inner.originalError ?? undefined, extensions: inner.extensions });
  }
  const code = base?.extensions?.code;
  if (base && typeof code === 'string' && PASS_THROUGH.has(code)) return base;
  log(original);
  return new GraphQLError('Internal error', { path: base?.path, extensions: { code: 'INTERNAL' } });
}
