export { Graph, createDriver, int, rows, translateDriverError, WINDOW_FIRST_MIN_IDS, type Params, type Row, type Tx, type GraphOptions } from './graph.js';
export { connectGraph, type Connection } from './connect.js';
export { perDatabase } from './per-database.js';
