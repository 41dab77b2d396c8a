/**
 * How identifying attributes are stored: each one also lives on the CI node as a
 * normalised property `key_<attribute>` under a uniqueness constraint, so a duplicate is
 * refused by the database itself and a lookup is one index seek.
 */
import { findClass } from './classes.js';

export function identifierProperty(attribute: string): string {
  return `key_${attribute}`;
}

/** Identifier values compare case-insensitively and without surrounding blanks. */
export function normalizeIdentifier(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim().toLowerCase();
  return text === '' ? null : text;
}

/** The identifier properties a CI of this class carries, from its attributes. */
export function identifierProperties(
  className: string,
  attributes: Record<string, unknown>,
): Record<string, string> {
  const cls = findClass(className);
  const out: Record<string, string> = {};
  if (!cls) return out;
  for (const attr of cls.identifiers) {
    const value = normalizeIdentifier(attributes[attr]);
    if (value !== null) out[identifierProperty(attr)] = value;
  }
  return out;
}

/** Splits on anything but letters and digits, as a person types a part of a value. */
export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);
}

/**
 * The key CIs are listed by (`cis`: ORDER BY and the page cursor), when it differs from
 * the name; null when the name itself sorts right. Neo4j compares strings by code point
 * when both come from the store but by UTF-16 unit when one is a parameter, and mixes the
 * two in a sort, so a name holding a character past U+FFFF (an emoji) sorted and paged
 * inconsistently against one holding U+E000-U+FFFF (a full-width form): pages skipped or
 * repeated CIs. The key has no surrogates, where the two orders agree, and keeps the code
 * point order: a character past U+FFFF becomes U+FFFF and two units from U+E000 (its
 * offset from U+10000, 10 bits each), U+FFFF itself U+FFFF U+0001, a lone surrogate U+FFFD.
 */
export function sortKey(name: string): string | null {
  if (!/[\uD800-\uDFFF\uFFFF]/.test(name)) return null;
  let key = '';
  for (const ch of name) {
    const c = ch.codePointAt(0)!;
    if (c > 0xffff) key += String.fromCharCode(0xffff, 0xe000 + ((c - 0x10000) >> 10), 0xe000 + ((c - 0x10000) & 0x3ff));
    else if (c === 0xffff) key += '\uffff\u0001';
    else if (c >= 0xd800 && c <= 0xdfff) key += '\ufffd';
    else key += ch;
  }
  return key;
}

/**
 * Text the full-text index searches besides the name: the identifying attribute values,
 * whole and cut into words (so `corp` finds `web01.corp.example` and `db` finds
 * `catalog-db`), and the name's words.
 */
export function searchText(className: string, attributes: Record<string, unknown>, name = ''): string {
  const cls = findClass(className);
  const values = (cls?.identifiers ?? [])
    .map((a) => attributes[a])
    .filter((v): v is string | number => typeof v === 'string' || typeof v === 'number')
    .map(String);
  const words = [...values, name].flatMap(searchWords);
  return [...new Set([...values, ...words])].join(' ');
}
