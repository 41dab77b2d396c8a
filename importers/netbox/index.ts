/**
 * The NetBox adapter: reads a Django `dumpdata` JSON export of NetBox and maps it to sync
 * records. It never touches Neo4j; runSync does the rest.
 */
import { basename, resolve } from 'node:path';
import type { SourceItem } from '../sync/index.js';
import { readDump } from './dump.js';
import { NetboxMapper, type NetboxMapOptions, type NetboxStats } from './map.js';

export const NETBOX_SOURCE = 'netbox';

/**
 * Records from a dumpdata file. The file is streamed; what the mapping needs of each
 * object is kept until the last one is read (foreign keys point forward), then the
 * records are yielded. `stats` (optional) is filled as the dump is read.
 */
export async function* netboxRecords(
  file: string,
  options: NetboxMapOptions = {},
  stats?: (s: NetboxStats) => void,
): AsyncGenerator<SourceItem> {
  const mapper = new NetboxMapper(options);
  stats?.(mapper.stats);
  for await (const o of readDump(file, basename(file))) {
    const item = mapper.add(o);
    if (item) yield item;
  }
  yield* mapper.items();
}

/** Default scope of a dump import: the file, by absolute path. */
export function netboxScope(file: string): string {
  return `netbox-dump:${resolve(file)}`;
}

export { readDump, readJsonArray, DumpFormatError, type DumpObject } from './dump.js';
export { NetboxMapper, newStats, recordKey, netboxId, type NetboxMapOptions, type NetboxStats } from './map.js';
export { DEFAULT_ROLE_TABLE, DEVICE_CLASSES, roleResolver, roleOverrideSchema, type RoleOverrides } from './roles.js';
