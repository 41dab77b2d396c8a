/** Root-cause mode: observed failures (incidents or CIs) in, ranked candidates with evidence out. */
import { useState } from 'react';
import type { CINode } from './model/graph.js';
import type { RootCauseCandidate } from './model/overlay.js';
import type { Hindsight, HindsightProblem, IncidentRef, RootCauseBasis } from './queries.js';
import { Unavailable } from './ImpactPanel.js';

/** Actions of this panel whose failure (a role the token lacks, a conflict) is said next to them. */
export type Action = 'open-problem' | 'hindsight';

interface Props {
  available: boolean;
  incidentsAvailable: boolean;
  incidentListLabel: string;
  observed: string[];
  label: (id: string) => string;
  selection: CINode | null;
  suggestions: IncidentRef[] | null;
  candidates: RootCauseCandidate[] | null;
  chosen: string | null;
  busy: boolean;
  onObserved: (ids: string[]) => void;
  onFindIncidents: () => void;
  onRun: () => void;
  onChoose: (id: string | null) => void;
  /** What the last ranking rested on; null where the server does not say. */
  basis: RootCauseBasis | null;
  /** The incidents the last ranking analysed: a problem opened from a candidate gathers them. */
  analysedIncidents: string[];
  /** Analysed incidents that already belong to a problem: opening another one would be refused. */
  takenIncidents: { incident: string; problem: string }[];
  canOpenProblem: boolean;
  opened: { ciId: string; id: string; title: string } | null;
  /** The last failure of an action of this panel (a role the token lacks, a conflict), said next to it. */
  actionError: { action: Action; message: string } | null;
  onOpenProblem: (candidate: RootCauseCandidate) => void;
  /** The last hindsight report; null before one was asked for. */
  hindsight: Hindsight | null;
  /** Asks for one; undefined when the server does not serve Query.rootCauseHindsight. */
  onHindsight?: () => void;
}

/** Where a resolved problem's recorded root cause came, in words. */
function hindsightLine(p: HindsightProblem): string {
  const root = p.rootCause.name;
  if (p.outcome === 'RANKED') {
    const first = p.rank !== 1 && p.top ? ` (first: ${p.top.name})` : '';
    const alike = p.lookAlike ? `; ${p.lookAlike.name}, ranked ${p.rankUpToEquivalence}, breaks exactly the same: no incident could tell them apart` : '';
    return `${root} ranked ${p.rank}${first}${alike}${p.note ? ` (${p.note})` : ''}`;
  }
  if (p.outcome === 'BELOW_LIST') return `${root} ranked below the first 100`;
  if (p.outcome === 'NOT_A_CANDIDATE') return `${root}: its failure breaks none of the incidents’ CIs in the graph as it stood`;
  return `not analysable: ${p.note ?? 'unknown reason'}`;
}

function hindsightSummary(h: Hindsight): string {
  if (h.analysed === 0) return 'No resolved problem naming a root cause and grouping incidents is on record yet.';
  const pct = (x: number | null) => `${Math.round((x ?? 0) * 100)} %`;
  const strict = `Of ${h.analysed} resolved problem${h.analysed === 1 ? '' : 's'}, the recorded root cause came first in ${pct(h.top1)}, in the first 3 in ${pct(h.top3)}, in the first 5 in ${pct(h.top5)}.`;
  const alike = h.top1UpToEquivalence !== h.top1 || h.top3UpToEquivalence !== h.top3 || h.top5UpToEquivalence !== h.top5;
  return alike
    ? `${strict} Counting candidates no incident could tell from it: ${pct(h.top1UpToEquivalence)}, ${pct(h.top3UpToEquivalence)} and ${pct(h.top5UpToEquivalence)}.`
    : strict;
}

/** The ranking's basis in words: how many candidates, what it learnt, whether the walk was cut. */
export function basisLines(basis: RootCauseBasis, listed: number): string[] {
  const one = basis.candidateCount === 1;
  const lines = [`${basis.candidateCount} CI${one ? ' explains' : 's explain'} at least one observed failure; the ${listed} likeliest ${listed === 1 ? 'is' : 'are'} listed.`];
  const c = basis.calibration;
  if (c) {
    const from = [c.problems && `${c.problems} resolved problem${c.problems === 1 ? '' : 's'}`, c.outages && `${c.outages} past outage${c.outages === 1 ? '' : 's'}`].filter(Boolean).join(' and ');
    lines.push(`Learnt from ${from}: about ${Math.round(c.reportRate * 100)} % of the user-facing CIs a failure takes down get an incident here.`);
  } else {
    lines.push('Not learnt yet how outages are reported here (too few resolved problems or past outages on record): the number of incidents is weighed with the report rate unknown.');
  }
  if (!basis.complete) lines.push('The downstream walk hit its budget: the largest candidates’ damage is a lower bound.');
  return lines;
}

/** Why no new problem can gather the analysed incidents, or null if one can. */
function takenReason(taken: Props['takenIncidents']): string | null {
  if (!taken.length) return null;
  const byProblem = new Map<string, string[]>();
  for (const t of taken) byProblem.set(t.problem, [...(byProblem.get(t.problem) ?? []), t.incident]);
  const parts = [...byProblem].map(([problem, incidents]) => `${incidents.join(', ')} already belong${incidents.length === 1 ? 's' : ''} to ${problem}`);
  return `${parts.join('; ')}: an incident belongs to one problem, so no new one can gather ${taken.length === 1 ? 'it' : 'them'}.`;
}

function ActionError({ error, action }: { error: Props['actionError']; action: Action }) {
  if (error?.action !== action) return null;
  return (
    <p className="error" role="alert" data-testid={`rootcause-${action}-error`}>
      {error.message}
    </p>
  );
}

export function RootCausePanel(props: Props) {
  const [incidentId, setIncidentId] = useState('');
  const taken = takenReason(props.takenIncidents);
  if (!props.available) return <Unavailable title="Root cause" api="the root-cause API (Query.rootCause)" />;
  const add = (id: string) => !props.observed.includes(id) && props.onObserved([...props.observed, id]);
  return (
    <section className="mode-panel" aria-label="Root cause" data-testid="rootcause-panel">
      <h2>Root cause</h2>
      <p className="muted">What most likely explains these failures?</p>
      <ul className="plain" data-testid="rootcause-observed">
        {props.observed.map((id) => (
          <li key={id}>
            {props.label(id)}{' '}
            <button type="button" className="link" onClick={() => props.onObserved(props.observed.filter((o) => o !== id))}>
              remove
            </button>
          </li>
        ))}
        {props.observed.length === 0 && <li className="muted">Nothing observed yet: add open incidents or failing CIs.</li>}
      </ul>
      <div className="row">
        <button type="button" disabled={!props.selection} onClick={() => props.selection && add(props.selection.id)}>
          Add selected CI as failing
        </button>
        {props.incidentsAvailable && (
          <button type="button" data-testid="rootcause-find-incidents" onClick={props.onFindIncidents}>
            {props.incidentListLabel}
          </button>
        )}
      </div>
      {props.suggestions && (
        <ul className="plain" data-testid="rootcause-suggestions">
          {props.suggestions.length === 0 && <li className="muted">No open incidents found.</li>}
          {props.suggestions.map((i) => (
            <li key={i.id}>
              <label className="check">
                <input
                  type="checkbox"
                  checked={props.observed.includes(i.id)}
                  onChange={(e) => (e.target.checked ? add(i.id) : props.onObserved(props.observed.filter((o) => o !== i.id)))}
                />
                <code>{i.id}</code> {i.priority} {i.title} <span className="muted">on {i.affects.map((a) => a.name).join(', ')}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {props.incidentsAvailable && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (incidentId.trim()) add(incidentId.trim());
            setIncidentId('');
          }}
        >
          <label>
            Incident{' '}
            <input value={incidentId} onChange={(e) => setIncidentId(e.target.value)} placeholder="INC-…" size={14} />
          </label>
          <button type="submit">Add</button>
        </form>
      )}
      <button type="button" className="primary" data-testid="rootcause-run" disabled={!props.observed.length || props.busy} onClick={props.onRun}>
        {props.busy ? 'Ranking…' : 'Find root cause'}
      </button>
      {props.candidates && props.basis && (
        <ul className="plain muted" data-testid="rootcause-basis">
          {basisLines(props.basis, props.candidates.length).map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {props.candidates && (
        <ol className="candidates" data-testid="rootcause-candidates">
          {props.candidates.length === 0 && <li className="muted">No upstream CI explains these failures.</li>}
          {props.candidates.map((c) => (
            <li key={c.ci.id}>
              <button type="button" className={`service ${props.chosen === c.ci.id ? 'current' : ''}`} aria-pressed={props.chosen === c.ci.id} onClick={() => props.onChoose(props.chosen === c.ci.id ? null : c.ci.id)}>
                {c.ci.name} <span className="muted">({c.ci.class}) · score {c.score.toFixed(2)} · explains {c.explains.length}</span>
              </button>
              {props.chosen === c.ci.id && (
                <ul className="evidence">
                  {c.evidence.map((e, i) => (
                    <li key={i}>{e}</li>
                  ))}
                  {c.recentChanges.map((ch) => (
                    <li key={ch.id}>
                      recent change <code>{ch.id}</code> {ch.title} ({ch.status})
                    </li>
                  ))}
                  {props.canOpenProblem && props.opened?.ciId !== c.ci.id && (
                    <li>
                      {props.analysedIncidents.length > 0 ? (
                        <>
                          <button type="button" data-testid="rootcause-open-problem" disabled={props.busy || taken !== null} onClick={() => props.onOpenProblem(c)}>
                            Open a problem: {c.ci.name} as root cause, {props.analysedIncidents.length} incident{props.analysedIncidents.length === 1 ? '' : 's'}
                          </button>
                          {taken && (
                            <span className="muted" data-testid="rootcause-open-problem-taken">
                              {' '}
                              {taken}
                            </span>
                          )}
                          <ActionError error={props.actionError} action="open-problem" />
                        </>
                      ) : (
                        <span className="muted">Rank incidents (not only CIs) to open a problem gathering them.</span>
                      )}
                    </li>
                  )}
                  {props.opened?.ciId === c.ci.id && (
                    <li data-testid="rootcause-problem">
                      Problem <code>{props.opened.id}</code> opened: {props.opened.title}
                    </li>
                  )}
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
      {props.onHindsight && (
        <details className="hindsight" data-testid="rootcause-hindsight">
          <summary>In hindsight: how has it done here?</summary>
          <p className="muted">The incidents of the latest resolved problems, ranked again as an analysis would have ranked them when the first opened: where did the recorded root cause come?</p>
          <button type="button" data-testid="rootcause-hindsight-run" disabled={props.busy} onClick={props.onHindsight}>
            Rank the last 10 resolved problems again
          </button>
          <ActionError error={props.actionError} action="hindsight" />
          {props.hindsight && (
            <>
              <p data-testid="rootcause-hindsight-summary">{hindsightSummary(props.hindsight)}</p>
              <ul className="plain" data-testid="rootcause-hindsight-problems">
                {props.hindsight.problems.map((p) => (
                  <li key={p.problem.id}>
                    <code>{p.problem.id}</code> {p.problem.title}: {hindsightLine(p)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </details>
      )}
    </section>
  );
}
