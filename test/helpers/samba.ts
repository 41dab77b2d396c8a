/**
 * A real Active Directory for the LDAP importer tests: Samba's AD DC from the Debian
 * packages (samba, samba-ad-dc, winbind, krb5-user, ldb-tools, ldap-utils), provisioned
 * into a temp dir once per test file, listening on loopback only (ports 389/636/88),
 * slimmed to the ldap, cldap and kdc services. Populate it with samba-tool (`tool`) or
 * ldapts (`client`). See ../shared/LOCAL-SERVICES.md for the recipe.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

export const SAMBA_REALM = 'CORP.EXAMPLE.TEST';
export const SAMBA_BASE_DN = 'DC=corp,DC=example,DC=test';
const ADMIN_PASSWORD = 'Faultline-Test-1!';

/** Why the Samba tests cannot run here, or null when they can. */
export function sambaMissing(): string | null {
  for (const bin of ['samba', 'samba-tool']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) {
      return `${bin} is not installed (apt-get install samba samba-ad-dc samba-ad-provision winbind krb5-user ldb-tools ldap-utils)`;
    }
  }
  return null;
}

export interface SambaDC {
  dir: string;
  ldapsUrl: string;
  ldapUrl: string;
  baseDN: string;
  /** The certificate is issued to this name, not to 127.0.0.1. */
  tlsServerName: string;
  caFile: string;
  adminDN: string;
  adminPassword: string;
  /** Runs `samba-tool <args> -s smb.conf -H ldap://127.0.0.1 -U Administrator%…`; throws on failure. */
  tool(...args: string[]): string;
  /**
   * Adds many entries in one ldb transaction (ldbadd on the DC's sam.ldb): 2,000 users take
   * seconds this way, minutes one LDAP add at a time.
   */
  bulkAdd(ldif: string): void;
  /** A bound ldapts client over LDAPS (verified against the DC's CA). */
  client(): Promise<Client>;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function slimConfig(dir: string) {
  const file = join(dir, 'etc', 'smb.conf');
  const extra = [
    `\tlog file = ${join(dir, 'log.%m')}`,
    `\tpid directory = ${join(dir, 'run')}`,
    `\twinbindd socket directory = ${join(dir, 'winbindd')}`,
    `\tntp signd socket directory = ${join(dir, 'ntp_signd')}`,
    '\tldap server require strong auth = no',
    '\tprefork children = 1',
    // A throwaway test domain: skip fsync on every write (Samba's own selftest does the same).
    '\tldb:nosync = true',
  ].join('\n');
  const text = readFileSync(file, 'utf8')
    .replace(/^\tserver services = .*$/m, '\tserver services = ldap, cldap, kdc')
    .replace(/^\tlog file = .*$/m, extra);
  writeFileSync(file, text);
  mkdirSync(join(dir, 'run'), { recursive: true });
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs: number, log: () => string) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Samba: ${what} did not happen within ${timeoutMs} ms\n${log()}`);
}

export async function startSamba(): Promise<SambaDC> {
  if (await portOpen(636)) throw new Error('Samba: something already listens on 127.0.0.1:636 (another Samba?); stop it first');
  const dir = mkdtempSync(join(tmpdir(), 'faultline-samba-'));
  const provision = spawnSync(
    'samba-tool',
    [
      'domain', 'provision', `--targetdir=${dir}`, `--realm=${SAMBA_REALM}`, '--domain=CORP', '--server-role=dc',
      '--dns-backend=NONE', `--adminpass=${ADMIN_PASSWORD}`, '--use-rfc2307',
      '--option=interfaces=lo', '--option=bind interfaces only=yes',
    ],
    { encoding: 'utf8' },
  );
  if (provision.status !== 0) throw new Error(`samba-tool domain provision failed:\n${provision.stderr}${provision.stdout}`);
  slimConfig(dir);
  const conf = join(dir, 'etc', 'smb.conf');
  const out: string[] = [];
  // Its own process group (detached), so stop() can signal the workers too, not only the root.
  const child: ChildProcess = spawn('samba', ['-s', conf, '--foreground', '--no-process-group', '--debug-stdout', '-d', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  // Detached, it would outlive a test process that exits without stop().
  const killGroup = () => signalGroup('SIGKILL');
  process.once('exit', killGroup);
  child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
  const log = () => out.join('').slice(-3000);
  const caFile = join(dir, 'private', 'tls', 'ca.pem');
  await waitFor(async () => (await portOpen(636)) && existsSync(caFile), 'LDAPS on 127.0.0.1:636', 60_000, log);
  const hostname = /^\tnetbios name = (.*)$/m.exec(readFileSync(conf, 'utf8'))?.[1]?.trim() ?? 'DC';
  const tlsServerName = `${hostname}.${SAMBA_REALM.toLowerCase()}`;
  const adminDN = `CN=Administrator,CN=Users,${SAMBA_BASE_DN}`;

  const dc: SambaDC = {
    dir,
    ldapsUrl: 'ldaps://127.0.0.1:636',
    ldapUrl: 'ldap://127.0.0.1:389',
    baseDN: SAMBA_BASE_DN,
    tlsServerName,
    caFile,
    adminDN,
    adminPassword: ADMIN_PASSWORD,
    tool(...args: string[]) {
      const res = spawnSync('samba-tool', [...args, '-s', conf, '-H', 'ldap://127.0.0.1', '-U', `Administrator%${ADMIN_PASSWORD}`], {
        encoding: 'utf8',
      });
      if (res.status !== 0) throw new Error(`samba-tool ${args.join(' ')} failed:\n${res.stderr}${res.stdout}`);
      return res.stdout;
    },
    bulkAdd(ldif: string) {
      const file = join(dir, `bulk-${Date.now()}.ldif`);
      writeFileSync(file, ldif);
      const res = spawnSync('ldbadd', ['-H', join(dir, 'private', 'sam.ldb'), file], { encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`ldbadd failed:\n${res.stderr}${res.stdout}`);
    },
    async client() {
      const client = new Client({
        url: dc.ldapsUrl,
        tlsOptions: { ca: [readFileSync(caFile)], servername: tlsServerName },
      });
      await client.bind(adminDN, ADMIN_PASSWORD);
      return client;
    },
    async stop() {
      process.off('exit', killGroup);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        signalGroup('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      }
      // Workers that outlived the root process would recreate msg.sock/ while the
      // directory is being removed (seen in CI): nothing of the group may survive.
      signalGroup('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 500 });
      } catch (err) {
        // A leftover temp dir is not a test failure; say where it is.
        console.warn(`Samba: could not remove ${dir}: ${(err as Error).message}`);
      }
    },
  };
  return dc;
}
