import { describe, expect, it } from 'vitest';
import type { SourceItem, SourceRecord } from '../sync/index.js';
import type { DumpObject } from './dump.js';
import { NetboxMapper, type NetboxMapOptions } from './map.js';

const o = (model: string, pk: number, fields: Record<string, unknown>): DumpObject => ({ model, pk, fields });

function map(objects: DumpObject[], options: NetboxMapOptions = {}) {
  const mapper = new NetboxMapper(options);
  const items: SourceItem[] = [];
  for (const obj of objects) {
    const item = mapper.add(obj);
    if (item) items.push(item);
  }
  items.push(...mapper.items());
  const records = new Map<string, SourceRecord>();
  for (const i of items) if (i.kind === 'record') records.set(i.record.key, i.record);
  return { items, records, stats: mapper.stats, rejected: items.filter((i) => i.kind === 'rejected') };
}

/** A small site: region > site > location > rack, roles, a type, a tenant, a platform, an IP. */
const base = (): DumpObject[] => [
  o('dcim.region', 1, { name: 'Europe', slug: 'europe', parent: null }),
  o('dcim.region', 2, { name: 'France', slug: 'france', parent: 1 }),
  o('dcim.site', 1, { name: 'PAR1', slug: 'par1', region: 2, tenant: 1, status: 'active', physical_address: '1 rue X' }),
  o('dcim.location', 1, { name: 'Hall A', slug: 'hall-a', site: 1, parent: null }),
  o('dcim.location', 2, { name: 'Row 3', slug: 'row-3', site: 1, parent: 1 }),
  o('dcim.rack', 1, { name: 'R01', site: 1, location: 2, u_height: 42 }),
  o('dcim.devicerole', 1, { name: 'Server', slug: 'server' }),
  o('dcim.devicerole', 2, { name: 'Access Switch', slug: 'access-switch' }),
  o('dcim.devicerole', 3, { name: 'Core Switch', slug: 'core-switch' }),
  o('dcim.devicerole', 4, { name: 'Patch Panel', slug: 'patch-panel' }),
  o('dcim.devicerole', 5, { name: 'Camera', slug: 'camera' }),
  o('dcim.manufacturer', 1, { name: 'Dell' }),
  o('dcim.devicetype', 1, { model: 'R740', manufacturer: 1 }),
  o('tenancy.tenant', 1, { name: 'Acme' }),
  o('dcim.platform', 1, { name: 'Ubuntu 22.04' }),
  o('ipam.ipaddress', 7, { address: '10.0.0.5/24' }),
  o('virtualization.clustertype', 1, { name: 'VMware' }),
  o('virtualization.cluster', 1, { name: 'esx-prod', type: 1, site: 1, custom_field_data: { min_up: 2 } }),
];

const device = (pk: number, fields: Record<string, unknown>) =>
  o('dcim.device', pk, { device_type: 1, site: 1, status: 'active', ...fields });

/** Interface `pk` on device `device`, and a cable `cable` between two terminations. */
const iface = (pk: number, dev: number) => o('dcim.interface', pk, { device: dev, name: `eth${pk}` });
const cable = (pk: number, a: [string, number], b: [string, number], status = 'connected'): DumpObject[] => [
  o('dcim.cable', pk, { status }),
  o('dcim.cabletermination', pk * 10, { cable: pk, cable_end: 'A', termination_type: a[0].split('.'), termination_id: a[1] }),
  o('dcim.cabletermination', pk * 10 + 1, { cable: pk, cable_end: 'B', termination_type: b[0].split('.'), termination_id: b[1] }),
];

describe('NetBox mapping', () => {
  it('maps regions, sites, locations and racks to nested Locations (LOCATED_IN, innermost first)', () => {
    const { records } = map(base());
    expect(records.get('dcim.region:2')).toMatchObject({
      class: 'Location',
      name: 'France',
      attributes: { locationId: 'netbox:dcim.region:2', kind: 'region', slug: 'france' },
      references: [{ type: 'LOCATED_IN', target: { key: 'dcim.region:1' } }],
    });
    expect(records.get('dcim.region:1')!.references).toEqual([]);
    expect(records.get('dcim.site:1')).toMatchObject({
      attributes: { kind: 'site', address: '1 rue X', tenant: 'Acme', netboxStatus: 'active' },
      references: [{ type: 'LOCATED_IN', target: { key: 'dcim.region:2' } }],
    });
    expect(records.get('dcim.location:1')!.references).toEqual([{ type: 'LOCATED_IN', target: { key: 'dcim.site:1' } }]);
    expect(records.get('dcim.location:1')!.attributes.kind).toBeUndefined();
    expect(records.get('dcim.location:2')!.references).toEqual([{ type: 'LOCATED_IN', target: { key: 'dcim.location:1' } }]);
    expect(records.get('dcim.rack:1')).toMatchObject({
      attributes: { kind: 'rack', uHeight: 42 },
      references: [{ type: 'LOCATED_IN', target: { key: 'dcim.location:2' } }],
    });
  });

  it('maps a device by its role, with serial, hostname, primary IP, placement, tenant and platform', () => {
    const { records } = map([
      ...base(),
      device(10, { name: 'Web01.Example.com', role: 1, serial: 'SN123', rack: 1, location: 2, tenant: 1, platform: 1, primary_ip4: 7, cluster: 1 }),
      device(11, { name: 'sw1', role: 2, location: 2 }),
    ]);
    expect(records.get('dcim.device:10')).toEqual({
      class: 'Server',
      key: 'dcim.device:10',
      name: 'Web01.Example.com',
      attributes: expect.objectContaining({
        hostname: 'web01',
        fqdn: 'web01.example.com',
        serialNumber: 'SN123',
        ipAddress: '10.0.0.5',
        manufacturer: 'Dell',
        model: 'R740',
        tenant: 'Acme',
        platform: 'Ubuntu 22.04',
        site: 'PAR1',
        rack: 'R01',
        netboxRole: 'Server',
      }),
      references: [
        { type: 'LOCATED_IN', target: { key: 'dcim.rack:1' } },
        { type: 'HAS_MEMBER', target: { key: 'virtualization.cluster:1' }, direction: 'in' },
      ],
      matchClasses: ['Computer'],
      origin: 'dcim.device:10 (Web01.Example.com)',
    });
    expect(records.get('dcim.device:11')).toMatchObject({
      class: 'NetworkDevice',
      attributes: { hostname: 'sw1', role: 'access' },
      references: [{ type: 'LOCATED_IN', target: { key: 'dcim.location:2' } }],
    });
    expect(records.get('dcim.device:11')!.attributes.fqdn).toBeUndefined();
  });

  it('skips devices whose role maps to nothing, counted per model; the role map overrides', () => {
    const objects = [...base(), device(10, { name: 'pp1', role: 4 }), device(11, { name: 'cam1', role: 5 })];
    const { items, records, stats } = map(objects);
    expect(records.size).toBe(base().filter((b) => /region|site|location|rack|cluster$/.test(b.model)).length);
    expect(items.filter((i) => i.kind === 'skipped').map((i) => (i as { reason: string }).reason)).toEqual([
      'role "patch-panel" maps to no class (table)',
      'role "camera" is not in the role table (add it with --role-map)',
    ]);
    expect(stats.skipped['dcim.device']).toBe(2);
    const custom = map(objects, { roles: { camera: 'Computer' } });
    expect(custom.records.get('dcim.device:11')).toMatchObject({ class: 'Computer', matchClasses: ['Server', 'VirtualMachine'] });
  });

  it('maps clusters (minUp from a custom field) and VMs HOSTED_ON their cluster', () => {
    const { records } = map([
      ...base(),
      o('virtualization.virtualmachine', 5, { name: 'app01', cluster: 1, vcpus: '4.00', memory: 8192, disk: 80, platform: 1, primary_ip4: 7, status: 'active' }),
    ]);
    expect(records.get('virtualization.cluster:1')).toMatchObject({
      class: 'Cluster',
      name: 'esx-prod',
      attributes: { clusterId: 'netbox:virtualization.cluster:1', technology: 'VMware', site: 'PAR1', minUp: 2 },
      references: [{ type: 'LOCATED_IN', target: { key: 'dcim.site:1' } }],
    });
    expect(records.get('virtualization.virtualmachine:5')).toMatchObject({
      class: 'VirtualMachine',
      attributes: { hostname: 'app01', cpuCores: 4, memoryGb: 8, diskGb: 80, ipAddress: '10.0.0.5', platform: 'Ubuntu 22.04' },
      references: [{ type: 'HOSTED_ON', target: { key: 'virtualization.cluster:1' } }],
      matchClasses: ['Computer'],
    });
  });

  it('rejects an object whose foreign key points to nothing, naming model, pk and field; the rest maps', () => {
    const { rejected, records, stats } = map([
      ...base(),
      device(10, { name: 'web01', role: 1, rack: 99 }),
      device(11, { name: 'web02', role: 1, primary_ip4: 1234 }),
      o('virtualization.virtualmachine', 5, { name: 'app01', cluster: 42 }),
      o('dcim.site', 2, { name: 'LON1', region: 77 }),
      iface(1, 500),
      ...cable(1, ['dcim.interface', 999], ['dcim.interface', 1]),
    ]);
    expect(rejected.map((r) => (r as { reason: string }).reason).sort()).toEqual([
      'dcim.cabletermination 10: termination_id 999 points to no dcim.interface',
      'dcim.device 10: rack 99 points to no dcim.rack',
      'dcim.device 11: primary_ip4 1234 points to no ipam.ipaddress',
      'dcim.interface 1: device 500 points to no dcim.device',
      'dcim.site 2: region 77 points to no dcim.region',
      'virtualization.virtualmachine 5: cluster 42 points to no virtualization.cluster',
    ]);
    expect(rejected[0]).toMatchObject({ kind: 'rejected' });
    expect(stats.rejected).toBe(6);
    expect(records.has('dcim.site:1')).toBe(true);
    expect(records.has('dcim.device:10')).toBe(false);
  });

  it('rejects an unnamed device nothing identifies; names a stack member as NetBox shows it', () => {
    const { rejected, records } = map([
      ...base(),
      o('dcim.virtualchassis', 1, { name: 'stack1' }),
      device(10, { name: null, role: 1 }),
      device(11, { name: null, role: 2, virtual_chassis: 1, vc_position: 2 }),
      device(12, { name: null, role: 1, serial: 'ABC' }),
    ]);
    expect(rejected).toEqual([
      { kind: 'rejected', origin: 'dcim.device:10', reason: 'dcim.device 10: unnamed device with no serial and no asset tag: nothing identifies it across sources', noCI: true },
    ]);
    expect(records.get('dcim.device:11')).toMatchObject({ name: 'stack1:2', attributes: { hostname: 'stack1:2', virtualChassis: 'stack1' } });
    expect(records.get('dcim.device:12')).toMatchObject({ name: 'Dell R740 (12)', attributes: { serialNumber: 'ABC' } });
    expect(records.get('dcim.device:12')!.attributes.hostname).toBeUndefined();
  });

  it('links cabled devices once per pair, from the lower tier to the higher, through patch panels too', () => {
    const { records, stats } = map([
      ...base(),
      device(10, { name: 'web01', role: 1 }),
      device(11, { name: 'acc1', role: 2 }),
      device(12, { name: 'core1', role: 3 }),
      device(13, { name: 'core2', role: 3 }),
      device(14, { name: 'pp-a', role: 4 }),
      device(15, { name: 'pp-b', role: 4 }),
      device(16, { name: 'web02', role: 1 }),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => iface(i, [10, 11, 11, 11, 12, 13, 16, 10][i - 1]!)),
      iface(9, 12),
      ...cable(1, ['dcim.interface', 1], ['dcim.interface', 2]), // web01 - acc1
      ...cable(2, ['dcim.interface', 8], ['dcim.interface', 3]), // web01 - acc1 again: one link
      ...cable(3, ['dcim.interface', 5], ['dcim.interface', 4]), // core1 - acc1: acc1 -> core1
      ...cable(4, ['dcim.interface', 5], ['dcim.interface', 6]), // core1 - core2: peers
      // web02 -> front 1 of pp-a, pp-a rear 1 -> pp-b rear 1 (trunk), pp-b front 1 -> core1
      o('dcim.rearport', 1, { device: 14, positions: 2 }),
      o('dcim.rearport', 2, { device: 15, positions: 2 }),
      o('dcim.frontport', 1, { device: 14, rear_port: 1, rear_port_position: 1 }),
      o('dcim.frontport', 2, { device: 14, rear_port: 1, rear_port_position: 2 }),
      o('dcim.frontport', 3, { device: 15, rear_port: 2, rear_port_position: 2 }),
      o('dcim.frontport', 4, { device: 15, rear_port: 2, rear_port_position: 1 }),
      ...cable(5, ['dcim.interface', 7], ['dcim.frontport', 1]),
      ...cable(6, ['dcim.rearport', 1], ['dcim.rearport', 2]),
      ...cable(7, ['dcim.frontport', 4], ['dcim.interface', 9]),
      ...cable(8, ['dcim.interface', 7], ['circuits.circuittermination', 1]),
      ...cable(9, ['dcim.interface', 1], ['dcim.interface', 5], 'planned'),
    ]);
    const connected = (key: string) => records.get(key)!.references!.filter((r) => r.type === 'CONNECTED_TO').map((r) => r.target);
    expect(connected('dcim.device:10')).toEqual([{ key: 'dcim.device:11' }]);
    expect(connected('dcim.device:11')).toEqual([{ key: 'dcim.device:12' }]);
    expect(connected('dcim.device:12')).toEqual([]);
    expect(connected('dcim.device:13')).toEqual([]);
    expect(connected('dcim.device:16')).toEqual([{ key: 'dcim.device:12' }]);
    expect(stats.cables).toMatchObject({ linked: 3, peer: 1, notConnected: 1, notBetweenDevices: 1 });
  });

  it('ignores Django bookkeeping and counts the models it does not map', () => {
    const { items, stats } = map([
      o('auth.user', 1, { username: 'admin', password: 'pbkdf2_sha256$...' }),
      { model: 'contenttypes.contenttype', fields: { app_label: 'dcim', model: 'site' } },
      o('sessions.session', 1, {}),
      o('ipam.prefix', 1, { prefix: '10.0.0.0/8' }),
      o('ipam.prefix', 2, { prefix: '10.1.0.0/16' }),
      o('circuits.circuit', 1, {}),
    ]);
    expect(items.map((i) => i.kind)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(stats.skipped).toEqual({ 'ipam.prefix': 2, 'circuits.circuit': 1 });
    expect(stats.ignored).toEqual({ 'auth.user': 1, 'contenttypes.contenttype': 1, 'sessions.session': 1 });
    expect(JSON.stringify(items)).not.toContain('pbkdf2');
  });
});
