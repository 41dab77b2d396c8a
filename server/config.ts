/**
 * Configuration from the environment, validated at start. A bad value stops the start
 * with one clear line (see main.ts). The README's table lists every variable.
 */
import { isIPv4 } from 'node:net';
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
  .transform((v) => ['true', '1', 'on', 'yes'].includes(v));

const size = z.string().regex(/^\d+[kmgKMG]?$/, 'a size such as 512m or 4g');

/** A whole number written in decimal digits (z.coerce read "" as 0 and "0x50" as 80). */
const integer = (min: number, max: number, what = `a whole number from ${min} to ${max}`) =>
  z
    .string()
    .regex(/^\d{1,15}$/, what)
    .transform(Number)
    .pipe(z.number().int().min(min, what).max(max, what));
const port = (min: number) => integer(min, 65535, `a port number (${min}-65535)`);

export const configSchema = z
  .object({
    NEO4J_URI: z
      .string()
      .regex(/^(neo4j|neo4j\+s|neo4j\+ssc|bolt|bolt\+s|bolt\+ssc):\/\/.+/, 'a neo4j://, neo4j+s:// or bolt:// URI')
      .optional(),
    NEO4J_USER: z.string().min(1).default('neo4j'),
    NEO4J_PASSWORD: z.string().min(1).optional(),
    NEO4J_DATABASE: z.string().min(1).optional(),
    NEO4J_LOCAL_HOME: z.string().min(1).default('data/neo4j'),
    // 0 picks a free port (tests).
    NEO4J_LOCAL_PORT: port(0).default(7687),
    NEO4J_LOCAL_HEAP: size.default('4g'),
    NEO4J_LOCAL_PAGECACHE: size.default('6g'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port(1).default(4000),
    FAULTLINE_AUTH: z.enum(['on', 'off']).default('on'),
    FAULTLINE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    FAULTLINE_DATA_DIR: z.string().min(1).default('data'),
    FAULTLINE_MAX_DEPTH: integer(1, 50).default(15),
    FAULTLINE_MAX_COMPLEXITY: integer(100, Number.MAX_SAFE_INTEGER, 'a whole number, at least 100').default(200_000),
    FAULTLINE_WEB_DIST: z.string().min(1).default('web/dist'),
    FAULTLINE_GRAPHIQL: bool.default(true),
    FAULTLINE_GRAPHQL_JIT: bool.default(true),
    FAULTLINE_TOPOLOGY_CACHE: bool.default(true),
    FAULTLINE_TOPOLOGY_MAX_AGE: integer(0, Number.MAX_SAFE_INTEGER, 'a whole number of seconds').default(600),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.NEO4J_URI && !c.NEO4J_PASSWORD) {
      ctx.addIssue({ code: 'custom', path: ['NEO4J_PASSWORD'], message: 'required when NEO4J_URI is set' });
    }
    if (c.FAULTLINE_AUTH === 'off' && !isLoopback(c.HOST)) {
      ctx.addIssue({
        code: 'custom',
        path: ['FAULTLINE_AUTH'],
        message: `authentication can only be turned off when HOST is a loopback address (HOST is ${c.HOST})`,
      });
    }
  });

export type Config = z.infer<typeof configSchema>;

/** Whether `host` names only this machine: localhost, ::1, or an IPv4 address in 127.0.0.0/8 (not a name that merely starts with "127."). */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  const v4 = host.startsWith('::ffff:') ? host.slice('::ffff:'.length) : host;
  return isIPv4(v4) && v4.startsWith('127.');
}

export class ConfigError extends Error {}

/** One on/off variable read as the configuration reads it (true/false, 1/0, on/off, yes/no), for code that runs without a whole configuration (tests, benches). */
export function readFlag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  const result = bool.safeParse(value);
  if (!result.success) throw new ConfigError(`Invalid configuration: ${name}: expected one of true, false, 1, 0, on, off, yes, no`);
  return result.data;
}

/** Reads the configuration; throws ConfigError with one line naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  throw new ConfigError(`Invalid configuration: ${first.path.join('.')}: ${first.message}`);
}
