import { describe, expect, it } from 'vitest';
import { nestingOf } from './nesting.js';

describe('nestingOf', () => {
  it('counts braces, brackets and parentheses, not those in strings or comments', () => {
    expect(nestingOf('{ a { b } }')).toBe(2);
    expect(nestingOf('query($x: [Int]) { a(x: [[1]]) { b } }')).toBe(4);
    expect(nestingOf('{ a(s: "{{{{{{ \\" {{{") { b } }')).toBe(2);
    expect(nestingOf('{ a(s: """ {{{{ \\""" {{{{ """) # {{{{{{\n { b } }')).toBe(2);
    expect(nestingOf('{'.repeat(500) + '}'.repeat(500))).toBe(500);
  });
});
