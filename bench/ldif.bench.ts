/**
 * LDIF import (issue 5): a generated directory of N objects (default 100,000: users,
 * groups of ~20 members, computers, OUs; binary objectGUIDs, folded lines, FILETIMEs)
 * written to a temp file, then
 *   1. read + map only (the streaming parser): rate and memory peak,
 *   2. a full sync into Neo4j (identify, reconcile, batched writes with history),
 *   3. the same file again (nothing changes: the idempotent path),
 *   4. baseline: raw Cypher UNWIND CREATE of the same nodes and relationships.
 * Memory is this Node process's peak RSS and heap, sampled every 50 ms; run with
 * NODE_OPTIONS=--expose-gc to also get the live heap (after a full collection every 5 s),
 * which leaves out garbage V8 has not collected yet.
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { encodeFiletime, encodeGuid, ldifRecords, ldifScope, mapEntry, readLdif } from '../importers/ad/index.js';
import { runSync } from '../importers/sync/index.js';
import { benchGraph, type BenchOptions } from './options.js';

const BASE = 'DC=bench,DC=example,DC=test';

async function writeDirectory(file: string, n: number): Promise<{ users: number; groups: number; computers: number; ous: number }> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const ous = Math.max(1, Math.round(n / 1000));
  const groups = Math.round(n * 0.1);
  const computers = Math.round(n * 0.05);
  const users = n - ous - groups - computers - 1;
  const when = '20260101120000.0Z';
  const logon = encodeFiletime(new Date('2026-11-01T08:00:00Z'));
  const guid = () => encodeGuid(randomUUID()).toString('base64');
  const ou = (i: number) => `OU=Unit${i},${BASE}`;
  await write(`version: 1\n\ndn: ${BASE}\nobjectClass: top\nobjectClass: domain\nobjectClass: domainDNS\nobjectGUID:: ${guid()}\n\n`);
  for (let i = 0; i < ous; i++) await write(`dn: ${ou(i)}\nobjectClass: organizationalUnit\nou: Unit${i}\nobjectGUID:: ${guid()}\nwhenChanged: ${when}\n\n`);
  const userDN = (i: number) => `CN=user${i},${ou(i % ous)}`;
  for (let i = 0; i < users; i++) {
    const description = `Generated user ${i} with a description long enough that ldifde folds it onto a second line of the export file`;
    await write(
      `dn: ${userDN(i)}\nchangetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n` +
        `cn: user${i}\nsAMAccountName: user${i}\nmail: user${i}@bench.example.test\ndisplayName: User ${i}\n` +
        `title: Engineer\ndepartment: Dept${i % 40}\n` +
        `description: ${description.slice(0, 60)}\n ${description.slice(60)}\n` +
        `userAccountControl: ${i % 17 === 0 ? 514 : 512}\nobjectGUID:: ${guid()}\nwhenChanged: ${when}\nlastLogonTimestamp: ${logon}\n` +
        (i % 25 > 0 ? `manager: ${userDN(i - (i % 25))}\n` : '') +
        '\n',
    );
  }
  for (let i = 0; i < computers; i++) {
    await write(
      `dn: CN=pc${i},${ou(i % ous)}\nobjectClass: top\nobjectClass: person\nobjectClass: user\nobjectClass: computer\ncn: pc${i}\n` +
        `sAMAccountName: pc${i}$\ndNSHostName: pc${i}.bench.example.test\noperatingSystem: Windows 11 Enterprise\n` +
        `userAccountControl: 4096\nobjectGUID:: ${guid()}\nwhenChanged: ${when}\n\n`,
    );
  }
  for (let g = 0; g < groups; g++) {
    const members = Array.from({ length: 20 }, (_, k) => `member: ${userDN((g * 7 + k * 131) % users)}`);
    if (g > 0 && g % 10 === 0) members.push(`member: CN=group${g - 1},${ou((g - 1) % ous)}`);
    await write(
      `dn: CN=group${g},${ou(g % ous)}\nobjectClass: top\nobjectClass: group\ncn: group${g}\nsAMAccountName: group${g}\n` +
        `groupType: -2147483646\nobjectGUID:: ${guid()}\nwhenChanged: ${when}\n${members.join('\n')}\n\n`,
    );
  }
  out.end();
  await once(out, 'finish');
  return { users, groups, computers, ous };
}

/** Bytes of the sync's spool files (the plan on disk) right now. */
function spoolBytes(dir: string | undefined): number {
  if (!dir || !existsSync(dir)) return 0;
  let total = 0;
  for (const run of readdirSync(dir)) {
    try {
      for (const f of readdirSync(join(dir, run))) total += statSync(join(dir, run, f)).size;
    } catch {
      // the run removed its spool meanwhile
    }
  }
  return total;
}

function memorySampler(spoolDir?: string) {
  let rss = 0;
  let heap = 0;
  let spool = 0;
  let live = 0;
  let ticks = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
    if (ticks % 10 === 0) spool = Math.max(spool, spoolBytes(spoolDir));
    // With --expose-gc: every 5 s a full collection, then the heap that is really held.
    if (global.gc && ticks % 100 === 99) {
      global.gc();
      live = Math.max(live, process.memoryUsage().heapUsed);
    }
    ticks++;
  };
  sample();
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
      return { rssMb: mb(rss), heapMb: mb(heap), liveMb: global.gc ? mb(live) : undefined, spoolMb: mb(spool) };
    },
  };
}

async function timed<T>(label: string, count: number, work: () => Promise<T>, spoolDir?: string): Promise<T> {
  global.gc?.();
  const mem = memorySampler(spoolDir);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const peak = mem.stop();
  console.log(
    `${label.padEnd(44)} ${seconds.toFixed(1).padStart(7)} s  ${Math.round(count / seconds).toLocaleString('en').padStart(8)} objects/s  ` +
      `peak RSS ${peak.rssMb} MB, heap ${peak.heapMb} MB` +
        (peak.liveMb !== undefined ? `, live heap ${peak.liveMb} MB` : '') +
        (spoolDir ? `, spool ${peak.spoolMb} MB on disk` : ''),
  );
  return result;
}

export default async function (options: BenchOptions): Promise<void> {
  const n = options.smoke ? 2_000 : (options.scales?.[0] ?? 100_000);
  const dir = mkdtempSync(join(tmpdir(), 'faultline-ldif-bench-'));
  const file = join(dir, 'directory.ldif');
  try {
    const shape = await writeDirectory(file, n);
    console.log(
      `generated ${n.toLocaleString('en')} directory objects (${shape.users} users, ${shape.groups} groups of ~20 members, ` +
        `${shape.computers} computers, ${shape.ous} OUs, the domain): ${(statSync(file).size / 2 ** 20).toFixed(1)} MB LDIF`,
    );
    await timed('1. read + map only (streaming parser)', n, async () => {
      let records = 0;
      for await (const item of readLdif(file)) {
        if (item.kind === 'entry') {
          mapEntry({ dn: item.entry.dn, attributes: item.entry.attributes, origin: '' });
          records++;
        }
      }
      return records;
    });
    if (!options.allowWipe) {
      console.log('skipping the Neo4j phases: the database is not ours to wipe (pass --allow-wipe)');
      return;
    }
    const { graph, close } = await benchGraph(options);
    try {
      await graph.runAutoCommit('MATCH (n) WHERE NOT n:SchemaMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
      const spoolDir = join(dir, 'spool');
      mkdirSync(spoolDir);
      const sync = () => runSync(graph, ldifRecords([file]), { source: 'ad', scope: ldifScope([file]), spoolDir });
      const first = await timed('2. full sync into Neo4j (first run)', n, sync, spoolDir);
      const c = first.counts;
      console.log(
        `   ${first.status}: created ${c.created}, rejected ${c.rejected}, relationships ${c.relationshipsCreated}, unresolved ${first.unresolved.count}`,
      );
      console.log(`   phases (ms): ${JSON.stringify(first.timings)}`);
      const second = await timed('3. same file again (idempotent, no changes)', n, sync, spoolDir);
      console.log(`   ${second.status}: unchanged ${second.counts.unchanged}, updated ${second.counts.updated}, created ${second.counts.created}`);
      console.log(`   phases (ms): ${JSON.stringify(second.timings)}`);

      await graph.runAutoCommit('MATCH (n) WHERE NOT n:SchemaMigration CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS');
      await timed('4. baseline: raw UNWIND CREATE, same nodes+rels', n, async () => {
        const ids: string[] = [];
        const batch: Record<string, unknown>[] = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await graph.write('UNWIND $rows AS row CREATE (n:CI:User) SET n = row', { rows: batch.splice(0) });
        };
        for await (const item of ldifRecords([file])) {
          if (item.kind !== 'record') continue;
          const id = randomUUID();
          ids.push(id);
          batch.push({ id, name: item.record.name, class: item.record.class, attributes: JSON.stringify(item.record.attributes) });
          if (batch.length === 5000) await flush();
        }
        await flush();
        const rels = Array.from({ length: first.counts.relationshipsCreated }, (_, i) => ({ from: ids[i % ids.length], to: ids[(i * 7 + 1) % ids.length] }));
        for (let i = 0; i < rels.length; i += 10_000) {
          await graph.write('UNWIND $rows AS row MATCH (a:CI {id: row.from}) MATCH (b:CI {id: row.to}) CREATE (a)-[:MEMBER_OF]->(b)', { rows: rels.slice(i, i + 10_000) });
        }
      });
      console.log('   (the sync also identifies against existing CIs, reconciles, and writes history + provenance)');
    } finally {
      await close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
