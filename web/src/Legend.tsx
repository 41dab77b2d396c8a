/** The legend: class shapes and colours present on the canvas, relationship line styles, overlay colours. */
import { DEGRADED, DOWN, edgeLookOf, lookOf } from './style.js';

const SHAPE_CSS: Record<string, string> = {
  ellipse: '50%',
  'round-rectangle': '5px',
  rectangle: '0',
};

export function Legend({ classes, types }: { classes: string[]; types: string[] }) {
  return (
    <section className="legend" aria-label="Legend">
      <h3>Legend</h3>
      {classes.length === 0 && <p className="muted">Classes appear here once CIs are on the canvas.</p>}
      <ul>
        {classes.map((c) => {
          const look = lookOf(c);
          return (
            <li key={c}>
              <span
                className="swatch"
                style={{ background: look.color, borderRadius: SHAPE_CSS[look.shape] ?? '2px', clipPath: look.shape === 'triangle' ? 'polygon(50% 0, 100% 100%, 0 100%)' : look.shape === 'diamond' ? 'polygon(50% 0,100% 50%,50% 100%,0 50%)' : undefined }}
                aria-hidden="true"
              />
              {c} <span className="muted">({look.shape})</span>
            </li>
          );
        })}
      </ul>
      <ul>
        {types.map((t) => {
          const look = edgeLookOf(t);
          return (
            <li key={t}>
              <svg width="34" height="10" aria-hidden="true">
                <line x1="0" y1="5" x2="26" y2="5" stroke={look.color} strokeWidth={look.width} strokeDasharray={look.line === 'dashed' ? '6 3' : look.line === 'dotted' ? '2 3' : undefined} />
                <polygon points="26,1 34,5 26,9" fill={look.color} />
              </svg>{' '}
              {t === 'IMPLIED' ? 'implied (across a hidden class)' : t}
            </li>
          );
        })}
      </ul>
      <ul>
        <li>
          <span className="swatch" style={{ background: DOWN }} aria-hidden="true" /> DOWN
        </li>
        <li>
          <span className="swatch" style={{ background: DEGRADED }} aria-hidden="true" /> DEGRADED
        </li>
        <li className="muted">Arrows point from the dependent to what it depends on; failure travels against them.</li>
      </ul>
    </section>
  );
}
