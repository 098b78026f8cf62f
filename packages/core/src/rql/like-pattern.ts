/**
 * @module Ditto's `like` patterns: `*` any sequence, `?` exactly one character, everything else
 * literal (there is no escape), anchored at both ends.
 *
 * Matched with the classic greedy two-pointer algorithm instead of a RegExp: a pattern is user
 * input, and a RegExp built from many stars backtracks exponentially on hostile values, while
 * this is O(pattern x value) at worst and linear for the usual `abc*` / `*abc*` shapes.
 */

const STAR = '*';
const ONE = '?';

export type LikeMatcher = (value: string) => boolean;

/**
 * Compiles a pattern. Characters are code points (so `?` matches one emoji, as Java's regex
 * `.` does); `ignoreCase` compares lower-case forms of each code point (full Unicode, unlike
 * Java's ASCII-only default; MongoDB, which serves Ditto's search, folds Unicode too).
 */
export function compileLike(pattern: string, ignoreCase: boolean): LikeMatcher {
  const fold = ignoreCase ? (ch: string) => ch.toLowerCase() : (ch: string) => ch;
  const tokens: string[] = [];
  for (const ch of pattern) {
    // Runs of stars mean the same as one and would only slow the matcher down.
    if (ch === STAR && tokens[tokens.length - 1] === STAR) continue;
    tokens.push(ch === STAR || ch === ONE ? ch : fold(ch));
  }
  if (tokens.length === 1 && tokens[0] === STAR) return () => true;
  if (!tokens.includes(STAR) && !tokens.includes(ONE) && !ignoreCase) {
    const literal = tokens.join('');
    return (value) => value === literal;
  }
  return (value) => matchTokens(tokens, Array.from(value, fold));
}

function matchTokens(p: readonly string[], s: readonly string[]): boolean {
  let i = 0; // position in s
  let j = 0; // position in p
  let star = -1; // index of the last star seen in p
  let mark = 0; // position in s where that star's match currently ends
  while (i < s.length) {
    const t = p[j];
    if (t === STAR) {
      star = j++;
      mark = i;
    } else if (t !== undefined && (t === ONE || t === s[i])) {
      i++;
      j++;
    } else if (star >= 0) {
      // Let the last star swallow one more character and retry; earlier stars never need to
      // change, which is what keeps this polynomial.
      j = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p[j] === STAR) j++;
  return j === p.length;
}
