import { describe, expect, it } from 'vitest';
import { indexSubgraph, propagate, type SubgraphRelationship } from './propagate.js';

const rel = (from: string, type: string, to: string, extra: Partial<SubgraphRelationship> = {}): SubgraphRelationship => ({
  from,
  type,
  to,
  ...extra,
});
const states = (p: ReturnType<typeof propagate>) =>
  Object.fromEntries([...p.impacted].map(([id, s]) => [id, `${s.state}@${s.depth}`]));

describe('propagate', () => {
  it('spreads DOWN against the arrow and gives one shortest path', () => {
    const p = propagate(
      { cis: [{ id: 'app' }, { id: 'vm' }, { id: 'host' }, { id: 'svc' }], relationships: [rel('app', 'RUNS_ON', 'vm'), rel('vm', 'HOSTED_ON', 'host'), rel('svc', 'DEPENDS_ON', 'app')] },
      ['host'],
      0,
    );
    expect(states(p)).toEqual({ vm: 'DOWN@1', app: 'DOWN@2', svc: 'DOWN@3' });
    expect(p.path('svc')).toEqual([
      { ciId: 'host', relationship: 'HOSTED_ON' },
      { ciId: 'vm', relationship: 'RUNS_ON' },
      { ciId: 'app', relationship: 'DEPENDS_ON' },
      { ciId: 'svc', relationship: null },
    ]);
  });

  it('applies minUp through HAS_MEMBER and keeps a large member set linear', () => {
    const members = Array.from({ length: 2000 }, (_, i) => `m${i}`);
    const sub = {
      cis: [{ id: 'farm', minUp: 1999 }, ...members.map((id) => ({ id })), { id: 'app' }],
      relationships: [...members.map((m) => rel('farm', 'HAS_MEMBER', m)), rel('app', 'RUNS_ON', 'farm')],
    };
    const g = indexSubgraph(sub, 0);
    expect(states(propagate(g, ['m1']))).toEqual({ farm: 'DEGRADED@1', app: 'DEGRADED@2' });
    expect(states(propagate(g, ['m1', 'm2']))).toEqual({ farm: 'DOWN@1', app: 'DOWN@2' });
  });

  it('honours an activeMembers override when the subgraph lacks unreached members', () => {
    const p = propagate({ cis: [{ id: 'c', activeMembers: 3, minUp: 2 }, { id: 'a' }, { id: 'b' }], relationships: [rel('c', 'HAS_MEMBER', 'a'), rel('c', 'HAS_MEMBER', 'b')] }, ['a', 'b'], 0);
    expect(states(p)).toEqual({ c: 'DOWN@1' });
  });

  it('terminates on cycles and ignores informational, closed and inactive parts', () => {
    const p = propagate(
      {
        cis: [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'gone', retiredAt: 5 }, { id: 'later', createdAt: 50 }, { id: 'u' }],
        relationships: [
          rel('a', 'DEPENDS_ON', 'b'),
          rel('b', 'DEPENDS_ON', 'a'),
          rel('c', 'DEPENDS_ON', 'b', { validTo: 8 }),
          rel('gone', 'DEPENDS_ON', 'a'),
          rel('later', 'DEPENDS_ON', 'a'),
          rel('u', 'OWNED_BY', 'a'),
        ],
      },
      ['a'],
      10,
    );
    expect(states(p)).toEqual({ b: 'DOWN@1' });
  });

  it('lets the worst contribution win', () => {
    const p = propagate(
      {
        cis: [{ id: 'farm', minUp: 1 }, { id: 'm1' }, { id: 'm2' }, { id: 'db' }, { id: 'app' }],
        relationships: [rel('farm', 'HAS_MEMBER', 'm1'), rel('farm', 'HAS_MEMBER', 'm2'), rel('app', 'RUNS_ON', 'farm'), rel('app', 'DEPENDS_ON', 'db')],
      },
      ['m1', 'db'],
      0,
    );
    expect(states(p)).toEqual({ farm: 'DEGRADED@1', app: 'DOWN@1' });
  });

  it('gives the same answers on one indexed graph, propagation after propagation, as on a fresh index each time', () => {
    // Random graphs with farms (minUp 1-3), cycles and every propagating type: the working
    // arrays kept between propagations must come back clean.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const n = 30 + Math.floor(rand() * 40);
      const ids = Array.from({ length: n }, (_, i) => `c${i}`);
      const cis = ids.map((id) => ({ id, minUp: 1 + Math.floor(rand() * 3) }));
      const types = ['DEPENDS_ON', 'RUNS_ON', 'HOSTED_ON', 'HAS_MEMBER', 'LOCATED_IN', 'CONNECTED_TO'];
      const relationships = Array.from({ length: n * 2 }, () =>
        rel(ids[Math.floor(rand() * n)]!, types[Math.floor(rand() * types.length)]!, ids[Math.floor(rand() * n)]!),
      );
      const shared = indexSubgraph({ cis, relationships }, 0);
      for (let k = 0; k < 15; k++) {
        const failed = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ids[Math.floor(rand() * n)]!);
        const again = propagate(shared, failed);
        const fresh = propagate(indexSubgraph({ cis, relationships }, 0), failed);
        expect(states(again)).toEqual(states(fresh));
        for (const id of ids) expect(again.path(id).length, id).toBe(fresh.path(id).length);
      }
    }
  });
});
