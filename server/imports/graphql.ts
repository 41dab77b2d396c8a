/** The import-run part of the contract: ImportRun and importRuns(first:), plus scope and report. */
import { builder } from '../graphql/builder.js';
import { NodeRef, registerNodeKind } from '../graphql/node.js';
import * as service from './service.js';
import type { ImportRun } from './service.js';

export const ImportRunRef = builder.objectRef<ImportRun>('ImportRun').implement({
  description: 'One run of an importer (faultline import ...) and what it changed.',
  interfaces: [NodeRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'source' in value && 'scope' in value,
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    source: t.exposeString('source', { nullable: false }),
    scope: t.exposeString('scope', { nullable: false, description: 'What part of the source the run covered (base DN + filter, files).' }),
    startedAt: t.field({ type: 'DateTime', nullable: false, resolve: (r) => r.startedAt }),
    finishedAt: t.field({ type: 'DateTime', resolve: (r) => r.finishedAt }),
    status: t.exposeString('status', { nullable: false, description: 'RUNNING, SUCCEEDED, FAILED or DRY_RUN' }),
    created: t.exposeInt('created', { nullable: false }),
    updated: t.exposeInt('updated', { nullable: false }),
    unchanged: t.exposeInt('unchanged', { nullable: false }),
    retired: t.exposeInt('retired', { nullable: false }),
    rejected: t.exposeInt('rejected', { nullable: false }),
    conflicts: t.exposeInt('conflicts', { nullable: false, description: 'Records whose identifiers point at different CIs (not merged).' }),
    withdrawn: t.exposeInt('withdrawn', { nullable: false, description: 'CIs this scope stopped reporting that another source still reports.' }),
    skipped: t.exposeInt('skipped', { nullable: false, description: 'Source objects of kinds the importer does not map.' }),
    relationshipsCreated: t.exposeInt('relationshipsCreated', { nullable: false }),
    relationshipsClosed: t.exposeInt('relationshipsClosed', { nullable: false }),
    error: t.exposeString('error', { description: 'Why the run failed or was refused.' }),
    report: t.field({
      type: 'JSON',
      description: 'Rejections and conflicts (with line or key and reason), unresolved references, a sample of differences.',
      resolve: (r, _args, ctx) => service.importRunReport(ctx.graph, r.id),
    }),
  }),
});

registerNodeKind({ typeName: 'ImportRun', owns: service.isImportRunId, load: (ctx, id) => service.getImportRun(ctx.graph, id) });

builder.queryField('importRuns', (t) =>
  t.field({
    type: [ImportRunRef],
    nullable: false,
    description: 'Import runs, newest first.',
    args: { first: t.arg.int({ defaultValue: 20 }), source: t.arg.string({ description: "Only this source ('ad', ...)." }) },
    resolve: (_r, args, ctx) => service.listImportRuns(ctx.graph, args),
  }),
);
