/**
 * Reads a live directory with ldapts: simple bind over LDAPS or StartTLS (a CA file to
 * trust a private CA; certificate checks are only skipped with the explicit insecure
 * flag), paged results, and range retrieval of `member` for groups larger than the
 * server's MaxValRange (1,500 in AD). The bind password never appears in messages.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, type Entry } from 'ldapts';
import type { DirectoryEntry } from './map.js';

export const DEFAULT_FILTER =
  '(|(objectClass=user)(objectClass=group)(objectClass=organizationalUnit)(objectClass=domain)(objectClass=inetOrgPerson)(objectClass=groupOfNames))';

/** What the mapper reads; asking for these only keeps pages small (no photos, no secrets). */
export const ATTRIBUTES = [
  'objectClass', 'objectGUID', 'entryUUID', 'distinguishedName', 'cn', 'ou', 'uid', 'sAMAccountName',
  'userPrincipalName', 'mail', 'displayName', 'givenName', 'sn', 'title', 'department', 'employeeID',
  'employeeNumber', 'employeeType', 'description', 'userAccountControl', 'whenChanged', 'whenCreated',
  'modifyTimestamp', 'createTimestamp', 'lastLogonTimestamp', 'memberOf', 'manager', 'managedBy', 'member',
  'uniqueMember', 'memberUid', 'groupType', 'gidNumber', 'dNSHostName', 'operatingSystem', 'operatingSystemVersion',
];

export interface LdapOptions {
  url: string;
  baseDN: string;
  filter?: string;
  bindDN?: string;
  password?: string;
  /** PEM file of the CA that signed the server's certificate. */
  caFile?: string;
  startTLS?: boolean;
  /** Name to check the certificate against when the URL's host is not in it (an IP). */
  tlsServerName?: string;
  /** Explicitly skip certificate verification (never the default). */
  insecureSkipVerify?: boolean;
  /** Allow a bind without TLS (ldap:// without StartTLS); for loopback tests only. */
  allowPlaintext?: boolean;
  pageSize?: number;
  /**
   * Ask for `member` in explicit ranges of this size. Unset: take what the server sends
   * and follow `member;range=...` when it truncates (AD does beyond 1,500 values).
   */
  rangeSize?: number;
  timeoutMs?: number;
}

/** Errors from here name what failed, never the password. */
export class LdapReadError extends Error {}

function tlsOptions(options: LdapOptions): ConnectionOptions {
  const tls: ConnectionOptions = {};
  if (options.caFile) tls.ca = [readFileSync(options.caFile)];
  if (options.tlsServerName) tls.servername = options.tlsServerName;
  tls.rejectUnauthorized = !options.insecureSkipVerify;
  return tls;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function toDirectoryEntry(entry: Entry): { entry: DirectoryEntry; ranged: { attribute: string; end: string } | null } {
  const attributes = new Map<string, (string | Buffer)[]>();
  let ranged: { attribute: string; end: string } | null = null;
  for (const [key, value] of Object.entries(entry)) {
    if (key === 'dn') continue;
    const [base, ...opts] = key.split(';');
    const name = base!.toLowerCase();
    const range = opts.find((o) => o.toLowerCase().startsWith('range='));
    if (range) ranged = { attribute: name, end: range.slice(range.indexOf('-') + 1) };
    const values = (Array.isArray(value) ? value : [value]) as (string | Buffer)[];
    attributes.set(name, [...(attributes.get(name) ?? []), ...values]);
  }
  return { entry: { dn: entry.dn, attributes, origin: entry.dn }, ranged };
}

async function connect(options: LdapOptions): Promise<Client> {
  const secure = options.url.toLowerCase().startsWith('ldaps://');
  if (!secure && !options.startTLS && options.bindDN && !options.allowPlaintext) {
    throw new LdapReadError(
      `Refusing to send the bind password over plain ${options.url}: use ldaps:// or --starttls (or --allow-plaintext on a trusted loopback)`,
    );
  }
  const tls = tlsOptions(options);
  const client = new Client({
    url: options.url,
    timeout: options.timeoutMs ?? 60_000,
    connectTimeout: options.timeoutMs ?? 15_000,
    ...(secure ? { tlsOptions: tls } : {}),
  });
  try {
    if (options.startTLS) await client.startTLS(tls);
    if (options.bindDN) await client.bind(options.bindDN, options.password ?? '');
  } catch (error) {
    await client.unbind().catch(() => undefined);
    const what = options.bindDN ? `bind as ${options.bindDN}` : 'connect';
    throw new LdapReadError(`LDAP ${what} at ${options.url} failed: ${describe(error)}`);
  }
  return client;
}

const isGroup = (entry: DirectoryEntry) =>
  (entry.attributes.get('objectclass') ?? []).some((c) => /^(group|groupofnames)$/i.test(String(c)));

/** Fetches the rest of a ranged attribute, `member;range=1500-*` and on. */
async function fetchRemainingRange(
  client: Client,
  dn: string,
  attribute: string,
  start: number,
  size: number | undefined,
): Promise<(string | Buffer)[]> {
  const values: (string | Buffer)[] = [];
  let next = start;
  for (;;) {
    const range = size ? `${next}-${next + size - 1}` : `${next}-*`;
    const { searchEntries } = await client.search(dn, { scope: 'base', attributes: [`${attribute};range=${range}`] });
    const entry = searchEntries[0];
    if (!entry) break;
    // Samba answers the last range with both `…;range=1500-*` and `…;range=1500-1999`.
    const keys = Object.keys(entry).filter((k) => k.toLowerCase().startsWith(`${attribute.toLowerCase()};range=`));
    const key = keys.find((k) => k.endsWith('-*')) ?? keys[0];
    if (!key) break;
    const got = entry[key]!;
    const page = (Array.isArray(got) ? got : [got]) as (string | Buffer)[];
    values.push(...page);
    const end = key.slice(key.lastIndexOf('-') + 1);
    // Samba answers an empty group with an empty `member;range=0-499`, not `0-*`.
    if (end === '*' || page.length === 0) break;
    next = Number(end) + 1;
  }
  return values;
}

/** Every entry under the base DN matching the filter, page by page, members complete. */
export async function* readLdap(options: LdapOptions): AsyncGenerator<DirectoryEntry> {
  const client = await connect(options);
  // Range retrieval runs on a second connection: a search issued on the connection of a
  // paged search in progress never returns (seen with Samba).
  let ranges: Client | undefined;
  const rangeClient = async () => (ranges ??= await connect(options));
  try {
    // With an explicit range size, members are fetched per group in ranges (Samba hangs a
    // paged subtree search that asks for a ranged attribute, so it is never asked there).
    const attributes = options.rangeSize ? ATTRIBUTES.filter((a) => a !== 'member') : ATTRIBUTES;
    const pages = client.searchPaginated(options.baseDN, {
      scope: 'sub',
      filter: options.filter ?? DEFAULT_FILTER,
      attributes,
      paged: { pageSize: options.pageSize ?? 500 },
      explicitBufferAttributes: ['objectGUID'],
    });
    for await (const page of pages) {
      for (const raw of page.searchEntries) {
        const { entry, ranged } = toDirectoryEntry(raw);
        if (options.rangeSize && isGroup(entry)) {
          entry.attributes.set('member', await fetchRemainingRange(await rangeClient(), raw.dn, 'member', 0, options.rangeSize));
        } else if (ranged && ranged.end !== '*') {
          const rest = await fetchRemainingRange(await rangeClient(), raw.dn, ranged.attribute, Number(ranged.end) + 1, options.rangeSize);
          entry.attributes.set(ranged.attribute, [...(entry.attributes.get(ranged.attribute) ?? []), ...rest]);
        }
        yield entry;
      }
    }
  } catch (error) {
    if (error instanceof LdapReadError) throw error;
    throw new LdapReadError(`LDAP search of ${options.baseDN} at ${options.url} failed: ${describe(error)}`);
  } finally {
    await client.unbind().catch(() => undefined);
    await ranges?.unbind().catch(() => undefined);
  }
}
