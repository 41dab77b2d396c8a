/**
 * Configuration from the environment, validated at start. A bad value stops the start
 * with one clear line (see main.ts). The README's table lists every variable.
 */
import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no'])
  .transform((v) => ['true', '1', 'on', 'yes'].includes(v));

const size = z.string().regex(/^\d+[kmgKMG]?$/, 'a size such as 512m or 4g');

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
    NEO4J_LOCAL_PORT: z.coerce.number().int().min(0).max(65535).default(7687),
    NEO4J_LOCAL_HEAP: size.default('4g'),
    NEO4J_LOCAL_PAGECACHE: size.default('6g'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    FAULTLINE_AUTH: z.enum(['on', 'off']).default('on'),
    FAULTLINE_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    FAULTLINE_DATA_DIR: z.string().min(1).default('data'),
    FAULTLINE_MAX_DEPTH: z.coerce.number().int().min(1).max(50).default(15),
    FAULTLINE_MAX_COMPLEXITY: z.coerce.number().int().min(100).default(200_000),
    FAULTLINE_WEB_DIST: z.string().min(1).default('web/dist'),
    FAULTLINE_GRAPHIQL: bool.default(true),
    FAULTLINE_TOPOLOGY_CACHE: bool.default(true),
    FAULTLINE_TOPOLOGY_MAX_AGE: z.coerce.number().int().min(0).default(600),
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

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export class ConfigError extends Error {}

/** Reads the configuration; throws ConfigError with one line naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const first = result.error.issues[0]!;
  throw new ConfigError(`Invalid configuration: ${first.path.join('.')}: ${first.message}`);
}
