/**
 * The served schema must contain the shared contract: findBreakingChanges is empty.
 * PENDING names contract types and root fields whose issue has not landed yet; it only
 * shrinks. The README lists which parts are served.
 */
import { readFileSync } from 'node:fs';
import { buildSchema as buildSDL, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../server/graphql/schema.js';

const CONTRACT = '../shared/contract/schema.graphql';

const PENDING: string[] = [];

function isPending(description: string): boolean {
  const subject = /^(\S+) was removed/.exec(description)?.[1];
  return subject !== undefined && PENDING.includes(subject);
}

describe('GraphQL contract', () => {
  it('is contained by the served schema (no breaking changes outside PENDING)', () => {
    const contract = buildSDL(readFileSync(CONTRACT, 'utf8'));
    const breaking = findBreakingChanges(contract, buildSchema()).filter((b) => !isPending(b.description));
    expect(breaking.map((b) => `${b.type}: ${b.description}`)).toEqual([]);
  });
});
