/**
 * "Acme Retail": the demo enterprise (a few hundred CIs) a newcomer explores after
 * `npm run demo`. Plain data; load-demo.ts writes it through the CI service.
 *
 * Shape: business services → application services → applications (web farms behind
 * load balancers, single instances) → VMs on hypervisor clusters (minUp) → hosts in
 * racks in two sites, databases (a replicated cluster and a single instance), SAN
 * storage, redundant core network pairs, directory users and groups owning services.
 * Every CI has an identifying attribute, so loading twice finds what is there.
 */
export interface DemoCI {
  key: string;
  class: string;
  name: string;
  criticality?: number;
  attributes: Record<string, unknown>;
}

export interface DemoRel {
  type: string;
  from: string;
  to: string;
}

export interface DemoData {
  cis: DemoCI[];
  rels: DemoRel[];
}

export function buildEnterprise(): DemoData {
  const cis: DemoCI[] = [];
  const rels: DemoRel[] = [];
  const ci = (c: DemoCI) => {
    cis.push(c);
    return c.key;
  };
  const rel = (type: string, from: string, to: string) => rels.push({ type, from, to });

  // ---- people
  const groups = ['platform-team', 'dba-team', 'network-team', 'shop-team', 'finance-it'];
  for (const g of groups) ci({ key: `grp:${g}`, class: 'Group', name: g, attributes: { sAMAccountName: g } });
  const people = [
    ['alice.martin', 'Alice Martin', 'platform-team'],
    ['bob.durand', 'Bob Durand', 'platform-team'],
    ['chloe.bernard', 'Chloé Bernard', 'dba-team'],
    ['david.petit', 'David Petit', 'dba-team'],
    ['emma.robert', 'Emma Robert', 'network-team'],
    ['farid.haddad', 'Farid Haddad', 'network-team'],
    ['gina.rossi', 'Gina Rossi', 'shop-team'],
    ['hugo.lambert', 'Hugo Lambert', 'shop-team'],
    ['ines.moreau', 'Inès Moreau', 'shop-team'],
    ['jules.fournier', 'Jules Fournier', 'finance-it'],
    ['karim.benali', 'Karim Benali', 'finance-it'],
    ['lea.girard', 'Léa Girard', 'platform-team'],
  ] as const;
  for (const [sam, display, group] of people) {
    ci({ key: `usr:${sam}`, class: 'User', name: display, attributes: { sAMAccountName: sam, email: `${sam}@acme.example`, displayName: display, enabled: true } });
    rel('MEMBER_OF', `usr:${sam}`, `grp:${group}`);
  }
  // the rest of the staff, spread over the teams
  const first = ['Nora', 'Omar', 'Paul', 'Quentin', 'Rosa', 'Sami', 'Tara', 'Ugo', 'Vera', 'Willem', 'Xavier', 'Yasmine', 'Zoé'];
  const last = ['Blanc', 'Garnier', 'Faure', 'Roux', 'Mercier', 'Dupont'];
  for (let i = 0; i < 36; i++) {
    const given = first[i % first.length]!;
    const family = last[i % last.length]!;
    const sam = `${given.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}.${family.toLowerCase()}${i}`;
    ci({ key: `usr:${sam}`, class: 'User', name: `${given} ${family}`, attributes: { sAMAccountName: sam, email: `${sam}@acme.example`, enabled: i % 9 !== 0 } });
    rel('MEMBER_OF', `usr:${sam}`, `grp:${groups[i % groups.length]!}`);
  }
  rel('MANAGED_BY', 'usr:bob.durand', 'usr:alice.martin');
  rel('MANAGED_BY', 'usr:hugo.lambert', 'usr:gina.rossi');

  // ---- sites, racks, network, hosts, storage, hypervisor clusters
  const sites = [
    { code: 'par', name: 'Paris DC1' },
    { code: 'lyo', name: 'Lyon DC2' },
  ];
  const vmsBySite = new Map<string, string[]>();
  for (const site of sites) {
    const s = ci({ key: `site:${site.code}`, class: 'Location', name: site.name, criticality: 1, attributes: { locationId: `${site.code}-dc`, kind: 'site' } });
    // redundant core pair: the site network is up while one core switch is up
    const core = ci({ key: `net:${site.code}-core`, class: 'Cluster', name: `${site.code}-core-pair`, criticality: 1, attributes: { clusterId: `${site.code}-core-pair`, technology: 'VSS', minUp: 1 } });
    for (const n of [1, 2]) {
      const sw = ci({ key: `net:${site.code}-core-${n}`, class: 'NetworkDevice', name: `${site.code}-core-sw${n}`, criticality: 1, attributes: { hostname: `${site.code}-core-sw${n}`, serialNumber: `CSW-${site.code.toUpperCase()}-${n}`, role: 'core', manufacturer: 'Arista' } });
      rel('HAS_MEMBER', core, sw);
      rel('LOCATED_IN', sw, s);
    }
    const san = ci({ key: `san:${site.code}`, class: 'StorageDevice', name: `${site.code}-san01`, criticality: 1, attributes: { serialNumber: `SAN-${site.code.toUpperCase()}-01`, hostname: `${site.code}-san01`, capacityTb: 400 } });
    rel('LOCATED_IN', san, s);
    rel('CONNECTED_TO', san, core);
    const hypervisors: string[] = [];
    for (let r = 1; r <= 3; r++) {
      const rack = ci({ key: `rack:${site.code}-${r}`, class: 'Location', name: `${site.code}-rack-${String(r).padStart(2, '0')}`, attributes: { locationId: `${site.code}-r${r}`, kind: 'rack' } });
      rel('LOCATED_IN', rack, s);
      const access = ci({ key: `net:${site.code}-acc-${r}`, class: 'NetworkDevice', name: `${site.code}-acc-sw${r}`, criticality: 2, attributes: { hostname: `${site.code}-acc-sw${r}`, serialNumber: `ASW-${site.code.toUpperCase()}-${r}`, role: 'access' } });
      rel('LOCATED_IN', access, rack);
      rel('CONNECTED_TO', access, core);
      for (let h = 1; h <= 4; h++) {
        const name = `${site.code}-esx${r}${h}`;
        const host = ci({ key: `host:${name}`, class: 'Server', name, criticality: 2, attributes: { hostname: name, fqdn: `${name}.acme.example`, serialNumber: `SRV-${name.toUpperCase()}`, manufacturer: 'Dell', model: 'R760', cpuCores: 64, memoryGb: 1024, os: 'ESXi 8' } });
        rel('LOCATED_IN', host, rack);
        rel('CONNECTED_TO', host, access);
        hypervisors.push(host);
      }
    }
    // two hypervisor clusters per site, six hosts each, four must stay up
    const vms: string[] = [];
    for (let c = 0; c < 2; c++) {
      const cluster = ci({ key: `cl:${site.code}-${c + 1}`, class: 'Cluster', name: `${site.code}-vsphere-${c + 1}`, criticality: 1, attributes: { clusterId: `${site.code}-vsphere-${c + 1}`, technology: 'vSphere', minUp: 4 } });
      for (const host of hypervisors.slice(c * 6, c * 6 + 6)) rel('HAS_MEMBER', cluster, host);
      rel('DEPENDS_ON', cluster, san);
      for (let v = 1; v <= 18; v++) {
        const name = `${site.code}-vm${c + 1}${String(v).padStart(2, '0')}`;
        const vm = ci({ key: `vm:${name}`, class: 'VirtualMachine', name, attributes: { hostname: name, fqdn: `${name}.acme.example`, vmId: `vm-${name}`, os: v % 3 === 0 ? 'Windows Server 2022' : 'Debian 12', cpuCores: 4, memoryGb: 16 } });
        rel('HOSTED_ON', vm, cluster);
        vms.push(vm);
      }
    }
    vmsBySite.set(site.code, vms);
  }
  const par = vmsBySite.get('par')!;
  const lyo = vmsBySite.get('lyo')!;
  let parNext = 0;
  let lyoNext = 0;
  const nextVm = (site: 'par' | 'lyo') => (site === 'par' ? par[parNext++ % par.length]! : lyo[lyoNext++ % lyo.length]!);

  // ---- databases
  const pgOrders = ci({ key: 'db:pg-orders', class: 'Cluster', name: 'pg-orders-cluster', criticality: 1, attributes: { clusterId: 'pg-orders', technology: 'Patroni', minUp: 1 } });
  for (const [n, site] of [[1, 'par'], [2, 'lyo']] as const) {
    const db = ci({ key: `db:pg-orders-${n}`, class: 'Database', name: `pg-orders-${n}`, criticality: 1, attributes: { instanceId: `pg-orders-${n}`, engine: 'PostgreSQL', version: '16', port: 5432 } });
    rel('RUNS_ON', db, nextVm(site));
    rel('HAS_MEMBER', pgOrders, db);
  }
  const payrollDb = ci({ key: 'db:payroll', class: 'Database', name: 'payroll-db', criticality: 2, attributes: { instanceId: 'oracle-payroll', engine: 'Oracle', version: '19c', port: 1521 } });
  rel('RUNS_ON', payrollDb, nextVm('par'));
  const crmDb = ci({ key: 'db:crm', class: 'Database', name: 'crm-db', criticality: 2, attributes: { instanceId: 'mssql-crm', engine: 'SQL Server', version: '2022', port: 1433 } });
  rel('RUNS_ON', crmDb, nextVm('lyo'));
  const catalogDb = ci({ key: 'db:catalog', class: 'Database', name: 'catalog-db', criticality: 2, attributes: { instanceId: 'pg-catalog', engine: 'PostgreSQL', version: '16', port: 5432 } });
  rel('RUNS_ON', catalogDb, nextVm('par'));
  const redis = ci({ key: 'db:sessions', class: 'Database', name: 'sessions-redis', criticality: 3, attributes: { instanceId: 'redis-sessions', engine: 'Redis', version: '7', port: 6379 } });
  rel('RUNS_ON', redis, nextVm('lyo'));

  // ---- shared platform services
  const ldapApp = ci({ key: 'app:sso', class: 'Application', name: 'sso-keycloak', criticality: 1, attributes: { appId: 'sso', version: '26', language: 'Java' } });
  rel('RUNS_ON', ldapApp, nextVm('par'));
  const ssoSvc = ci({ key: 'as:sso', class: 'ApplicationService', name: 'Single sign-on', criticality: 1, attributes: { serviceId: 'AS-SSO' } });
  rel('DEPENDS_ON', ssoSvc, ldapApp);
  rel('OWNED_BY', ssoSvc, 'grp:platform-team');
  const mq = ci({ key: 'app:mq', class: 'Application', name: 'rabbitmq', criticality: 2, attributes: { appId: 'rabbitmq', version: '3.13' } });
  rel('RUNS_ON', mq, nextVm('lyo'));

  // ---- farms behind load balancers
  const farm = (key: string, name: string, members: number, minUp: number, site: 'par' | 'lyo', deps: string[]) => {
    const lb = ci({ key: `lb:${key}`, class: 'LoadBalancer', name: `lb-${name}`, criticality: 2, attributes: { fqdn: `${name}.acme.example`, serialNumber: `LB-${key.toUpperCase()}`, vip: `10.10.${members}.${minUp}`, minUp } });
    rel('LOCATED_IN', lb, `rack:${site}-1`);
    rel('CONNECTED_TO', lb, `net:${site}-core`);
    for (let m = 1; m <= members; m++) {
      const app = ci({ key: `app:${key}-${m}`, class: 'Application', name: `${name}-${m}`, criticality: 2, attributes: { appId: `${key}-${m}`, version: '4.2.0' } });
      rel('RUNS_ON', app, nextVm(m % 2 === 0 ? (site === 'par' ? 'lyo' : 'par') : site));
      rel('HAS_MEMBER', lb, app);
      for (const d of deps) rel('DEPENDS_ON', app, d);
    }
    return lb;
  };
  const shopWeb = farm('shop-web', 'shop-web', 3, 2, 'par', [catalogDb, redis, ssoSvc]);
  const checkout = farm('checkout', 'checkout-api', 3, 1, 'par', [pgOrders, mq]);
  const crmFarm = farm('crm', 'crm-web', 2, 1, 'lyo', [crmDb, ssoSvc]);
  const payrollApp = ci({ key: 'app:payroll', class: 'Application', name: 'payroll-app', criticality: 2, attributes: { appId: 'payroll', version: '12.1' } });
  rel('RUNS_ON', payrollApp, nextVm('par'));
  rel('DEPENDS_ON', payrollApp, payrollDb);
  rel('DEPENDS_ON', payrollApp, ssoSvc);
  const reporting = ci({ key: 'app:reporting', class: 'Application', name: 'reporting-batch', criticality: 4, attributes: { appId: 'reporting' } });
  rel('RUNS_ON', reporting, nextVm('lyo'));
  rel('DEPENDS_ON', reporting, pgOrders);
  rel('DEPENDS_ON', reporting, crmDb);
  rel('DEPENDS_ON', reporting, payrollDb);
  const warehouse = ci({ key: 'app:wms', class: 'Application', name: 'warehouse-wms', criticality: 2, attributes: { appId: 'wms' } });
  rel('RUNS_ON', warehouse, nextVm('lyo'));
  rel('DEPENDS_ON', warehouse, pgOrders);
  rel('DEPENDS_ON', warehouse, mq);
  const k8s = ci({ key: 'cl:k8s', class: 'Cluster', name: 'k8s-prod', criticality: 2, attributes: { clusterId: 'k8s-prod', technology: 'Kubernetes', minUp: 2 } });
  for (let n = 1; n <= 3; n++) {
    const node = ci({ key: `vm:k8s-node-${n}`, class: 'VirtualMachine', name: `k8s-node-${n}`, attributes: { hostname: `k8s-node-${n}`, vmId: `vm-k8s-${n}` } });
    rel('HOSTED_ON', node, n === 2 ? 'cl:lyo-1' : 'cl:par-1');
    rel('HAS_MEMBER', k8s, node);
  }
  const recoPod = ci({ key: 'ctr:reco', class: 'Container', name: 'recommendations', criticality: 4, attributes: { containerId: 'reco-deploy', image: 'acme/reco:3', namespace: 'shop' } });
  rel('RUNS_ON', recoPod, k8s);
  rel('DEPENDS_ON', recoPod, catalogDb);
  const searchPod = ci({ key: 'ctr:search', class: 'Container', name: 'product-search', criticality: 3, attributes: { containerId: 'search-deploy', image: 'acme/search:7', namespace: 'shop' } });
  rel('RUNS_ON', searchPod, k8s);
  rel('DEPENDS_ON', searchPod, catalogDb);

  // ---- application and business services
  const as = (key: string, name: string, criticality: number, deps: string[], owner: string) => {
    const svc = ci({ key: `as:${key}`, class: 'ApplicationService', name, criticality, attributes: { serviceId: `AS-${key.toUpperCase()}` } });
    for (const d of deps) rel('DEPENDS_ON', svc, d);
    rel('OWNED_BY', svc, `grp:${owner}`);
    return svc;
  };
  const storefront = as('storefront', 'Storefront', 1, [shopWeb, searchPod, recoPod], 'shop-team');
  const checkoutSvc = as('checkout', 'Checkout', 1, [checkout], 'shop-team');
  const fulfil = as('fulfilment', 'Fulfilment', 2, [warehouse], 'shop-team');
  const crmSvc = as('crm', 'Customer records', 2, [crmFarm], 'finance-it');
  const payrollSvc = as('payroll', 'Payroll processing', 2, [payrollApp], 'finance-it');
  const biSvc = as('bi', 'Management reporting', 4, [reporting], 'finance-it');

  const bs = (key: string, name: string, criticality: number, deps: string[], owner: string) => {
    const svc = ci({ key: `bs:${key}`, class: 'BusinessService', name, criticality, attributes: { serviceId: `BS-${key.toUpperCase()}`, sla: criticality === 1 ? '99.95%' : '99.5%' } });
    for (const d of deps) rel('DEPENDS_ON', svc, d);
    rel('OWNED_BY', svc, `grp:${owner}`);
    return svc;
  };
  bs('eshop', 'Online shop', 1, [storefront, checkoutSvc, ssoSvc], 'shop-team');
  bs('orders', 'Order fulfilment', 1, [fulfil, checkoutSvc], 'shop-team');
  bs('customer-care', 'Customer care', 2, [crmSvc, ssoSvc], 'finance-it');
  bs('payroll', 'Payroll', 2, [payrollSvc], 'finance-it');
  bs('reporting', 'Business reporting', 4, [biSvc], 'finance-it');

  // a realistic wart: the SSO app reports through the message bus that the warehouse also uses
  rel('DEPENDS_ON', ldapApp, mq);

  // the rest of the VMs run small internal tools (each its own application)
  for (const [site, list] of [['par', par], ['lyo', lyo]] as const) {
    for (let i = site === 'par' ? parNext : lyoNext; i < list.length; i++) {
      const name = `${site}-tool-${i}`;
      const tool = ci({ key: `app:${name}`, class: 'Application', name, criticality: 5, attributes: { appId: name } });
      rel('RUNS_ON', tool, list[i]!);
      rel('OWNED_BY', tool, 'grp:platform-team');
    }
  }
  return { cis, rels };
}
