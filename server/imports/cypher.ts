/** Cypher for import runs (written by importers/sync; read here). */

export const RUN_FIELDS = `r {.id, .source, .scope, .status, .startedAt, .finishedAt, .created, .updated, .unchanged, .retired, .rejected, .conflicts, .withdrawn, .skipped, .relationshipsCreated, .relationshipsClosed, .error}`;

export const LIST_RUNS = `
MATCH (r:ImportRun)
WHERE $source IS NULL OR r.source = $source
RETURN ${RUN_FIELDS} AS run
ORDER BY r.startedAt DESC, r.id DESC
LIMIT $limit
`;

export const RUN_BY_ID = `
MATCH (r:ImportRun {id: $id})
RETURN ${RUN_FIELDS} AS run, r.report AS report
`;
