/**
 * The GraphQL the explorer sends, and what the served schema offers. Modes whose API a
 * server does not (yet) serve are shown as unavailable instead of failing.
 */
import type { Request } from './api.js';
import type { CINode, Direction, Neighbour } from './model/graph.js';
import type { ImpactReport, RootCauseCandidate } from './model/overlay.js';

export interface Capabilities {
  impact: boolean;
  rootCause: boolean;
  incidents: boolean;
  changes: boolean;
  /** A root field listing incidents (not in the contract; used when a server has it). */
  incidentList: boolean;
  history: boolean;
  /** What the ranking rested on (RootCauseReport.candidateCount, calibration, …; not in the contract). */
  rootCauseBasis: boolean;
  /** Mutation.createProblemFromRootCause (not in the contract); else Mutation.createProblem is used. */
  problemFromRootCause: boolean;
  /** Mutation.createProblem (the contract's). */
  problems: boolean;
  /** Query.rootCauseHindsight (not in the contract): how the ranking did on the latest resolved problems. */
  hindsight: boolean;
}

const CAPABILITIES = `
query Capabilities {
  q: __type(name: "Query") { fields { name } }
  ci: __type(name: "CI") { fields { name } }
  m: __type(name: "Mutation") { fields { name } }
  rc: __type(name: "RootCauseReport") { fields { name } }
}`;

export async function loadCapabilities(request: Request): Promise<Capabilities> {
  type Fields = { fields: { name: string }[] | null } | null;
  const data = await request<{ q: Fields; ci: Fields; m: Fields; rc: Fields }>(CAPABILITIES);
  const names = (t: Fields) => new Set(t?.fields?.map((f) => f.name) ?? []);
  const root = names(data.q);
  const ci = names(data.ci);
  const mutation = names(data.m);
  const report = names(data.rc);
  return {
    impact: root.has('impact'),
    rootCause: root.has('rootCause'),
    incidents: ci.has('incidents'),
    changes: ci.has('changes'),
    incidentList: root.has('incidents'),
    history: ci.has('history'),
    rootCauseBasis: ['candidateCount', 'complete', 'calibration'].every((f) => report.has(f)),
    problemFromRootCause: mutation.has('createProblemFromRootCause'),
    problems: mutation.has('createProblem'),
    hindsight: root.has('rootCauseHindsight'),
  };
}

const CI_FIELDS = 'id name class status criticality';

export interface Meta {
  classes: { name: string; description: string | null }[];
  types: { name: string; description: string | null; propagatesImpact: boolean }[];
}

export async function loadMeta(request: Request): Promise<Meta> {
  const data = await request<{ ciClasses: Meta['classes']; relationshipTypes: Meta['types'] }>(`
query Meta {
  ciClasses { name description }
  relationshipTypes { name description propagatesImpact }
}`);
  return { classes: data.ciClasses, types: data.relationshipTypes };
}

/**
 * The server's full-text index splits names at hyphens and underscores ("payroll-db" is
 * two words), so typed text is split the same way before it is sent.
 */
export function searchWords(text: string): string {
  return text.replace(/[-_/]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export async function searchCIs(request: Request, search: string, first = 12): Promise<{ items: CINode[]; total: number }> {
  const data = await request<{ cis: { totalCount: number | null; edges: ({ node: CINode | null } | null)[] | null } }>(
    `query Search($first: Int, $filter: CIFilter) { cis(first: $first, filter: $filter) { totalCount edges { node { ${CI_FIELDS} } } } }`,
    { first, filter: { search: searchWords(search) } },
  );
  const items = (data.cis.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
  return { items, total: data.cis.totalCount ?? items.length };
}

export async function getCI(request: Request, id: string): Promise<CINode | null> {
  const data = await request<{ ci: CINode | null }>(`query One($id: ID!) { ci(id: $id) { ${CI_FIELDS} } }`, { id });
  return data.ci;
}

interface RelRow {
  id: string;
  type: string;
  from: CINode;
  to: CINode;
}

export async function neighbours(request: Request, id: string, direction: Direction, types: string[]): Promise<Neighbour[]> {
  const data = await request<{ ci: { relationships: RelRow[] | null } | null }>(
    `query Neighbours($id: ID!, $direction: Direction, $types: [String!]) {
  ci(id: $id) { relationships(direction: $direction, types: $types) { id type from { ${CI_FIELDS} } to { ${CI_FIELDS} } } }
}`,
    { id, direction, types: types.length ? types : null },
  );
  return (data.ci?.relationships ?? []).map((r) => ({
    rel: { id: r.id, type: r.type, from: r.from.id, to: r.to.id },
    other: r.from.id === id ? r.to : r.from,
  }));
}

export interface Details {
  ci: CINode & {
    attributes: Record<string, unknown> | null;
    sources: string[] | null;
    createdAt: string | null;
    updatedAt: string | null;
    history?: { at: string; actor: string; source: string; field: string; old: unknown; new: unknown }[];
    incidents?: { id: string; title: string; priority: string; status: string; openedAt: string }[];
    changes?: { id: string; title: string; status: string; plannedStart: string | null; plannedEnd: string | null; collisions?: { id: string; title: string; status: string }[] }[];
  };
}

export async function loadDetails(request: Request, id: string, caps: Capabilities): Promise<Details['ci'] | null> {
  const parts = [
    `${CI_FIELDS} attributes sources createdAt updatedAt`,
    caps.history ? 'history(first: 20) { at actor source field old new }' : '',
    caps.incidents ? 'incidents(openOnly: true) { id title priority status openedAt }' : '',
    caps.changes ? 'changes { id title status plannedStart plannedEnd collisions { id title status } }' : '',
  ];
  const data = await request<{ ci: Details['ci'] | null }>(`query Details($id: ID!) { ci(id: $id) { ${parts.join(' ')} } }`, { id });
  return data.ci;
}

const IMPACTED = `ci { ${CI_FIELDS} } state depth path { ci { ${CI_FIELDS} } relationship }`;

/**
 * Impacted CIs fetched per blast radius, nearest first: a hub can impact 100k+ CIs (hundreds
 * of MB with paths); beyond the canvas budget only paths to business services are drawn anyway.
 */
export const IMPACT_LIST_LIMIT = 5000;

export async function loadImpact(request: Request, ciIds: string[], at: number | null): Promise<ImpactReport> {
  const data = await request<{ impact: ImpactReport }>(
    `query Impact($input: ImpactInput!) {
  impact(input: $input) { sources { ${CI_FIELDS} } impacted(first: ${IMPACT_LIST_LIMIT}) { ${IMPACTED} } businessServices { ${IMPACTED} } totalCount downCount degradedCount truncated }
}`,
    { input: { ciIds, ...(at !== null ? { at: new Date(at).toISOString() } : {}) } },
  );
  return data.impact;
}

export async function loadChangeTargets(request: Request, changeId: string): Promise<{ id: string; title: string; targets: CINode[] } | null> {
  const data = await request<{ change: { id: string; title: string; targets: CINode[] } | null }>(
    `query ChangeTargets($id: ID!) { change(id: $id) { id title targets { ${CI_FIELDS} } } }`,
    { id: changeId },
  );
  return data.change;
}

export interface IncidentRef {
  id: string;
  title: string;
  priority: string;
  status: string;
  affects: CINode[];
}

/** An incident a ranking analyses, with the problem it already belongs to (a new problem cannot gather it). */
export interface AnalysedIncident extends IncidentRef {
  problem: { id: string; title: string } | null;
}

export async function loadIncident(request: Request, id: string): Promise<AnalysedIncident | null> {
  const data = await request<{ incident: AnalysedIncident | null }>(
    `query Incident($id: ID!) { incident(id: $id) { id title priority status affects { ${CI_FIELDS} } problem { id title } } }`,
    { id },
  );
  return data.incident;
}

/** Open incidents on the given CIs (CI.incidents), the way to pick them without a list root. */
export async function openIncidentsOn(request: Request, ciIds: string[]): Promise<IncidentRef[]> {
  if (!ciIds.length) return [];
  const fields = ciIds.map((id, i) => `c${i}: ci(id: ${JSON.stringify(id)}) { incidents(openOnly: true) { id title priority status affects { ${CI_FIELDS} } } }`);
  const data = await request<Record<string, { incidents: IncidentRef[] | null } | null>>(`query OpenIncidents { ${fields.join('\n')} }`);
  const byId = new Map<string, IncidentRef>();
  for (const v of Object.values(data)) for (const i of v?.incidents ?? []) byId.set(i.id, i);
  return [...byId.values()];
}

/** The newest open incidents, where the server lists incidents (Query.incidents). */
export async function recentOpenIncidents(request: Request, first = 50): Promise<IncidentRef[]> {
  const data = await request<{ incidents: { edges: ({ node: IncidentRef | null } | null)[] | null } }>(
    `query OpenIncidentList($first: Int, $filter: IncidentFilter) {
  incidents(first: $first, filter: $filter) { edges { node { id title priority status affects { ${CI_FIELDS} } } } }
}`,
    { first, filter: { statuses: ['NEW', 'IN_PROGRESS', 'ON_HOLD'] } },
  );
  return (data.incidents.edges ?? []).flatMap((e) => (e?.node ? [e.node] : []));
}

/** What a ranking rested on, where the server says (Capabilities.rootCauseBasis). */
export interface RootCauseBasis {
  candidateCount: number;
  complete: boolean;
  /** The reporting model learnt from resolved problems and past outages; null while too few are on record. */
  calibration: { problems: number; outages: number; reportRate: number } | null;
}

export interface RootCauseResult {
  candidates: RootCauseCandidate[];
  basis: RootCauseBasis | null;
}

export interface HindsightProblem {
  problem: { id: string; title: string };
  rootCause: { id: string; name: string };
  outcome: 'RANKED' | 'BELOW_LIST' | 'NOT_A_CANDIDATE' | 'NOT_ANALYSABLE';
  rank: number | null;
  rankUpToEquivalence: number | null;
  /** A candidate ranked above the recorded root that no observation tells from it. */
  lookAlike: { id: string; name: string } | null;
  top: { id: string; name: string } | null;
  note: string | null;
}

export interface Hindsight {
  analysed: number;
  top1: number | null;
  top3: number | null;
  top5: number | null;
  top1UpToEquivalence: number | null;
  top3UpToEquivalence: number | null;
  top5UpToEquivalence: number | null;
  problems: HindsightProblem[];
}

/** The latest `last` resolved problems ranked again as of their first incident (Query.rootCauseHindsight, problem managers). */
export async function loadHindsight(request: Request, last = 10): Promise<Hindsight> {
  const data = await request<{ rootCauseHindsight: Hindsight }>(
    `query Hindsight($last: Int) {
  rootCauseHindsight(last: $last) {
    analysed top1 top3 top5 top1UpToEquivalence top3UpToEquivalence top5UpToEquivalence
    problems { problem { id title } rootCause { id name } outcome rank rankUpToEquivalence lookAlike { id name } top { id name } note }
  }
}`,
    { last },
  );
  return data.rootCauseHindsight;
}

export async function loadRootCause(request: Request, incidentIds: string[], ciIds: string[], withBasis = false): Promise<RootCauseResult> {
  const basis = withBasis ? ' candidateCount complete calibration { problems outages reportRate }' : '';
  const data = await request<{ rootCause: { candidates: RootCauseCandidate[] } & Partial<RootCauseBasis> }>(
    `query RootCause($input: RootCauseInput!) {
  rootCause(input: $input) { candidates { ci { ${CI_FIELDS} } score explains { ${CI_FIELDS} } evidence recentChanges { id title status } }${basis} }
}`,
    { input: { incidentIds, ciIds } },
  );
  const r = data.rootCause;
  return {
    candidates: r.candidates.map((c) => ({ ...c, evidence: c.evidence ?? [], recentChanges: c.recentChanges ?? [] })),
    basis: withBasis ? { candidateCount: r.candidateCount ?? r.candidates.length, complete: r.complete ?? true, calibration: r.calibration ?? null } : null,
  };
}

/**
 * Opens a problem gathering the analysed incidents with the candidate as its root-cause CI:
 * Mutation.createProblemFromRootCause where served (it records the ranking's evidence as
 * the description), else the contract's Mutation.createProblem.
 */
export async function openProblemFromCandidate(
  request: Request,
  caps: Pick<Capabilities, 'problemFromRootCause'>,
  candidate: { id: string; name: string },
  incidentIds: string[],
): Promise<{ id: string; title: string }> {
  if (caps.problemFromRootCause) {
    const data = await request<{ createProblemFromRootCause: { id: string; title: string } }>(
      `mutation ProblemFromRootCause($input: CreateProblemFromRootCauseInput!) { createProblemFromRootCause(input: $input) { id title } }`,
      { input: { ciId: candidate.id, incidentIds } },
    );
    return data.createProblemFromRootCause;
  }
  const data = await request<{ createProblem: { id: string; title: string } }>(
    `mutation ProblemFromCandidate($input: CreateProblemInput!) { createProblem(input: $input) { id title } }`,
    { input: { title: `Root cause: ${candidate.name}`, incidentIds, rootCauseCiId: candidate.id } },
  );
  return data.createProblem;
}
