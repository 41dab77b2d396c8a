import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { BadUserInputError, UnavailableError } from '../errors.js';
import { toGraphQLError } from './errors.js';

const quiet = () => {};

describe('toGraphQLError', () => {
  it('keeps INTERNAL an unexpected error mapped twice (the errorCodes plugin, then yoga masking)', () => {
    const logged: unknown[] = [];
    const once = toGraphQLError(new GraphQLError('boom', { originalError: new Error('TooManyClauses') }), (e) => logged.push(e));
    expect(once.extensions.code).toBe('INTERNAL');
    expect(once.message).toBe('Internal error');
    const twice = toGraphQLError(once, (e) => logged.push(e));
    expect(twice.extensions.code).toBe('INTERNAL');
    expect(logged).toHaveLength(1);
  });

  it("keeps graphql-js's message naming where a bad variable value is, with the inner error's code", () => {
    const inner = new GraphQLError('DateTime must be an ISO-8601 string');
    const outer = new GraphQLError('Variable "$i" got invalid value "yesterday" at "i.at"; DateTime must be an ISO-8601 string', { originalError: inner });
    const mapped = toGraphQLError(outer, quiet);
    expect(mapped.message).toMatch(/at "i\.at"/);
    expect(mapped.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('maps a domain error inside a located error to its code and issues', () => {
    const domain = new BadUserInputError('Search is too long', [{ path: ['filter', 'search'], message: 'at most 200 characters' }]);
    const mapped = toGraphQLError(new GraphQLError('Search is too long', { originalError: domain }), quiet);
    expect(mapped.extensions.code).toBe('BAD_USER_INPUT');
    expect(mapped.extensions.issues).toEqual([{ path: ['filter', 'search'], message: 'at most 200 characters' }]);
  });

  it('answers a lost database with HTTP 503, the code saying which', () => {
    const mapped = toGraphQLError(new GraphQLError('x', { originalError: new UnavailableError('The graph database cannot be reached; retry later.') }), quiet);
    expect(mapped.extensions).toMatchObject({ code: 'UNAVAILABLE', http: { status: 503 } });
  });
});
