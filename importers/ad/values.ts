/** Decoding directory values: DNs, GUIDs, Windows FILETIME, GeneralizedTime, account flags. */

/** Splits on a separator that is not escaped with a backslash nor inside quotes. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      current += c;
    } else if (c === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

/** The RDNs of a DN, blanks around separators gone (case is kept; identifiers fold it). */
export function dnParts(dn: string): string[] {
  if (!dn.trim()) return [];
  return splitUnescaped(dn, ',').map((rdn) =>
    splitUnescaped(rdn, '+')
      .map((ava) => {
        const eq = ava.indexOf('=');
        if (eq < 0) return ava.trim();
        return `${ava.slice(0, eq).trim()}=${ava.slice(eq + 1).trim()}`;
      })
      .join('+'),
  );
}

/** A DN written one way, so `CN=a, OU=b` and `cn=a,ou=b` compare equal (case is folded by identifiers). */
export function normalizeDN(dn: string): string {
  return dnParts(dn).join(',');
}

export function parentDN(dn: string): string | null {
  const parts = dnParts(dn);
  return parts.length > 1 ? parts.slice(1).join(',') : null;
}

/** The value of the first RDN (`cn=Fry,ou=x` → `Fry`), unescaped. */
export function rdnValue(dn: string): string {
  const first = dnParts(dn)[0] ?? '';
  const ava = first.split('+')[0] ?? '';
  return ava.slice(ava.indexOf('=') + 1).replace(/\\(.)/g, '$1');
}

/** `dc=corp,dc=example,dc=test` → `corp.example.test` (the DC parts of a DN). */
export function dnsDomainOf(dn: string): string {
  return dnParts(dn)
    .filter((p) => p.toLowerCase().startsWith('dc='))
    .map((p) => p.slice(3))
    .join('.')
    .toLowerCase();
}

const UUID = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/**
 * objectGUID's 16 bytes to the canonical string Windows shows: the first three fields
 * are little-endian, the last two big-endian. A value that is already a GUID string
 * (an entryUUID, a text export) is normalised as it is.
 */
export function decodeGuid(value: string | Buffer): string | null {
  if (typeof value === 'string') {
    const m = UUID.exec(value.trim());
    return m ? m.slice(1).join('-').toLowerCase() : null;
  }
  if (value.length !== 16) return null;
  const hex = (start: number, end: number, reverse: boolean) => {
    const bytes = [...value.subarray(start, end)];
    if (reverse) bytes.reverse();
    return bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** Encodes a GUID string as objectGUID bytes (for tests and generated LDIF). */
export function encodeGuid(guid: string): Buffer {
  const h = guid.replace(/-/g, '');
  const le = (s: string) => Buffer.from(s, 'hex').reverse();
  return Buffer.concat([le(h.slice(0, 8)), le(h.slice(8, 12)), le(h.slice(12, 16)), Buffer.from(h.slice(16), 'hex')]);
}

const FILETIME_EPOCH_OFFSET = 116444736000000000n; // 100 ns ticks from 1601 to 1970
const NEVER = 9223372036854775807n;

/** Windows FILETIME (100 ns since 1601, as text) to ISO; 0 and "never" are null. */
export function decodeFiletime(value: string): string | null {
  if (!/^\d+$/.test(value.trim())) return null;
  const ticks = BigInt(value.trim());
  if (ticks === 0n || ticks >= NEVER) return null;
  const ms = Number((ticks - FILETIME_EPOCH_OFFSET) / 10000n);
  return new Date(ms).toISOString();
}

export function encodeFiletime(date: Date): string {
  return (BigInt(date.getTime()) * 10000n + FILETIME_EPOCH_OFFSET).toString();
}

/** LDAP GeneralizedTime (`20240131120000.0Z`, `20240131120000Z`, with offsets) to ISO. */
export function decodeGeneralizedTime(value: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2,4})?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi = '00', s = '00', frac, zone = 'Z'] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3, 5) || '00'}`;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${String(ms).padStart(3, '0')}${offset}`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

const ACCOUNTDISABLE = 0x2;

/** userAccountControl → enabled; null when absent or unreadable. */
export function accountEnabled(value: string | undefined): boolean | null {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return null;
  return (Number(value) & ACCOUNTDISABLE) === 0;
}

const GROUP_SCOPES: [number, string][] = [
  [0x1, 'builtin'],
  [0x2, 'global'],
  [0x4, 'domain-local'],
  [0x8, 'universal'],
];

/** groupType flags → `security-global`, `distribution-universal`, ... */
export function decodeGroupType(value: string | undefined): string | undefined {
  if (value === undefined || !/^-?\d+$/.test(value.trim())) return undefined;
  const n = Number(value) >>> 0;
  const scope = GROUP_SCOPES.filter(([bit]) => n & bit).map(([, name]) => name);
  const kind = n & 0x80000000 ? 'security' : 'distribution';
  return [kind, ...scope].join('-');
}
