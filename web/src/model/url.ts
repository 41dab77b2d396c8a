/**
 * Deep links: the URL fragment holds what a colleague needs to see the same view. Pure
 * encode/decode, unit-tested. `#token=` is read once and removed (it goes to localStorage).
 */
import type { Direction } from './graph.js';

export type Mode = 'explore' | 'impact' | 'rootcause';
export type LayoutName = 'dagre' | 'cose';

export interface ViewLink {
  focus: string | null;
  mode: Mode;
  selection: string | null;
  /** Expansions to replay, in order. */
  expand: { id: string; direction: Direction; types: string[] }[];
  hidden: string[];
  /** Blast-radius sources (CI ids) or a change id (CHG-...). */
  sources: string[];
  /** Blast radius evaluated at this time (epoch ms); null = now. */
  at: number | null;
  /** Root-cause observations: incident ids (INC-...) and CI ids. */
  observed: string[];
  layout: LayoutName;
}

export function emptyLink(): ViewLink {
  return { focus: null, mode: 'explore', selection: null, expand: [], hidden: [], sources: [], at: null, observed: [], layout: 'dagre' };
}

const list = (v: string | null) => (v ? v.split(',').filter(Boolean) : []);

export function encodeLink(link: ViewLink): string {
  const p = new URLSearchParams();
  if (link.focus) p.set('focus', link.focus);
  if (link.mode !== 'explore') p.set('mode', link.mode);
  if (link.selection) p.set('sel', link.selection);
  if (link.expand.length) p.set('expand', link.expand.map((e) => [e.id, e.direction, e.types.join('+')].join('~')).join(','));
  if (link.hidden.length) p.set('hide', link.hidden.join(','));
  if (link.sources.length) p.set('src', link.sources.join(','));
  if (link.at !== null) p.set('at', new Date(link.at).toISOString());
  if (link.observed.length) p.set('obs', link.observed.join(','));
  if (link.layout !== 'dagre') p.set('layout', link.layout);
  return p.toString();
}

export function decodeLink(fragment: string): ViewLink & { token: string | null } {
  const p = new URLSearchParams(fragment.replace(/^#/, ''));
  const mode = p.get('mode');
  const at = p.get('at') ? Date.parse(p.get('at')!) : NaN;
  return {
    token: p.get('token'),
    focus: p.get('focus'),
    mode: mode === 'impact' || mode === 'rootcause' ? mode : 'explore',
    selection: p.get('sel'),
    expand: list(p.get('expand')).flatMap((item) => {
      const [id, direction, types] = item.split('~');
      if (!id || (direction !== 'IN' && direction !== 'OUT' && direction !== 'BOTH')) return [];
      return [{ id, direction, types: types ? types.split('+').filter(Boolean) : [] }];
    }),
    hidden: list(p.get('hide')),
    sources: list(p.get('src')),
    at: Number.isFinite(at) ? at : null,
    observed: list(p.get('obs')),
    layout: p.get('layout') === 'cose' ? 'cose' : 'dagre',
  };
}
