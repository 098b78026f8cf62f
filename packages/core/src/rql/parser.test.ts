/** @module Golden tests of the RQL filter parser: accepted forms, errors with positions, limits. */
import { describe, expect, it } from 'vitest';
import type { RqlNode } from './ast.js';
import { RqlSyntaxError } from './errors.js';
import { parseRql } from './parser.js';

const now = { kind: 'placeholder', name: 'time:now' } as const;

const VALID: ReadonlyArray<readonly [string, RqlNode]> = [
  // every comparison operator
  ['eq(username,123)', { kind: 'eq', property: 'username', value: 123 }],
  ['ne(username,123)', { kind: 'ne', property: 'username', value: 123 }],
  ['gt(width,123)', { kind: 'gt', property: 'width', value: 123 }],
  ['ge(width,123)', { kind: 'ge', property: 'width', value: 123 }],
  ['lt(width,123)', { kind: 'lt', property: 'width', value: 123 }],
  ['le(width,123)', { kind: 'le', property: 'width', value: 123 }],
  ['like(width,"test*")', { kind: 'like', property: 'width', value: 'test*' }],
  ["like(width,'test*')", { kind: 'like', property: 'width', value: 'test*' }],
  ['ilike(a,"T?st*")', { kind: 'ilike', property: 'a', value: 'T?st*' }],
  ['in(attributes,"test",1,true)', { kind: 'in', property: 'attributes', values: ['test', 1, true] }],
  ['in(attributes,null,"test",null)', { kind: 'in', property: 'attributes', values: [null, 'test', null] }],
  ['in(thingId,"a")', { kind: 'in', property: 'thingId', values: ['a'] }],
  ['exists(features/scanner)', { kind: 'exists', property: 'features/scanner' }],
  ['empty(attributes/tags)', { kind: 'empty', property: 'attributes/tags' }],
  // logical operators
  [
    'and(eq(username,123),eq(coolness,"super"),or(eq(username,854)))',
    {
      kind: 'and',
      children: [
        { kind: 'eq', property: 'username', value: 123 },
        { kind: 'eq', property: 'coolness', value: 'super' },
        { kind: 'or', children: [{ kind: 'eq', property: 'username', value: 854 }] },
      ],
    },
  ],
  ['not(empty(attributes/tags))', { kind: 'not', child: { kind: 'empty', property: 'attributes/tags' } }],
  [
    'or(not(and(exists(a))),not(not(eq(b,false))))',
    {
      kind: 'or',
      children: [
        { kind: 'not', child: { kind: 'and', children: [{ kind: 'exists', property: 'a' }] } },
        { kind: 'not', child: { kind: 'not', child: { kind: 'eq', property: 'b', value: false } } },
      ],
    },
  ],
  // numbers
  ['eq(a,0)', { kind: 'eq', property: 'a', value: 0 }],
  ['eq(a,-123)', { kind: 'eq', property: 'a', value: -123 }],
  ['eq(a,+7)', { kind: 'eq', property: 'a', value: 7 }],
  ['eq(a,123.7)', { kind: 'eq', property: 'a', value: 123.7 }],
  ['eq(a,-123.7)', { kind: 'eq', property: 'a', value: -123.7 }],
  ['eq(a,0.7)', { kind: 'eq', property: 'a', value: 0.7 }],
  ['eq(a,-0.7)', { kind: 'eq', property: 'a', value: -0.7 }],
  ['eq(a,-0.0)', { kind: 'eq', property: 'a', value: 0 }],
  ['eq(a,1e3)', { kind: 'eq', property: 'a', value: 1000 }],
  ['eq(a,-2.5E-3)', { kind: 'eq', property: 'a', value: -0.0025 }],
  ['eq(a,1e+21)', { kind: 'eq', property: 'a', value: 1e21 }],
  ['eq(a,9223372036854775807)', { kind: 'eq', property: 'a', value: 2 ** 63 }],
  ['eq(a,-9223372036854775808)', { kind: 'eq', property: 'a', value: -(2 ** 63) }],
  // strings and escapes
  ['eq(username,"te\\"st")', { kind: 'eq', property: 'username', value: 'te"st' }],
  ["eq(username,'te\\'st')", { kind: 'eq', property: 'username', value: "te'st" }],
  ['eq(username,"abc\\nyz")', { kind: 'eq', property: 'username', value: 'abc\nyz' }],
  ["eq(username,'abc\\nyz')", { kind: 'eq', property: 'username', value: 'abc\nyz' }],
  ['eq(a,"\\\\ \\/ \\b \\f \\r \\t")', { kind: 'eq', property: 'a', value: '\\ / \b \f \r \t' }],
  ['eq(a,"\\u00e4\\u00C4")', { kind: 'eq', property: 'a', value: 'äÄ' }],
  ['eq(a,"\\ud83d\\ude00")', { kind: 'eq', property: 'a', value: '😀' }],
  ['eq(a,"it\'s")', { kind: 'eq', property: 'a', value: "it's" }],
  ['eq(a,\'say "hi"\')', { kind: 'eq', property: 'a', value: 'say "hi"' }],
  ['eq(username," ")', { kind: 'eq', property: 'username', value: ' ' }],
  ['eq(a,"")', { kind: 'eq', property: 'a', value: '' }],
  ['eq(a,"true")', { kind: 'eq', property: 'a', value: 'true' }],
  [
    'eq(attributes/complex,"!#$%&\'()*+,/:;=?@[\\\\]{|} äaZ0")',
    { kind: 'eq', property: 'attributes/complex', value: "!#$%&'()*+,/:;=?@[\\]{|} äaZ0" },
  ],
  // keywords and placeholders
  ['eq(a,true)', { kind: 'eq', property: 'a', value: true }],
  ['eq(a,false)', { kind: 'eq', property: 'a', value: false }],
  ['eq(a,null)', { kind: 'eq', property: 'a', value: null }],
  ['lt(_modified,time:now)', { kind: 'lt', property: '_modified', value: now }],
  [
    'gt(_modified,time:now_epoch_millis)',
    { kind: 'gt', property: '_modified', value: { kind: 'placeholder', name: 'time:now_epoch_millis' } },
  ],
  [
    'gt(_modified,time:now-1h)',
    { kind: 'gt', property: '_modified', value: { kind: 'placeholder', name: 'time:now-1h' } },
  ],
  [
    'ge(_created,time:now_epoch_millis+2mo[d])',
    {
      kind: 'ge',
      property: '_created',
      value: { kind: 'placeholder', name: 'time:now_epoch_millis+2mo[d]' },
    },
  ],
  ['in(a,time:now,1)', { kind: 'in', property: 'a', values: [now, 1] }],
  // property spellings
  ['eq(/attributes/a/b,1)', { kind: 'eq', property: 'attributes/a/b', value: 1 }],
  ['eq(attributes/a/b/,1)', { kind: 'eq', property: 'attributes/a/b', value: 1 }],
  ['exists(topic:action)', { kind: 'exists', property: 'topic:action' }],
  ['exists(features/*/properties/x)', { kind: 'exists', property: 'features/*/properties/x' }],
  ['exists(a\\u002cb\\u0029c)', { kind: 'exists', property: 'a,b)c' }],
  ["eq(a'b(c,1)", { kind: 'eq', property: "a'b(c", value: 1 }],
  ['eq( a b ,1)', { kind: 'eq', property: ' a b ', value: 1 }],
  // whitespace where Ditto allows it
  ['  \t\n eq(a,1)', { kind: 'eq', property: 'a', value: 1 }],
  ['eq(a,1 )', { kind: 'eq', property: 'a', value: 1 }],
  ['eq(a,"x"\n)', { kind: 'eq', property: 'a', value: 'x' }],
  ['in(a,1 ,2\t,3 )', { kind: 'in', property: 'a', values: [1, 2, 3] }],
  [
    'and(eq(a,1), \r\n\f eq(b,2))',
    {
      kind: 'and',
      children: [
        { kind: 'eq', property: 'a', value: 1 },
        { kind: 'eq', property: 'b', value: 2 },
      ],
    },
  ],
];

describe('parseRql accepts', () => {
  it.each(VALID)('%s', (input, expected) => {
    expect(parseRql(input)).toEqual(expected);
  });

  it('returns a deeply frozen tree', () => {
    const node = parseRql('and(in(a,1,time:now),not(eq(b,"x")),or(exists(c)))');
    const visit = (value: unknown): void => {
      if (typeof value !== 'object' || value === null) return;
      expect(Object.isFrozen(value)).toBe(true);
      for (const v of Object.values(value)) visit(v);
    };
    visit(node);
  });
});

/** [input, position of the error, a fragment of the message] */
const INVALID: ReadonlyArray<readonly [string, number, string]> = [
  ['', 0, 'RQL operator'],
  ['   ', 3, 'RQL operator'],
  ['eq/(username,"x")', 2, "'('"],
  ['eq(username;"x")', 12, "','"],
  ['or(ASDF(username,123))', 3, 'RQL operator'],
  ['eaq(username,123)', 0, "Unknown RQL operator 'eaq'"],
  ['EQ(a,1)', 0, 'RQL operator'],
  ['eq(username, 123())', 12, 'no whitespace is allowed before a value'],
  ['eq(username,123())', 15, "')'"],
  ['eq(coolness,"super"))', 20, 'end of input'],
  ['eq(a,1) ', 7, 'end of input'],
  ['and(eq(username,123), )', 22, 'RQL operator'],
  ['and(   ,eq(username,123))', 4, 'RQL operator'],
  ['and( eq(a,1))', 4, 'RQL operator'],
  ['and(eq(username,123)xx,eq(b,1))', 20, "',' or ')'"],
  ['and(eq(a,1) ,eq(b,1))', 11, "',' or ')'"],
  ['and()', 4, 'RQL operator'],
  ['eq(username,123', 15, "')'"],
  ['(username,123)', 0, 'RQL operator'],
  ['eq(username,test)', 12, 'a value'],
  ['eq(username,truex)', 16, "')'"],
  ['like(width,123*)', 14, "')'"],
  ['not(eq(a,1),eq(b,2))', 11, 'exactly one operand'],
  ['eq(a,-0)', 5, "'-0'"],
  ['eq(a,0123)', 6, "')'"],
  ['eq(a,-0123)', 5, "'-0'"],
  ['eq(a,012.7)', 6, "')'"],
  ['eq(a,.7)', 5, 'a value'],
  ['eq(a,-.7)', 6, 'digit'],
  ['eq(a,.)', 5, 'a value'],
  ['eq(a,12.7.8)', 9, "')'"],
  ['eq(a,127.)', 9, 'digit after the decimal point'],
  ['eq(a,1e)', 7, 'digit in the exponent'],
  ['eq(a,12356143287134097863590813406135981332472031847)', 5, '64 bits'],
  ['eq(a,9223372036854775808)', 5, '64 bits'],
  ['eq(a,1e999)', 5, 'range of a double'],
  ['eq(a,"abc"")', 10, "')'"],
  ['eq(a,"abc)', 10, 'closing "'],
  ["eq(a,'abc)", 10, "closing '"],
  ['eq(a,"\\q")', 6, 'Invalid escape'],
  ['eq(a,"\\\'")', 6, 'Invalid escape'],
  ["eq(a,'\\\"')", 6, 'Invalid escape'],
  ['eq(a,"\\u12")', 6, 'Invalid escape'],
  ['eq(a,"x\\', 7, 'Invalid escape'],
  ['eq(thingId,foo:bar)', 11, 'a value'],
  ['eq(a,time:later)', 5, "Unknown placeholder 'time:later'"],
  ['eq(a,time:now-1x)', 5, 'Unknown placeholder'],
  ['exists("features/scanner")', 7, 'properties are not quoted'],
  ['exists(features/scanner,"test")', 23, "')'"],
  ['empty(attributes/tags,"test")', 21, "')'"],
  ['exists()', 7, 'a property'],
  ['exists(/)', 7, 'a property'],
  ['eq(,1)', 3, 'a property'],
  ['eq(a//b,1)', 3, 'empty path segment'],
  ['eq(//a,1)', 3, 'empty path segment'],
  ['exists(a\\x)', 8, 'Invalid escape'],
  ['in(a)', 4, "','"],
  ['in(a,)', 5, 'a value'],
  ['in(a,1,)', 7, 'a value'],
  ['in(a,1 2)', 7, "',' or ')'"],
];

describe('parseRql rejects', () => {
  it.each(INVALID)('%s (at %i)', (input, position, fragment) => {
    let error: unknown;
    try {
      parseRql(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RqlSyntaxError);
    const syntaxError = error as RqlSyntaxError;
    expect(syntaxError.message).toContain(fragment);
    expect(syntaxError.position).toBe(position);
    expect(syntaxError.message).toContain(`position ${position}`);
    expect(syntaxError.name).toBe('RqlSyntaxError');
  });

  it('describes control characters and the end of input readably', () => {
    expect(() => parseRql('eq(a,1)\n')).toThrow(/found U\+000A/);
    expect(() => parseRql('eq(a,1')).toThrow(/found end of input/);
  });
});

/** Fails with RqlSyntaxError, and within a generous bound (a safety net, not a benchmark). */
function expectFastRejection(run: () => unknown, fragment: string): void {
  const started = performance.now();
  let error: unknown;
  try {
    run();
  } catch (e) {
    error = e;
  }
  const elapsed = performance.now() - started;
  expect(error).toBeInstanceOf(RqlSyntaxError);
  expect((error as Error).message).toContain(fragment);
  expect(elapsed).toBeLessThan(50);
}

describe('parseRql limits', () => {
  const nested = (depth: number): string => 'not('.repeat(depth - 1) + 'eq(a,1)' + ')'.repeat(depth - 1);

  it('accepts nesting up to maxDepth and rejects one level more', () => {
    expect(() => parseRql(nested(32))).not.toThrow();
    expect(() => parseRql(nested(33))).toThrow(/deeper than 32 levels at position 128/);
    expect(() => parseRql(nested(4), { maxDepth: 3 })).toThrow(RqlSyntaxError);
    expect(parseRql(nested(3), { maxDepth: 3 })).toMatchObject({ kind: 'not' });
  });

  it('rejects 100k nested not( fast, by length and by depth', () => {
    const hostile = 'not('.repeat(100_000);
    expectFastRejection(() => parseRql(hostile), 'the limit is 10000 characters');
    expectFastRejection(() => parseRql(hostile, { maxLength: Infinity }), 'deeper than 32 levels');
    const hostileAnd = 'and('.repeat(100_000);
    expectFastRejection(() => parseRql(hostileAnd, { maxLength: Infinity }), 'deeper than 32');
  });

  it('rejects a 5 MB string literal fast', () => {
    const huge = `eq(a,"${'x'.repeat(5 * 1024 * 1024)}")`;
    expectFastRejection(() => parseRql(huge), 'the limit is 10000 characters');
    const error = (() => {
      try {
        parseRql(huge);
      } catch (e) {
        return e as RqlSyntaxError;
      }
      return undefined;
    })();
    expect(error?.position).toBe(10_000);
  });

  it('enforces maxLength exactly', () => {
    const input = 'eq(a,"' + 'x'.repeat(20) + '")';
    expect(() => parseRql(input, { maxLength: input.length })).not.toThrow();
    expect(() => parseRql(input, { maxLength: input.length - 1 })).toThrow(RqlSyntaxError);
  });

  it('limits the values of in()', () => {
    const values = (n: number): string => `in(a,${Array.from({ length: n }, (_, i) => i).join(',')})`;
    expect(parseRql(values(1000))).toMatchObject({ kind: 'in' });
    expect(() => parseRql(values(1001))).toThrow(/more than 1000 values/);
    expect(() => parseRql(values(3), { maxInValues: 2 })).toThrow(/more than 2 values at position 9/);
    const hostile = values(200_000);
    expectFastRejection(() => parseRql(hostile, { maxLength: Infinity }), 'more than 1000 values');
  });

  it('handles long flat inputs in linear time', () => {
    const wide = `or(${Array.from({ length: 5000 }, (_, i) => `eq(attributes/a${i},"v${i}")`).join(',')})`;
    const started = performance.now();
    const node = parseRql(wide, { maxLength: Infinity });
    expect(performance.now() - started).toBeLessThan(200);
    expect(node.kind === 'or' && node.children.length).toBe(5000);
  });
});
