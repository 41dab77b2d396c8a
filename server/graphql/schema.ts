/**
 * Assembles the served schema: each domain's graphql.ts registers its types and root
 * fields on the builder when imported. Add a domain here with one import.
 */
import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './node.js';
import '../cis/graphql.js';
import '../history/graphql.js';
import '../imports/graphql.js';
import '../impact/graphql.js';
import '../itsm/graphql.js';
import '../incidents/graphql.js';
import '../problems/graphql.js';
import '../changes/graphql.js';
import '../rootcause/graphql.js';

let schema: GraphQLSchema | undefined;

export function buildSchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
