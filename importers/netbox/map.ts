/**
 * Maps NetBox objects (dumpdata `{model, pk, fields}`) to sync records. Foreign keys are
 * integer pks, and a dump orders models by app, so most point forward (a device to its
 * IP address, a VM to its cluster): the mapper first keeps, per model, only the fields it
 * uses (`add`), then resolves and yields the records (`items`). docs/netbox.md has the
 * model → class and relationship tables and the choices made here.
 */
import { findRelationshipType } from '../../graph-schema/index.js';
import type { RecordReference, SourceItem, SourceRecord } from '../sync/index.js';
import type { DumpObject } from './dump.js';
import { roleResolver, type NetworkRole, type RoleOverrides } from './roles.js';

export interface NetboxMapOptions {
  /** Role slug or name → class or "skip"; "*" for roles nothing else matches. */
  roles?: RoleOverrides;
}

export interface NetboxStats {
  /** Objects read from the dump. */
  objects: number;
  /** Model → objects that became records. */
  mapped: Record<string, number>;
  /** Model → objects read only for attributes and relationships (roles, interfaces, cables, ...). */
  used: Record<string, number>;
  /** Model → objects not imported (including devices whose role maps to nothing). */
  skipped: Record<string, number>;
  /** Model → Django bookkeeping never looked at (auth, sessions, admin log, content types, user config). */
  ignored: Record<string, number>;
  /** Objects rejected by the mapper (a foreign key pointing at nothing, nothing to identify a device). */
  rejected: number;
  cables: {
    /** Device pairs linked by CONNECTED_TO (once per pair). */
    linked: number;
    /** Cables (or traced paths) between two devices of the same tier: no dependency either way. */
    peer: number;
    /** Cables not ending at a device interface on both sides (circuits, power, console). */
    notBetweenDevices: number;
    /** Cables whose status is not `connected` (planned, decommissioning). */
    notConnected: number;
    /** Pairs where an end is not imported (a skipped role, a rejected device) or the catalogue forbids the edge. */
    unmapped: number;
  };
}

export const newStats = (): NetboxStats => ({
  objects: 0,
  mapped: {},
  used: {},
  skipped: {},
  ignored: {},
  rejected: 0,
  cables: { linked: 0, peer: 0, notBetweenDevices: 0, notConnected: 0, unmapped: 0 },
});

type Fields = Record<string, unknown>;
type Pk = number | string;

/** Django bookkeeping: never mapped, never reported as skipped (and holds password hashes). */
const IGNORED_APPS = new Set(['auth', 'sessions', 'admin', 'contenttypes', 'users', 'django_rq', 'social_django']);

/** The fields kept per model; everything else in a dump is dropped while reading. */
const KEEP: Record<string, readonly string[]> = {
  'dcim.region': ['name', 'slug', 'parent', 'description'],
  'dcim.site': ['name', 'slug', 'region', 'tenant', 'status', 'facility', 'physical_address', 'time_zone', 'description'],
  'dcim.location': ['name', 'slug', 'site', 'parent', 'tenant', 'status', 'description'],
  'dcim.rack': ['name', 'site', 'location', 'tenant', 'status', 'role', 'type', 'u_height', 'facility_id', 'description'],
  'dcim.device': [
    'name', 'role', 'device_role', 'device_type', 'tenant', 'platform', 'serial', 'asset_tag', 'site', 'location', 'rack',
    'status', 'primary_ip4', 'primary_ip6', 'cluster', 'virtual_chassis', 'vc_position', 'description',
  ],
  'virtualization.cluster': ['name', 'type', 'group', 'tenant', 'site', 'status', 'description', 'custom_field_data'],
  'virtualization.virtualmachine': [
    'name', 'cluster', 'device', 'site', 'tenant', 'platform', 'role', 'status', 'primary_ip4', 'primary_ip6',
    'vcpus', 'memory', 'disk', 'description',
  ],
  'dcim.devicerole': ['name', 'slug'],
  'dcim.rackrole': ['name'],
  'dcim.platform': ['name'],
  'dcim.devicetype': ['model', 'manufacturer'],
  'dcim.manufacturer': ['name'],
  'dcim.virtualchassis': ['name'],
  'tenancy.tenant': ['name'],
  'virtualization.clustertype': ['name'],
  'virtualization.clustergroup': ['name'],
  'ipam.ipaddress': ['address'],
  'dcim.interface': ['device'],
  'dcim.frontport': ['device', 'rear_port', 'rear_port_position'],
  'dcim.rearport': ['device', 'positions'],
  'dcim.cable': ['status'],
  'dcim.cabletermination': ['cable', 'cable_end', 'termination_type', 'termination_id'],
};

const MAPPED = new Set([
  'dcim.region',
  'dcim.site',
  'dcim.location',
  'dcim.rack',
  'dcim.device',
  'virtualization.cluster',
  'virtualization.virtualmachine',
]);

export const recordKey = (model: string, pk: Pk) => `${model}:${pk}`;
/** The Location/Cluster identifier: the NetBox object, stable across renames. */
export const netboxId = (model: string, pk: Pk) => `netbox:${model}:${pk}`;

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const isPk = (v: unknown): v is Pk => typeof v === 'number' || (typeof v === 'string' && v !== '');

/** Network reach order for CONNECTED_TO: a lower tier reaches the network through a higher one. */
const TIER: Record<string, number> = { Server: 0, StorageDevice: 0, Computer: 0, LoadBalancer: 1, NetworkDevice: 3 };
const NETWORK_TIER: Record<NetworkRole, number> = { access: 2, distribution: 3, core: 4, firewall: 5, edge: 6 };

interface DeviceOut {
  record: SourceRecord;
  tier: number;
}

type Termination = { type: string; id: Pk; cable: Pk; end: string; pk: Pk };

export class NetboxMapper {
  readonly stats = newStats();
  private readonly tables = new Map<string, Map<Pk, Fields>>();
  private readonly resolveRole;

  constructor(options: NetboxMapOptions = {}) {
    this.resolveRole = roleResolver(options.roles);
  }

  private table(model: string): Map<Pk, Fields> {
    let t = this.tables.get(model);
    if (!t) this.tables.set(model, (t = new Map()));
    return t;
  }

  /** Keeps what the mapping needs of one object; returns a `skipped` item for what it does not map. */
  add(o: DumpObject): SourceItem | null {
    this.stats.objects++;
    const app = o.model.split('.')[0]!;
    if (IGNORED_APPS.has(app)) {
      bump(this.stats.ignored, o.model);
      return null;
    }
    const keep = KEEP[o.model];
    if (!keep) {
      bump(this.stats.skipped, o.model);
      return { kind: 'skipped', origin: recordKey(o.model, o.pk ?? '?'), reason: `model ${o.model} is not imported` };
    }
    if (!isPk(o.pk)) {
      this.stats.rejected++;
      return { kind: 'rejected', origin: o.model, reason: `${o.model} object without a pk` };
    }
    const kept: Fields = {};
    for (const f of keep) if (o.fields[f] !== undefined && o.fields[f] !== null) kept[f] = o.fields[f];
    this.table(o.model).set(o.pk, kept);
    if (!MAPPED.has(o.model)) bump(this.stats.used, o.model);
    return null;
  }

  /** The records (and rejections, skipped devices), once every object has been added. */
  *items(): Generator<SourceItem> {
    yield* this.locations('dcim.region');
    yield* this.locations('dcim.site');
    yield* this.locations('dcim.location');
    yield* this.locations('dcim.rack');
    yield* this.clusters();
    const devices = new Map<Pk, DeviceOut>();
    const pending: SourceItem[] = [];
    for (const [pk, f] of this.table('dcim.device')) {
      const item = this.device(pk, f);
      if (item.kind === 'record') devices.set(pk, { record: item.record, tier: this.tierOf(item.record) });
      else pending.push(item);
    }
    // Interfaces and cable terminations are checked once, whether a cable uses them or not.
    yield* this.checkPorts();
    this.cables(devices);
    for (const d of devices.values()) {
      bump(this.stats.mapped, 'dcim.device');
      yield { kind: 'record', record: d.record };
    }
    yield* pending;
    yield* this.virtualMachines(devices);
  }

  // ------------------------------------------------------------------ foreign keys

  private readonly problems: string[] = [];

  /** The target of a foreign key, or undefined; a dangling key is noted as a problem. */
  private fk(field: string, value: unknown, target: string): Fields | undefined {
    if (value === undefined || value === null) return undefined;
    const row = isPk(value) ? this.tables.get(target)?.get(value) : undefined;
    if (!row) this.problems.push(`${field} ${JSON.stringify(value)} points to no ${target}`);
    return row;
  }

  private nameOf(field: string, value: unknown, target: string, attr = 'name'): string | undefined {
    return str(this.fk(field, value, target)?.[attr]);
  }

  /** Starts a record's foreign-key checks. */
  private begin(): void {
    this.problems.length = 0;
  }

  /**
   * A rejection for the object when a foreign key dangled. `identifiers` (what identifies
   * its CI, read before the bad field) let the engine keep that CI as it is instead of
   * withdrawing it: NetBox still holds the object.
   */
  private rejected(model: string, pk: Pk, name: unknown, identifiers?: Fields | 'cabling'): SourceItem | null {
    if (!this.problems.length) return null;
    this.stats.rejected++;
    return {
      kind: 'rejected',
      origin: `${recordKey(model, pk)}${str(name) ? ` (${str(name)})` : ''}`,
      reason: `${model} ${pk}: ${[...new Set(this.problems)].join('; ')}`,
      // A cabling object (a port, a termination) becomes a relationship, never a CI.
      ...(identifiers === 'cabling' ? { noCI: true as const } : identifiers ? { identifiers } : {}),
    };
  }

  private record(model: string, pk: Pk, record: Omit<SourceRecord, 'key' | 'origin'>): SourceItem {
    return { kind: 'record', record: { ...record, key: recordKey(model, pk), origin: `${recordKey(model, pk)} (${record.name})` } };
  }

  // ------------------------------------------------------------------ locations

  private *locations(model: string): Generator<SourceItem> {
    for (const [pk, f] of this.table(model)) {
      this.begin();
      const references: RecordReference[] = [];
      const attributes: Fields = {
        locationId: netboxId(model, pk),
        description: str(f.description),
        netboxModel: model,
        slug: str(f.slug),
        netboxStatus: str(f.status),
        tenant: this.nameOf('tenant', f.tenant, 'tenancy.tenant'),
      };
      const within = (field: string, target: string) => {
        if (f[field] !== undefined && this.fk(field, f[field], target)) {
          references.push({ type: 'LOCATED_IN', target: { key: recordKey(target, f[field] as Pk) } });
          return true;
        }
        return false;
      };
      if (model === 'dcim.region') {
        attributes.kind = 'region';
        within('parent', 'dcim.region');
      } else if (model === 'dcim.site') {
        Object.assign(attributes, { kind: 'site', address: str(f.physical_address), facility: str(f.facility), timeZone: str(f.time_zone) });
        within('region', 'dcim.region');
      } else if (model === 'dcim.location') {
        // A NetBox location is any nesting (building, floor, room, row, cage): no `kind` guessed.
        if (!within('parent', 'dcim.location')) within('site', 'dcim.site');
        this.fk('site', f.site, 'dcim.site');
      } else {
        Object.assign(attributes, {
          kind: 'rack',
          rackType: str(f.type),
          uHeight: typeof f.u_height === 'number' ? f.u_height : undefined,
          facilityId: str(f.facility_id),
          rackRole: this.nameOf('role', f.role, 'dcim.rackrole'),
        });
        if (!within('location', 'dcim.location')) within('site', 'dcim.site');
        this.fk('site', f.site, 'dcim.site');
      }
      const bad = this.rejected(model, pk, f.name, { locationId: attributes.locationId });
      if (bad) {
        yield bad;
        continue;
      }
      bump(this.stats.mapped, model);
      yield this.record(model, pk, { class: 'Location', name: str(f.name) ?? '', attributes, references });
    }
  }

  /** The innermost place of a device or cluster: rack, else location, else site. */
  private placement(f: Fields): RecordReference | null {
    for (const [field, target] of [
      ['rack', 'dcim.rack'],
      ['location', 'dcim.location'],
      ['site', 'dcim.site'],
    ] as const) {
      if (f[field] !== undefined && this.fk(field, f[field], target)) {
        return { type: 'LOCATED_IN', target: { key: recordKey(target, f[field] as Pk) } };
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ clusters

  private *clusters(): Generator<SourceItem> {
    const model = 'virtualization.cluster';
    for (const [pk, f] of this.table(model)) {
      this.begin();
      const custom = (f.custom_field_data ?? {}) as Fields;
      const minUp = custom.min_up ?? custom.minUp;
      const attributes: Fields = {
        clusterId: netboxId(model, pk),
        technology: this.nameOf('type', f.type, 'virtualization.clustertype'),
        clusterGroup: this.nameOf('group', f.group, 'virtualization.clustergroup'),
        tenant: this.nameOf('tenant', f.tenant, 'tenancy.tenant'),
        site: this.nameOf('site', f.site, 'dcim.site'),
        netboxStatus: str(f.status),
        description: str(f.description),
        // NetBox has no such field; a custom field `min_up` on clusters is honoured.
        minUp: minUp === undefined || minUp === null || minUp === '' ? undefined : Number(minUp),
      };
      const place = this.placement({ site: f.site });
      const bad = this.rejected(model, pk, f.name, { clusterId: attributes.clusterId });
      if (bad) {
        yield bad;
        continue;
      }
      bump(this.stats.mapped, model);
      yield this.record(model, pk, { class: 'Cluster', name: str(f.name) ?? '', attributes, references: place ? [place] : [] });
    }
  }

  // ------------------------------------------------------------------ devices

  private tierOf(record: SourceRecord): number {
    const role = record.attributes.role as NetworkRole | undefined;
    if (record.class === 'NetworkDevice' && role) return NETWORK_TIER[role];
    return TIER[record.class] ?? 0;
  }

  private primaryIp(f: Fields): string | undefined {
    const row = this.fk('primary_ip4', f.primary_ip4, 'ipam.ipaddress') ?? this.fk('primary_ip6', f.primary_ip6, 'ipam.ipaddress');
    return str(row?.address)?.replace(/\/\d+$/, '');
  }

  private device(pk: Pk, f: Fields): SourceItem {
    const model = 'dcim.device';
    this.begin();
    const roleRow = this.fk('role', f.role ?? f.device_role, 'dcim.devicerole');
    const type = this.fk('device_type', f.device_type, 'dcim.devicetype');
    const manufacturer = type ? this.nameOf('device_type.manufacturer', type.manufacturer, 'dcim.manufacturer') : undefined;
    const chassis = this.nameOf('virtual_chassis', f.virtual_chassis, 'dcim.virtualchassis');
    const attributes: Fields = {
      serialNumber: str(f.serial),
      assetTag: str(f.asset_tag),
      ipAddress: this.primaryIp(f),
      manufacturer,
      model: str(type?.model),
      platform: this.nameOf('platform', f.platform, 'dcim.platform'),
      tenant: this.nameOf('tenant', f.tenant, 'tenancy.tenant'),
      site: this.nameOf('site', f.site, 'dcim.site'),
      rack: this.nameOf('rack', f.rack, 'dcim.rack'),
      netboxRole: str(roleRow?.name),
      netboxStatus: str(f.status),
      virtualChassis: chassis,
      description: str(f.description),
    };
    const references: RecordReference[] = [];
    const place = this.placement(f);
    if (place) references.push(place);
    if (f.cluster !== undefined && this.fk('cluster', f.cluster, 'virtualization.cluster')) {
      references.push({ type: 'HAS_MEMBER', target: { key: recordKey('virtualization.cluster', f.cluster as Pk) }, direction: 'in' });
    }
    const deviceName = str(f.name)?.toLowerCase();
    const bad = this.rejected(model, pk, f.name, {
      serialNumber: attributes.serialNumber,
      assetTag: attributes.assetTag,
      fqdn: deviceName?.includes('.') ? deviceName : undefined,
      hostname: deviceName?.split('.')[0],
    });
    if (bad) return bad;

    const resolved = roleRow ? this.resolveRole({ slug: str(roleRow.slug), name: str(roleRow.name) }) : null;
    const origin = `${recordKey(model, pk)}${str(f.name) ? ` (${str(f.name)})` : ''}`;
    if (!resolved || 'skip' in resolved.mapping) {
      bump(this.stats.skipped, model);
      const why = resolved ? `role "${roleRow?.slug}" maps to no class (${resolved.rule})` : `role "${roleRow?.slug ?? '?'}" is not in the role table (add it with --role-map)`;
      return { kind: 'skipped', origin, reason: why };
    }
    const mapping = resolved.mapping;
    if (mapping.networkRole) attributes.role = mapping.networkRole;

    // NetBox's own display name for an unnamed device: "<chassis>:<position>" for a
    // stack member, else "<manufacturer> <model> (<pk>)".
    let name = str(f.name);
    if (name) {
      const lower = name.toLowerCase();
      if (lower.includes('.')) attributes.fqdn = lower;
      attributes.hostname = lower.split('.')[0];
    } else if (chassis && f.vc_position !== undefined) {
      name = `${chassis}:${String(f.vc_position)}`;
      // A stack member has no host name of its own; the chassis position is its only identity.
      if (!attributes.serialNumber && !attributes.assetTag) attributes.hostname = name.toLowerCase();
    } else {
      name = `${[manufacturer, str(type?.model)].filter(Boolean).join(' ') || 'Device'} (${pk})`;
    }
    if (!attributes.serialNumber && !attributes.assetTag && !attributes.hostname) {
      this.stats.rejected++;
      return { kind: 'rejected', origin, reason: `${model} ${pk}: unnamed device with no serial and no asset tag: nothing identifies it across sources`, noCI: true };
    }
    return {
      kind: 'record',
      record: {
        class: mapping.class,
        key: recordKey(model, pk),
        name,
        attributes,
        references,
        // A directory computer account is the same box (AD's Computer by hostname/fqdn).
        matchClasses: mapping.class === 'Computer' ? ['Server', 'VirtualMachine'] : ['Computer'],
        origin: `${recordKey(model, pk)} (${name})`,
      },
    };
  }

  // ------------------------------------------------------------------ cables

  /** Checks the cabling objects (terminations first, so a bad interface is reported once, not again by its cable). */
  private *checkPorts(): Generator<SourceItem> {
    const types: Record<string, string> = { 'dcim.interface': 'dcim.interface', 'dcim.frontport': 'dcim.frontport', 'dcim.rearport': 'dcim.rearport' };
    for (const [pk, f] of this.table('dcim.cabletermination')) {
      this.begin();
      this.fk('cable', f.cable, 'dcim.cable');
      const type = Array.isArray(f.termination_type) ? f.termination_type.join('.') : String(f.termination_type ?? '');
      if (types[type]) this.fk('termination_id', f.termination_id, type);
      const bad = this.rejected('dcim.cabletermination', pk, undefined, 'cabling');
      if (bad) {
        this.table('dcim.cabletermination').delete(pk);
        yield bad;
      }
    }
    for (const [model, field, target] of [
      ['dcim.interface', 'device', 'dcim.device'],
      ['dcim.frontport', 'device', 'dcim.device'],
      ['dcim.frontport', 'rear_port', 'dcim.rearport'],
      ['dcim.rearport', 'device', 'dcim.device'],
    ] as const) {
      for (const [pk, f] of this.table(model)) {
        this.begin();
        this.fk(field, f[field], target);
        const bad = this.rejected(model, pk, undefined, 'cabling');
        if (bad) {
          this.table(model).delete(pk);
          yield bad;
        }
      }
    }
  }

  /** Links devices cabled interface to interface, directly or through patch panels. */
  private cables(devices: Map<Pk, DeviceOut>): void {
    const byCable = new Map<Pk, Termination[]>();
    const byPort = new Map<string, Termination>();
    for (const [pk, f] of this.table('dcim.cabletermination')) {
      const type = Array.isArray(f.termination_type) ? f.termination_type.join('.') : String(f.termination_type ?? '');
      const t: Termination = { type, id: f.termination_id as Pk, cable: f.cable as Pk, end: String(f.cable_end ?? ''), pk };
      let list = byCable.get(t.cable);
      if (!list) byCable.set(t.cable, (list = []));
      list.push(t);
      byPort.set(`${type}:${t.id}`, t);
    }
    const frontByRear = new Map<string, Pk>();
    for (const [pk, f] of this.table('dcim.frontport')) frontByRear.set(`${f.rear_port}:${f.rear_port_position ?? 1}`, pk);
    const interfaces = this.table('dcim.interface');
    const seen = new Set<string>();

    /** The device interfaces at the far end of a cable, passing through front/rear ports. */
    const farDevices = (from: Termination): Pk[] => {
      const out: Pk[] = [];
      let frontier: { t: Termination; position?: number }[] = [{ t: from }];
      for (let hop = 0; hop < 32 && frontier.length; hop++) {
        const next: { t: Termination; position?: number }[] = [];
        for (const { t, position } of frontier) {
          if (this.table('dcim.cable').get(t.cable)?.status !== 'connected' && hop > 0) continue;
          for (const far of byCable.get(t.cable) ?? []) {
            if (far.end === t.end) continue;
            if (far.type === 'dcim.interface') {
              const device = interfaces.get(far.id)?.device as Pk | undefined;
              if (device !== undefined) out.push(device);
            } else if (far.type === 'dcim.frontport') {
              const front = this.table('dcim.frontport').get(far.id);
              const rear = front ? byPort.get(`dcim.rearport:${front.rear_port}`) : undefined;
              if (rear) next.push({ t: rear, position: Number(front?.rear_port_position ?? 1) });
            } else if (far.type === 'dcim.rearport') {
              const front = frontByRear.get(`${far.id}:${position ?? 1}`);
              const t2 = front !== undefined ? byPort.get(`dcim.frontport:${front}`) : undefined;
              if (t2) next.push({ t: t2 });
            }
          }
        }
        frontier = next;
      }
      return out;
    };

    for (const [cablePk, terms] of byCable) {
      const starts = terms.filter((t) => t.type === 'dcim.interface');
      if (this.table('dcim.cable').get(cablePk)?.status !== 'connected') {
        this.stats.cables.notConnected++;
        continue;
      }
      // Each path is traced from its interface end; a patch-panel-only cable is reached from the interfaces.
      let linked = false;
      for (const start of starts) {
        const a = interfaces.get(start.id)?.device as Pk | undefined;
        if (a === undefined) continue;
        for (const b of farDevices(start)) {
          if (a === b) continue;
          linked = true;
          const pair = [String(a), String(b)].sort().join('|');
          if (seen.has(pair)) continue;
          seen.add(pair);
          this.link(devices.get(a), devices.get(b));
        }
      }
      if (!linked && !terms.every((t) => t.type === 'dcim.frontport' || t.type === 'dcim.rearport')) this.stats.cables.notBetweenDevices++;
    }
  }

  /** (lower tier)-[:CONNECTED_TO]->(higher tier): the endpoint reaches the network through the switch. */
  private link(a: DeviceOut | undefined, b: DeviceOut | undefined): void {
    if (!a || !b) {
      this.stats.cables.unmapped++;
      return;
    }
    if (a.tier === b.tier) {
      this.stats.cables.peer++;
      return;
    }
    const [from, to] = a.tier < b.tier ? [a, b] : [b, a];
    const type = findRelationshipType('CONNECTED_TO')!;
    if (!type.from.includes(from.record.class) || !type.to.includes(to.record.class)) {
      this.stats.cables.unmapped++;
      return;
    }
    (from.record.references ??= []).push({ type: 'CONNECTED_TO', target: { key: to.record.key } });
    this.stats.cables.linked++;
  }

  // ------------------------------------------------------------------ virtual machines

  private *virtualMachines(devices: Map<Pk, DeviceOut>): Generator<SourceItem> {
    const model = 'virtualization.virtualmachine';
    const hostedOn = findRelationshipType('HOSTED_ON')!;
    for (const [pk, f] of this.table(model)) {
      this.begin();
      const name = str(f.name) ?? '';
      const lower = name.toLowerCase();
      const vcpus = f.vcpus === undefined ? undefined : Number(f.vcpus);
      const attributes: Fields = {
        hostname: lower.split('.')[0] || undefined,
        fqdn: lower.includes('.') ? lower : undefined,
        ipAddress: this.primaryIp(f),
        cpuCores: vcpus !== undefined && Number.isInteger(vcpus) && vcpus >= 0 ? vcpus : undefined,
        vcpus: vcpus !== undefined && !Number.isInteger(vcpus) ? vcpus : undefined,
        memoryGb: typeof f.memory === 'number' ? Math.round((f.memory / 1024) * 100) / 100 : undefined,
        diskGb: typeof f.disk === 'number' ? f.disk : undefined,
        platform: this.nameOf('platform', f.platform, 'dcim.platform'),
        tenant: this.nameOf('tenant', f.tenant, 'tenancy.tenant'),
        site: this.nameOf('site', f.site, 'dcim.site'),
        netboxRole: this.nameOf('role', f.role, 'dcim.devicerole'),
        netboxStatus: str(f.status),
        description: str(f.description),
      };
      const references: RecordReference[] = [];
      if (f.cluster !== undefined && this.fk('cluster', f.cluster, 'virtualization.cluster')) {
        references.push({ type: 'HOSTED_ON', target: { key: recordKey('virtualization.cluster', f.cluster as Pk) } });
      }
      if (f.device !== undefined && this.fk('device', f.device, 'dcim.device')) {
        // Pinned to one host: it goes down with that host too (when the catalogue allows the edge).
        const host = devices.get(f.device as Pk);
        if (host && hostedOn.to.includes(host.record.class)) references.push({ type: 'HOSTED_ON', target: { key: host.record.key } });
      }
      const bad = this.rejected(model, pk, f.name, { fqdn: attributes.fqdn, hostname: attributes.hostname });
      if (bad) {
        yield bad;
        continue;
      }
      bump(this.stats.mapped, model);
      yield this.record(model, pk, { class: 'VirtualMachine', name, attributes, references, matchClasses: ['Computer'] });
    }
  }
}
