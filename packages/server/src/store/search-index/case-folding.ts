/**
 * @module Case-insensitive matching for `ilike`, exactly as the RQL evaluator does it (each code
 * point lower-cased on its own, full Unicode). SQLite gets the evaluator's matcher as a SQL function;
 * PostgreSQL gets a folded copy of every string row and a folded pattern.
 */
import { compileRqlPredicate, type RqlPredicate } from '@egiz/core';

/** Name of the SQL function the SQLite adapter registers: `egiz_ilike(value, pattern)` -> 0 or 1. */
export const ILIKE_FUNCTION = 'egiz_ilike';

/** Lower-cases code point by code point, as `ilike` compares (no context rules such as final sigma). */
export function foldCase(text: string): string {
  let out = '';
  for (const ch of text) out += ch.toLowerCase();
  return out;
}

const MAX_CACHED_PATTERNS = 256;
const matchers = new Map<string, RqlPredicate>();

/** Whether `value` matches the `ilike` pattern, with the evaluator's own matcher (compiled once per pattern). */
export function ilikeMatches(value: unknown, pattern: unknown): 0 | 1 {
  if (typeof value !== 'string' || typeof pattern !== 'string') return 0;
  let match = matchers.get(pattern);
  if (match === undefined) {
    match = compileRqlPredicate({ kind: 'ilike', property: 'v', value: pattern });
    if (matchers.size >= MAX_CACHED_PATTERNS) matchers.clear();
    matchers.set(pattern, match);
  }
  return match({ v: value }) ? 1 : 0;
}
