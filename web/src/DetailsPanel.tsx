/**
 * The selected CI: expansion controls, attributes, sources, history, open incidents and
 * changes (with their collisions) as far as the served schema offers them.
 */
import { useEffect, useState } from 'react';
import { describeError, type Request } from './api.js';
import type { Direction, ExpandSpec, Group } from './model/graph.js';
import { loadDetails, type Capabilities, type Details, type Meta } from './queries.js';

interface Props {
  request: Request;
  caps: Capabilities;
  meta: Meta;
  id: string;
  group: Group | null;
  expanded: boolean;
  isFocus: boolean;
  onExpand: (spec: ExpandSpec) => void;
  onCollapse: () => void;
  onExpandGroup: () => void;
  onFocus: () => void;
  onSelect: (id: string) => void;
  memberNames: (ids: string[]) => { id: string; name: string }[];
}

const fmt = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** One history line in words: relationship and CI creations say what, not their JSON. */
function describeChange(h: { field: string; old: unknown; new: unknown }): string {
  const value = h.new as Record<string, unknown> | null;
  if (value && typeof value === 'object' && typeof value.type === 'string') return `${h.field} ${value.type} relationship`;
  if (value && typeof value === 'object' && typeof value.class === 'string') return `${h.field} as ${String(value.class)} “${String(value.name)}”`;
  const text = `${h.field}: ${show(h.old)} → ${show(h.new)}`;
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

export function DetailsPanel(props: Props) {
  const { request, caps, id, group } = props;
  const [details, setDetails] = useState<Details['ci'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [direction, setDirection] = useState<Direction>('BOTH');
  const [types, setTypes] = useState<string[]>([]);

  useEffect(() => {
    if (group) return;
    let live = true;
    setLoading(true);
    setError(null);
    loadDetails(request, id, caps)
      .then((d) => {
        if (!live) return;
        setDetails(d);
        if (!d) setError('This CI no longer exists.');
      })
      .catch((e: unknown) => live && setError(describeError(e)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [request, caps, id, group]);

  if (group) {
    const members = props.memberNames(group.members);
    return (
      <section className="details" aria-label="Group details" data-testid="details">
        <h2>
          {group.members.length} × {group.cls}
        </h2>
        <p className="muted">Neighbours of the same class folded into one node to keep the picture readable.</p>
        <button type="button" onClick={props.onExpandGroup} data-testid="expand-group">
          Show all {group.members.length} separately
        </button>
        <ul className="plain">
          {members.map((m) => (
            <li key={m.id}>{m.name}</li>
          ))}
        </ul>
      </section>
    );
  }

  const ci = details;
  return (
    <section className="details" aria-label="CI details" data-testid="details">
      {loading && !ci && <p role="status">Loading details…</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {ci && (
        <>
          <h2 data-testid="details-name">{ci.name}</h2>
          <p className="muted">
            {ci.class} · {ci.status}
            {ci.criticality ? ` · criticality ${ci.criticality}` : ''}
          </p>
          <fieldset className="expand">
            <legend>Expand neighbours</legend>
            <label>
              Direction{' '}
              <select value={direction} onChange={(e) => setDirection(e.target.value as Direction)} data-testid="expand-direction">
                <option value="BOTH">both ways</option>
                <option value="OUT">what it depends on (out)</option>
                <option value="IN">what depends on it (in)</option>
              </select>
            </label>
            <details>
              <summary>Relationship types {types.length ? `(${types.length})` : '(all)'}</summary>
              {props.meta.types.map((t) => (
                <label key={t.name} className="check">
                  <input
                    type="checkbox"
                    checked={types.includes(t.name)}
                    onChange={(e) => setTypes((ts) => (e.target.checked ? [...ts, t.name] : ts.filter((x) => x !== t.name)))}
                  />
                  {t.name}
                </label>
              ))}
            </details>
            <div className="row">
              <button type="button" data-testid="expand" onClick={() => props.onExpand({ direction, types: [...types].sort() })}>
                Expand
              </button>
              <button type="button" data-testid="collapse" onClick={props.onCollapse} disabled={!props.expanded}>
                Collapse
              </button>
              {!props.isFocus && (
                <button type="button" onClick={props.onFocus}>
                  Focus here
                </button>
              )}
            </div>
          </fieldset>
          <h3>Attributes</h3>
          <table className="attrs">
            <tbody>
              {Object.entries(ci.attributes ?? {}).map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>{show(v)}</td>
                </tr>
              ))}
              <tr>
                <th scope="row">id</th>
                <td>
                  <code>{ci.id}</code>
                </td>
              </tr>
              <tr>
                <th scope="row">created</th>
                <td>{fmt(ci.createdAt)}</td>
              </tr>
              <tr>
                <th scope="row">updated</th>
                <td>{fmt(ci.updatedAt)}</td>
              </tr>
            </tbody>
          </table>
          <h3>Sources</h3>
          <p>{ci.sources?.length ? ci.sources.join(', ') : 'none recorded'}</p>
          {caps.incidents && (
            <>
              <h3>Open incidents</h3>
              {ci.incidents?.length ? (
                <ul className="plain" data-testid="incidents">
                  {ci.incidents.map((i) => (
                    <li key={i.id}>
                      <code>{i.id}</code> {i.priority} {i.title} <span className="muted">({i.status}, {fmt(i.openedAt)})</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No open incidents.</p>
              )}
            </>
          )}
          {caps.changes && (
            <>
              <h3>Changes</h3>
              {ci.changes?.length ? (
                <ul className="plain" data-testid="changes">
                  {ci.changes.map((c) => (
                    <li key={c.id}>
                      <code>{c.id}</code> {c.title} <span className="muted">({c.status}, {fmt(c.plannedStart)} → {fmt(c.plannedEnd)})</span>
                      {c.collisions?.length ? (
                        <div className="warn">
                          Collides with: {c.collisions.map((x) => `${x.id} ${x.title} (${x.status})`).join('; ')}
                        </div>
                      ) : null}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No changes.</p>
              )}
            </>
          )}
          {caps.history && (
            <>
              <h3>History</h3>
              {ci.history?.length ? (
                <ul className="plain history">
                  {ci.history.map((h, i) => (
                    <li key={i}>
                      <span className="muted">{fmt(h.at)}</span> {h.actor} ({h.source}): {describeChange(h)}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="muted">No recorded changes.</p>
              )}
            </>
          )}
        </>
      )}
    </section>
  );
}
