/**
 * `faultline import <source> ...`: runs an adapter into the sync engine, shows progress,
 * prints a summary, exits non-zero when the run failed (or a dry run would be refused).
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import type { Graph } from '../../server/db/index.js';
import { AD_SOURCE, ldapRecords, ldapScope, ldifRecords, ldifScope, type LdapOptions } from '../ad/index.js';
import { runSync, type PrecedenceRule, type SourceItem, type SyncReport } from '../sync/index.js';
import { connectForImport } from './connect.js';
import { registerNetbox } from './netbox.js';
import { registerInventory } from './inventory.js';
import { progressView } from './progress.js';

export interface CommonOptions {
  scope?: string;
  dryRun?: boolean;
  force?: boolean;
  maxRetireShare: number;
  precedence?: string;
  json?: boolean;
  lastSeenHours: number;
}

/** What main.ts hands the commands registered from other files (they must not import it: loading it runs the CLI). */
export interface SharedCli {
  withCommon: (cmd: Command) => Command;
  execute: (items: AsyncIterable<SourceItem>, scope: string, common: CommonOptions, source?: string) => Promise<number>;
}

const precedenceSchema = z.array(
  z.object({ class: z.string().optional(), field: z.string().min(1), order: z.array(z.string().min(1)).min(1) }),
);

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a share between 0 and 1, e.g. 0.1');
  return n;
}

function hours(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && Number.isFinite(n))) throw new InvalidArgumentError('hours, 0 or more (0: every run)');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

function loadPrecedence(file: string | undefined): PrecedenceRule[] {
  if (!file) return [];
  // Named like a bad --mapping (csv/mapping.ts loadMapping): JSON.parse's message alone does not say which file.
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not readable JSON: ${(e as Error).message}`, { cause: e });
  }
  const parsed = precedenceSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: not a list of {class?, field, order[]} rules: ${parsed.error.message}`);
  return parsed.data;
}

function summary(report: SyncReport): string {
  const c = report.counts;
  const lines = [
    `${report.status} ${report.runId} (${report.source} ${report.scope}) in ${((report.finishedAt - report.startedAt) / 1000).toFixed(1)} s`,
    `  read ${c.read}, created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, withdrawn ${c.withdrawn}, retired ${c.retired}`,
    `  rejected ${c.rejected}, conflicts ${c.conflicts}, skipped ${c.skipped}, unresolved references ${report.unresolved.count}`,
    `  relationships: created ${c.relationshipsCreated}, closed ${c.relationshipsClosed}, unchanged ${c.relationshipsUnchanged}`,
  ];
  if (report.status !== 'FAILED' && c.created + c.updated + c.retired + c.withdrawn + c.relationshipsCreated + c.relationshipsClosed === 0) {
    lines.push('  nothing changed');
  }
  if (report.error) lines.push(`  ${report.status === 'DRY_RUN' ? 'would stop' : 'error'}: ${report.error}`);
  if (report.withdrawalHeld) lines.push(`  ${report.withdrawalHeld}`);
  for (const r of report.rejections.slice(0, 10)) lines.push(`  rejected ${r.origin}: ${r.reason}`);
  if (report.rejections.length > 10) lines.push(`  ... ${c.rejected - 10} more rejections (see the run's report)`);
  for (const r of report.conflicts.slice(0, 10)) lines.push(`  conflict ${r.origin}: ${r.reason}`);
  for (const r of report.skips.slice(0, 10)) lines.push(`  skipped ${r.count === 1 ? r.first : `${r.count}, the first ${r.first}`}: ${r.reason}`);
  if (report.skips.length > 10) lines.push(`  ... ${report.skips.length - 10} more reasons for skipping (see the run's report)`);
  if (report.status === 'DRY_RUN') {
    for (const d of report.sample) {
      const what = d.relationship
        ? `${d.relationship.type} ${d.relationship.from} -> ${d.relationship.to}`
        : `${d.class} "${d.name}" ${d.ciId}`;
      const changes = d.changes?.map((ch) => `${ch.field}: ${JSON.stringify(ch.old)} -> ${JSON.stringify(ch.new)}`).join(', ');
      lines.push(`  would ${d.action} ${what}${changes ? ` (${changes})` : ''}`);
    }
  }
  return lines.join('\n');
}

export async function execute(items: AsyncIterable<SourceItem>, scope: string, common: CommonOptions, source = AD_SOURCE): Promise<number> {
  const precedence = loadPrecedence(common.precedence);
  let graph: Graph | undefined;
  const view = progressView();
  try {
    graph = await connectForImport();
    const report = await runSync(graph, items, {
      source,
      scope: common.scope ?? scope,
      dryRun: common.dryRun ?? false,
      force: common.force ?? false,
      maxRetireShare: common.maxRetireShare,
      precedence,
      lastSeenIntervalMs: common.lastSeenHours * 3_600_000,
      onProgress: (p) => view.update(p),
    });
    view.stop();
    process.stdout.write(`${common.json ? JSON.stringify(report, null, 2) : summary(report)}\n`);
    if (report.status === 'FAILED') return 1;
    return report.guardTripped ? 3 : 0;
  } finally {
    view.stop();
    await graph?.driver.close();
  }
}

function readPassword(opts: { passwordEnv?: string; passwordFile?: string }): string | undefined {
  if (opts.passwordEnv) {
    const value = process.env[opts.passwordEnv];
    if (value === undefined) throw new Error(`--password-env ${opts.passwordEnv}: that environment variable is not set`);
    return value;
  }
  if (opts.passwordFile) return readFileSync(opts.passwordFile, 'utf8').replace(/\r?\n$/, '');
  return undefined;
}

export function withCommon(cmd: Command): Command {
  return cmd
    .option('--scope <scope>', 'what this run covers; withdrawal is per source+scope (default: derived from the input)')
    .option('--dry-run', 'write nothing; report what would change')
    .option('--force', 'apply even when more than --max-retire-share would be withdrawn')
    .addOption(new Option('--max-retire-share <share>', 'stop when more than this share of the scope would be withdrawn').argParser(share).default(0.1))
    .option('--precedence <file>', 'JSON list of precedence rules {class?, field, order[]}')
    .option('--json', 'print the full report as JSON')
    .addOption(
      new Option('--last-seen-hours <h>', "rewrite a still-asserted relationship's lastSeen only when it is this old (0: every run)")
        .argParser(hours)
        .default(12),
    );
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('faultline').description('Faultline command line').exitOverride();
  const imp = program.command('import').description('sync a source into the graph');

  withCommon(
    imp
      .command('ad-ldif')
      .description('Active Directory (or OpenLDAP) from LDIF files written by ldifde or ldapsearch')
      .argument('<files...>', 'LDIF files, read in order as one source'),
  ).action(async (files: string[], opts: CommonOptions) => {
    setExit(await execute(ldifRecords(files), ldifScope(files), opts));
  });

  withCommon(
    imp
      .command('ad-ldap')
      .description('Active Directory from a live LDAP server (ldapts)')
      .requiredOption('--url <url>', 'ldaps://dc.example.com or ldap://... with --starttls')
      .requiredOption('--base-dn <dn>', 'search base, e.g. dc=corp,dc=example,dc=com')
      .option('--filter <filter>', 'LDAP filter (default: users, groups, computers, OUs, the domain)')
      .option('--bind-dn <dn>', 'simple bind DN or user@domain')
      .option('--password-env <var>', 'environment variable holding the bind password')
      .option('--password-file <file>', 'file holding the bind password')
      .option('--ca-file <pem>', 'CA certificate(s) to trust for LDAPS/StartTLS')
      .option('--starttls', 'upgrade ldap:// with StartTLS before binding')
      .option('--tls-server-name <name>', 'name the certificate must carry when --url uses an IP')
      .option('--insecure-skip-verify', 'do NOT verify the server certificate (explicit, for labs only)')
      .option('--allow-plaintext', 'allow a bind over ldap:// without TLS (loopback tests only)')
      .addOption(new Option('--page-size <n>', 'entries per page').argParser(positive).default(500))
      .addOption(new Option('--range-size <n>', 'ask for group members in ranges of n').argParser(positive)),
  ).action(async (opts: CommonOptions & Record<string, string | boolean | number | undefined>) => {
    const ldap: LdapOptions = {
      url: String(opts.url),
      baseDN: String(opts.baseDn),
      ...(opts.filter ? { filter: String(opts.filter) } : {}),
      ...(opts.bindDn ? { bindDN: String(opts.bindDn) } : {}),
      password: readPassword({ passwordEnv: opts.passwordEnv as string | undefined, passwordFile: opts.passwordFile as string | undefined }),
      ...(opts.caFile ? { caFile: String(opts.caFile) } : {}),
      ...(opts.tlsServerName ? { tlsServerName: String(opts.tlsServerName) } : {}),
      startTLS: Boolean(opts.starttls),
      insecureSkipVerify: Boolean(opts.insecureSkipVerify),
      allowPlaintext: Boolean(opts.allowPlaintext),
      pageSize: Number(opts.pageSize),
      ...(opts.rangeSize ? { rangeSize: Number(opts.rangeSize) } : {}),
    };
    if (ldap.insecureSkipVerify) process.stderr.write('warning: --insecure-skip-verify: the server certificate is NOT verified\n');
    setExit(await execute(ldapRecords(ldap), ldapScope(ldap), opts));
  });
  registerNetbox(imp, setExit, { withCommon, execute });
  registerInventory(imp, setExit, { withCommon, execute });
  return program;
}

async function main(): Promise<void> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code?.startsWith('commander.')) {
      process.exitCode = e.exitCode ?? 2;
      return;
    }
    process.stderr.write(`faultline: ${e.message ?? String(error)}\n`);
    process.exitCode = 1;
    return;
  }
  process.exitCode = code;
}

await main();
