/**
 * Relationship types. A propagating relationship points from the dependent to the
 * provider; a failure travels against the arrow (DESIGN.md, "One direction convention").
 * Informational types never carry impact.
 *
 * Allowed endpoints are deliberately generous inside the infrastructure world (real
 * estates are messy: an application may run on a VM, a container, a cluster or bare
 * metal) and strict where a wrong edge would mean nonsense (a user does not RUN_ON a rack).
 */
import { CI_CLASS_NAMES } from './classes.js';

export interface RelationshipTypeDef {
  name: string;
  description: string;
  propagatesImpact: boolean;
  /** Classes allowed at the source (the dependent, for propagating types). */
  from: readonly string[];
  /** Classes allowed at the target (the provider, for propagating types). */
  to: readonly string[];
}

const SERVICES = ['BusinessService', 'ApplicationService'];
const SOFTWARE = ['Application', 'Database', 'Container'];
const COMPUTE = ['Server', 'VirtualMachine', 'Container', 'Cluster', 'Computer'];
const DEVICES = ['Server', 'LoadBalancer', 'NetworkDevice', 'StorageDevice', 'Computer', 'Cluster'];
const DIRECTORY = ['User', 'Group', 'OrganizationalUnit'];
/** Everything that can fail and be depended on. */
const TECHNICAL = CI_CLASS_NAMES.filter((c) => !DIRECTORY.includes(c));
const ANY = CI_CLASS_NAMES;

export const RELATIONSHIP_TYPES: readonly RelationshipTypeDef[] = [
  {
    name: 'DEPENDS_ON',
    description: 'The source needs the target to work (service on service, app on database).',
    propagatesImpact: true,
    from: TECHNICAL,
    to: TECHNICAL,
  },
  {
    name: 'RUNS_ON',
    description: 'Software runs on compute (application on VM, database on server, pod on node).',
    propagatesImpact: true,
    from: [...SERVICES, ...SOFTWARE, 'VirtualMachine', 'LoadBalancer'],
    to: [...COMPUTE, 'LoadBalancer', 'Application'],
  },
  {
    name: 'HOSTED_ON',
    description: 'A VM or container is hosted on a hypervisor, cluster or host.',
    propagatesImpact: true,
    from: ['VirtualMachine', 'Container', 'Database', 'Application', 'StorageDevice'],
    to: [...COMPUTE, 'StorageDevice'],
  },
  {
    name: 'HAS_MEMBER',
    description:
      'Redundancy: the source (cluster, farm, pool) is made of its members; it survives while at least minUp members are up.',
    propagatesImpact: true,
    from: TECHNICAL,
    to: TECHNICAL,
  },
  {
    name: 'LOCATED_IN',
    description: 'Physical placement: a device in a rack, a rack in a room, a room in a site.',
    propagatesImpact: true,
    from: [...DEVICES, 'Location'],
    to: ['Location'],
  },
  {
    name: 'CONNECTED_TO',
    description: 'Network uplink: the source reaches the network through the target.',
    propagatesImpact: true,
    from: [...DEVICES, 'VirtualMachine', 'Location'],
    to: ['NetworkDevice', 'LoadBalancer', 'Server', 'Cluster'],
  },
  {
    name: 'MEMBER_OF',
    description: 'Directory membership: a user, computer or group is a member of a group.',
    propagatesImpact: false,
    from: ['User', 'Group', 'Computer', 'Server', 'VirtualMachine'],
    to: ['Group'],
  },
  {
    name: 'CONTAINED_IN',
    description: 'Directory containment: an object sits in an organizational unit or domain.',
    propagatesImpact: false,
    from: ['User', 'Group', 'Computer', 'OrganizationalUnit', 'Server', 'VirtualMachine'],
    to: ['OrganizationalUnit'],
  },
  {
    name: 'OWNED_BY',
    description: 'Accountability: the CI is owned by a user or group.',
    propagatesImpact: false,
    from: ANY,
    to: ['User', 'Group'],
  },
  {
    name: 'MANAGED_BY',
    description: 'Line management or administration: the source is managed by a user or group.',
    propagatesImpact: false,
    from: ANY,
    to: ['User', 'Group'],
  },
  {
    name: 'ASSIGNED_TO',
    description: 'Assignment: a device or service is assigned to a user or group.',
    propagatesImpact: false,
    from: ANY,
    to: ['User', 'Group', 'OrganizationalUnit'],
  },
];

const byName = new Map(RELATIONSHIP_TYPES.map((t) => [t.name, t]));

export function findRelationshipType(name: string): RelationshipTypeDef | undefined {
  return byName.get(name);
}

export const PROPAGATING_TYPES: readonly string[] = RELATIONSHIP_TYPES.filter(
  (t) => t.propagatesImpact,
).map((t) => t.name);

/** The redundancy type of impact rule 2. */
export const REDUNDANCY_TYPE = 'HAS_MEMBER';

/** Checks a relationship's endpoints; returns a reason when they are not allowed. */
export function checkEndpoints(type: RelationshipTypeDef, fromClass: string, toClass: string): string | null {
  if (!type.from.includes(fromClass)) {
    return `${type.name} cannot start at a ${fromClass} (allowed: ${type.from.join(', ')})`;
  }
  if (!type.to.includes(toClass)) {
    return `${type.name} cannot end at a ${toClass} (allowed: ${type.to.join(', ')})`;
  }
  return null;
}
