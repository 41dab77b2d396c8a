/**
 * Neo4j constraints and indexes as versioned, idempotent migrations. Each migration is a
 * list of statements that may be re-run safely (IF NOT EXISTS); the applied ones are
 * recorded on a (:SchemaMigration) node so a start skips what is done.
 *
 * Add a migration by appending to MIGRATIONS with a new id; never edit one that shipped.
 */
import { IDENTIFIER_ATTRIBUTES } from './classes.js';
import { RELATIONSHIP_TYPES } from './relationships.js';
import { identifierProperty, sortKey } from './identifiers.js';

export interface Migration {
  id: string;
  description: string;
  statements: readonly string[];
  /** Data to bring in line after the statements, when Cypher alone cannot compute it (idempotent too). */
  backfill?: (run: RunStatement) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: '001-ci-core',
    description: 'CI identity, identifier uniqueness, class/status lookups and full-text search',
    statements: [
      'CREATE CONSTRAINT ci_id IF NOT EXISTS FOR (n:CI) REQUIRE n.id IS UNIQUE',
      ...IDENTIFIER_ATTRIBUTES.map(
        (attr) =>
          `CREATE CONSTRAINT ci_${identifierProperty(attr)} IF NOT EXISTS FOR (n:CI) REQUIRE n.${identifierProperty(attr)} IS UNIQUE`,
      ),
      'CREATE INDEX ci_class IF NOT EXISTS FOR (n:CI) ON (n.class)',
      'CREATE INDEX ci_status IF NOT EXISTS FOR (n:CI) ON (n.status)',
      'CREATE INDEX ci_name IF NOT EXISTS FOR (n:CI) ON (n.name)',
      "CREATE FULLTEXT INDEX ci_search IF NOT EXISTS FOR (n:CI) ON EACH [n.name, n.searchText] OPTIONS { indexConfig: { `fulltext.analyzer`: 'standard-no-stop-words' } }",
      ...RELATIONSHIP_TYPES.map(
        (t) => `CREATE INDEX rel_${t.name.toLowerCase()}_id IF NOT EXISTS FOR ()-[r:${t.name}]-() ON (r.id)`,
      ),
      'CREATE CONSTRAINT history_id IF NOT EXISTS FOR (h:HistoryEntry) REQUIRE h.id IS UNIQUE',
      'CREATE INDEX history_at IF NOT EXISTS FOR (h:HistoryEntry) ON (h.at)',
      'CREATE CONSTRAINT sequence_name IF NOT EXISTS FOR (s:Sequence) REQUIRE s.name IS UNIQUE',
      'CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE',
    ],
  },
  {
    id: '002-itsm-and-imports',
    description: 'Incidents, problems, changes, blackouts and import runs',
    statements: [
      'CREATE CONSTRAINT incident_id IF NOT EXISTS FOR (n:Incident) REQUIRE n.id IS UNIQUE',
      'CREATE INDEX incident_status IF NOT EXISTS FOR (n:Incident) ON (n.status)',
      'CREATE INDEX incident_opened IF NOT EXISTS FOR (n:Incident) ON (n.openedAt)',
      'CREATE CONSTRAINT problem_id IF NOT EXISTS FOR (n:Problem) REQUIRE n.id IS UNIQUE',
      'CREATE CONSTRAINT change_id IF NOT EXISTS FOR (n:Change) REQUIRE n.id IS UNIQUE',
      'CREATE INDEX change_status IF NOT EXISTS FOR (n:Change) ON (n.status)',
      'CREATE INDEX change_start IF NOT EXISTS FOR (n:Change) ON (n.plannedStart)',
      'CREATE CONSTRAINT blackout_id IF NOT EXISTS FOR (n:Blackout) REQUIRE n.id IS UNIQUE',
      'CREATE CONSTRAINT import_run_id IF NOT EXISTS FOR (n:ImportRun) REQUIRE n.id IS UNIQUE',
      'CREATE INDEX import_run_started IF NOT EXISTS FOR (n:ImportRun) ON (n.startedAt)',
      'CREATE CONSTRAINT import_lock_scope IF NOT EXISTS FOR (n:ImportLock) REQUIRE n.scope IS UNIQUE',
    ],
  },
  {
    id: '003-root-cause-windows',
    description: 'Changes by implementation time: root cause reads the changes implemented since a time',
    statements: ['CREATE INDEX change_implemented IF NOT EXISTS FOR (n:Change) ON (n.implementedAt)'],
  },
  {
    id: '004-topology-changes',
    description: 'What each topology write touched, by version and age: a projection re-reads only those CIs',
    statements: [
      'CREATE INDEX topology_change_version IF NOT EXISTS FOR (t:TopologyChange) ON (t.version)',
      'CREATE INDEX topology_change_at IF NOT EXISTS FOR (t:TopologyChange) ON (t.at)',
    ],
  },
  {
    id: '005-ci-created',
    description: 'CIs by creation time: root cause reads the CIs recorded since an outage began',
    statements: ['CREATE INDEX ci_created IF NOT EXISTS FOR (n:CI) ON (n.createdAt)'],
  },
  {
    id: '006-ci-sort-name',
    description: "The sort key of CI names holding characters past U+FFFF (graph-schema sortKey), for cis's order and cursors",
    statements: [],
    async backfill(run) {
      // Java's regex reads the string by code point: a surrogate pair is one character past U+FFFF.
      const pattern = '(?s).*[\\x{10000}-\\x{10FFFF}\\x{FFFF}\\x{D800}-\\x{DFFF}].*';
      const rows = (await run('MATCH (n:CI) WHERE n.name =~ $pattern RETURN n.id AS id, n.name AS name', { pattern })) as { id: string; name: string }[];
      const keyed = rows.map((r) => ({ id: r.id, key: sortKey(String(r.name)) })).filter((r) => r.key !== null);
      for (let k = 0; k < keyed.length; k += 10_000) {
        await run('UNWIND $rows AS row MATCH (n:CI {id: row.id}) SET n.sortName = row.key', { rows: keyed.slice(k, k + 10_000) });
      }
    },
  },
];

/** Runs one Cypher statement; the caller decides how (driver session, test harness). */
export type RunStatement = (cypher: string, params?: Record<string, unknown>) => Promise<unknown[]>;

const APPLIED = `
MATCH (m:SchemaMigration)
RETURN m.id AS id
`;

const RECORD = `
MERGE (m:SchemaMigration {id: $id})
ON CREATE SET m.appliedAt = $now, m.description = $description
`;

/** Applies the migrations not yet applied, in order. Returns the ids it applied. */
export async function migrate(run: RunStatement): Promise<string[]> {
  const rows = (await run(APPLIED)) as { id: string }[];
  const done = new Set(rows.map((r) => r.id));
  const applied: string[] = [];
  for (const migration of MIGRATIONS) {
    if (done.has(migration.id)) continue;
    for (const statement of migration.statements) await run(statement);
    await migration.backfill?.(run);
    await run(RECORD, { id: migration.id, now: Date.now(), description: migration.description });
    applied.push(migration.id);
  }
  return applied;
}
