/** Type-ahead over `cis(filter:{search})`: a combobox reachable and usable by keyboard. */
import { useEffect, useId, useRef, useState } from 'react';
import type { Request } from './api.js';
import { describeError } from './api.js';
import type { CINode } from './model/graph.js';
import { searchCIs } from './queries.js';
import { lookOf } from './style.js';

interface Props {
  request: Request;
  onPick: (ci: CINode) => void;
  disabled?: boolean;
}

export function Search({ request, onPick, disabled }: Props) {
  const [text, setText] = useState('');
  const [items, setItems] = useState<CINode[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const listId = useId();
  const seq = useRef(0);

  useEffect(() => {
    const query = text.trim();
    if (query.length < 2) {
      setItems([]);
      setStatus(null);
      return;
    }
    const mine = ++seq.current;
    setStatus('Searching…');
    const timer = setTimeout(() => {
      searchCIs(request, query)
        .then((r) => {
          if (mine !== seq.current) return;
          setItems(r.items);
          setTotal(r.total);
          setActive(0);
          setOpen(true);
          setStatus(r.items.length ? null : `No CI matches “${query}”.`);
        })
        .catch((error: unknown) => {
          if (mine === seq.current) setStatus(describeError(error));
        });
    }, 200);
    return () => clearTimeout(timer);
  }, [text, request]);

  const pick = (ci: CINode) => {
    setOpen(false);
    setText('');
    setItems([]);
    onPick(ci);
  };

  return (
    <div className="search">
      <label htmlFor={`${listId}-input`} className="sr-only">
        Find a CI by name or identifier
      </label>
      <input
        id={`${listId}-input`}
        data-testid="search"
        type="search"
        role="combobox"
        aria-expanded={open && items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && items[active] ? `${listId}-${active}` : undefined}
        placeholder="Find a CI by name or identifier…"
        value={text}
        disabled={disabled}
        onChange={(e) => setText(e.target.value)}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            setActive((a) => Math.min(a + 1, items.length - 1));
            e.preventDefault();
          } else if (e.key === 'ArrowUp') {
            setActive((a) => Math.max(a - 1, 0));
            e.preventDefault();
          } else if (e.key === 'Enter' && items[active]) {
            pick(items[active]);
          } else if (e.key === 'Escape') {
            setOpen(false);
          }
        }}
      />
      {open && items.length > 0 && (
        <ul id={listId} role="listbox" className="search-results" data-testid="search-results">
          {items.map((ci, i) => (
            <li
              key={ci.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(ci);
              }}
            >
              <span className="swatch" style={{ background: lookOf(ci.class).color }} aria-hidden="true" />
              <span className="name">{ci.name}</span> <span className="muted">{ci.class}</span>
              {ci.status !== 'ACTIVE' && <span className="muted"> · {ci.status}</span>}
            </li>
          ))}
          {total > items.length && <li className="muted more">{total - items.length} more; type more to narrow down.</li>}
        </ul>
      )}
      {status && (
        <div className="search-status" role="status">
          {status}
        </div>
      )}
    </div>
  );
}
