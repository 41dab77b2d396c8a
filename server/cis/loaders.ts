/** Per-request DataLoaders: nested fields cost one query per level, not one per CI. */
import DataLoader from 'dataloader';
import { perRequest, type Context } from '../graphql/context.js';
import { getCIs, relationshipsOf, type CI, type Relationship } from './service.js';

export function ciLoader(ctx: Context): DataLoader<string, CI | null> {
  return perRequest(ctx, 'ci', () => new DataLoader<string, CI | null>(async (ids) => {
    const found = await getCIs(ctx.graph, ids);
    return ids.map((id) => found.get(id) ?? null);
  }));
}

export function relationshipLoader(ctx: Context, includeClosed: boolean): DataLoader<string, Relationship[]> {
  return perRequest(ctx, `relationships:${includeClosed}`, () => new DataLoader<string, Relationship[]>(async (ids) => {
    const found = await relationshipsOf(ctx.graph, ids, includeClosed);
    return ids.map((id) => found.get(id) ?? []);
  }));
}

/** Loads a CI by id; null for an unknown id. */
export async function loadCI(ctx: Context, id: string): Promise<CI | null> {
  return ciLoader(ctx).load(id);
}

/** Loads many CIs, keeping order and dropping unknown ids. */
export async function loadCIs(ctx: Context, ids: readonly string[]): Promise<CI[]> {
  const loaded = await ciLoader(ctx).loadMany(ids);
  return loaded.filter((c): c is CI => c !== null && !(c instanceof Error));
}
