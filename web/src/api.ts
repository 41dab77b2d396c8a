/**
 * The only way the explorer talks to Faultline: POST /graphql with the user's token.
 * Failures become one of three named errors the UI can put into words.
 */

const TOKEN_KEY = 'faultline.token';

export function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    // Storage can be disabled (private mode, policy); the user then types it per session.
    return null;
  }
}

export function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // See storedToken: without storage the token lives only in memory.
  }
}

/** The API refused the token (401 / UNAUTHENTICATED): the user has to give another one. */
export class NotAuthorizedError extends Error {}
/**
 * The API accepted the token but its roles do not allow this request (FORBIDDEN). An error
 * of that one action, said where the action is: the token stays good for everything else.
 */
export class ForbiddenError extends Error {}
/** The server or its database cannot be reached. */
export class ApiDownError extends Error {}
/** The API answered with an error about this request. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export type Request = <T>(query: string, variables?: Record<string, unknown>) => Promise<T>;

export function createClient(getToken: () => string | null, endpoint = '/graphql'): Request {
  return async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const token = getToken();
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ApiDownError(`The Faultline API cannot be reached (${error instanceof Error ? error.message : String(error)}).`);
    }
    let body: GraphQLResponse<T>;
    try {
      body = (await res.json()) as GraphQLResponse<T>;
    } catch {
      if (res.status >= 500) throw new ApiDownError(`The Faultline API answered ${res.status}.`);
      throw new ApiError(`The Faultline API answered ${res.status} without a GraphQL response.`, undefined);
    }
    const first = body.errors?.[0];
    const code = first?.extensions?.code;
    if (res.status === 401 || code === 'UNAUTHENTICATED') throw new NotAuthorizedError(first?.message ?? 'Not authorized.');
    if (code === 'FORBIDDEN') throw new ForbiddenError(first?.message ?? 'Your token lacks the role for this.');
    if (code === 'UNAVAILABLE') throw new ApiDownError(first?.message ?? 'The database is unavailable; retry later.');
    if (first) throw new ApiError(first.message, code);
    if (!body.data) throw new ApiError(`The Faultline API answered ${res.status} with no data.`, undefined);
    return body.data;
  };
}

export function describeError(error: unknown): string {
  if (error instanceof NotAuthorizedError) return `Not authorized: ${error.message}`;
  if (error instanceof ForbiddenError) return `Not allowed with this token: ${error.message}`;
  if (error instanceof ApiDownError) return `API unavailable: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
