/**
 * Blast-radius and root-cause results turned into what the canvas needs: a state per CI,
 * the edges of the explanation paths, and the side lists. Pure, unit-tested.
 */
import type { CINode, RelEdge } from './graph.js';

export interface PathStep {
  ci: CINode;
  relationship: string | null;
}

export interface ImpactedCI {
  ci: CINode;
  state: 'DOWN' | 'DEGRADED';
  depth: number;
  path: PathStep[];
}

export interface ImpactReport {
  sources: CINode[];
  impacted: ImpactedCI[];
  businessServices: ImpactedCI[];
  totalCount: number;
  /** Counts at any depth, whatever part of the list was fetched. */
  downCount: number;
  degradedCount: number;
  truncated: boolean;
}

export type OverlayState = 'SOURCE' | 'DOWN' | 'DEGRADED' | 'CANDIDATE' | 'EXPLAINED';

export interface Overlay {
  kind: 'impact' | 'rootcause';
  /** CI id → state; CIs not listed are drawn faded. */
  states: Record<string, OverlayState>;
  /** Root-cause candidates, marked on top of their state (an observed CI can be one and stays red). */
  candidates: string[];
  /** Relationship edges that explanation paths use (dependent → provider). */
  pathEdges: RelEdge[];
}

/** The relationship edge between step i (provider) and step i+1 (its dependent). */
export function pathToEdges(path: PathStep[]): RelEdge[] {
  const edges: RelEdge[] = [];
  for (let i = 0; i + 1 < path.length; i++) {
    const provider = path[i]!;
    const dependent = path[i + 1]!;
    const type = provider.relationship ?? 'DEPENDS_ON';
    edges.push({ id: `path:${dependent.ci.id}>${type}>${provider.ci.id}`, type, from: dependent.ci.id, to: provider.ci.id });
  }
  return edges;
}

export function impactOverlay(report: ImpactReport): Overlay {
  const states: Record<string, OverlayState> = {};
  for (const i of report.impacted) states[i.ci.id] = i.state;
  for (const s of report.sources) states[s.id] = 'SOURCE';
  const pathEdges = new Map<string, RelEdge>();
  for (const i of report.impacted) for (const e of pathToEdges(i.path)) pathEdges.set(e.id, e);
  return { kind: 'impact', states, candidates: [], pathEdges: [...pathEdges.values()] };
}

/**
 * CIs to put on the canvas for a blast radius, each next to the CI before it on its path
 * (dependents above their providers). Sources come first, then by depth, so every CI's
 * neighbour is placed before it.
 */
export function impactPlacement(report: ImpactReport): { ci: CINode; near?: string; side: 'above' | 'below' }[] {
  const out: { ci: CINode; near?: string; side: 'above' | 'below' }[] = report.sources.map((ci) => ({ ci, side: 'below' as const }));
  const sorted = [...report.impacted].sort((a, b) => a.depth - b.depth);
  for (const i of sorted) {
    const before = i.path.length >= 2 ? i.path[i.path.length - 2]!.ci.id : undefined;
    out.push({ ci: i.ci, near: before, side: 'above' });
  }
  return out;
}

/** Ids on the highlighted path of one impacted CI (nodes and path edge ids). */
export function pathHighlight(item: ImpactedCI): { nodes: string[]; edges: RelEdge[] } {
  return { nodes: item.path.map((s) => s.ci.id), edges: pathToEdges(item.path) };
}

export interface RootCauseCandidate {
  ci: CINode;
  score: number;
  explains: CINode[];
  evidence: string[];
  recentChanges: { id: string; title: string; status: string }[];
}

/**
 * Observed failing CIs are red (DOWN; EXPLAINED, still red, when the selected candidate
 * explains them), whether or not they are candidates too; candidates are marked besides.
 */
export function rootCauseOverlay(candidates: RootCauseCandidate[], observed: string[], selected?: string): Overlay {
  const states: Record<string, OverlayState> = {};
  for (const c of candidates) states[c.ci.id] = 'CANDIDATE';
  for (const id of observed) states[id] = 'DOWN';
  const chosen = candidates.find((c) => c.ci.id === selected);
  if (chosen) for (const e of chosen.explains) states[e.id] = 'EXPLAINED';
  return { kind: 'rootcause', states, candidates: candidates.map((c) => c.ci.id), pathEdges: [] };
}

/** Business services sorted the way a change manager reads them: worst first, most critical first. */
export function sortServices(items: ImpactedCI[]): ImpactedCI[] {
  const rank = (s: ImpactedCI['state']) => (s === 'DOWN' ? 0 : 1);
  return [...items].sort(
    (a, b) => rank(a.state) - rank(b.state) || (a.ci.criticality ?? 9) - (b.ci.criticality ?? 9) || a.ci.name.localeCompare(b.ci.name),
  );
}
