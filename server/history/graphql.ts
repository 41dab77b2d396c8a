/** CI.history: who changed what, when, from what to what. */
import DataLoader from 'dataloader';
import { z } from 'zod';
import { parseInput } from '../errors.js';
import { builder } from '../graphql/builder.js';
import { perRequest, type Context } from '../graphql/context.js';
import { CIRef } from '../cis/graphql.js';
import { decodeHistory, HISTORY_CYPHER, type HistoryEntry } from './record.js';

export const HistoryEntryRef = builder.objectRef<HistoryEntry>('HistoryEntry').implement({
  description: 'One recorded change to a CI or one of its relationships.',
  fields: (t) => ({
    at: t.field({ type: 'DateTime', nullable: false, resolve: (h) => h.at }),
    actor: t.exposeString('actor', { nullable: false, description: 'Who made the change (token name or importer).' }),
    source: t.exposeString('source', { nullable: false, description: "'manual' for the API, else the importer source." }),
    entityType: t.exposeString('entityType', { nullable: false, description: 'CI or RELATIONSHIP' }),
    entityId: t.exposeID('entityId', { nullable: false }),
    field: t.exposeString('field', { nullable: false }),
    old: t.field({ type: 'JSON', resolve: (h) => h.old }),
    new: t.field({ type: 'JSON', resolve: (h) => h.new }),
  }),
});

function historyLoader(ctx: Context, since: number) {
  return perRequest(ctx, `history:${since}`, () => new DataLoader<string, HistoryEntry[]>(async (ids) => {
    const rows = await ctx.graph.read(HISTORY_CYPHER.HISTORY_OF_CIS, { ids: [...ids], since });
    const byCI = new Map<string, HistoryEntry[]>(ids.map((id) => [id, []]));
    for (const row of rows) byCI.get(String(row.ciId))?.push(decodeHistory(row.h as Record<string, unknown>));
    return ids.map((id) => byCI.get(id) ?? []);
  }));
}

const historyArgs = z.object({ first: z.number().int().min(0).max(1000).nullish() });

builder.objectField(CIRef, 'history', (t) =>
  t.field({
    type: [HistoryEntryRef],
    nullable: false,
    description: 'Recorded changes to this CI and its relationships, newest first.',
    args: {
      since: t.arg({ type: 'DateTime', description: 'Only changes at or after this time.' }),
      first: t.arg.int({ defaultValue: 100, description: 'At most this many, 0 to 1000.' }),
    },
    resolve: async (ci, args, ctx) => {
      // Refused like every other `first` out of range, where slicing read -1 as 0.
      const { first } = parseInput(historyArgs, { first: args.first }, []);
      const entries = await historyLoader(ctx, args.since ?? 0).load(ci.id);
      return entries.slice(0, first ?? 100);
    },
  }),
);
