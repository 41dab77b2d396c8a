/**
 * The explorer's graph state as plain objects: which CIs and relationships are on the
 * canvas, why each CI is there (its anchors), where it sits, which classes are hidden and
 * which neighbours are folded into a group node. Pure functions only, so the logic is
 * unit-tested without a browser; GraphView turns `visibleElements()` into Cytoscape.
 */

export type Direction = 'IN' | 'OUT' | 'BOTH';

export interface CINode {
  id: string;
  name: string;
  class: string;
  status: string;
  criticality: number | null;
}

export interface RelEdge {
  id: string;
  type: string;
  /** The dependent (source) for propagating types. */
  from: string;
  to: string;
}

export interface Position {
  x: number;
  y: number;
}

/** Why a node is on the canvas; it leaves when its last anchor goes. */
export type Anchor = 'focus' | 'overlay' | `expand:${string}` | 'pinned';

export interface NodeEntry {
  ci: CINode;
  pos: Position;
  anchors: Anchor[];
  /** Set while the node is folded into a group node. */
  groupId?: string;
}

export interface ExpandSpec {
  direction: Direction;
  /** Empty means every type. */
  types: string[];
}

export interface Group {
  id: string;
  owner: string;
  cls: string;
  members: string[];
  pos: Position;
}

export interface GraphState {
  focus: string | null;
  nodes: Record<string, NodeEntry>;
  edges: Record<string, RelEdge>;
  expanded: Record<string, ExpandSpec[]>;
  groups: Record<string, Group>;
  hiddenClasses: string[];
}

export interface Neighbour {
  rel: RelEdge;
  other: CINode;
}

/** Same-class neighbours of one expansion at or above this count become one group node. */
export const GROUP_THRESHOLD = 8;
/** Above this many visible elements the explorer asks before drawing more. */
export const ELEMENT_BUDGET = 2000;

export const LAYER_GAP = 140;
export const NODE_GAP = 110;
/** New nodes per row before placement spills to the next layer out. */
export const ROW_MAX = 10;

export function emptyState(): GraphState {
  return { focus: null, nodes: {}, edges: {}, expanded: {}, groups: {}, hiddenClasses: [] };
}

/** Starts over with one CI: in the middle, or where it is already drawn (nothing drawn moves). */
export function focusOn(state: GraphState, ci: CINode): GraphState {
  return {
    ...emptyState(),
    hiddenClasses: state.hiddenClasses,
    focus: ci.id,
    nodes: { [ci.id]: { ci, pos: state.nodes[ci.id]?.pos ?? { x: 0, y: 0 }, anchors: ['focus'] } },
  };
}

// ------------------------------------------------------------------ placement

function occupied(state: GraphState): Position[] {
  return [
    ...Object.values(state.nodes)
      .filter((n) => !n.groupId)
      .map((n) => n.pos),
    ...Object.values(state.groups).map((g) => g.pos),
  ];
}

function isFree(p: Position, taken: Position[]): boolean {
  return taken.every((q) => Math.abs(q.x - p.x) >= NODE_GAP * 0.9 || Math.abs(q.y - p.y) >= LAYER_GAP * 0.6);
}

/**
 * Positions for `count` new nodes around `anchor` without moving anything already placed:
 * providers (side 'below') go one layer down, dependents ('above') one layer up, as a
 * hierarchical layout would put them; a layer that is full spills to the next one out.
 */
export function placeAround(anchor: Position, count: number, side: 'above' | 'below', taken: Position[]): Position[] {
  const result: Position[] = [];
  const all = [...taken];
  const sign = side === 'below' ? 1 : -1;
  for (let layer = 1; result.length < count && layer < 500; layer++) {
    const y = anchor.y + sign * layer * LAYER_GAP;
    // Slots fan out from the anchor's x: 0, +1, -1, +2, -2, ...; a full row spills outward.
    const row = Math.min(count - result.length, ROW_MAX);
    const shift = row % 2 === 0 ? NODE_GAP / 2 : 0;
    let placedHere = 0;
    for (let i = 0; result.length < count && placedHere < ROW_MAX && i < 2 * ROW_MAX + 40; i++) {
      const offset = i === 0 ? 0 : Math.ceil(i / 2) * (i % 2 ? 1 : -1);
      const p = { x: anchor.x + offset * NODE_GAP + shift, y };
      if (isFree(p, all)) {
        result.push(p);
        all.push(p);
        placedHere++;
      }
    }
  }
  return result;
}

// ------------------------------------------------------------------ expansion

function withAnchor(anchors: Anchor[], a: Anchor): Anchor[] {
  return anchors.includes(a) ? anchors : [...anchors, a];
}

/** Adds edges, replacing a drawn path edge (synthetic id) by the real one with the same ends. */
function addEdges(edges: Record<string, RelEdge>, rels: RelEdge[]): Record<string, RelEdge> {
  const next = { ...edges };
  const byTriple = new Map(Object.values(next).map((e) => [`${e.from}>${e.type}>${e.to}`, e.id]));
  for (const rel of rels) {
    const triple = `${rel.from}>${rel.type}>${rel.to}`;
    const existing = byTriple.get(triple);
    if (existing && existing !== rel.id) {
      if (!existing.startsWith('path:')) continue;
      delete next[existing];
    }
    next[rel.id] = rel;
    byTriple.set(triple, rel.id);
  }
  return next;
}

export interface AddOptions {
  groupThreshold?: number;
  /** Force grouping of every class with at least 2 new members (used to stay under budget). */
  aggregate?: boolean;
}

/**
 * Puts the neighbours found by expanding `ownerId` on the canvas: new CIs are placed
 * around the owner (OUT = providers below, IN = dependents above) and, where many share a
 * class, folded into one group node.
 */
export function addNeighbours(
  state: GraphState,
  ownerId: string,
  spec: ExpandSpec,
  found: Neighbour[],
  options: AddOptions = {},
): GraphState {
  const owner = state.nodes[ownerId];
  if (!owner) return state;
  const threshold = options.aggregate ? 2 : (options.groupThreshold ?? GROUP_THRESHOLD);
  const anchor: Anchor = `expand:${ownerId}`;
  const nodes = { ...state.nodes };
  const groups = { ...state.groups };
  const fresh: { ci: CINode; side: 'above' | 'below' }[] = [];
  for (const { rel, other } of found) {
    const existing = nodes[other.id];
    if (existing) {
      nodes[other.id] = { ...existing, ci: other, anchors: withAnchor(existing.anchors, anchor) };
    } else if (!fresh.some((f) => f.ci.id === other.id)) {
      fresh.push({ ci: other, side: rel.from === ownerId ? 'below' : 'above' });
    }
  }
  const taken = occupied(state);
  for (const side of ['below', 'above'] as const) {
    const onSide = fresh.filter((f) => f.side === side);
    const byClass = new Map<string, CINode[]>();
    for (const f of onSide) byClass.set(f.ci.class, [...(byClass.get(f.ci.class) ?? []), f.ci]);
    const grouped = [...byClass.entries()].filter(([, cis]) => cis.length >= threshold);
    const single = onSide.filter((f) => !grouped.some(([cls]) => cls === f.ci.class));
    const slots = placeAround(owner.pos, single.length + grouped.length, side, taken);
    taken.push(...slots);
    single.forEach((f, i) => {
      nodes[f.ci.id] = { ci: f.ci, pos: slots[i]!, anchors: [anchor] };
    });
    grouped.forEach(([cls, cis], i) => {
      const id = `group:${ownerId}:${side}:${cls}`;
      const pos = slots[single.length + i]!;
      groups[id] = { id, owner: ownerId, cls, members: cis.map((c) => c.id), pos };
      for (const ci of cis) nodes[ci.id] = { ci, pos, anchors: [anchor], groupId: id };
    });
  }
  const specs = state.expanded[ownerId] ?? [];
  const sameSpec = (s: ExpandSpec) => s.direction === spec.direction && s.types.join() === spec.types.join();
  return {
    ...state,
    nodes,
    groups,
    edges: addEdges(
      state.edges,
      found.map((f) => f.rel),
    ),
    expanded: { ...state.expanded, [ownerId]: specs.some(sameSpec) ? specs : [...specs, spec] },
  };
}

export interface OverlayCI {
  ci: CINode;
  /** The CI to place it next to (the one before it on its path). */
  near?: string;
  side?: 'above' | 'below';
}

/**
 * Adds CIs that an overlay (blast radius, root cause) needs, each placed near a neighbour.
 * A CI folded into a group comes out of it into a free slot of its own, not onto the group.
 */
export function addOverlay(state: GraphState, cis: OverlayCI[], rels: RelEdge[]): GraphState {
  let nodes = { ...state.nodes };
  for (const { ci, near, side } of cis) {
    const existing = nodes[ci.id];
    if (existing && !existing.groupId) {
      nodes[ci.id] = { ...existing, ci, anchors: withAnchor(existing.anchors, 'overlay') };
      continue;
    }
    const anchorNode = near ? nodes[near] : undefined;
    // A grouped member without a neighbour to go next to leaves from its group's place.
    const anchorPos = anchorNode?.pos ?? existing?.pos ?? { x: 0, y: 0 };
    const [pos] = placeAround(anchorPos, 1, side ?? 'above', occupied({ ...state, nodes }));
    const anchors: Anchor[] = existing ? withAnchor(existing.anchors, 'overlay') : ['overlay'];
    nodes = { ...nodes, [ci.id]: { ci, pos: pos ?? anchorPos, anchors } };
  }
  const groups = dropEmptyGroups(state.groups, nodes);
  return { ...state, nodes, groups, edges: addEdges(state.edges, rels) };
}

/**
 * A new overlay in place of the current one (a blast radius or root cause run again): the
 * CIs it shares with the old one stay where they are drawn (nothing drawn moves, dragged
 * positions are kept); the others are placed as addOverlay places them, around those.
 */
export function replaceOverlay(state: GraphState, cis: OverlayCI[], rels: RelEdge[]): GraphState {
  const base = clearOverlay(state);
  const nodes = { ...base.nodes };
  for (const { ci } of cis) {
    const drawn = state.nodes[ci.id];
    if (drawn && !nodes[ci.id]) nodes[ci.id] = { ...drawn, anchors: [] };
  }
  return addOverlay({ ...base, nodes }, cis, rels);
}

/** Removes what only an overlay brought. */
export function clearOverlay(state: GraphState): GraphState {
  const nodes: Record<string, NodeEntry> = {};
  for (const [id, n] of Object.entries(state.nodes)) {
    const anchors = n.anchors.filter((a) => a !== 'overlay');
    if (anchors.length) nodes[id] = { ...n, anchors };
  }
  const edges = Object.fromEntries(Object.entries(state.edges).filter(([id, e]) => !id.startsWith('path:') && nodes[e.from] && nodes[e.to]));
  return { ...state, nodes, edges };
}

function dropEmptyGroups(groups: Record<string, Group>, nodes: Record<string, NodeEntry>): Record<string, Group> {
  const next: Record<string, Group> = {};
  for (const [id, g] of Object.entries(groups)) {
    const members = g.members.filter((m) => nodes[m]?.groupId === id);
    if (members.length) next[id] = { ...g, members };
  }
  return next;
}

/**
 * Takes back what expanding `nodeId` brought, and recursively what those CIs' own
 * expansions brought, except CIs anchored some other way (focus, overlay, another expansion).
 */
export function collapse(state: GraphState, nodeId: string): GraphState {
  const nodes = { ...state.nodes };
  const expanded = { ...state.expanded };
  const queue = [nodeId];
  while (queue.length) {
    const owner = queue.shift()!;
    delete expanded[owner];
    const anchor: Anchor = `expand:${owner}`;
    for (const [id, n] of Object.entries(nodes)) {
      if (!n.anchors.includes(anchor)) continue;
      const anchors = n.anchors.filter((a) => a !== anchor);
      if (anchors.length) {
        nodes[id] = { ...n, anchors };
      } else {
        delete nodes[id];
        queue.push(id);
      }
    }
  }
  const edges = Object.fromEntries(Object.entries(state.edges).filter(([, e]) => nodes[e.from] && nodes[e.to]));
  return { ...state, nodes, edges, expanded, groups: dropEmptyGroups(state.groups, nodes) };
}

/** Opens a group node: its members take their own places in the group's layer. */
export function expandGroup(state: GraphState, groupId: string): GraphState {
  const group = state.groups[groupId];
  if (!group) return state;
  const groups = { ...state.groups };
  delete groups[groupId];
  const rest = { ...state, groups };
  const taken = occupied(rest).filter((p) => p !== group.pos);
  const owner = state.nodes[group.owner];
  const side = owner && owner.pos.y > group.pos.y ? 'above' : 'below';
  const slots = placeAround(owner?.pos ?? { x: group.pos.x, y: group.pos.y - LAYER_GAP }, group.members.length, side, taken);
  const nodes = { ...state.nodes };
  group.members.forEach((id, i) => {
    const n = nodes[id];
    if (n) nodes[id] = { ...n, groupId: undefined, pos: slots[i] ?? group.pos };
  });
  return { ...rest, nodes };
}

export function setHiddenClasses(state: GraphState, hidden: string[]): GraphState {
  return { ...state, hiddenClasses: [...new Set(hidden)].sort() };
}

export function setPositions(state: GraphState, positions: Record<string, Position>): GraphState {
  const nodes = { ...state.nodes };
  const groups = { ...state.groups };
  for (const [id, pos] of Object.entries(positions)) {
    const n = nodes[id];
    if (n && !n.groupId) nodes[id] = { ...n, pos };
    const g = groups[id];
    if (g) {
      groups[id] = { ...g, pos };
      for (const m of g.members) if (nodes[m]) nodes[m] = { ...nodes[m]!, pos };
    }
  }
  return { ...state, nodes, groups };
}

// ------------------------------------------------------------------ what is drawn

export interface VisibleNode {
  id: string;
  label: string;
  cls: string;
  status: string;
  criticality: number | null;
  pos: Position;
  /** Member ids for a group node. */
  members?: string[];
  focus: boolean;
  expanded: boolean;
}

export interface VisibleEdge {
  id: string;
  type: string;
  from: string;
  to: string;
  /** Set when the edge stands for a chain through hidden classes. */
  via?: string[];
  /** Set when the edge connects to a group node and stands for several. */
  count?: number;
}

export interface Visible {
  nodes: VisibleNode[];
  edges: VisibleEdge[];
}

/**
 * What the canvas shows: hidden classes are left out and bridged by implied edges (app →
 * VM → host with VMs hidden draws app → host), group members are replaced by their group.
 */
export function visibleElements(state: GraphState): Visible {
  const hidden = new Set(state.hiddenClasses);
  const isHidden = (id: string) => {
    const n = state.nodes[id];
    return !n || hidden.has(n.ci.class);
  };
  const shownId = (id: string) => state.nodes[id]?.groupId ?? id;

  const nodes: VisibleNode[] = [];
  for (const n of Object.values(state.nodes)) {
    if (hidden.has(n.ci.class) || n.groupId) continue;
    nodes.push({
      id: n.ci.id,
      label: n.ci.name,
      cls: n.ci.class,
      status: n.ci.status,
      criticality: n.ci.criticality,
      pos: n.pos,
      focus: state.focus === n.ci.id,
      expanded: Boolean(state.expanded[n.ci.id]?.length),
    });
  }
  for (const g of Object.values(state.groups)) {
    if (hidden.has(g.cls)) continue;
    nodes.push({
      id: g.id,
      label: `${g.members.length} × ${g.cls}`,
      cls: g.cls,
      status: 'GROUP',
      criticality: null,
      pos: g.pos,
      members: g.members,
      focus: false,
      expanded: false,
    });
  }

  const edges = new Map<string, VisibleEdge>();
  const put = (e: VisibleEdge) => {
    const triple = `${e.from}>${e.type}>${e.to}`;
    const prior = edges.get(triple);
    edges.set(triple, prior ? { ...prior, count: (prior.count ?? 1) + 1 } : e);
  };
  const out = new Map<string, RelEdge[]>();
  for (const e of Object.values(state.edges)) out.set(e.from, [...(out.get(e.from) ?? []), e]);

  for (const e of Object.values(state.edges)) {
    if (isHidden(e.from)) continue;
    if (!isHidden(e.to)) {
      const from = shownId(e.from);
      const to = shownId(e.to);
      if (from !== to) put({ id: from === e.from && to === e.to ? e.id : `${from}>${e.type}>${to}`, type: e.type, from, to });
      continue;
    }
    // Walk along the arrows through hidden CIs to the visible ones beyond.
    const seen = new Set<string>([e.from]);
    const stack: { at: string; via: string[] }[] = [{ at: e.to, via: [state.nodes[e.to]?.ci.class ?? '?'] }];
    while (stack.length) {
      const { at, via } = stack.pop()!;
      if (seen.has(at)) continue;
      seen.add(at);
      for (const next of out.get(at) ?? []) {
        if (!state.nodes[next.to]) continue;
        if (isHidden(next.to)) {
          stack.push({ at: next.to, via: [...via, state.nodes[next.to]!.ci.class] });
        } else {
          const from = shownId(e.from);
          const to = shownId(next.to);
          const uniqueVia = [...new Set(via)];
          if (from !== to) put({ id: `implied:${from}>${to}`, type: 'IMPLIED', from, to, via: uniqueVia });
        }
      }
    }
  }
  return { nodes, edges: [...edges.values()] };
}

export function elementCount(v: Visible): number {
  return v.nodes.length + v.edges.length;
}

export interface Plan {
  state: GraphState;
  /** Said to the user when the expansion was grouped to stay under the budget. */
  note?: string;
  /** Set when even grouped the canvas would exceed the budget: ask before drawing. */
  over?: number;
}

/** Opening a group within the element budget, else flagged like an expansion: ask before drawing. */
export function planGroupOpening(g: GraphState, groupId: string, budget = ELEMENT_BUDGET): Plan {
  const state = expandGroup(g, groupId);
  const n = elementCount(visibleElements(state));
  return n <= budget ? { state } : { state, over: n };
}

/** An expansion within the element budget: as is, else grouped by class, else flagged. */
export function planExpansion(g: GraphState, owner: string, spec: ExpandSpec, found: Neighbour[], budget = ELEMENT_BUDGET): Plan {
  const plain = addNeighbours(g, owner, spec, found);
  const n = elementCount(visibleElements(plain));
  if (n <= budget) return { state: plain };
  const grouped = addNeighbours(g, owner, spec, found, { aggregate: true });
  const m = elementCount(visibleElements(grouped));
  if (m <= budget) return { state: grouped, note: `Grouped by class to stay under ${budget.toLocaleString('en')} elements (${n.toLocaleString('en')} otherwise).` };
  return { state: grouped, over: m };
}

/** The classes present on the canvas (hidden or not), for the class filter and legend. */
export function classesPresent(state: GraphState): string[] {
  return [...new Set(Object.values(state.nodes).map((n) => n.ci.class))].sort();
}
