/**
 * The Active Directory adapter: reads LDIF files or a live directory and maps entries to
 * sync records. It never touches Neo4j; runSync does the rest.
 */
import { basename, resolve } from 'node:path';
import type { SourceItem } from '../sync/index.js';
import { readLdap, type LdapOptions } from './ldap.js';
import { readLdif } from './ldif.js';
import { mapEntry } from './map.js';
import { normalizeDN } from './values.js';

export const AD_SOURCE = 'ad';

/** Records from one or more LDIF files, in order. A file that cannot be read throws (the run fails). */
export async function* ldifRecords(files: string[]): AsyncGenerator<SourceItem> {
  for (const file of files) {
    const name = basename(file);
    for await (const item of readLdif(file)) {
      if (item.kind === 'error') {
        // The directory still holds the object: its CI (by DN) is kept, not withdrawn.
        const dn = item.dn ? normalizeDN(item.dn) : '';
        yield { kind: 'rejected', origin: `${name}:${item.line}`, reason: item.reason, ...(dn ? { identifiers: { distinguishedName: dn } } : {}) };
        continue;
      }
      const { entry } = item;
      yield mapEntry({ dn: entry.dn, attributes: entry.attributes, origin: `${name}:${entry.line} (${entry.dn})` });
    }
  }
}

export async function* ldapRecords(options: LdapOptions): AsyncGenerator<SourceItem> {
  for await (const entry of readLdap(options)) yield mapEntry(entry);
}

/** Default scope of an LDIF import: the files, by absolute path. */
export function ldifScope(files: string[]): string {
  return `ldif:${files.map((f) => resolve(f)).join(',')}`;
}

/** Default scope of a live import: server, base DN and filter. */
export function ldapScope(options: Pick<LdapOptions, 'url' | 'baseDN' | 'filter'>): string {
  const host = options.url.replace(/^ldaps?:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return `ldap:${host}/${normalizeDN(options.baseDN).toLowerCase()}${options.filter ? `?${options.filter}` : ''}`;
}

export { readLdif, type LdifEntry, type LdifItem } from './ldif.js';
export { readLdap, DEFAULT_FILTER, LdapReadError, type LdapOptions } from './ldap.js';
export { mapEntry, classify, type DirectoryEntry } from './map.js';
export * from './values.js';
