/** @module Tests of formatRql: fixed outputs and the parse(format(ast)) = ast round trip. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RQL_COMPARISON_KINDS, type RqlNode, type RqlValue } from './ast.js';
import { formatRql } from './format.js';
import { parseRql } from './parser.js';

describe('formatRql', () => {
  it.each([
    [
      'and(eq(attributes/a,"x"), gt(/_modified,time:now-1d[h]))',
      'and(eq(attributes/a,"x"),gt(_modified,time:now-1d[h]))',
    ],
    ["eq(a,'it\\'s \"x\"')", 'eq(a,"it\'s \\"x\\"")'],
    ['eq(a,"tab\\there\\u0001")', 'eq(a,"tab\\u0009here\\u0001")'],
    ['in(a,1 ,-2.5,1e21,null,true,false)', 'in(a,1,-2.5,1e+21,null,true,false)'],
    ['eq(a,9007199254740993)', 'eq(a,9007199254740992)'],
    ['eq(a,123456789012345678)', 'eq(a,123456789012345680)'],
    ['eq(a,-9223372036854775808)', 'eq(a,-9.223372036854776e+18)'],
    ['eq(a,0.000001)', 'eq(a,0.000001)'],
    ['eq(a,1e-7)', 'eq(a,1e-7)'],
    ['exists(a\\u002cb\\u0029c\\"d\\\\e)', 'exists(a\\u002cb\\u0029c\\"d\\\\e)'],
    ['not(empty(/attributes/tags/))', 'not(empty(attributes/tags))'],
    ['or(like(a,"x*"),ilike(b,"?Y"))', 'or(like(a,"x*"),ilike(b,"?Y"))'],
  ])('%s -> %s', (input, expected) => {
    expect(formatRql(parseRql(input))).toBe(expected);
  });
});

const segment = fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }).filter((s) => !s.includes('/'));
const property = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => segments.join('/'));

const placeholder = fc
  .tuple(
    fc.constantFrom('time:now', 'time:now_epoch_millis'),
    fc.option(
      fc.tuple(
        fc.constantFrom('+', '-'),
        fc.nat(1_000_000),
        fc.constantFrom('', 'ms', 's', 'm', 'h', 'd', 'w', 'mo', 'y'),
      ),
    ),
    fc.option(fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w', 'mo', 'y')),
  )
  .map(([base, offset, truncation]) => ({
    kind: 'placeholder' as const,
    name:
      base + (offset ? `${offset[0]}${offset[1]}${offset[2]}` : '') + (truncation ? `[${truncation}]` : ''),
  }));

const value: fc.Arbitrary<RqlValue> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: fc.constantFrom('"', "'", '\\', ',', ')', '(', ' ', '\n', '*', '?', 'a'), maxLength: 8 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (d === 0 ? 0 : d)),
  fc.boolean(),
  fc.constant(null),
  placeholder,
);

const { node } = fc.letrec<{ node: RqlNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constantFrom(...RQL_COMPARISON_KINDS), property, value }),
    fc.record({
      kind: fc.constant('in' as const),
      property,
      values: fc.array(value, { minLength: 1, maxLength: 5 }) as fc.Arbitrary<[RqlValue, ...RqlValue[]]>,
    }),
    fc.record({ kind: fc.constantFrom('exists' as const, 'empty' as const), property }),
    fc.record({ kind: fc.constant('not' as const), child: tie('node') }),
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      children: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) as fc.Arbitrary<
        [RqlNode, ...RqlNode[]]
      >,
    }),
  ),
})) as { node: fc.Arbitrary<RqlNode> };

describe('formatRql round trip', () => {
  it('parses back to a deep-equal AST', () => {
    fc.assert(
      fc.property(node, (ast) => {
        const text = formatRql(ast);
        expect(parseRql(text, { maxLength: Infinity, maxDepth: 1000 })).toEqual(ast);
      }),
      { numRuns: 2000 },
    );
  });

  it('is a fixed point on its own output', () => {
    fc.assert(
      fc.property(node, (ast) => {
        const text = formatRql(ast);
        expect(formatRql(parseRql(text, { maxLength: Infinity, maxDepth: 1000 }))).toBe(text);
      }),
    );
  });
});
