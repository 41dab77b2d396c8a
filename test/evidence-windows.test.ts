/**
 * Root cause's evidence reads for thousands of candidates (changes implemented since a
 * time, recorded changes, open incidents, CIs created since the outage began) read the window instead of each CI when the
 * window is the smaller: the answers must be the same either way (real Neo4j).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeTestGraph, testGraph, wipe } from './helpers/neo4j.js';
import { createCI, updateCI } from '../server/cis/index.js';
import { changesOnCIsSince, recordImplementedChange } from '../server/changes/index.js';
import { WINDOW_FIRST_MIN_IDS, type Graph } from '../server/db/index.js';
import { createIncident, incidentsOfCIs, transitionIncident } from '../server/incidents/index.js';
import { historyOf, recordedAfter } from '../server/rootcause/service.js';

let graph: Graph;
const who = { actor: 'test' };
const author = { actor: 'test', source: 'manual' };
const ids: string[] = [];
let created = 0;
let updated = 0;

beforeAll(async () => {
  graph = await testGraph();
  await wipe(graph);
  const n = WINDOW_FIRST_MIN_IDS + 44;
  for (let k = 0; k < n; k += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - k) }, (_v, j) => createCI(graph, { class: 'Application', name: `app-${String(k + j).padStart(3, '0')}`, criticality: null, attributes: {} }, author)),
    );
    ids.push(...batch.map((c) => c.id));
  }
  created = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 5));
  for (const k of [3, 77, 150, 151, 299]) await updateCI(graph, { id: ids[k]!, attributes: { owner: `team-${k}`, tier: k % 3 } }, author);
  updated = Date.now();
  const t0 = Date.now() - 3_600_000;
  await recordImplementedChange(graph, { title: 'one', targetCiIds: [ids[3]!, ids[200]!], implementedAt: t0 }, who);
  await recordImplementedChange(graph, { title: 'two', targetCiIds: [ids[150]!], implementedAt: t0 + 60_000 }, who);
  await recordImplementedChange(graph, { title: 'old', targetCiIds: [ids[150]!], implementedAt: t0 - 30 * 86_400_000 }, who);
  for (const k of [5, 5, 160, 250]) await createIncident(graph, { title: `on ${k}`, priority: 'P3', affectedCiIds: [ids[k]!, ids[(k + 1) % ids.length]!] }, who);
  const resolved = await createIncident(graph, { title: 'resolved', priority: 'P3', affectedCiIds: [ids[7]!] }, who);
  await transitionIncident(graph, resolved.id, 'IN_PROGRESS', who);
  await transitionIncident(graph, resolved.id, 'RESOLVED', who);
});
afterAll(closeTestGraph);

/** The same read on two halves (each below WINDOW_FIRST_MIN_IDS: one lookup per CI). */
const halves = () => [ids.slice(0, ids.length / 2), ids.slice(ids.length / 2)];

describe('evidence reads: the window or each CI, the same answers', () => {
  it('changes implemented since a time', async () => {
    const since = Date.now() - 7 * 86_400_000;
    const all = await changesOnCIsSince(graph, ids, since);
    const parts = (await Promise.all(halves().map((h) => changesOnCIsSince(graph, h, since)))).flat();
    const merged = new Map<string, string[]>();
    for (const c of parts) merged.set(c.change.id, [...(merged.get(c.change.id) ?? []), ...c.ciIds].sort());
    expect(all.map((c) => c.change.title)).toEqual(['two', 'one']);
    expect(new Map(all.map((c) => [c.change.id, [...c.ciIds].sort()]))).toEqual(merged);
    // Only the CIs asked about are named.
    expect((await changesOnCIsSince(graph, ids.filter((_id, k) => k !== 200), since)).find((c) => c.change.title === 'one')!.ciIds).toEqual([ids[3]]);
  });

  it('open incidents per CI', async () => {
    const all = await incidentsOfCIs(graph, ids, true);
    const parts = await Promise.all(halves().map((h) => incidentsOfCIs(graph, h, true)));
    const merged = new Map(parts.flatMap((m) => [...m]));
    const idsOf = (m: Map<string, { id: string }[]>) => new Map([...m].map(([ci, list]) => [ci, list.map((i) => i.id)]));
    expect(idsOf(all)).toEqual(idsOf(merged));
    expect(all.get(ids[5]!)!.length).toBe(2);
    expect(all.get(ids[7]!)).toEqual([]);
  });

  it('recorded changes: the window when it is small, each CI when it is not', async () => {
    const summaries = async (since: number) => {
      const all = await historyOf(graph, ids, since, Date.now());
      const parts = await Promise.all(halves().map((h) => historyOf(graph, h, since, Date.now())));
      return { all, merged: new Map(parts.flatMap((m) => [...m])) };
    };
    // After the creations: five updates (the window, read at once).
    const recent = await summaries(created + 1);
    expect(recent.all).toEqual(recent.merged);
    expect(recent.all.size).toBe(5);
    expect(recent.all.get(ids[3]!)).toMatchObject({ count: 2, fields: ['attributes.owner', 'attributes.tier'] });
    expect(recent.all.get(ids[3]!)!.latestAt).toBeLessThanOrEqual(updated);
    // From before the creations: more entries than CIs asked about (each CI read instead).
    const everything = await summaries(0);
    expect(everything.all).toEqual(everything.merged);
    expect(everything.all.size).toBe(ids.length);
  });

  it('CIs created after a time: those created since, or each CI when too many were', async () => {
    const asked = ids.filter((_id, k) => k % 2 === 0);
    const expected = new Set(asked);
    for (const cap of [10, ids.length + 1]) expect(await recordedAfter(graph, asked, 0, cap)).toEqual(expected);
    expect((await recordedAfter(graph, asked, created + 1, 10)).size).toBe(0);
  });
});
