/**
 * Which CI class a NetBox device becomes, decided by its device role. NetBox roles are
 * free-form (every installation names its own), so the table is keyed on the role's slug
 * (or its name, lower-cased), then on words in the slug, and an operator's override
 * (`--role-map`) comes first. A role nothing matches is skipped, not guessed: a camera or
 * a KVM switch counted as a Server would be wrong on someone's impact report.
 */
import { z } from 'zod';

/** The classes a NetBox device may become (the catalogue's hardware classes). */
export const DEVICE_CLASSES = ['Server', 'NetworkDevice', 'StorageDevice', 'LoadBalancer', 'Computer'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

/** NetworkDevice's `role` attribute (graph-schema). */
export type NetworkRole = 'core' | 'distribution' | 'access' | 'edge' | 'firewall';

export type RoleMapping = { class: DeviceClass; networkRole?: NetworkRole } | { skip: true };

const net = (networkRole?: NetworkRole): RoleMapping => ({ class: 'NetworkDevice', ...(networkRole ? { networkRole } : {}) });
const SKIP: RoleMapping = { skip: true };

/** Exact role slugs (NetBox's demo data and the usual names). docs/netbox.md has this table. */
export const DEFAULT_ROLE_TABLE: Readonly<Record<string, RoleMapping>> = {
  router: net('edge'),
  'edge-router': net('edge'),
  'border-router': net('edge'),
  'core-router': net('core'),
  'core-switch': net('core'),
  'spine-switch': net('core'),
  spine: net('core'),
  'distribution-switch': net('distribution'),
  'aggregation-switch': net('distribution'),
  'access-switch': net('access'),
  'tor-switch': net('access'),
  'leaf-switch': net('access'),
  leaf: net('access'),
  switch: net(),
  firewall: net('firewall'),
  'console-server': net(),
  'wireless-ap': net('access'),
  'access-point': net('access'),
  'wireless-controller': net(),
  'load-balancer': { class: 'LoadBalancer' },
  server: { class: 'Server' },
  'application-server': { class: 'Server' },
  'database-server': { class: 'Server' },
  'web-server': { class: 'Server' },
  hypervisor: { class: 'Server' },
  'compute-node': { class: 'Server' },
  host: { class: 'Server' },
  storage: { class: 'StorageDevice' },
  'storage-array': { class: 'StorageDevice' },
  san: { class: 'StorageDevice' },
  nas: { class: 'StorageDevice' },
  workstation: { class: 'Computer' },
  desktop: { class: 'Computer' },
  laptop: { class: 'Computer' },
  // Passive or power gear: no catalogue class fits. A patch panel is traced through,
  // never a CI; a PDU would need a power class the catalogue does not have.
  pdu: SKIP,
  'patch-panel': SKIP,
  'cable-management': SKIP,
  'power-panel': SKIP,
  ups: SKIP,
};

/** Words in a slug that say what a role is, when the slug is not in the table. First match wins. */
const KEYWORDS: [RegExp, RoleMapping][] = [
  [/(^|-)(pdu|patch|panel|ups|power|cable)(-|$)/, SKIP],
  [/(^|-)(firewall|fw)(-|$)/, net('firewall')],
  [/(^|-)(load-?balancer|lb|adc)(-|$)/, { class: 'LoadBalancer' }],
  [/(^|-)(core|spine)(-|$)/, net('core')],
  [/(^|-)(distribution|aggregation|agg)(-|$)/, net('distribution')],
  [/(^|-)(access|tor|leaf)(-|$)/, net('access')],
  [/(^|-)(router|gateway|wan)(-|$)/, net('edge')],
  [/(^|-)(switch|wireless|ap|wlc)(-|$)/, net()],
  [/(^|-)(storage|san|nas|array)(-|$)/, { class: 'StorageDevice' }],
  [/(^|-)(server|host|hypervisor|compute|node|esxi)(-|$)/, { class: 'Server' }],
  [/(^|-)(workstation|desktop|laptop)(-|$)/, { class: 'Computer' }],
];

/** An override: role slug or name (or "*" for every role nothing else matches) → class or "skip". */
export const roleOverrideSchema = z.record(
  z.string().min(1),
  z.union([z.enum(DEVICE_CLASSES), z.literal('skip')]),
);
export type RoleOverrides = z.infer<typeof roleOverrideSchema>;

const slugify = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

function fromOverride(value: DeviceClass | 'skip', fallback?: RoleMapping): RoleMapping {
  if (value === 'skip') return SKIP;
  // Keep the table's network tier when the override agrees on the class.
  if (fallback && 'class' in fallback && fallback.class === value) return fallback;
  return { class: value };
}

export interface RoleResolver {
  (role: { slug?: string; name?: string }): { mapping: RoleMapping; rule: string } | null;
}

/**
 * Resolves a role: override by slug or name, table by slug or name, keywords of the slug,
 * the override's "*", else null (skipped, the caller says why).
 */
export function roleResolver(overrides: RoleOverrides = {}): RoleResolver {
  const over = new Map(Object.entries(overrides).map(([k, v]) => [k === '*' ? '*' : slugify(k), v]));
  return (role) => {
    const keys = [role.slug, role.name].filter((k): k is string => !!k).map(slugify);
    const table = keys.map((k) => DEFAULT_ROLE_TABLE[k]).find((m) => m !== undefined);
    const keyword = keys.flatMap((k) => KEYWORDS.filter(([re]) => re.test(k)).map(([, m]) => m))[0];
    for (const k of keys) {
      const v = over.get(k);
      if (v) return { mapping: fromOverride(v, table ?? keyword), rule: `override "${k}"` };
    }
    if (table) return { mapping: table, rule: 'table' };
    if (keyword) return { mapping: keyword, rule: 'keyword' };
    const any = over.get('*');
    if (any) return { mapping: fromOverride(any), rule: 'override "*"' };
    return null;
  };
}
