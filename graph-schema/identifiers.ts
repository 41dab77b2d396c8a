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
