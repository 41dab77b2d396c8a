/**
 * Reconciliation: given what a CI holds (with per-field provenance) and what a source now
 * reports, decide each field. Pure; the engine applies the outcome.
 *
 * The rules (docs/importers.md):
 * - A field no one owns, or that this source owns, takes the reported value.
 * - A field another source owns keeps its value, unless a precedence rule ranks this
 *   source above the owner. 'manual' (a person, through the API) is never overwritten
 *   without a rule that ranks the source above 'manual'.
 * - An attribute this source owns and no longer reports is removed.
 * - A CI the engine retired (status owner RETIRED_BY_SYNC) comes back ACTIVE when reported.
 */
import type { PrecedenceRule } from './types.js';

/** Provenance owner of a status the engine set by retiring a CI nobody reports. */
export const RETIRED_BY_SYNC = 'sync:retired';

export interface Provenance {
  source: string;
  at: number;
}

export interface CIState {
  name: string;
  status: string;
  attributes: Record<string, unknown>;
  provenance: Record<string, Provenance>;
}

export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

export interface Reconciled {
  state: CIState;
  changes: FieldChange[];
  /** Fields this source reported but may not set (kept by precedence), for the report. */
  kept: string[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

function findRule(rules: readonly PrecedenceRule[], cls: string, field: string): PrecedenceRule | undefined {
  const fits = (r: PrecedenceRule, f: string) => r.field === f && (r.class === undefined || r.class === cls);
  return (
    rules.find((r) => r.class === cls && r.field === field) ??
    rules.find((r) => fits(r, field)) ??
    rules.find((r) => r.class === cls && r.field === '*') ??
    rules.find((r) => fits(r, '*'))
  );
}

/** Whether `incoming` may set a field currently owned by `owner`. */
export function mayOverwrite(
  rules: readonly PrecedenceRule[],
  cls: string,
  field: string,
  incoming: string,
  owner: string | undefined,
): boolean {
  if (owner === undefined || owner === incoming || owner === RETIRED_BY_SYNC) return true;
  const rule = findRule(rules, cls, field);
  if (!rule) return false;
  const rank = (s: string) => {
    const i = rule.order.indexOf(s);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return rank(incoming) < rank(owner);
}

export function reconcile(
  cls: string,
  current: CIState | null,
  reported: { name: string; attributes: Record<string, unknown> },
  source: string,
  at: number,
  rules: readonly PrecedenceRule[],
): Reconciled {
  const state: CIState = current
    ? { ...current, attributes: { ...current.attributes }, provenance: { ...current.provenance } }
    : { name: reported.name, status: 'ACTIVE', attributes: {}, provenance: {} };
  const changes: FieldChange[] = [];
  const kept: string[] = [];

  const offer = (field: string, value: unknown, get: () => unknown, set: (v: unknown) => void) => {
    const owner = state.provenance[field]?.source;
    const old = get();
    if (current && !mayOverwrite(rules, cls, field, source, owner)) {
      if (!same(old, value)) kept.push(field);
      return;
    }
    if (!same(old, value)) {
      if (current) changes.push({ field, old: old ?? null, new: value ?? null });
      set(value);
    }
    if (owner !== source && value !== undefined) state.provenance[field] = { source, at };
  };

  offer('name', reported.name, () => state.name, (v) => (state.name = String(v)));
  if (!current) state.provenance.status = { source, at };
  else if (state.status === 'RETIRED') {
    offer('status', 'ACTIVE', () => state.status, (v) => (state.status = String(v)));
  }
  for (const [attr, value] of Object.entries(reported.attributes)) {
    offer(`attributes.${attr}`, value, () => state.attributes[attr], (v) => (state.attributes[attr] = v));
  }
  // What this source set before and no longer reports goes away.
  for (const attr of Object.keys(state.attributes)) {
    const field = `attributes.${attr}`;
    if (attr in reported.attributes || state.provenance[field]?.source !== source) continue;
    changes.push({ field, old: state.attributes[attr], new: null });
    delete state.attributes[attr];
    delete state.provenance[field];
  }
  return { state, changes, kept };
}
