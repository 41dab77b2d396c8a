/**
 * The HTTP server: GraphQL at /graphql (GraphiQL in a browser), health at /healthz and
 * the web build at /. Authentication happens here, once per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, normalize, relative, resolve } from 'node:path';
import { createYoga, type Plugin } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError, getOperationAST, getVariableValues } from 'graphql';
import type { Graph } from './db/index.js';
import { actorForToken, ANONYMOUS_DEMO_ACTOR, type Actor } from './auth/index.js';
import { createContext, type Context } from './graphql/context.js';
import { buildSchema } from './graphql/schema.js';
import { toGraphQLError } from './graphql/errors.js';
import { boundedNesting } from './graphql/nesting.js';
import { UnauthenticatedError } from './errors.js';
import { readFlag } from './config.js';
import type { Logger } from './log.js';

export interface AppOptions {
  graph: Graph;
  authEnabled: boolean;
  webDist: string;
  graphiql: boolean;
  maxComplexity: number;
  maxQueryDepth: number;
  log: Logger;
  /** Execute with graphql-jit (default: FAULTLINE_GRAPHQL_JIT, on unless set off). */
  jit?: boolean;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

function bearer(request: Request): string | null {
  const header = request.headers.get('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1]! : null;
}

async function authenticate(options: AppOptions, request: Request): Promise<Actor> {
  if (!options.authEnabled) return ANONYMOUS_DEMO_ACTOR;
  const token = bearer(request);
  if (!token) throw new UnauthenticatedError('Authentication required: send "Authorization: Bearer <token>"');
  const actor = await actorForToken(options.graph, token);
  if (!actor) throw new UnauthenticatedError('Unknown or revoked token');
  return actor;
}

/** Every error leaves through toGraphQLError, so codes are set in one place. */
function errorCodes(log: Logger): Plugin {
  return {
    onExecutionResult({ result, setResult }) {
      if (!result || !('errors' in result) || !result.errors?.length) return;
      setResult({ ...result, errors: result.errors.map((e) => toGraphQLError(e, (err) => log.error({ err }, 'resolver failed'))) });
    },
  };
}

/**
 * Variables are coerced by graphql-js before the JIT executor runs: its own coercion
 * names a field's name as if it were the variable (`Variable "$at" got invalid value`)
 * where graphql-js says which variable and where in it (`Variable "$i" got invalid value
 * "yesterday" at "i.at"`).
 */
function variablesCoercedByGraphqlJs(): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation?.variableDefinitions?.length) return;
      const coerced = getVariableValues(args.schema, operation.variableDefinitions, args.variableValues ?? {}, { maxErrors: 20 });
      if (coerced.errors) setResultAndStopExecution({ errors: coerced.errors });
    },
  };
}

export function createApp(options: AppOptions) {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    graphiql: options.graphiql ? { title: 'Faultline GraphQL' } : false,
    landingPage: false,
    maskedErrors: {
      maskError: (error) => toGraphQLError(error, (err) => options.log.error({ err }, 'request failed')),
    },
    // graphql-jit compiles each distinct query once (cached per parsed document, which
    // yoga's parser cache keeps stable) into a specialised executor: for large impact
    // reports it removes most of graphql-js's per-field overhead. Parsing, validation
    // (incl. the depth/cost limits, which run inside the root resolvers) and error
    // mapping are unchanged. FAULTLINE_GRAPHQL_JIT=0 (or off) falls back to graphql-js.
    plugins: [
      boundedNesting(),
      variablesCoercedByGraphqlJs(),
      ...((options.jit ?? readFlag('FAULTLINE_GRAPHQL_JIT', process.env.FAULTLINE_GRAPHQL_JIT, true)) ? [useGraphQlJit()] : []),
      errorCodes(options.log),
    ],
    context: async ({ request }) => {
      let actor: Actor;
      try {
        actor = await authenticate(options, request);
      } catch (error) {
        if (error instanceof UnauthenticatedError) {
          throw new GraphQLError(error.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
        throw error;
      }
      const ctx = createContext(options.graph, actor);
      ctx.memo.set('maxComplexity', options.maxComplexity);
      ctx.memo.set('maxQueryDepth', options.maxQueryDepth);
      return ctx;
    },
    logging: false,
  });

  const webRoot = resolve(options.webDist);
  function serveStatic(req: IncomingMessage, res: ServerResponse): boolean {
    // The path as sent (new URL read a path starting with // as a host).
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (!existsSync(join(webRoot, 'index.html'))) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<p>Faultline API is up. The web view is not built yet: run <code>npm run build:web</code>. GraphQL: <a href="/graphql">/graphql</a></p>');
      return true;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Bad request: the path is not valid percent-encoding.');
      return true;
    }
    const requested = normalize(join(webRoot, decoded));
    // Inside the web build only: `relative` says so, where a prefix test lets "../dist-x" through.
    const inside = relative(webRoot, requested);
    const file =
      !inside.startsWith('..') && !isAbsolute(inside) && existsSync(requested) && statSync(requested).isFile()
        ? requested
        : join(webRoot, 'index.html');
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': file.includes(`${join(webRoot, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
    return true;
  }

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz') {
      options.graph.driver
        .verifyConnectivity()
        .then(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"status":"ok"}');
        })
        .catch(() => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end('{"status":"database unavailable"}');
        });
      return;
    }
    if (path.startsWith('/graphql')) {
      void yoga(req, res);
      return;
    }
    try {
      if (!serveStatic(req, res)) {
        res.writeHead(404);
        res.end();
      }
    } catch (error) {
      // A request must never take the process down: answer it, and log what happened.
      options.log.error({ err: error, url: req.url }, 'static file request failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  return { server, yoga };
}
