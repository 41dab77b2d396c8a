/**
 * The Node interface and `node(id)`. Ids carry their kind in a prefix (REL-, INC-, PRB-,
 * CHG-, RUN-; a CI id has none), so `node` asks exactly one domain. Domains register
 * how to load their kind with registerNodeKind.
 */
import { builder } from './builder.js';
import type { Context } from './context.js';

export interface NodeKind {
  /** GraphQL type name. */
  typeName: string;
  /** Whether an id belongs to this kind. */
  owns: (id: string) => boolean;
  load: (ctx: Context, id: string) => Promise<object | null>;
}

const kinds: NodeKind[] = [];

export function registerNodeKind(kind: NodeKind): void {
  kinds.push(kind);
}

/** Tag a loaded object with its GraphQL type so Node resolves without guessing. */
const TYPE = Symbol('nodeType');

export const NodeRef = builder.interfaceRef<{ id: string }>('Node').implement({
  fields: (t) => ({ id: t.exposeID('id', { nullable: false }) }),
  resolveType: (value) => (value as Record<symbol, string>)[TYPE] ?? null,
});

builder.queryField('node', (t) =>
  t.field({
    type: NodeRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: async (_root, { id }, ctx) => {
      const kind = kinds.find((k) => k.owns(id));
      if (!kind) return null;
      const value = await kind.load(ctx, id);
      if (!value) return null;
      return Object.assign(value, { [TYPE]: kind.typeName }) as unknown as { id: string };
    },
  }),
);
