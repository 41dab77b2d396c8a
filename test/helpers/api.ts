/**
 * Runs GraphQL requests against the real app in-process (yoga.fetch), with a real token,
 * so tests go through authentication, error mapping and the schema exactly as served.
 */
import { createApp } from '../../server/app.js';
import { createToken, type Role } from '../../server/auth/index.js';
import type { Graph } from '../../server/db/index.js';
import { createLogger } from '../../server/log.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> & { code?: string } }[];
}

export interface TestApi {
  token: string;
  /** Runs a query; `token: null` sends none. */
  request<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  /** Runs a query and fails the test on any GraphQL error. */
  ok<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  tokenFor(roles: Role[]): Promise<string>;
  /** Database transactions run by the app since it was made (for batching tests). */
  queryCount(): number;
}

export async function testApi(graph: Graph, options: { authEnabled?: boolean } = {}): Promise<TestApi> {
  const { yoga } = createApp({
    graph,
    authEnabled: options.authEnabled ?? true,
    webDist: 'web/dist',
    graphiql: false,
    maxComplexity: 200_000,
    maxQueryDepth: 15,
    log: createLogger('silent'),
  });
  const token = await createToken(graph, 'test admin', ['admin']);
  const request = async <T>(query: string, variables: Record<string, unknown> = {}, useToken: string | null = token) => {
    const res = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(useToken ? { authorization: `Bearer ${useToken}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as GraphQLResponse<T>;
  };
  return {
    token,
    request,
    async ok<T>(query: string, variables: Record<string, unknown> = {}) {
      const res = await request<T>(query, variables);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors, null, 2)}`);
      return res.data as T;
    },
    tokenFor: (roles) => createToken(graph, `test ${roles.join('+')}`, roles),
    queryCount: () => graph.totals.queries,
  };
}
