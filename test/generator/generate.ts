/**
 * A seeded synthetic CMDB of about `n` CIs with a realistic shape (issue 3):
 * sites -> rooms -> racks -> hosts; top-of-rack access switches up to distribution and
 * core; hypervisor clusters (HAS_MEMBER hosts, minUp) hosting VMs; standalone hosts;
 * shared storage; containers on VMs; applications on VMs, containers and load-balanced
 * farms; database clusters; application services on apps; business services on
 * application services; directory users and groups owning and managing things; a few
 * platform services most applications use (heavy-tailed fan-in) and a few dependency
 * cycles. Same (n, seed) -> same data, ids included.
 */
import type { CIRecord, CMDBData, RelationshipRecord } from './load.js';
import { DEFAULT_TIME } from './load.js';

export type Layer =
  | 'site'
  | 'room'
  | 'rack'
  | 'networkCore'
  | 'networkDistribution'
  | 'networkAccess'
  | 'storage'
  | 'host'
  | 'clusterMember'
  | 'cluster'
  | 'vm'
  | 'container'
  | 'loadBalancer'
  | 'dbCluster'
  | 'db'
  | 'app'
  | 'platformService'
  | 'appService'
  | 'businessService'
  | 'group'
  | 'user';

export interface GeneratedCI extends CIRecord {
  layer: Layer;
}

export interface GeneratedCMDB extends CMDBData {
  n: number;
  seed: number;
  cis: GeneratedCI[];
  relationships: RelationshipRecord[];
  /** CI ids by layer, in creation order. */
  byLayer: Record<Layer, string[]>;
}

export interface GenerateOptions {
  /** Target number of CIs (the result is within a few of it; at least ~200). */
  n: number;
  seed?: number;
}

/** mulberry32: small, fast, good enough for test data. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generateCMDB(options: GenerateOptions): GeneratedCMDB {
  const n = Math.max(200, Math.floor(options.n));
  const seed = options.seed ?? 1;
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const hex = (len: number) => {
    let s = '';
    for (let i = 0; i < len; i++) s += Math.floor(rand() * 16).toString(16);
    return s;
  };
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(0, 3)]}${hex(3)}-${hex(12)}`;
  /** Zipf-like index in [0, size): a few low indices get most of the picks. */
  const zipf = (size: number) => Math.min(size - 1, Math.floor(size ** (rand() ** 2.5)) - 1);

  const cis: GeneratedCI[] = [];
  const relationships: RelationshipRecord[] = [];
  const byLayer = Object.fromEntries(
    (
      ['site', 'room', 'rack', 'networkCore', 'networkDistribution', 'networkAccess', 'storage', 'host', 'clusterMember', 'cluster', 'vm', 'container', 'loadBalancer', 'dbCluster', 'db', 'app', 'platformService', 'appService', 'businessService', 'group', 'user'] as Layer[]
    ).map((l) => [l, [] as string[]]),
  ) as Record<Layer, string[]>;
  const span = 400 * 86_400_000;
  const ci = (layer: Layer, cls: string, name: string, attributes: Record<string, unknown>, criticality: number | null = null) => {
    const id = uuid();
    cis.push({ id, layer, class: cls, name, attributes, criticality, createdAt: DEFAULT_TIME + Math.floor(rand() * span) });
    byLayer[layer].push(id);
    return id;
  };
  const rel = (from: string, type: string, to: string) => relationships.push({ type, from, to });
  const pad = (i: number) => String(i).padStart(7, '0');

  // Sizes as fractions of n; users fill what is left.
  const hostCount = Math.max(8, Math.round(n * 0.07));
  const siteCount = Math.max(2, Math.round(n / 25_000));
  const hostsPerRack = 20;
  const rackCount = Math.max(siteCount * 2, Math.ceil(hostCount / hostsPerRack));

  // ---- physical: sites, rooms, racks
  const sites = Array.from({ length: siteCount }, (_, s) => ci('site', 'Location', `site-${s}`, { locationId: `site-${s}`, kind: 'site' }));
  const rooms = sites.flatMap((site, s) =>
    [0, 1].map((r) => {
      const id = ci('room', 'Location', `site-${s}-room-${r}`, { locationId: `site-${s}-room-${r}`, kind: 'room' });
      rel(id, 'LOCATED_IN', site);
      return { id, site: s };
    }),
  );
  const racks = Array.from({ length: rackCount }, (_, r) => {
    const room = rooms[r % rooms.length]!;
    const id = ci('rack', 'Location', `rack-${pad(r)}`, { locationId: `rack-${pad(r)}`, kind: 'rack' });
    rel(id, 'LOCATED_IN', room.id);
    return { id, site: room.site };
  });

  // ---- network: per site 2 cores, 4 distribution; one access switch per rack
  let netSeq = 0;
  const netDevice = (layer: Layer, role: string) =>
    ci(layer, 'NetworkDevice', `${role}-sw-${pad(netSeq)}`, { hostname: `${role}-sw-${pad(netSeq)}`, serialNumber: `SN-NET-${pad(netSeq++)}`, role });
  const cores = sites.map(() => [netDevice('networkCore', 'core'), netDevice('networkCore', 'core')]);
  const distribution = sites.map((_, s) =>
    Array.from({ length: 4 }, (_v, d) => {
      const id = netDevice('networkDistribution', 'distribution');
      rel(id, 'CONNECTED_TO', cores[s]![d % 2]!);
      rel(id, 'LOCATED_IN', rooms[s * 2 + (d % 2)]!.id);
      return id;
    }),
  );
  const access = racks.map((rack, r) => {
    const id = netDevice('networkAccess', 'access');
    rel(id, 'CONNECTED_TO', distribution[rack.site]![r % 4]!);
    rel(id, 'LOCATED_IN', rack.id);
    return id;
  });

  // ---- storage: 2 arrays per site
  const storage = sites.map((_, s) =>
    [0, 1].map((k) => {
      const id = ci('storage', 'StorageDevice', `san-${s}-${k}`, { serialNumber: `SN-SAN-${s}-${k}`, capacityTb: 500 });
      rel(id, 'LOCATED_IN', racks[(s + k * siteCount) % racks.length]!.id);
      return id;
    }),
  );

  // ---- directory: groups first (owners), users at the end
  const groupCount = Math.max(5, Math.round(n * 0.01));
  const groups = Array.from({ length: groupCount }, (_, g) =>
    ci('group', 'Group', `grp-${pad(g)}`, { sAMAccountName: `grp-${pad(g)}`, distinguishedName: `CN=grp-${pad(g)},OU=Groups,DC=corp,DC=example` }),
  );

  // ---- hosts: 85 % hypervisor cluster members, the rest standalone
  const hosts = Array.from({ length: hostCount }, (_, h) => {
    const rack = h % racks.length;
    const clustered = rand() < 0.85;
    const id = ci(clustered ? 'clusterMember' : 'host', 'Server', `srv-${pad(h)}`, {
      hostname: `srv-${pad(h)}`,
      serialNumber: `SN-SRV-${pad(h)}`,
      cpuCores: pick([16, 32, 64]),
      memoryGb: pick([256, 512, 1024]),
    });
    rel(id, 'LOCATED_IN', racks[rack]!.id);
    rel(id, 'CONNECTED_TO', access[rack]!);
    rel(id, 'OWNED_BY', pick(groups));
    return { id, site: racks[rack]!.site, clustered, rack };
  });

  // ---- hypervisor clusters of 4-8 hosts spread over racks of one site
  const computes: { id: string; site: number }[] = [];
  const bySite = sites.map((_, s) => hosts.filter((h) => h.site === s));
  let clusterSeq = 0;
  for (const siteHosts of bySite) {
    const members = siteHosts.filter((h) => h.clustered);
    for (let i = 0; i < members.length; ) {
      const size = Math.min(members.length - i, int(4, 8));
      const id = ci('cluster', 'Cluster', `hvc-${pad(clusterSeq)}`, { clusterId: `hvc-${pad(clusterSeq++)}`, technology: 'vsphere', minUp: Math.max(1, size - int(1, 2)) });
      for (const m of members.slice(i, i + size)) rel(id, 'HAS_MEMBER', m.id);
      const site = members[i]!.site;
      rel(id, 'DEPENDS_ON', storage[site]![int(0, 1)]!);
      computes.push({ id, site });
      i += size;
    }
    for (const h of siteHosts.filter((x) => !x.clustered)) computes.push({ id: h.id, site: h.site });
  }

  // ---- VMs on clusters (mostly) and standalone hosts
  const vmCount = Math.round(n * 0.22);
  const vms = Array.from({ length: vmCount }, (_, v) => {
    const id = ci('vm', 'VirtualMachine', `vm-${pad(v)}`, { vmId: `vm-${pad(v)}`, hostname: `vmh-${pad(v)}`, os: pick(['linux', 'windows']) });
    rel(id, 'HOSTED_ON', pick(computes).id);
    rel(id, 'MANAGED_BY', pick(groups));
    return id;
  });
  let vmCursor = 0;
  const nextVm = () => vms[vmCursor++ % vms.length]!;

  // ---- containers on VMs
  const containers = Array.from({ length: Math.round(n * 0.1) }, (_, c) => {
    const id = ci('container', 'Container', `ctr-${pad(c)}`, { containerId: `ctr-${pad(c)}`, image: pick(['nginx', 'java', 'node', 'python']) });
    rel(id, 'HOSTED_ON', nextVm());
    rel(id, 'MANAGED_BY', pick(groups));
    return id;
  });

  // ---- load balancers in front of VM farms (minUp 1-2 of 2-4)
  const lbs = Array.from({ length: Math.max(2, Math.round(n * 0.01)) }, (_, l) => {
    const size = int(2, 4);
    const id = ci('loadBalancer', 'LoadBalancer', `lb-${pad(l)}`, { fqdn: `lb-${pad(l)}.corp.example`, minUp: int(1, Math.min(2, size)) });
    for (let k = 0; k < size; k++) rel(id, 'HAS_MEMBER', nextVm());
    rel(id, 'CONNECTED_TO', pick(access));
    return id;
  });

  // ---- database clusters (2-3 VMs, minUp 1) and databases on them
  const dbClusters = Array.from({ length: Math.max(2, Math.round(n * 0.01)) }, (_, d) => {
    const size = int(2, 3);
    const id = ci('dbCluster', 'Cluster', `dbc-${pad(d)}`, { clusterId: `dbc-${pad(d)}`, technology: 'postgres-patroni', minUp: 1 });
    for (let k = 0; k < size; k++) rel(id, 'HAS_MEMBER', nextVm());
    return id;
  });
  const dbs = Array.from({ length: Math.max(4, Math.round(n * 0.05)) }, (_, d) => {
    const id = ci('db', 'Database', `db-${pad(d)}`, { instanceId: `db-${pad(d)}`, engine: 'postgres' }, int(2, 4));
    rel(id, 'HOSTED_ON', pick(dbClusters));
    rel(id, 'OWNED_BY', pick(groups));
    return id;
  });

  // ---- platform services most applications use (heavy-tailed fan-in), each on a few apps
  const platformNames = ['auth', 'dns', 'logging', 'messaging', 'secrets', 'config', 'monitoring', 'cache', 'mail', 'search'];
  const platformCount = Math.max(5, Math.min(40, Math.round(n / 20_000)));
  const platformApps: string[] = [];
  const platforms = Array.from({ length: platformCount }, (_, p) => {
    const name = `${platformNames[p % platformNames.length]}-${p}`;
    const id = ci('platformService', 'ApplicationService', `platform-${name}`, { serviceId: `platform-${name}` }, 1);
    for (let k = 0; k < 2; k++) {
      const app = ci('app', 'Application', `app-platform-${name}-${k}`, { appId: `app-platform-${name}-${k}` }, 1);
      rel(app, 'RUNS_ON', pick(lbs));
      rel(app, 'DEPENDS_ON', pick(dbs));
      rel(id, 'DEPENDS_ON', app);
      platformApps.push(app);
    }
    return id;
  });

  // ---- applications
  const appCount = Math.round(n * 0.18);
  const apps = Array.from({ length: appCount }, (_, a) => {
    const id = ci('app', 'Application', `app-${pad(a)}`, { appId: `app-${pad(a)}`, language: pick(['java', 'go', 'node', 'python']) }, int(2, 5));
    const where = rand();
    rel(id, 'RUNS_ON', where < 0.6 ? pick(vms) : where < 0.9 ? pick(containers) : pick(lbs));
    rel(id, 'DEPENDS_ON', pick(dbs));
    if (rand() < 0.5) rel(id, 'DEPENDS_ON', pick(dbs));
    const uses = int(1, 3);
    const used = new Set<number>();
    for (let k = 0; k < uses; k++) used.add(zipf(platforms.length));
    for (const p of used) rel(id, 'DEPENDS_ON', platforms[p]!);
    rel(id, 'MANAGED_BY', pick(groups));
    rel(id, 'OWNED_BY', pick(groups));
    return id;
  });
  // A few apps call another app.
  for (let k = 0; k < Math.round(appCount * 0.6); k++) {
    const a = pick(apps);
    const b = pick(apps);
    if (a !== b) rel(a, 'DEPENDS_ON', b);
  }
  // A few dependency cycles, as real CMDBs have: pairs and triangles of apps.
  for (let k = 0; k < Math.max(3, Math.round(n / 20_000)); k++) {
    const [a, b, c] = [pick(apps), pick(apps), pick(apps)];
    if (new Set([a, b, c]).size < 3) continue;
    rel(a, 'DEPENDS_ON', b);
    rel(b, 'DEPENDS_ON', a);
    if (k % 2 === 0) {
      rel(b, 'DEPENDS_ON', c);
      rel(c, 'DEPENDS_ON', a);
    }
  }

  // ---- application services on 2-4 apps; business services on 2-6 application services
  const appServices = Array.from({ length: Math.max(4, Math.round(n * 0.05)) }, (_, s) => {
    const id = ci('appService', 'ApplicationService', `svc-${pad(s)}`, { serviceId: `svc-${pad(s)}` }, int(2, 4));
    const k = int(2, 4);
    for (let j = 0; j < k; j++) rel(id, 'DEPENDS_ON', pick(apps));
    rel(id, 'OWNED_BY', pick(groups));
    return id;
  });
  Array.from({ length: Math.max(2, Math.round(n * 0.005)) }, (_, b) => {
    const id = ci('businessService', 'BusinessService', `bsvc-${pad(b)}`, { serviceId: `bsvc-${pad(b)}`, sla: pick(['gold', 'silver', 'bronze']) }, int(1, 3));
    const k = int(2, 6);
    for (let j = 0; j < k; j++) rel(id, 'DEPENDS_ON', pick(appServices));
    rel(id, 'OWNED_BY', pick(groups));
    return id;
  });

  // ---- users fill the rest: members of 4-12 groups
  for (let u = 0; cis.length < n; u++) {
    const id = ci('user', 'User', `user-${pad(u)}`, { sAMAccountName: `user-${pad(u)}`, email: `user-${pad(u)}@corp.example`, enabled: true });
    const k = int(4, 12);
    for (let j = 0; j < k; j++) rel(id, 'MEMBER_OF', pick(groups));
  }

  return { n, seed, cis, relationships, byLayer };
}
