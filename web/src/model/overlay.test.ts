import { describe, expect, it } from 'vitest';
import { impactOverlay, impactPlacement, pathToEdges, rootCauseOverlay, sortServices, type ImpactReport } from './overlay.js';
import { decodeLink, emptyLink, encodeLink } from './url.js';
import type { CINode } from './graph.js';

const ci = (id: string, cls = 'Application', criticality: number | null = null): CINode => ({ id, name: id, class: cls, status: 'ACTIVE', criticality });

const report: ImpactReport = {
  sources: [ci('db', 'Database')],
  impacted: [
    { ci: ci('app'), state: 'DOWN', depth: 1, path: [{ ci: ci('db', 'Database'), relationship: 'DEPENDS_ON' }, { ci: ci('app'), relationship: null }] },
    {
      ci: ci('shop', 'BusinessService', 1),
      state: 'DOWN',
      depth: 2,
      path: [
        { ci: ci('db', 'Database'), relationship: 'DEPENDS_ON' },
        { ci: ci('app'), relationship: 'DEPENDS_ON' },
        { ci: ci('shop', 'BusinessService', 1), relationship: null },
      ],
    },
  ],
  businessServices: [],
  totalCount: 2,
  downCount: 2,
  degradedCount: 0,
  truncated: false,
};

describe('blast radius overlay', () => {
  it('turns a path (failed CI first) into dependent → provider edges', () => {
    expect(pathToEdges(report.impacted[1]!.path).map((e) => `${e.from}>${e.type}>${e.to}`)).toEqual(['app>DEPENDS_ON>db', 'shop>DEPENDS_ON>app']);
  });

  it('marks sources and states and places each CI next to the one before it on its path', () => {
    const o = impactOverlay(report);
    expect(o.states).toEqual({ db: 'SOURCE', app: 'DOWN', shop: 'DOWN' });
    expect(o.pathEdges).toHaveLength(2);
    expect(impactPlacement(report).map((p) => [p.ci.id, p.near])).toEqual([
      ['db', undefined],
      ['app', 'db'],
      ['shop', 'app'],
    ]);
  });

  it('lists DOWN before DEGRADED, then by criticality', () => {
    const a = { ci: ci('a', 'BusinessService', 3), state: 'DEGRADED' as const, depth: 1, path: [] };
    const b = { ci: ci('b', 'BusinessService', 4), state: 'DOWN' as const, depth: 1, path: [] };
    const c = { ci: ci('c', 'BusinessService', 1), state: 'DEGRADED' as const, depth: 1, path: [] };
    expect(sortServices([a, b, c]).map((s) => s.ci.id)).toEqual(['b', 'c', 'a']);
  });

  it('marks root-cause candidates and what the selected one explains', () => {
    const o = rootCauseOverlay([{ ci: ci('vm'), score: 1, explains: [ci('app')], evidence: [], recentChanges: [] }], ['app', 'other'], 'vm');
    expect(o.states).toEqual({ app: 'EXPLAINED', other: 'DOWN', vm: 'CANDIDATE' });
    expect(o.candidates).toEqual(['vm']);
  });

  it('keeps observed CIs red when they are candidates too, selected one or not', () => {
    const candidates = [
      { ci: ci('app'), score: 2, explains: [ci('app')], evidence: [], recentChanges: [] },
      { ci: ci('db', 'Database'), score: 1, explains: [ci('app'), ci('web')], evidence: [], recentChanges: [] },
    ];
    const none = rootCauseOverlay(candidates, ['app', 'web']);
    expect(none.states).toEqual({ app: 'DOWN', web: 'DOWN', db: 'CANDIDATE' });
    expect(none.candidates).toEqual(['app', 'db']);
    const chosen = rootCauseOverlay(candidates, ['app', 'web'], 'db');
    expect(chosen.states).toEqual({ app: 'EXPLAINED', web: 'EXPLAINED', db: 'CANDIDATE' });
    expect(chosen.candidates).toEqual(['app', 'db']);
  });
});

describe('deep links', () => {
  it('round-trips a view through the URL fragment', () => {
    const link = {
      ...emptyLink(),
      focus: 'f1',
      mode: 'impact' as const,
      selection: 's1',
      expand: [{ id: 'f1', direction: 'OUT' as const, types: ['RUNS_ON', 'HOSTED_ON'] }, { id: 'x', direction: 'BOTH' as const, types: [] }],
      hidden: ['VirtualMachine'],
      sources: ['f1'],
      at: Date.parse('2026-01-02T03:04:05.000Z'),
      layout: 'cose' as const,
    };
    expect(decodeLink('#' + encodeLink(link))).toEqual({ ...link, token: null });
  });

  it('reads a token and ignores nonsense', () => {
    const d = decodeLink('#token=flt_abc&mode=bogus&expand=a~SIDEWAYS~,b~IN~&at=notadate');
    expect(d.token).toBe('flt_abc');
    expect(d.mode).toBe('explore');
    expect(d.expand).toEqual([{ id: 'b', direction: 'IN', types: [] }]);
    expect(d.at).toBeNull();
  });
});
