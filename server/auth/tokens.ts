/**
 * API tokens: random secrets shown once, stored only as SHA-256 hashes on (:ApiToken)
 * nodes so every API server of a cluster sees the same set.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Graph } from '../db/index.js';
import { ROLES, type Actor, type Role } from './roles.js';
import { parseInput } from '../errors.js';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return `flt_${randomBytes(24).toString('base64url')}`;
}

const FIND_TOKEN = `
MATCH (t:ApiToken {hash: $hash})
WHERE t.revokedAt IS NULL
RETURN t.name AS name, t.roles AS roles
`;

const SAVE_TOKEN = `
MERGE (t:ApiToken {hash: $hash})
ON CREATE SET t.name = $name, t.roles = $roles, t.createdAt = $now
ON MATCH SET t.name = $name, t.roles = $roles, t.revokedAt = null
`;

const tokenInput = z.object({
  name: z.string().trim().min(1).max(100),
  roles: z.array(z.enum(ROLES)).min(1),
});

/** Creates a token with the given roles; returns the secret (shown once). */
export async function createToken(graph: Graph, name: string, roles: Role[]): Promise<string> {
  const input = parseInput(tokenInput, { name, roles });
  const token = newToken();
  await graph.write(SAVE_TOKEN, { hash: hashToken(token), name: input.name, roles: input.roles, now: Date.now() });
  return token;
}

/** Registers a known secret (FAULTLINE_ADMIN_TOKEN or the generated first token). */
export async function registerToken(graph: Graph, token: string, name: string, roles: Role[]): Promise<void> {
  await graph.write(SAVE_TOKEN, { hash: hashToken(token), name, roles, now: Date.now() });
}

/**
 * Short-lived cache so a burst of requests does not mean a burst of token lookups; unknown
 * tokens too. Bounded (TOKEN_CACHE_MAX entries): requests with ever new random tokens
 * must not grow the process without end, so the oldest entries go first.
 */
const cache = new Map<string, { actor: Actor | null; until: number }>();
export const TOKEN_CACHE_MAX = 10_000;
const TOKEN_CACHE_MS = 30_000;

/** How many tokens the cache holds now (tests). */
export const tokenCacheSize = () => cache.size;

export async function actorForToken(graph: Graph, token: string): Promise<Actor | null> {
  const hash = hashToken(token);
  const hit = cache.get(hash);
  const now = Date.now();
  if (hit && hit.until > now) return hit.actor;
  const [row] = await graph.read(FIND_TOKEN, { hash });
  const actor = row ? { name: String(row.name), roles: row.roles as Role[] } : null;
  cache.delete(hash);
  // Insertion order is age order: the first entries are the oldest.
  for (const key of cache.keys()) {
    if (cache.size < TOKEN_CACHE_MAX) break;
    cache.delete(key);
  }
  cache.set(hash, { actor, until: now + TOKEN_CACHE_MS });
  return actor;
}

/**
 * The admin token for a fresh install: FAULTLINE_ADMIN_TOKEN if set, else one generated
 * on first start and kept in <data dir>/admin-token (mode 600).
 */
export async function ensureAdminToken(graph: Graph, dataDir: string, fromEnv?: string): Promise<{ token: string; file?: string }> {
  if (fromEnv) {
    await registerToken(graph, fromEnv, 'admin (FAULTLINE_ADMIN_TOKEN)', ['admin']);
    return { token: fromEnv };
  }
  const file = join(dataDir, 'admin-token');
  let token: string;
  if (existsSync(file)) {
    token = readFileSync(file, 'utf8').trim();
  } else {
    mkdirSync(dataDir, { recursive: true });
    token = newToken();
    writeFileSync(file, token + '\n', { mode: 0o600 });
  }
  await registerToken(graph, token, 'admin (first start)', ['admin']);
  return { token, file };
}
