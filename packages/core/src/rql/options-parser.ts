/**
 * @module Parser for Ditto search options (the `option` parameter of /search/things):
 * `sort(+attributes/a,-_modified)`, `size(n)`, `cursor(c)` and the deprecated `limit(offset,count)`,
 * following Ditto's RqlOptionParser.scala.
 */
import { excerpt, RqlSyntaxError } from './errors.js';
import { RQL_DEFAULT_LIMITS } from './parser.js';
import { RqlScanner } from './scanner.js';

export type SortDirection = 'asc' | 'desc';

export interface SortEntry {
  /** Normalised like a filter property: `attributes/a`, `thingId`. */
  readonly property: string;
  readonly direction: SortDirection;
}

export interface SearchLimit {
  readonly offset: number;
  readonly count: number;
}

export interface SearchOptions {
  readonly sort?: readonly SortEntry[];
  readonly size?: number;
  readonly cursor?: string;
  readonly limit?: SearchLimit;
}

// Ditto turns these into Java ints; larger values are rejected instead of wrapped.
const INT_MAX = 2_147_483_647;

/**
 * Parses a comma-separated list of options. Following Ditto, a sort entry must start with `+`
 * or `-` (there is no default direction), a repeated `sort` or `limit` replaces the earlier one,
 * and a repeated `size` or `cursor` is an error. Values are checked to be non-negative integers;
 * ranges (size 1..200, no limit together with cursor) are the caller's business.
 */
export function parseSearchOptions(
  input: string,
  limits: { readonly maxLength?: number } = {},
): SearchOptions {
  const maxLength = limits.maxLength ?? RQL_DEFAULT_LIMITS.maxLength;
  if (input.length > maxLength) {
    throw new RqlSyntaxError(
      `Expected end of input at position ${maxLength} (the limit is ${maxLength} characters) but the input has ${input.length}`,
      maxLength,
    );
  }
  const s = new RqlScanner(input);
  const out: { sort?: readonly SortEntry[]; size?: number; cursor?: string; limit?: SearchLimit } = {};
  s.skipWhitespace();
  do {
    const start = s.pos;
    const name = s.readName();
    switch (name) {
      case 'sort':
        s.expect('(');
        out.sort = readSortEntries(s);
        s.expect(')', "',' or ')'");
        break;
      case 'size':
        if (out.size !== undefined)
          throw new RqlSyntaxError(`Option 'size' given twice at position ${start}`, start);
        s.expect('(');
        out.size = readUnsigned(s, false);
        s.expect(')');
        break;
      case 'cursor': {
        if (out.cursor !== undefined) {
          throw new RqlSyntaxError(`Option 'cursor' given twice at position ${start}`, start);
        }
        s.expect('(');
        const at = s.pos;
        const cursor = s.readRawProperty();
        if (cursor === '') throw s.error('a cursor', at);
        out.cursor = cursor;
        s.expect(')');
        break;
      }
      case 'limit': {
        s.expect('(');
        const offset = readUnsigned(s, true);
        s.expect(',');
        const count = readUnsigned(s, true);
        s.expect(')');
        out.limit = Object.freeze({ offset, count });
        break;
      }
      default:
        throw new RqlSyntaxError(
          `Expected a search option (sort, size, cursor or limit) at position ${start} but found ${
            name === '' ? s.describe(start) : `'${excerpt(name)}'`
          }`,
          start,
        );
    }
  } while (s.consume(','));
  if (!s.atEnd()) throw s.error("',' or end of input");
  return Object.freeze(out);
}

function readSortEntries(s: RqlScanner): readonly SortEntry[] {
  const entries: SortEntry[] = [];
  do {
    let direction: SortDirection;
    if (s.consume('+')) direction = 'asc';
    else if (s.consume('-')) direction = 'desc';
    else throw s.error("'+' or '-' before the sort property");
    entries.push(Object.freeze({ property: s.readProperty('a sort property'), direction }));
  } while (s.consume(','));
  return Object.freeze(entries);
}

/**
 * A non-negative integer. Ditto reads size() as bare digits and limit() as a long literal with
 * optional sign and trailing whitespace; `signed` selects the latter.
 */
function readUnsigned(s: RqlScanner, signed: boolean): number {
  const start = s.pos;
  if (signed && s.consume('+')) {
    // an explicit plus sign is fine
  } else if (signed && s.peek() === 0x2d) {
    throw new RqlSyntaxError(`Expected a non-negative integer at position ${start} but found '-'`, start);
  }
  const digitsAt = s.pos;
  while (s.peek() >= 0x30 && s.peek() <= 0x39) s.pos++;
  if (s.pos === digitsAt) throw s.error('a non-negative integer');
  const text = s.input.slice(digitsAt, s.pos);
  // Ditto's long literal has no leading zeros (its size() digits may have them).
  if (signed && text.length > 1 && text.startsWith('0')) throw s.error('no leading zero', digitsAt);
  const value = Number(text);
  if (value > INT_MAX)
    throw new RqlSyntaxError(`Integer at position ${start} is larger than ${INT_MAX}`, start);
  if (signed) s.skipWhitespace();
  return value;
}
