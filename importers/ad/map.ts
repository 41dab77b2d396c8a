/**
 * Maps a directory entry (from LDIF or live LDAP) to a sync record. Active Directory and
 * OpenLDAP both map: AD's objectGUID/sAMAccountName/userAccountControl, and OpenLDAP's
 * entryUUID/uid/inetOrgPerson/groupOfNames (docs/importers.md has the table).
 * Secrets (userPassword, unicodePwd) and photos are never mapped.
 */
import type { RecordReference, SourceItem } from '../sync/index.js';
import {
  accountEnabled,
  decodeFiletime,
  decodeGeneralizedTime,
  decodeGroupType,
  decodeGuid,
  dnsDomainOf,
  normalizeDN,
  parentDN,
  rdnValue,
} from './values.js';

export interface DirectoryEntry {
  dn: string;
  /** Lower-case attribute names (options stripped) → values. */
  attributes: Map<string, (string | Buffer)[]>;
  /** For messages: "file.ldif:120" or the DN. */
  origin: string;
}

const text = (v: string | Buffer) => (typeof v === 'string' ? v : v.toString('utf8'));

function all(entry: DirectoryEntry, name: string): string[] {
  return (entry.attributes.get(name) ?? []).map(text).map((s) => s.trim()).filter(Boolean);
}

function one(entry: DirectoryEntry, ...names: string[]): string | undefined {
  for (const name of names) {
    const v = all(entry, name)[0];
    if (v !== undefined) return v;
  }
  return undefined;
}

type Kind = 'User' | 'Group' | 'Computer' | 'OrganizationalUnit' | 'Domain';

export function classify(objectClasses: string[]): Kind | null {
  const oc = new Set(objectClasses.map((c) => c.toLowerCase()));
  if (oc.has('computer')) return 'Computer';
  if (oc.has('contact')) return null;
  if (oc.has('group') || oc.has('groupofnames') || oc.has('groupofuniquenames') || oc.has('posixgroup')) return 'Group';
  if (oc.has('user') || oc.has('inetorgperson') || oc.has('posixaccount') || oc.has('person')) return 'User';
  if (oc.has('organizationalunit')) return 'OrganizationalUnit';
  if (oc.has('domain') || oc.has('domaindns')) return 'Domain';
  return null;
}

function guidOf(entry: DirectoryEntry): string | undefined {
  const raw = entry.attributes.get('objectguid')?.[0] ?? entry.attributes.get('entryuuid')?.[0];
  return raw === undefined ? undefined : (decodeGuid(raw) ?? undefined);
}

const byDN = (dn: string) => ({ identifier: { attribute: 'distinguishedName', value: normalizeDN(dn) } });

export function mapEntry(entry: DirectoryEntry): SourceItem {
  const kind = classify(all(entry, 'objectclass'));
  if (!kind) {
    return { kind: 'skipped', origin: entry.origin, reason: `objectClass ${all(entry, 'objectclass').join('/')} is not imported` };
  }
  const dn = normalizeDN(entry.dn);
  if (!dn) return { kind: 'rejected', origin: entry.origin, reason: 'entry has an empty DN' };
  const guid = guidOf(entry);
  if ((entry.attributes.has('objectguid') || entry.attributes.has('entryuuid')) && !guid) {
    return {
      kind: 'rejected',
      origin: entry.origin,
      reason: `${dn}: objectGUID/entryUUID is not a GUID`,
      identifiers: { distinguishedName: dn },
    };
  }
  const attributes: Record<string, unknown> = {
    objectGUID: guid,
    distinguishedName: dn,
    description: one(entry, 'description'),
    whenChanged: dateOf(entry, 'whenchanged', 'modifytimestamp'),
    whenCreated: dateOf(entry, 'whencreated', 'createtimestamp'),
  };
  const references: RecordReference[] = [];
  const parent = parentDN(dn);
  if (parent && kind !== 'Domain') references.push({ type: 'CONTAINED_IN', target: byDN(parent) });
  for (const group of all(entry, 'memberof')) references.push({ type: 'MEMBER_OF', target: byDN(group) });
  for (const manager of [...all(entry, 'manager'), ...all(entry, 'managedby')]) {
    references.push({ type: 'MANAGED_BY', target: byDN(manager) });
  }

  let cls: string = kind;
  let name: string;
  let matchClasses: string[] | undefined;
  if (kind === 'User') {
    const enabled = accountEnabled(one(entry, 'useraccountcontrol'));
    Object.assign(attributes, {
      sAMAccountName: one(entry, 'samaccountname', 'uid'),
      userPrincipalName: one(entry, 'userprincipalname'),
      email: one(entry, 'mail'),
      displayName: one(entry, 'displayname'),
      givenName: one(entry, 'givenname'),
      surname: one(entry, 'sn'),
      title: one(entry, 'title') ?? (all(entry, 'employeetype').join(', ') || undefined),
      department: one(entry, 'department', 'ou'),
      employeeId: one(entry, 'employeeid', 'employeenumber'),
      enabled: enabled ?? undefined,
      lastLogon: filetimeOf(entry, 'lastlogontimestamp'),
    });
    name = one(entry, 'displayname', 'cn', 'samaccountname', 'uid') ?? rdnValue(dn);
  } else if (kind === 'Group') {
    Object.assign(attributes, {
      sAMAccountName: one(entry, 'samaccountname'),
      email: one(entry, 'mail'),
      groupType: decodeGroupType(one(entry, 'grouptype')) ?? (entry.attributes.has('gidnumber') ? 'posix' : undefined),
    });
    for (const member of [...all(entry, 'member'), ...all(entry, 'uniquemember')]) {
      references.push({ type: 'MEMBER_OF', target: byDN(member), direction: 'in' });
    }
    for (const uid of all(entry, 'memberuid')) {
      references.push({ type: 'MEMBER_OF', target: { identifier: { attribute: 'sAMAccountName', value: uid } }, direction: 'in' });
    }
    name = one(entry, 'cn', 'samaccountname') ?? rdnValue(dn);
  } else if (kind === 'Computer') {
    const fqdn = one(entry, 'dnshostname')?.toLowerCase();
    const cn = one(entry, 'cn') ?? rdnValue(dn);
    Object.assign(attributes, {
      sAMAccountName: one(entry, 'samaccountname'),
      dNSHostName: one(entry, 'dnshostname'),
      fqdn,
      hostname: (fqdn?.split('.')[0] ?? cn).toLowerCase(),
      os: one(entry, 'operatingsystem'),
      osVersion: one(entry, 'operatingsystemversion'),
      enabled: accountEnabled(one(entry, 'useraccountcontrol')) ?? undefined,
      lastLogon: filetimeOf(entry, 'lastlogontimestamp'),
    });
    name = cn;
    // A computer account is the inventory's server or VM with the same name.
    matchClasses = ['Server', 'VirtualMachine'];
  } else {
    cls = 'OrganizationalUnit';
    attributes.kind = kind === 'Domain' ? 'domain' : 'organizationalUnit';
    name = kind === 'Domain' ? dnsDomainOf(dn) || rdnValue(dn) : (one(entry, 'ou') ?? rdnValue(dn));
  }
  return {
    kind: 'record',
    record: {
      class: cls,
      key: guid ?? `dn:${dn.toLowerCase()}`,
      name,
      attributes,
      references,
      ...(matchClasses ? { matchClasses } : {}),
      origin: entry.origin,
    },
  };
}

function dateOf(entry: DirectoryEntry, ...names: string[]): string | undefined {
  const v = one(entry, ...names);
  return v === undefined ? undefined : (decodeGeneralizedTime(v) ?? undefined);
}

function filetimeOf(entry: DirectoryEntry, name: string): string | undefined {
  const v = one(entry, name);
  return v === undefined ? undefined : (decodeFiletime(v) ?? undefined);
}
