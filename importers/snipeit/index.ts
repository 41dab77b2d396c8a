/**
 * Snipe-IT's CSV exports (hardware assets, users, locations) through the generic CSV
 * adapter with built-in mappings. Source name `snipeit`. Never touches Neo4j.
 */
import { resolve } from 'node:path';
import { csvRecords, type AdapterOptions } from '../csv/index.js';
import type { SourceItem } from '../sync/index.js';
import { snipeitMapping, type AssetOptions, type SnipeitKind } from './mappings.js';

export function snipeitRecords(kind: SnipeitKind, file: string, options: AdapterOptions & AssetOptions = {}): AsyncGenerator<SourceItem> {
  return csvRecords(file, snipeitMapping(kind, options), options);
}

/** Default scope: the kind and the file's absolute path ("assets:/exports/assets.csv"). */
export function snipeitScope(kind: SnipeitKind, file: string): string {
  return `${kind}:${resolve(file)}`;
}

export * from './mappings.js';
