/** Root-cause mode: observed failures (incidents or CIs) in, ranked candidates with evidence out. */
import { useState } from 'react';
import type { CINode } from './model/graph.js';
import type { RootCauseCandidate } from './model/overlay.js';
import type { IncidentRef } from './queries.js';
import { Unavailable } from './ImpactPanel.js';

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
}

export function RootCausePanel(props: Props) {
  const [incidentId, setIncidentId] = useState('');
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
                </ul>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
