/** The CI part of the contract: CI, Relationship, CIClass, RelationshipType and their roots. */
import { CI_CLASSES, CI_STATUSES, RELATIONSHIP_TYPES, type CIClassDef, type RelationshipTypeDef } from '../../graph-schema/index.js';
import { builder } from '../graphql/builder.js';
import { requireRole } from '../graphql/context.js';
import { NodeRef, registerNodeKind } from '../graphql/node.js';
import { ciLoader, loadCI, relationshipLoader } from './loaders.js';
import * as service from './service.js';
import type { CI, Relationship } from './service.js';

export const CIStatusEnum = builder.enumType('CIStatus', { values: CI_STATUSES });
export const DirectionEnum = builder.enumType('Direction', { values: ['IN', 'OUT', 'BOTH'] as const });

export const CIClassRef = builder.objectRef<CIClassDef>('CIClass').implement({
  description: 'A CI class from the catalogue in graph-schema (Server, Database, BusinessService, User, ...).',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false }),
    description: t.exposeString('description'),
    identifiers: t.stringList({
      description: 'Attributes that identify a CI of this class across sources, in precedence order.',
      resolve: (c) => [...c.identifiers],
    }),
    attributes: t.field({
      type: 'JSON',
      description: 'The JSON Schema of the attributes this class checks.',
      resolve: (c) => c.attributes.toJSONSchema?.() ?? null,
    }),
  }),
});

export const RelationshipTypeRef = builder.objectRef<RelationshipTypeDef>('RelationshipType').implement({
  description: 'A relationship type and how a failure travels along it.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false }),
    description: t.exposeString('description'),
    propagatesImpact: t.exposeBoolean('propagatesImpact', {
      nullable: false,
      description: "True where a failure of the relationship's target impacts its source.",
    }),
    fromClasses: t.stringList({ nullable: false, resolve: (r) => [...r.from] }),
    toClasses: t.stringList({ nullable: false, resolve: (r) => [...r.to] }),
  }),
});

export const CIRef = builder.objectRef<CI>('CI');
export const RelationshipRef = builder.objectRef<Relationship>('Relationship');

CIRef.implement({
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'class' in value && 'status' in value,
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    class: t.exposeString('class', { nullable: false }),
    name: t.exposeString('name', { nullable: false }),
    status: t.field({ type: CIStatusEnum, nullable: false, resolve: (c) => c.status }),
    criticality: t.int({ description: '1 = most critical ... 5 = least.', resolve: (c) => c.criticality }),
    attributes: t.field({ type: 'JSON', resolve: (c) => c.attributes }),
    sources: t.stringList({
      description: "Names of the sources (importers, 'manual') that contributed to this CI.",
      resolve: (c) => c.sources,
    }),
    createdAt: t.field({ type: 'DateTime', resolve: (c) => c.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (c) => c.updatedAt }),
    retiredAt: t.field({ type: 'DateTime', resolve: (c) => c.retiredAt }),
    relationships: t.field({
      type: [RelationshipRef],
      args: {
        direction: t.arg({ type: DirectionEnum, defaultValue: 'BOTH' }),
        types: t.arg.stringList(),
        includeClosed: t.arg.boolean({ defaultValue: false, description: 'Also removed (closed) relationships.' }),
      },
      resolve: async (ci, args, ctx) => {
        const all = await relationshipLoader(ctx, args.includeClosed ?? false).load(ci.id);
        const direction = args.direction ?? 'BOTH';
        return all.filter(
          (r) =>
            (direction === 'BOTH' || (direction === 'OUT' ? r.from === ci.id : r.to === ci.id)) &&
            (!args.types?.length || args.types.includes(r.type)),
        );
      },
    }),
  }),
});

RelationshipRef.implement({
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'type' in value && 'validFrom' in value,
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    type: t.exposeString('type', { nullable: false }),
    from: t.field({ type: CIRef, nullable: false, resolve: async (r, _a, ctx) => (await ciLoader(ctx).load(r.from))! }),
    to: t.field({ type: CIRef, nullable: false, resolve: async (r, _a, ctx) => (await ciLoader(ctx).load(r.to))! }),
    attributes: t.field({ type: 'JSON', resolve: (r) => r.attributes }),
    validFrom: t.field({ type: 'DateTime', resolve: (r) => r.validFrom }),
    validTo: t.field({
      type: 'DateTime',
      description: 'Set when the relationship was removed; removed relationships are kept as history.',
      resolve: (r) => r.validTo,
    }),
    sources: t.stringList({ description: 'Sources asserting this relationship.', resolve: (r) => r.sources }),
  }),
});

registerNodeKind({ typeName: 'Relationship', owns: service.isRelationshipId, load: (ctx, id) => service.getRelationship(ctx.graph, id) });
registerNodeKind({ typeName: 'CI', owns: service.isCIId, load: (ctx, id) => loadCI(ctx, id) });

// ------------------------------------------------------------------ connection

const PageInfoRef = builder.objectRef<{ hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null }>('PageInfo').implement({
  fields: (t) => ({
    hasNextPage: t.exposeBoolean('hasNextPage', { nullable: false }),
    hasPreviousPage: t.exposeBoolean('hasPreviousPage', { nullable: false }),
    startCursor: t.exposeString('startCursor'),
    endCursor: t.exposeString('endCursor'),
  }),
});
export { PageInfoRef };

const CIEdgeRef = builder.objectRef<{ ci: CI; cursor: string }>('CIEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor', { nullable: false }),
    node: t.field({ type: CIRef, resolve: (e) => e.ci }),
  }),
});

const CIConnectionRef = builder.objectRef<service.CIPage & { after: boolean }>('CIConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [CIEdgeRef], nullable: { list: true, items: true }, resolve: (p) => p.items }),
    pageInfo: t.field({
      type: PageInfoRef,
      nullable: false,
      resolve: (p) => ({
        hasNextPage: p.hasNextPage,
        hasPreviousPage: p.after,
        startCursor: p.items[0]?.cursor ?? null,
        endCursor: p.items.at(-1)?.cursor ?? null,
      }),
    }),
    totalCount: t.exposeInt('totalCount'),
  }),
});

const CIFilterInput = builder.inputType('CIFilter', {
  fields: (t) => ({
    classes: t.stringList(),
    statuses: t.field({ type: [CIStatusEnum], description: 'Only CIs in these statuses. Unset: every status, RETIRED included (a filter left out filters nothing); e.g. [ACTIVE, PLANNED, MAINTENANCE] for the CIs in service.' }),
    search: t.string({ description: 'Case-insensitive match on name and identifying attributes (word prefixes); at most 200 characters and 12 words. Text with no letter or digit matches nothing.' }),
  }),
});

// ------------------------------------------------------------------ roots

builder.queryFields((t) => ({
  ci: t.field({
    type: CIRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => loadCI(ctx, id),
  }),
  cis: t.field({
    type: CIConnectionRef,
    nullable: false,
    args: { first: t.arg.int(), after: t.arg.string(), filter: t.arg({ type: CIFilterInput }) },
    complexity: (args) => ({ field: 2, multiplier: Math.min(args.first ?? 50, 1000) }),
    resolve: async (_r, args, ctx) => ({ ...(await service.listCIs(ctx.graph, args)), after: Boolean(args.after) }),
  }),
  relationship: t.field({
    type: RelationshipRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => service.getRelationship(ctx.graph, id),
  }),
  ciClasses: t.field({ type: [CIClassRef], nullable: false, resolve: () => [...CI_CLASSES] }),
  relationshipTypes: t.field({ type: [RelationshipTypeRef], nullable: false, resolve: () => [...RELATIONSHIP_TYPES] }),
}));

const CreateCIInput = builder.inputType('CreateCIInput', {
  fields: (t) => ({
    class: t.string({ required: true }),
    name: t.string({ required: true }),
    status: t.field({ type: CIStatusEnum, defaultValue: 'ACTIVE' }),
    criticality: t.int(),
    attributes: t.field({ type: 'JSON' }),
  }),
});

const UpdateCIInput = builder.inputType('UpdateCIInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    name: t.string(),
    status: t.field({ type: CIStatusEnum }),
    criticality: t.int(),
    attributes: t.field({ type: 'JSON', description: 'Merged into the existing attributes; a null value removes that attribute.' }),
  }),
});

const CreateRelationshipInput = builder.inputType('CreateRelationshipInput', {
  fields: (t) => ({
    type: t.string({ required: true }),
    fromId: t.id({ required: true }),
    toId: t.id({ required: true }),
    attributes: t.field({ type: 'JSON' }),
  }),
});

const author = (ctx: { actor: { name: string } }) => ({ actor: ctx.actor.name, source: 'manual' });

builder.mutationFields((t) => ({
  createCI: t.field({
    type: CIRef,
    nullable: false,
    args: { input: t.arg({ type: CreateCIInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'editor');
      return service.createCI(ctx.graph, input as service.CreateCIInput, author(ctx));
    },
  }),
  updateCI: t.field({
    type: CIRef,
    nullable: false,
    args: { input: t.arg({ type: UpdateCIInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'editor');
      return service.updateCI(ctx.graph, input as service.UpdateCIInput, author(ctx));
    },
  }),
  retireCI: t.field({
    type: CIRef,
    nullable: false,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => {
      requireRole(ctx, 'editor');
      return service.retireCI(ctx.graph, id, author(ctx));
    },
  }),
  createRelationship: t.field({
    type: RelationshipRef,
    nullable: false,
    args: { input: t.arg({ type: CreateRelationshipInput, required: true }) },
    resolve: (_r, { input }, ctx) => {
      requireRole(ctx, 'editor');
      return service.createRelationship(ctx.graph, input as service.CreateRelationshipInput, author(ctx));
    },
  }),
  removeRelationship: t.field({
    type: RelationshipRef,
    nullable: false,
    description: 'Closes the relationship (sets validTo); history keeps it.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_r, { id }, ctx) => {
      requireRole(ctx, 'editor');
      return service.removeRelationship(ctx.graph, id, author(ctx));
    },
  }),
}));
