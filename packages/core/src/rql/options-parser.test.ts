/** @module Golden tests of the search-option parser (sort, size, cursor, limit). */
import { describe, expect, it } from 'vitest';
import { RqlSyntaxError } from './errors.js';
import { formatSearchOptions } from './format.js';
import { parseSearchOptions, type SearchOptions } from './options-parser.js';

const VALID: ReadonlyArray<readonly [string, SearchOptions]> = [
  ['sort(+username)', { sort: [{ property: 'username', direction: 'asc' }] }],
  ['sort(-attributes/username)', { sort: [{ property: 'attributes/username', direction: 'desc' }] }],
  [
    'sort(+/attributes/a,-_modified,+thingId)',
    {
      sort: [
        { property: 'attributes/a', direction: 'asc' },
        { property: '_modified', direction: 'desc' },
        { property: 'thingId', direction: 'asc' },
      ],
    },
  ],
  ['size(25)', { size: 25 }],
  ['size(007)', { size: 7 }],
  ['size(0)', { size: 0 }],
  ['cursor(ABC-def_123)', { cursor: 'ABC-def_123' }],
  ['cursor(a\\u002cb)', { cursor: 'a,b' }],
  ['limit(0,1)', { limit: { offset: 0, count: 1 } }],
  ['limit(10 ,+20 )', { limit: { offset: 10, count: 20 } }],
  ['limit(0,2147483647)', { limit: { offset: 0, count: 2147483647 } }],
  [
    'limit(0,1),sort(-attributes/username),cursor(ABC),size(463)',
    {
      limit: { offset: 0, count: 1 },
      sort: [{ property: 'attributes/username', direction: 'desc' }],
      cursor: 'ABC',
      size: 463,
    },
  ],
  ['  size(1)', { size: 1 }],
  // A repeated sort or limit replaces the earlier one, as Ditto's option visitor does.
  ['sort(+a),sort(-b)', { sort: [{ property: 'b', direction: 'desc' }] }],
  ['limit(0,1),limit(5,6)', { limit: { offset: 5, count: 6 } }],
];

describe('parseSearchOptions accepts', () => {
  it.each(VALID)('%s', (input, expected) => {
    const options = parseSearchOptions(input);
    expect(options).toEqual(expected);
    expect(Object.isFrozen(options)).toBe(true);
    if (options.sort) {
      expect(Object.isFrozen(options.sort)).toBe(true);
      for (const entry of options.sort) expect(Object.isFrozen(entry)).toBe(true);
    }
    if (options.limit) expect(Object.isFrozen(options.limit)).toBe(true);
  });

  it('accepts twenty sort properties', () => {
    const fields = Array.from({ length: 20 }, (_, i) => `${i % 2 === 0 ? '+' : '-'}field${i}`);
    const options = parseSearchOptions(`sort(${fields.join(',')})`);
    expect(options.sort).toHaveLength(20);
    expect(options.sort?.[19]).toEqual({ property: 'field19', direction: 'desc' });
  });

  it.each(VALID)('round-trips %s through formatSearchOptions', (input) => {
    const options = parseSearchOptions(input);
    expect(parseSearchOptions(formatSearchOptions(options))).toEqual(options);
  });
});

const INVALID: ReadonlyArray<readonly [string, number, string]> = [
  ['', 0, 'search option'],
  ['sort(username)', 5, "'+' or '-'"],
  ['sort( +username)', 5, "'+' or '-'"],
  ['sort(-username,owner)', 15, "'+' or '-'"],
  ['sort(+)', 6, 'a sort property'],
  ['sort()', 5, "'+' or '-'"],
  ['sort(+a', 7, "',' or ')'"],
  ['limit(0)', 7, "','"],
  ['limit(0,1,2)', 9, "')'"],
  ['limit(-1,2)', 6, 'non-negative integer'],
  ['limit(0,-2)', 8, 'non-negative integer'],
  ['limit(1.5,2)', 7, "','"],
  ['limit(01,2)', 6, 'no leading zero'],
  ['limit(100000000000000000000,10)', 6, 'larger than 2147483647'],
  ['size(-1)', 5, 'non-negative integer'],
  ['size(1.5)', 6, "')'"],
  ['size( 1)', 5, 'non-negative integer'],
  ['size(2147483648)', 5, 'larger than'],
  ['size(1),size(2)', 8, "'size' given twice"],
  ['cursor(', 7, 'a cursor'],
  ['cursor()', 7, 'a cursor'],
  ['cursor(0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz', 71, "')'"],
  ['cursor(a),cursor(b)', 10, "'cursor' given twice"],
  ['size(1),', 8, 'search option'],
  ['size(1) ', 7, "',' or end of input"],
  ['size(1);sort(+a)', 7, "',' or end of input"],
  ['order(+a)', 0, "search option (sort, size, cursor or limit) at position 0 but found 'order'"],
];

describe('parseSearchOptions rejects', () => {
  it.each(INVALID)('%s (at %i)', (input, position, fragment) => {
    let error: unknown;
    try {
      parseSearchOptions(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RqlSyntaxError);
    expect((error as RqlSyntaxError).message).toContain(fragment);
    expect((error as RqlSyntaxError).position).toBe(position);
  });

  it('rejects over-long input before parsing', () => {
    const started = performance.now();
    expect(() => parseSearchOptions(`cursor(${'x'.repeat(5_000_000)})`)).toThrow(
      /the limit is 10000 characters/,
    );
    expect(performance.now() - started).toBeLessThan(50);
    expect(parseSearchOptions(`cursor(${'x'.repeat(20_000)})`, { maxLength: 30_000 }).cursor).toHaveLength(
      20_000,
    );
  });
});
