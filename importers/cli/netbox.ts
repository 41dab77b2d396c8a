/**
 * `faultline import netbox <dump.json>`: a NetBox `dumpdata` JSON export into the graph.
 * The common options and the run itself are main.ts's (handed in, so this file does not
 * import main.ts, which runs the CLI when loaded).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NETBOX_SOURCE, netboxRecords, netboxScope, roleOverrideSchema, type NetboxStats, type RoleOverrides } from '../netbox/index.js';
import type { CommonOptions, SharedCli } from './main.js';

/** `--role-map` is inline JSON (`{"camera":"skip","*":"Server"}`) or a JSON file. */
export function loadRoleMap(value: string | undefined): RoleOverrides {
  if (!value) return {};
  const text = value.trim().startsWith('{') || !existsSync(value) ? value : readFileSync(value, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`--role-map: neither a JSON object nor a readable JSON file: ${value}`);
  }
  const parsed = roleOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`--role-map: an object of role slug or name → one of Server, NetworkDevice, StorageDevice, LoadBalancer, Computer, skip: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

const counts = (c: Record<string, number>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([m, n]) => `${m} ${n}`)
    .join(', ') || 'none';

/** What the adapter saw, per model (the engine counts only records and skips). */
export function netboxSummary(s: NetboxStats): string {
  return [
    `netbox: ${s.objects} objects read`,
    `  mapped: ${counts(s.mapped)}`,
    `  skipped: ${counts(s.skipped)}`,
    `  ignored (Django bookkeeping): ${counts(s.ignored)}`,
    `  cables: ${s.cables.linked} device pairs linked, ${s.cables.peer} peer links (same tier) not linked, ${s.cables.notBetweenDevices} not between two devices, ${s.cables.unmapped} to a device not imported, ${s.cables.notConnected} not connected`,
  ].join('\n');
}

export function registerNetbox(imp: Command, setExit: (code: number) => void, shared: SharedCli): void {
  shared
    .withCommon(
      imp
        .command('netbox')
        .description('NetBox from a `manage.py dumpdata` JSON export (regions, sites, racks, devices, clusters, VMs, cables)')
        .argument('<dump>', 'the dumpdata JSON file')
        .option('--role-map <json|file>', 'device role slug/name → class or "skip", "*" for any other role (JSON or a JSON file)'),
    )
    .action(async (dump: string, opts: CommonOptions & { roleMap?: string }) => {
      const roles = loadRoleMap(opts.roleMap);
      let stats: NetboxStats | undefined;
      const code = await shared.execute(netboxRecords(dump, { roles }, (s) => (stats = s)), netboxScope(dump), opts, NETBOX_SOURCE);
      // stderr, so that --json keeps stdout one JSON document.
      if (stats) process.stderr.write(`${netboxSummary(stats)}\n`);
      setExit(code);
    });
}
