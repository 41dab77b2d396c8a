/**
 * Brings Neo4j Community in from Maven Central (once) and compiles the launcher.
 * Maven caches the artefacts in ~/.m2, so a second fetch is offline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NEO4J_LOCAL_DIR = dirname(fileURLToPath(import.meta.url));
export const LIB_DIR = join(NEO4J_LOCAL_DIR, 'lib');
export const CLASSES_DIR = join(NEO4J_LOCAL_DIR, 'classes');
const STAMP = join(NEO4J_LOCAL_DIR, 'lib', '.fetched');

/** What the stamp records: a change to either file means fetch again. */
function fingerprint(): string {
  return readFileSync(join(NEO4J_LOCAL_DIR, 'pom.xml'), 'utf8') + readFileSync(join(NEO4J_LOCAL_DIR, 'Launcher.java'), 'utf8');
}

export function isFetched(): boolean {
  return (
    existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === fingerprint() &&
    existsSync(join(CLASSES_DIR, 'Launcher.class'))
  );
}

export function fetchNeo4j(log: (line: string) => void = console.log): void {
  if (isFetched()) return;
  log('neo4j-local: resolving Neo4j Community from Maven Central (first start only)...');
  execFileSync(
    'mvn',
    ['-q', '-B', 'dependency:copy-dependencies', `-DoutputDirectory=${LIB_DIR}`, '-DincludeScope=runtime'],
    { cwd: NEO4J_LOCAL_DIR, stdio: 'inherit' },
  );
  mkdirSync(CLASSES_DIR, { recursive: true });
  execFileSync('javac', ['-cp', join(LIB_DIR, '*'), '-d', CLASSES_DIR, join(NEO4J_LOCAL_DIR, 'Launcher.java')], {
    stdio: 'inherit',
  });
  writeFileSync(STAMP, fingerprint());
  log(`neo4j-local: ${readdirSync(LIB_DIR).length - 1} jars ready in ${LIB_DIR}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  fetchNeo4j();
}
