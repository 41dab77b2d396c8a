import { describe, expect, it } from 'vitest';
import {
  addNeighbours,
  addOverlay,
  clearOverlay,
  collapse,
  emptyState,
  expandGroup,
  focusOn,
  placeAround,
  planExpansion,
  planGroupOpening,
  replaceOverlay,
  ELEMENT_BUDGET,
  elementCount,
  setHiddenClasses,
  visibleElements,
  type CINode,
  type GraphState,
  type Neighbour,
} from './graph.js';

const ci = (id: string, cls = 'Application'): CINode => ({ id, name: id, class: cls, status: 'ACTIVE', criticality: null });
const out = (from: string, to: CINode, type = 'DEPENDS_ON'): Neighbour => ({ rel: { id: `REL-${from}-${to.id}`, type, from, to: to.id }, other: to });
const inc = (to: string, from: CINode, type = 'DEPENDS_ON'): Neighbour => ({ rel: { id: `REL-${from.id}-${to}`, type, from: from.id, to }, other: from });

describe('expansion', () => {
  it('places providers below and dependents above without moving what is there', () => {
    let s = focusOn(emptyState(), ci('app'));
    s = addNeighbours(s, 'app', { direction: 'BOTH', types: [] }, [out('app', ci('db', 'Database')), inc('app', ci('svc', 'ApplicationService'))]);
    expect(s.nodes.app!.pos).toEqual({ x: 0, y: 0 });
    expect(s.nodes.db!.pos.y).toBeGreaterThan(0);
    expect(s.nodes.svc!.pos.y).toBeLessThan(0);
    const before = s.nodes.db!.pos;
    s = addNeighbours(s, 'db', { direction: 'OUT', types: [] }, [out('db', ci('vm', 'VirtualMachine'), 'RUNS_ON')]);
    expect(s.nodes.db!.pos).toEqual(before);
    expect(s.nodes.vm!.pos.y).toBeGreaterThan(before.y);
    expect(s.expanded.db).toEqual([{ direction: 'OUT', types: [] }]);
  });

  it('never puts two new nodes on the same spot', () => {
    const taken = [{ x: 0, y: 140 }];
    const slots = placeAround({ x: 0, y: 0 }, 12, 'below', taken);
    expect(slots).toHaveLength(12);
    const keys = new Set(slots.map((p) => `${p.x},${p.y}`));
    expect(keys.size).toBe(12);
    expect(keys.has('0,140')).toBe(false);
  });

  it('collapses what an expansion brought, recursively, but keeps CIs anchored otherwise', () => {
    let s = focusOn(emptyState(), ci('app'));
    s = addNeighbours(s, 'app', { direction: 'OUT', types: [] }, [out('app', ci('db')), out('app', ci('vm'))]);
    s = addNeighbours(s, 'vm', { direction: 'OUT', types: [] }, [out('vm', ci('host'))]);
    s = addOverlay(s, [{ ci: ci('db') }], []);
    s = collapse(s, 'app');
    expect(Object.keys(s.nodes).sort()).toEqual(['app', 'db']);
    expect(Object.keys(s.edges)).toEqual(['REL-app-db']);
    expect(s.expanded.vm).toBeUndefined();
  });

  it('folds many neighbours of one class into a group node that can be opened', () => {
    let s = focusOn(emptyState(), ci('farm', 'Cluster'));
    const members = Array.from({ length: 10 }, (_, i) => out('farm', ci(`vm${i}`, 'VirtualMachine'), 'HAS_MEMBER'));
    s = addNeighbours(s, 'farm', { direction: 'OUT', types: ['HAS_MEMBER'] }, [...members, out('farm', ci('lb', 'LoadBalancer'))]);
    let v = visibleElements(s);
    expect(v.nodes.map((n) => n.label).sort()).toEqual(['10 × VirtualMachine', 'farm', 'lb']);
    const group = v.nodes.find((n) => n.members)!;
    expect(v.edges.find((e) => e.to === group.id)?.count).toBe(10);
    s = expandGroup(s, group.id);
    v = visibleElements(s);
    expect(v.nodes).toHaveLength(12);
    expect(new Set(v.nodes.map((n) => `${n.pos.x},${n.pos.y}`)).size).toBe(12);
  });
});

describe('hidden classes', () => {
  it('draws implied edges across a hidden class, following the arrows', () => {
    let s = focusOn(emptyState(), ci('app'));
    s = addNeighbours(s, 'app', { direction: 'OUT', types: [] }, [out('app', ci('vm', 'VirtualMachine'), 'RUNS_ON')]);
    s = addNeighbours(s, 'vm', { direction: 'OUT', types: [] }, [out('vm', ci('vm2', 'VirtualMachine')), out('vm', ci('host', 'Server'), 'HOSTED_ON')]);
    s = addNeighbours(s, 'vm2', { direction: 'OUT', types: [] }, [out('vm2', ci('host2', 'Server'), 'HOSTED_ON')]);
    s = setHiddenClasses(s, ['VirtualMachine']);
    const v = visibleElements(s);
    expect(v.nodes.map((n) => n.id).sort()).toEqual(['app', 'host', 'host2']);
    expect(v.edges.map((e) => `${e.from}>${e.type}>${e.to}`).sort()).toEqual(['app>IMPLIED>host', 'app>IMPLIED>host2']);
    expect(v.edges[0]!.via).toEqual(['VirtualMachine']);
  });

  it('does not imply a dependency between two dependents of a hidden provider', () => {
    let s = focusOn(emptyState(), ci('db', 'Database'));
    s = addNeighbours(s, 'db', { direction: 'IN', types: [] }, [inc('db', ci('a')), inc('db', ci('b'))]);
    s = setHiddenClasses(s, ['Database']);
    expect(visibleElements(s).edges).toEqual([]);
  });
});

describe('overlay', () => {
  it('replaces a drawn path edge by the real relationship and clears what only it brought', () => {
    let s = focusOn(emptyState(), ci('db', 'Database'));
    s = addOverlay(s, [{ ci: ci('app'), near: 'db', side: 'above' }], [{ id: 'path:app>DEPENDS_ON>db', type: 'DEPENDS_ON', from: 'app', to: 'db' }]);
    expect(s.nodes.app!.pos.y).toBeLessThan(0);
    s = addNeighbours(s, 'db', { direction: 'IN', types: [] }, [inc('db', ci('app'))]);
    expect(Object.keys(s.edges)).toEqual(['REL-app-db']);
    s = clearOverlay(s);
    expect(Object.keys(s.nodes).sort()).toEqual(['app', 'db']);
  });
});

/** No two drawn nodes (CIs or groups) on the same spot. */
function expectNoOverlap(s: GraphState) {
  const spots = visibleElements(s).nodes.map((n) => `${n.pos.x},${n.pos.y}`);
  expect(new Set(spots).size).toBe(spots.length);
}

describe('nothing drawn moves', () => {
  it('keeps the place of a CI already drawn when it becomes the focus', () => {
    let s = focusOn(emptyState(), ci('db', 'Database'));
    s = addNeighbours(s, 'db', { direction: 'IN', types: [] }, [inc('db', ci('web'))]);
    const at = s.nodes.web!.pos;
    s = focusOn(s, ci('web'));
    expect(s.nodes.web!.pos).toEqual(at);
    // What it brings next is placed around where it is drawn: dependents a layer above it.
    s = addNeighbours(s, 'web', { direction: 'IN', types: [] }, [inc('web', ci('lb', 'LoadBalancer'))]);
    expect(s.nodes.lb!.pos.y).toBe(at.y - 140);
    expect(focusOn(emptyState(), ci('x')).nodes.x!.pos).toEqual({ x: 0, y: 0 });
  });

  it('keeps the CIs a new overlay shares with the old one where they are, and places the others beside them', () => {
    const svc = ci('shop', 'BusinessService');
    let s = focusOn(emptyState(), ci('db', 'Database'));
    // First blast radius: db → shop.
    s = replaceOverlay(s, [{ ci: ci('db', 'Database') }, { ci: svc, near: 'db', side: 'above' }], []);
    const shopAt = s.nodes.shop!.pos;
    // Second one: db → checkout → shop; checkout would take shop's old slot if shop were placed afresh.
    const path = [{ id: 'path:checkout>DEPENDS_ON>db', type: 'DEPENDS_ON', from: 'checkout', to: 'db' }];
    s = replaceOverlay(s, [{ ci: ci('db', 'Database') }, { ci: ci('checkout'), near: 'db', side: 'above' }, { ci: svc, near: 'checkout', side: 'above' }], path);
    expect(s.nodes.shop!.pos).toEqual(shopAt);
    expect(s.nodes.shop!.anchors).toEqual(['overlay']);
    expectNoOverlap(s);
    // What only the old overlay brought leaves.
    s = replaceOverlay(s, [{ ci: ci('db', 'Database') }], []);
    expect(Object.keys(s.nodes)).toEqual(['db']);
  });
});

describe('overlay on a group', () => {
  it('takes a grouped CI out of its group into a slot of its own, not onto the group', () => {
    let s = focusOn(emptyState(), ci('farm', 'Cluster'));
    const members = Array.from({ length: 10 }, (_, i) => out('farm', ci(`vm${i}`, 'VirtualMachine'), 'HAS_MEMBER'));
    s = addNeighbours(s, 'farm', { direction: 'OUT', types: [] }, members);
    const group = Object.values(s.groups)[0]!;
    s = addOverlay(s, [{ ci: ci('vm3', 'VirtualMachine'), near: 'farm', side: 'below' }], []);
    expect(s.nodes.vm3!.groupId).toBeUndefined();
    expect(s.nodes.vm3!.pos).not.toEqual(group.pos);
    expect(s.groups[group.id]!.members).toHaveLength(9);
    // Without a neighbour to go next to, it leaves from the group's place.
    s = addOverlay(s, [{ ci: ci('vm4', 'VirtualMachine') }], []);
    expect(s.nodes.vm4!.pos).not.toEqual(group.pos);
    expect(Math.abs(s.nodes.vm4!.pos.y - group.pos.y)).toBe(140);
    expectNoOverlap(s);
  });
});

describe('element budget', () => {
  const hub = () => focusOn(emptyState(), ci('hub', 'Cluster'));
  const many = (n: number, cls: (i: number) => string) => Array.from({ length: n }, (_, i) => out('hub', ci(`n${i}`, cls(i))));

  it('draws an expansion under the budget as it is', () => {
    const plan = planExpansion(hub(), 'hub', { direction: 'OUT', types: [] }, many(5, () => 'Server'));
    expect(plan.note).toBeUndefined();
    expect(visibleElements(plan.state).nodes).toHaveLength(6);
  });

  it('groups by class when the plain drawing would exceed the budget', () => {
    // 1,200 CIs of 200 classes, 6 each (under the group threshold): 2,401 elements drawn plainly.
    const plan = planExpansion(hub(), 'hub', { direction: 'OUT', types: [] }, many(1200, (i) => `Class${i % 200}`));
    expect(plan.note).toMatch(/Grouped by class/);
    expect(plan.over).toBeUndefined();
    expect(visibleElements(plan.state).nodes.length).toBeLessThanOrEqual(ELEMENT_BUDGET);
  });

  it('asks before opening a group that would go beyond the budget', () => {
    const found = many(30, () => 'VirtualMachine');
    const s = planExpansion(hub(), 'hub', { direction: 'OUT', types: [] }, found, 20).state;
    const group = Object.keys(s.groups)[0]!;
    // 3 elements grouped (hub, group, one edge); 61 opened.
    expect(elementCount(visibleElements(s))).toBe(3);
    const plan = planGroupOpening(s, group, 20);
    expect(plan.over).toBe(61);
    expect(visibleElements(plan.state).nodes).toHaveLength(31);
    expect(planGroupOpening(s, group, 61).over).toBeUndefined();
  });

  it('asks when even grouped it would be too much', () => {
    const plan = planExpansion(hub(), 'hub', { direction: 'OUT', types: [] }, many(30, (i) => `Class${i}`), 20);
    expect(plan.over).toBeGreaterThan(20);
  });
});
