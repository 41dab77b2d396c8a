/** Runs a real local Neo4j Community for development, tests and the zero-setup start. */
export { startLocalNeo4j, startSupervisedNeo4j, RESTART_DELAY_MS, localPassword, parseBytes, type LocalNeo4j, type LocalNeo4jOptions } from './server.js';
export { fetchNeo4j, isFetched } from './fetch.js';
