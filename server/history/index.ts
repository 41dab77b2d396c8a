export { recordHistory, decodeHistory, HISTORY_CYPHER, type HistoryChange, type HistoryEntry } from './record.js';
