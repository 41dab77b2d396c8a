/** Blast-radius mode: sources (CIs or a change), a time, and the impacted business services. */
import { useState } from 'react';
import type { CINode } from './model/graph.js';
import { sortServices, type ImpactedCI, type ImpactReport } from './model/overlay.js';
import { IMPACT_LIST_LIMIT } from './queries.js';

interface Props {
  available: boolean;
  sources: string[];
  sourceNames: (id: string) => string;
  selection: CINode | null;
  at: number | null;
  report: ImpactReport | null;
  highlighted: string | null;
  busy: boolean;
  onSources: (ids: string[]) => void;
  onAt: (at: number | null) => void;
  onRun: () => void;
  onHighlight: (item: ImpactedCI | null) => void;
}

/** A mode whose API the served schema lacks: said in words, not faked. */
export function Unavailable({ title, api }: { title: string; api: string }) {
  return (
    <section className="mode-panel" aria-label={title}>
      <h2>{title}</h2>
      <p className="notice">This server does not offer {api} yet: it is missing from the served schema.</p>
    </section>
  );
}

/** datetime-local wants local time without zone. */
function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export function ImpactPanel(props: Props) {
  const [changeId, setChangeId] = useState('');
  if (!props.available) return <Unavailable title="Blast radius" api="the impact API (Query.impact)" />;
  const { report } = props;
  const services = report ? sortServices(report.businessServices) : [];
  return (
    <section className="mode-panel" aria-label="Blast radius" data-testid="impact-panel">
      <h2>Blast radius</h2>
      <p className="muted">What goes down or degrades if these fail.</p>
      <ul className="plain" data-testid="impact-sources">
        {props.sources.map((id) => (
          <li key={id}>
            {props.sourceNames(id)}{' '}
            <button type="button" className="link" onClick={() => props.onSources(props.sources.filter((s) => s !== id))} aria-label={`Remove ${props.sourceNames(id)}`}>
              remove
            </button>
          </li>
        ))}
        {props.sources.length === 0 && <li className="muted">No CI picked yet: select one on the canvas and add it.</li>}
      </ul>
      <div className="row">
        <button
          type="button"
          data-testid="impact-add-selected"
          disabled={!props.selection || props.sources.includes(props.selection.id)}
          onClick={() => props.selection && props.onSources([...props.sources, props.selection.id])}
        >
          Add selected{props.selection ? `: ${props.selection.name}` : ''}
        </button>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const id = changeId.trim();
          if (id) props.onSources([id]);
          setChangeId('');
        }}
      >
        <label>
          or a change{' '}
          <input value={changeId} onChange={(e) => setChangeId(e.target.value)} placeholder="CHG-…" size={14} />
        </label>
        <button type="submit">Use change</button>
      </form>
      <div className="row">
        <label>
          As of{' '}
          <input
            type="datetime-local"
            data-testid="impact-at"
            value={props.at === null ? '' : toLocalInput(props.at)}
            onChange={(e) => props.onAt(e.target.value ? new Date(e.target.value).getTime() : null)}
          />
        </label>
        {props.at !== null && (
          <button type="button" className="link" onClick={() => props.onAt(null)}>
            now
          </button>
        )}
      </div>
      <button type="button" className="primary" data-testid="impact-run" disabled={!props.sources.length || props.busy} onClick={props.onRun}>
        {props.busy ? 'Computing…' : 'Show blast radius'}
      </button>
      {report && (
        <div data-testid="impact-result">
          <p role="status">
            {report.totalCount === 0
              ? 'Nothing else is impacted.'
              : `${report.totalCount} CIs impacted: ${report.downCount} down, ${report.degradedCount} degraded.`}
            {report.truncated ? ' The result was cut at the depth limit.' : ''}
            {report.impacted.length >= IMPACT_LIST_LIMIT && report.impacted.length < report.totalCount
              ? ` The nearest ${report.impacted.length} are listed.`
              : ''}
          </p>
          <h3>Business services</h3>
          {services.length === 0 && <p className="muted">No business service is impacted.</p>}
          <ul className="plain services" data-testid="impact-services">
            {services.map((s) => (
              <li key={s.ci.id}>
                <button
                  type="button"
                  className={`service ${s.state.toLowerCase()} ${props.highlighted === s.ci.id ? 'current' : ''}`}
                  aria-pressed={props.highlighted === s.ci.id}
                  data-state={s.state}
                  onClick={() => props.onHighlight(props.highlighted === s.ci.id ? null : s)}
                >
                  <span className="badge">{s.state}</span> {s.ci.name}
                  <span className="muted"> · criticality {s.ci.criticality ?? '—'} · {s.depth} hops</span>
                </button>
                {props.highlighted === s.ci.id && (
                  <p className="path" data-testid="impact-path">
                    {s.path.map((p) => p.ci.name).join(' → ')}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
