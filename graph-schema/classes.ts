/**
 * The CI class catalogue. Each class names the attributes that identify a CI across
 * sources (in precedence order) and a zod schema for its attributes.
 *
 * Attribute schemas are open (unknown attributes are kept) because sources carry more
 * than we model; what we do model is checked for type and range.
 */
import { z } from 'zod';

const nonEmpty = z.string().trim().min(1);
const optionalDate = z.iso.datetime({ offset: true }).optional();

/** Attributes every CI may carry. */
const common = {
  description: z.string().optional(),
  owner: z.string().optional(),
  environment: z.enum(['production', 'staging', 'test', 'development', 'dr']).optional(),
  /**
   * For a CI with HAS_MEMBER relationships: how many members must be up for it to be up
   * (DESIGN.md, impact rule 2). Default 1.
   */
  minUp: z.number().int().min(0).optional(),
  tags: z.array(z.string()).optional(),
};

const hostish = {
  hostname: nonEmpty.optional(),
  fqdn: nonEmpty.optional(),
  serialNumber: nonEmpty.optional(),
  assetTag: nonEmpty.optional(),
  ipAddress: z.string().optional(),
  os: z.string().optional(),
  osVersion: z.string().optional(),
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  cpuCores: z.number().int().min(0).optional(),
  memoryGb: z.number().min(0).optional(),
};

const directory = {
  objectGUID: z.string().optional(),
  sAMAccountName: z.string().optional(),
  distinguishedName: z.string().optional(),
  whenChanged: optionalDate,
  whenCreated: optionalDate,
};

export interface CIClassDef {
  name: string;
  description: string;
  /**
   * Identifying attributes in precedence order: the first one present decides. Values
   * are unique across all CIs (case-insensitive); `name` is never an identifier, since
   * two CIs may share a name.
   */
  identifiers: readonly string[];
  attributes: z.ZodObject;
  /** True for classes whose failure a user notices (services, applications). */
  userFacing: boolean;
}

function defineClass(
  name: string,
  description: string,
  identifiers: readonly string[],
  shape: z.ZodRawShape,
  userFacing = false,
): CIClassDef {
  return {
    name,
    description,
    identifiers,
    attributes: z.looseObject({ ...common, ...shape }),
    userFacing,
  };
}

export const CI_CLASSES: readonly CIClassDef[] = [
  defineClass(
    'BusinessService',
    'A service the business consumes and would notice losing (online shop, payroll).',
    ['serviceId'],
    { serviceId: nonEmpty.optional(), sla: z.string().optional() },
    true,
  ),
  defineClass(
    'ApplicationService',
    'A technical service built from applications, consumed by business services.',
    ['serviceId'],
    { serviceId: nonEmpty.optional(), endpoint: z.string().optional() },
    true,
  ),
  defineClass(
    'Application',
    'A deployed piece of software (a web app, an API, a batch job).',
    ['appId'],
    { appId: nonEmpty.optional(), version: z.string().optional(), language: z.string().optional() },
    true,
  ),
  defineClass(
    'Database',
    'A database instance or schema that applications depend on.',
    ['instanceId'],
    {
      instanceId: nonEmpty.optional(),
      engine: z.string().optional(),
      version: z.string().optional(),
      port: z.number().int().min(1).max(65535).optional(),
    },
  ),
  defineClass('Server', 'A physical server.', ['serialNumber', 'fqdn', 'hostname', 'assetTag'], hostish),
  defineClass(
    'VirtualMachine',
    'A virtual machine on a hypervisor or cluster.',
    ['vmId', 'fqdn', 'hostname'],
    { ...hostish, vmId: nonEmpty.optional() },
  ),
  defineClass(
    'Container',
    'A container or pod.',
    ['containerId'],
    { containerId: nonEmpty.optional(), image: z.string().optional(), namespace: z.string().optional() },
  ),
  defineClass(
    'Cluster',
    'A group of redundant members (hypervisor cluster, database cluster, web farm); see minUp.',
    ['clusterId'],
    { clusterId: nonEmpty.optional(), technology: z.string().optional() },
  ),
  defineClass(
    'LoadBalancer',
    'A load balancer or virtual IP in front of a farm of members; see minUp.',
    ['serialNumber', 'fqdn'],
    { ...hostish, vip: z.string().optional() },
  ),
  defineClass(
    'NetworkDevice',
    'A switch, router or firewall.',
    ['serialNumber', 'fqdn', 'hostname', 'assetTag'],
    { ...hostish, role: z.enum(['core', 'distribution', 'access', 'edge', 'firewall']).optional() },
  ),
  defineClass(
    'StorageDevice',
    'A storage array, NAS or SAN.',
    ['serialNumber', 'fqdn'],
    { ...hostish, capacityTb: z.number().min(0).optional() },
  ),
  defineClass(
    'Location',
    'A site, building, room or rack.',
    ['locationId'],
    {
      locationId: nonEmpty.optional(),
      kind: z.enum(['region', 'site', 'building', 'room', 'rack']).optional(),
      address: z.string().optional(),
    },
  ),
  defineClass(
    'Computer',
    'A workstation or a directory computer account.',
    ['objectGUID', 'serialNumber', 'fqdn', 'hostname', 'sAMAccountName', 'distinguishedName', 'assetTag'],
    { ...hostish, ...directory, dNSHostName: z.string().optional(), enabled: z.boolean().optional() },
  ),
  defineClass(
    'User',
    'A person or service account, usually from the directory.',
    ['objectGUID', 'sAMAccountName', 'email', 'distinguishedName', 'employeeId'],
    {
      ...directory,
      email: z.string().optional(),
      employeeId: z.string().optional(),
      displayName: z.string().optional(),
      title: z.string().optional(),
      department: z.string().optional(),
      enabled: z.boolean().optional(),
      lastLogon: optionalDate,
    },
  ),
  defineClass(
    'Group',
    'A directory group or team.',
    ['objectGUID', 'sAMAccountName', 'distinguishedName'],
    { ...directory, groupType: z.string().optional(), email: z.string().optional() },
  ),
  defineClass(
    'OrganizationalUnit',
    'A directory organizational unit or the domain itself.',
    ['objectGUID', 'distinguishedName'],
    { ...directory },
  ),
];

const byName = new Map(CI_CLASSES.map((c) => [c.name, c]));

export function findClass(name: string): CIClassDef | undefined {
  return byName.get(name);
}

export const CI_CLASS_NAMES: readonly string[] = CI_CLASSES.map((c) => c.name);

/** Classes whose failure is noticed by users; root cause evaluates against these. */
export const USER_FACING_CLASSES: readonly string[] = CI_CLASSES.filter((c) => c.userFacing).map(
  (c) => c.name,
);

/** All identifying attribute names across the catalogue (indexed for lookups). */
export const IDENTIFIER_ATTRIBUTES: readonly string[] = [
  ...new Set(CI_CLASSES.flatMap((c) => c.identifiers)),
];
