import { describe, expect, it } from 'vitest';
import { PROPAGATING_TYPES } from '../../graph-schema/index.js';
import { generateCMDB, type GeneratedCMDB } from '../../test/generator/index.js';
import { indexSubgraph, type SubgraphCI, type SubgraphRelationship } from '../impact/index.js';
import { prepareRcaGraphFrom } from './carry.js';
import { closureBits } from './closures.js';
import { downParts } from './down-parts.js';
import { nameRanks, prepareRcaGraph, type RcaGraph } from './model.js';

const AT = 1_000_000;

interface Rows {
  cis: SubgraphCI[];
  relationships: SubgraphRelationship[];
  classes: Map<string, string>;
}

function rowsOf(data: GeneratedCMDB): Rows {
  return {
    cis: data.cis.map((c) => ({ id: c.id, createdAt: null, retiredAt: null, minUp: typeof c.attributes?.minUp === 'number' ? c.attributes.minUp : null })),
    relationships: data.relationships.map((r) => ({ type: r.type, from: r.from, to: r.to })),
    classes: new Map(data.cis.map((c) => [c.id, c.class])),
  };
}

function prepare(rows: Rows) {
  const g = indexSubgraph({ cis: rows.cis, relationships: rows.relationships }, AT);
  const nodes = new Map([...rows.classes].map(([id, cls]) => [id, { class: cls, name: id }]));
  return { g, nodes };
}

/** A projection's prepared graph after warming: every count, DOWN part, user-facing set, closure bitset and list kept. */
function warmed(rows: Rows): RcaGraph {
  const { g, nodes } = prepare(rows);
  const prepared = prepareRcaGraph(g, nodes, { countAll: true });
  const bits = closureBits(prepared);
  const parts = downParts(prepared);
  bits.warm();
  parts.warm();
  for (let x = 0; x < g.ids.length; x++) if (!prepared.aboveFragile[x]) parts.userFacingDown(x);
  return prepared;
}

const sorted = (xs: ArrayLike<number>) => Array.from(xs).sort((a, b) => a - b);

/** Everything a ranking reads of `carried`, as a fresh preparation of the same graph gives it. */
function expectSame(carried: RcaGraph, fresh: RcaGraph, what: string) {
  const n = fresh.graph.ids.length;
  expect(Array.from(carried.downstreamAll), what).toEqual(Array.from(fresh.downstreamAll));
  expect(Array.from(carried.downstreamUserFacing), what).toEqual(Array.from(fresh.downstreamUserFacing));
  expect(Array.from(carried.aboveFragile), what).toEqual(Array.from(fresh.aboveFragile));
  const [bitsC, bitsF] = [closureBits(carried), closureBits(fresh)];
  const [partsC, partsF] = [downParts(carried), downParts(fresh)];
  const userFacingOf = (bits: typeof bitsC, set: { lo: number; words: Uint32Array } | undefined) => {
    const out: number[] = [];
    set?.words.forEach((word, w) => {
      for (let k = 0; k < 32; k++) if ((word >>> k) & 1) out.push(bits.nodeOf[(set.lo + w) * 32 + k]!);
    });
    return out.sort((a, b) => a - b);
  };
  let big = 0;
  for (let x = 0; x < n; x++) {
    big += bitsF.isBig(x) ? 1 : 0;
    expect(sorted(bitsC.listOf(x)), `${what}: closure of ${fresh.graph.ids[x]}`).toEqual(sorted(bitsF.listOf(x)));
    if (bitsF.isBig(x)) expect(userFacingOf(bitsC, bitsC.of(x)), what).toEqual(userFacingOf(bitsF, bitsF.of(x)));
    if (fresh.aboveFragile[x]) continue;
    expect(partsC.of(x), `${what}: DOWN part of ${fresh.graph.ids[x]}`).toEqual(partsF.of(x));
    expect(userFacingOf(bitsC, partsC.userFacingDown(x))).toEqual(userFacingOf(bitsF, partsF.userFacingDown(x)));
  }
  expect(big, `${what}: failures big enough for a bitset`).toBeGreaterThan(0);
}

describe('carrying what root cause prepared over to a projection brought up to date', () => {
  const data = generateCMDB({ n: 3000, seed: 11 });
  const base = rowsOf(data);
  const byClass = (cls: string) => data.cis.filter((c) => c.class === cls).map((c) => c.id);
  const relOf = (type: string) => base.relationships.find((r) => r.type === type)!;
  const farm = relOf('HAS_MEMBER').from;
  const vm = relOf('RUNS_ON').to;
  const app = byClass('Application')[3]!;
  const db = byClass('Database')[2]!;
  const service = byClass('BusinessService')[1]!;

  /** Each write as the projection applies it: rows in place, new CIs last. */
  const writes: [string, (rows: Rows) => void][] = [
    [
      'an application created, running on a VM',
      (rows) => {
        rows.cis.push({ id: 'new-app', createdAt: null, retiredAt: null, minUp: null });
        rows.classes.set('new-app', 'Application');
        rows.relationships.push({ type: 'RUNS_ON', from: 'new-app', to: vm });
      },
    ],
    ['a membership closed', (rows) => void rows.relationships.splice(rows.relationships.indexOf(relOf('HAS_MEMBER')), 1)],
    [
      "a farm's minUp raised",
      (rows) => {
        rows.cis.find((c) => c.id === farm)!.minUp = 2;
      },
    ],
    ['a dependency added', (rows) => void rows.relationships.push({ type: 'DEPENDS_ON', from: service, to: db })],
    ['a dependency closed', (rows) => void rows.relationships.splice(rows.relationships.indexOf(relOf('DEPENDS_ON')), 1)],
    ["an application's class no longer user-facing", (rows) => void rows.classes.set(app, 'Server')],
    [
      'a VM not active (created later)',
      (rows) => {
        rows.cis.find((c) => c.id === vm)!.createdAt = AT + 1;
      },
    ],
  ];

  it('gives after each kind of write exactly what preparing afresh gives, re-walking only what is upstream of the change', () => {
    const previous = warmed(base);
    const n = previous.graph.ids.length;
    const apply = (...ws: typeof writes) => {
      const rows: Rows = { cis: base.cis.map((c) => ({ ...c })), relationships: [...base.relationships], classes: new Map(base.classes) };
      for (const [, write] of ws) write(rows);
      return prepare(rows);
    };
    for (const write of [...writes.map((w) => [w]), writes]) {
      const what = write.map(([w]) => w).join(', ');
      const { g, nodes } = apply(...write);
      const carried = prepareRcaGraphFrom(previous, g, nodes);
      expect(carried, what).not.toBeNull();
      // Most is carried, not walked again: the parts kept before the first ask.
      const kept = Array.from({ length: n }, (_v, x) => downParts(carried!.prepared).kept(x)).filter(Boolean).length;
      if (write.length === 1) {
        expect(carried!.recounted, what).toBeLessThan(n / 4);
        expect(kept, what).toBeGreaterThan(n / 2);
      }
      expectSame(carried!.prepared, prepareRcaGraph(g, nodes, { countAll: true }), what);
    }
  });

  it('counts again, after an application is created on a VM, only the application, the VM and what is upstream of the VM', () => {
    const previous = warmed(base);
    const rows: Rows = { cis: base.cis.map((c) => ({ ...c })), relationships: [...base.relationships], classes: new Map(base.classes) };
    writes[0]![1](rows);
    const { g, nodes } = prepare(rows);
    const carried = prepareRcaGraphFrom(previous, g, nodes)!;
    const upstream = new Set([vm]);
    for (let grew = true; grew; ) {
      grew = false;
      // A propagating relationship points from the dependent to the provider (a farm to its members).
      for (const r of base.relationships) {
        if (PROPAGATING_TYPES.includes(r.type) && upstream.has(r.from) && !upstream.has(r.to)) grew = upstream.add(r.to).size > 0;
      }
    }
    expect(carried.recounted).toBe(upstream.size + 1);
  });

  it('gives after random bursts of writes exactly what preparing afresh gives', () => {
    let rows: Rows = { cis: base.cis.map((c) => ({ ...c })), relationships: [...base.relationships], classes: new Map(base.classes) };
    let previous = warmed(rows);
    let seed = 7;
    const random = (k: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % k;
    };
    const anyCi = () => rows.cis[random(rows.cis.length)]!.id;
    const types = ['DEPENDS_ON', 'RUNS_ON', 'HAS_MEMBER', 'CONNECTED_TO', 'OWNED_BY'];
    for (let burst = 0; burst < 12; burst++) {
      rows = { cis: rows.cis.map((c) => ({ ...c })), relationships: [...rows.relationships], classes: new Map(rows.classes) };
      for (let w = 0; w < 1 + random(6); w++) {
        const kind = random(6);
        const memberships = rows.relationships.filter((r) => r.type === 'HAS_MEMBER');
        if (kind === 0) {
          // A new CI, a provider or a dependent (or a member, or a farm) of existing ones.
          const id = `new-${burst}-${w}`;
          rows.cis.push({ id, createdAt: null, retiredAt: null, minUp: random(2) ? null : 1 + random(2) });
          rows.classes.set(id, ['Application', 'BusinessService', 'VirtualMachine', 'Cluster'][random(4)]!);
          for (let k = 0; k < 1 + random(3); k++) {
            const other = anyCi();
            rows.relationships.push(random(2) ? { type: types[random(types.length)]!, from: id, to: other } : { type: types[random(types.length)]!, from: other, to: id });
          }
        } else if (kind === 1) rows.relationships.push({ type: types[random(types.length)]!, from: anyCi(), to: anyCi() });
        else if (kind === 2 && rows.relationships.length > 0) rows.relationships.splice(random(rows.relationships.length), 1);
        else if (kind === 3) rows.cis[random(rows.cis.length)]!.minUp = 1 + random(3);
        else if (kind === 4) {
          // A farm gains a member, or loses one.
          const m = memberships[random(memberships.length)]!;
          if (random(2)) rows.relationships.push({ type: 'HAS_MEMBER', from: m.from, to: anyCi() });
          else rows.relationships.splice(rows.relationships.indexOf(m), 1);
        }
        else rows.classes.set(anyCi(), ['Application', 'Server', 'BusinessService'][random(3)]!);
      }
      const { g, nodes } = prepare(rows);
      const carried = prepareRcaGraphFrom(previous, g, nodes);
      expect(carried, `burst ${burst}`).not.toBeNull();
      expectSame(carried!.prepared, prepareRcaGraph(g, nodes, { countAll: true }), `burst ${burst}`);
      previous = carried!.prepared;
    }
  });

  it('carries over again from a graph that was itself carried over', () => {
    const first = warmed(base);
    const rows: Rows = { cis: base.cis.map((c) => ({ ...c })), relationships: [...base.relationships], classes: new Map(base.classes) };
    writes[0]![1](rows);
    const second = prepareRcaGraphFrom(first, prepare(rows).g, prepare(rows).nodes)!.prepared;
    rows.cis.push({ id: 'newer-app', createdAt: null, retiredAt: null, minUp: null });
    rows.classes.set('newer-app', 'BusinessService');
    rows.relationships.push({ type: 'DEPENDS_ON', from: 'newer-app', to: 'new-app' });
    const { g, nodes } = prepare(rows);
    expectSame(prepareRcaGraphFrom(second, g, nodes)!.prepared, prepareRcaGraph(g, nodes, { countAll: true }), 'two writes in turn');
  });

  it('brings the order by name up to date from the one before, as sorting every name again orders them', () => {
    const previous = warmed(base);
    const named = (nodes: ReadonlyMap<string, { name: string }>) => (id: string) => nodes.get(id)?.name ?? id;
    const { nodes: before } = prepare(base);
    nameRanks(previous, before, named(before));
    const rows: Rows = { cis: base.cis.map((c) => ({ ...c })), relationships: [...base.relationships], classes: new Map(base.classes) };
    writes[0]![1](rows);
    const { g, nodes } = prepare(rows);
    // Renames to names before, between and after the others, and a tie broken by id.
    const renames = ['aaa', vm, 'mmm', 'zzz', base.cis[7]!.id].map((to, k) => [base.cis[k * 97]!.id, to] as const);
    for (const [id, to] of renames) nodes.set(id, { ...nodes.get(id)!, name: to });
    const carried = prepareRcaGraphFrom(previous, g, nodes)!.prepared;
    const sortedAgain = prepareRcaGraph(g, nodes);
    const ranks = nameRanks(carried, nodes, named(nodes));
    expect(Array.from(ranks.order)).toEqual(Array.from(nameRanks(sortedAgain, nodes, named(nodes)).order));
    expect(Array.from(ranks)).toEqual(Array.from(nameRanks(sortedAgain, nodes, named(nodes))));
    // The same graph with another names map (a projection that kept its index after a rename).
    const renamed = new Map(nodes).set(base.cis[5]!.id, { class: 'Application', name: '0-first' });
    expect(Array.from(nameRanks(carried, renamed, named(renamed)).order)).toEqual(Array.from(nameRanks(prepareRcaGraph(g, renamed), renamed, named(renamed)).order));
  });

  it('carries nothing when a CI lost its place (retired: a projection reads it no more)', () => {
    const previous = warmed(base);
    const rows: Rows = { cis: base.cis.filter((c) => c.id !== vm), relationships: base.relationships.filter((r) => r.from !== vm && r.to !== vm), classes: base.classes };
    const { g, nodes } = prepare(rows);
    expect(prepareRcaGraphFrom(previous, g, nodes)).toBeNull();
  });
});
