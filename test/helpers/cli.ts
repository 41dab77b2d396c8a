/** Runs `faultline import …` (importers/cli/bin.js) as a user would, against the test Neo4j. */
import { spawnSync } from 'node:child_process';
import { inject } from 'vitest';

export function runImportCli(...args: string[]) {
  const { uri, user, password } = inject('neo4j');
  return spawnSync(process.execPath, ['importers/cli/bin.js', 'import', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NEO4J_URI: uri, NEO4J_USER: user, NEO4J_PASSWORD: password },
  });
}
