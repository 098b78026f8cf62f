/** @module Golden tests of the in-memory evaluator: every operator, value kind and path shape. */
import { describe, expect, it, vi } from 'vitest';
import { compileRqlPredicate, evaluateRql } from './evaluator.js';
import { parseRql } from './parser.js';
import type { RqlTarget } from './property-path.js';

const THING: RqlTarget = {
  thingId: 'org.eclipse.ditto:thing-1',
  policyId: 'org.eclipse.ditto:policy-1',
  definition: 'org.eclipse.ditto:lamp:1.0.0',
  _namespace: 'org.eclipse.ditto',
  _revision: 42,
  _created: '2024-01-01T00:00:00.000Z',
  _modified: '2024-06-15T12:30:00.000Z',
  _metadata: { attributes: { location: { issuedBy: 'alice' } } },
  attributes: {
    location: 'kitchen',
    owner: 'SID123',
    count: 5,
    temperature: 21.5,
    negative: -3,
    zero: 0,
    on: true,
    off: false,
    nothing: null,
    emptyString: '',
    emptyArray: [],
    emptyObject: {},
    quote: 'say "hi"',
    escaped: 'back\\slash',
    unicode: 'Grüße 😀',
    multiline: 'line1\nline2',
    tags: ['misc', 'no-due-date', 'high-priority', 2, 3, 5, false, { room: 'kitchen', floor: 2 }],
    items: [{ name: 'bolt', qty: 10 }, { name: 'nut', qty: 0 }, { qty: 7 }, 'loose', [{ name: 'nested' }]],
    matrix: [
      [1, 2],
      [3, [4]],
    ],
    nested: { deep: { value: 'x' } },
  },
  features: {
    lamp: { definition: ['org.eclipse.ditto:lamp:1.0.0'], properties: { on: true, brightness: 80 } },
    sensor: { properties: { temperature: 19.5, unit: 'C' }, desiredProperties: { temperature: 20 } },
  },
};

/** [filter, expected] against THING */
const CASES: ReadonlyArray<readonly [string, boolean]> = [
  // eq on every value kind
  ['eq(thingId,"org.eclipse.ditto:thing-1")', true],
  ['eq(/thingId,"org.eclipse.ditto:thing-1")', true],
  ['eq(thingId,"org.eclipse.ditto:thing-2")', false],
  ['eq(policyId,"org.eclipse.ditto:policy-1")', true],
  ['eq(definition,"org.eclipse.ditto:lamp:1.0.0")', true],
  ['eq(attributes/count,5)', true],
  ['eq(attributes/count,5.0)', true],
  ['eq(attributes/count,"5")', false],
  ['eq(attributes/temperature,21.5)', true],
  ['eq(attributes/negative,-3)', true],
  ['eq(attributes/zero,0)', true],
  ['eq(attributes/zero,-0.0)', true],
  ['eq(attributes/zero,false)', false],
  ['eq(attributes/on,true)', true],
  ['eq(attributes/on,"true")', false],
  ['eq(attributes/off,false)', true],
  ['eq(attributes/nothing,null)', true],
  ['eq(attributes/missing,null)', false],
  ['eq(attributes/zero,null)', false],
  ['eq(attributes/emptyString,"")', true],
  ['eq(attributes/quote,"say \\"hi\\"")', true],
  ['eq(attributes/quote,\'say "hi"\')', true],
  ['eq(attributes/escaped,"back\\\\slash")', true],
  ['eq(attributes/unicode,"Gr\\u00fc\\u00dfe \\ud83d\\ude00")', true],
  ['eq(attributes/multiline,"line1\\nline2")', true],
  ['eq(attributes/nested/deep/value,"x")', true],
  ['eq(attributes/nested,"x")', false],
  ['eq(attributes/location/x,"kitchen")', false],
  // ne: requires the field, and no reached value may equal
  ['ne(attributes/owner,"SID123")', false],
  ['ne(attributes/owner,"other")', true],
  ['ne(attributes/owner,5)', true],
  ['ne(attributes/missing,"x")', false],
  ['ne(attributes/nothing,null)', false],
  ['ne(attributes/count,null)', true],
  ['ne(attributes/tags,"high-priority")', false],
  ['ne(attributes/tags,1)', true],
  ['ne(attributes/items/name,"bolt")', false],
  ['ne(attributes/items/name,"washer")', true],
  // ordering, same type only
  ['gt(attributes/count,4)', true],
  ['gt(attributes/count,5)', false],
  ['ge(attributes/count,5)', true],
  ['lt(attributes/count,5.5)', true],
  ['le(attributes/count,4.99)', false],
  ['gt(attributes/negative,-3.5)', true],
  ['lt(attributes/temperature,1e2)', true],
  ['gt(attributes/count,"4")', false],
  ['lt(attributes/location,5)', false],
  ['gt(attributes/location,"k")', true],
  ['gt(attributes/location,"l")', false],
  ['ge(attributes/location,"kitchen")', true],
  ['lt(attributes/location,"kitchenette")', true],
  ['gt(thingId,"A000")', true],
  ['gt(attributes/on,false)', true],
  ['lt(attributes/off,true)', true],
  ['gt(attributes/off,false)', false],
  ['gt(attributes/on,0)', false],
  ['ge(attributes/nothing,null)', false],
  ['le(attributes/nothing,null)', false],
  ['gt(attributes/missing,0)', false],
  ['lt(attributes/nested,"z")', false],
  // timestamps are ISO strings and compare chronologically
  ['gt(_modified,"2024-06-01T00:00:00.000Z")', true],
  ['lt(_created,"2023-12-31T23:59:59.999Z")', false],
  ['eq(_revision,42)', true],
  ['gt(_revision,41)', true],
  // namespace and its alias
  ['eq(_namespace,"org.eclipse.ditto")', true],
  ['eq(namespace,"org.eclipse.ditto")', true],
  ['eq(/namespace,"org.eclipse.ditto")', true],
  ['in(namespace,"a","org.eclipse.ditto")', true],
  ['eq(namespace,"other")', false],
  // metadata
  ['eq(_metadata/attributes/location/issuedBy,"alice")', true],
  ['exists(_metadata/attributes/location)', true],
  ['exists(_metadata/attributes/owner)', false],
  // in
  ['in(thingId,"A000","org.eclipse.ditto:thing-1","AZ99")', true],
  ['in(thingId,"A000","AZ99")', false],
  ['in(attributes/count,"5",5)', true],
  ['in(attributes/count,"5",true)', false],
  ['in(attributes/nothing,1,null)', true],
  ['in(attributes/missing,null)', false],
  ['in(attributes/tags,"misc","something-non-matching")', true],
  ['in(attributes/tags,4,6)', false],
  // like / ilike
  ['like(attributes/location,"kitchen")', true],
  ['like(attributes/location,"kit*")', true],
  ['like(attributes/location,"*chen")', true],
  ['like(attributes/location,"*tch*")', true],
  ['like(attributes/location,"k?tchen")', true],
  ['like(attributes/location,"k?chen")', false],
  ['like(attributes/location,"*")', true],
  ['like(attributes/location,"Kit*")', false],
  ['ilike(attributes/location,"KIT*")', true],
  ['ilike(attributes/location,"*TCH*")', true],
  ['ilike(attributes/unicode,"grüSSe*")', false],
  ['ilike(attributes/unicode,"GRÜ?E ?")', true],
  ['like(attributes/location,"kitchen.")', false],
  ['like(attributes/quote,"say \\"*\\"")', true],
  ['like(attributes/multiline,"line1*line2")', true],
  ['like(attributes/count,"5")', false],
  ['like(attributes/count,5)', false],
  ['like(attributes/tags,"*-priority")', true],
  ['like(attributes/items/name,"n*")', true],
  ['like(attributes/missing,"*")', false],
  ['like(thingId,"org.eclipse.ditto:*")', true],
  ['not(like(thingId,"org.eclipse.ditto:blocked*"))', true],
  // exists
  ['exists(attributes)', true],
  ['exists(attributes/location)', true],
  ['exists(attributes/nothing)', true],
  ['exists(attributes/missing)', false],
  ['exists(attributes/emptyArray)', true],
  ['exists(features/lamp)', true],
  ['exists(features/heater)', false],
  ['exists(features/lamp/properties/on)', true],
  ['exists(features/sensor/desiredProperties/temperature)', true],
  ['exists(attributes/location/sub)', false],
  // empty
  ['empty(attributes/missing)', true],
  ['empty(attributes/nothing)', true],
  ['empty(attributes/emptyString)', true],
  ['empty(attributes/emptyArray)', true],
  ['empty(attributes/emptyObject)', true],
  ['empty(attributes/zero)', false],
  ['empty(attributes/off)', false],
  ['empty(attributes/location)', false],
  ['empty(attributes/tags)', false],
  ['empty(attributes/nested)', false],
  ['not(empty(attributes/tags))', true],
  ['empty(features/heater/properties)', true],
  // arrays of scalars and of objects (Ditto's "Querying JSON arrays")
  ['eq(attributes/tags,"high-priority")', true],
  ['eq(attributes/tags,2)', true],
  ['eq(attributes/tags,false)', true],
  ['eq(attributes/tags,"kitchen")', false],
  ['gt(attributes/tags,6)', false],
  ['gt(attributes/tags,4)', true],
  ['exists(attributes/tags/room)', true],
  ['eq(attributes/tags/room,"kitchen")', true],
  ['ge(attributes/tags/floor,2)', true],
  ['gt(attributes/tags/floor,2)', false],
  ['eq(attributes/items/name,"nut")', true],
  ['eq(attributes/items/qty,7)', true],
  ['eq(attributes/items/name,"nested")', false],
  ['eq(attributes/items/name,"loose")', false],
  ['exists(attributes/items/name)', true],
  ['exists(attributes/items/color)', false],
  ['eq(attributes/matrix,4)', true],
  ['eq(attributes/matrix,5)', false],
  // features, including Ditto's features/* wildcard
  ['eq(features/lamp/properties/on,true)', true],
  ['eq(features/sensor/properties/temperature,19.5)', true],
  ['eq(features/sensor/desiredProperties/temperature,20)', true],
  ['eq(features/*/properties/temperature,19.5)', true],
  ['eq(features/*/properties/on,true)', true],
  ['eq(features/*/properties/on,false)', false],
  ['exists(features/*/desiredProperties)', true],
  ['like(features/*/definition,"org.eclipse.ditto:lamp:1.*")', true],
  ['ne(features/*/properties/unit,"F")', true],
  ['ne(features/*/properties/missing,"F")', false],
  // logical operators
  ['and(eq(attributes/location,"kitchen"),gt(attributes/count,1))', true],
  ['and(eq(attributes/location,"kitchen"),gt(attributes/count,10))', false],
  ['and(exists(features/lamp))', true],
  ['or(eq(attributes/location,"hall"),gt(attributes/count,1))', true],
  ['or(eq(attributes/location,"hall"),gt(attributes/count,10))', false],
  ['or(eq(attributes/location,"hall"))', false],
  ['not(eq(attributes/location,"hall"))', true],
  ['not(not(eq(attributes/location,"hall")))', false],
  ['not(ne(attributes/missing,1))', true],
  [
    'and(or(eq(attributes/owner,"x"),not(exists(attributes/missing))),not(and(eq(attributes/on,true),eq(attributes/off,true))))',
    true,
  ],
];

describe('evaluateRql', () => {
  it.each(CASES)('%s -> %s', (filter, expected) => {
    expect(evaluateRql(parseRql(filter), THING)).toBe(expected);
  });

  it('gives the same answers when one compiled predicate is reused across targets', () => {
    for (const [filter, expected] of CASES) {
      const predicate = compileRqlPredicate(parseRql(filter));
      expect([predicate(THING), predicate({}), predicate(THING)]).toEqual([
        expected,
        predicate({}),
        expected,
      ]);
    }
  });

  it('treats an empty target as lacking every field', () => {
    const on = (filter: string): boolean => evaluateRql(parseRql(filter), {});
    expect(on('exists(thingId)')).toBe(false);
    expect(on('empty(attributes/a)')).toBe(true);
    expect(on('ne(thingId,"x")')).toBe(false);
    expect(on('not(eq(thingId,"x"))')).toBe(true);
    expect(on('eq(thingId,null)')).toBe(false);
  });

  it('never matches scalars against odd non-JSON members, and ignores undefined members', () => {
    const odd: RqlTarget = { attributes: { u: undefined, f: () => 1, big: 1n, sym: Symbol('x') } };
    for (const key of ['u', 'f', 'big', 'sym']) {
      expect(evaluateRql(parseRql(`eq(attributes/${key},1)`), odd)).toBe(false);
      expect(evaluateRql(parseRql(`eq(attributes/${key},null)`), odd)).toBe(false);
    }
    expect(evaluateRql(parseRql('exists(attributes/u)'), odd)).toBe(false);
    expect(evaluateRql(parseRql('exists(attributes/f)'), odd)).toBe(true);
  });

  it('does not read inherited properties', () => {
    expect(evaluateRql(parseRql('exists(attributes/constructor)'), { attributes: {} })).toBe(false);
    expect(evaluateRql(parseRql('exists(toString)'), {})).toBe(false);
    const target = JSON.parse('{"attributes":{"__proto__":{"x":1}}}') as RqlTarget;
    expect(evaluateRql(parseRql('eq(attributes/__proto__/x,1)'), target)).toBe(true);
  });

  it('survives arrays nested deeper than the call stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const target: RqlTarget = { attributes: { deep } };
    expect(evaluateRql(parseRql('eq(attributes/deep,"bottom")'), target)).toBe(true);
  });
});

describe('time placeholders', () => {
  const clock = (): Date => new Date('2024-06-15T12:30:00.000Z');

  /** [filter, expected] against THING, whose _modified equals the clock */
  const TIME_CASES: ReadonlyArray<readonly [string, boolean]> = [
    ['eq(_modified,time:now)', true],
    ['lt(_created,time:now)', true],
    ['gt(_modified,time:now)', false],
    ['gt(_modified,time:now-1h)', true],
    ['gt(_modified,time:now+1s)', false],
    ['lt(_modified,time:now+1)', true],
    ['gt(_created,time:now-1y)', true],
    ['lt(_created,time:now-1y)', false],
    ['gt(_created,time:now-1y[y])', true],
    ['gt(_created,time:now[y])', false],
    ['ge(_created,time:now[y])', true],
    ['eq(_created,time:now[y])', true],
    ['eq(_created,time:now-5mo[y])', true],
    ['eq(attributes/ts,time:now_epoch_millis)', true],
    ['lt(attributes/ts,time:now_epoch_millis+1ms)', true],
    ['in(attributes/ts,1,time:now_epoch_millis)', true],
    ['eq(attributes/day,time:now[d])', true],
    ['like(attributes/day,time:now[d])', true],
    ['eq(attributes/day,time:now)', false],
  ];
  const target: RqlTarget = { ...THING, attributes: { ts: 1718454600000, day: '2024-06-15T00:00:00.000Z' } };

  it.each(TIME_CASES)('%s -> %s', (filter, expected) => {
    expect(evaluateRql(parseRql(filter), target, { now: clock })).toBe(expected);
  });

  it('reads the injected clock once per evaluation, and only when needed', () => {
    const now = vi.fn(clock);
    const predicate = compileRqlPredicate(
      parseRql('and(le(_modified,time:now),ge(attributes/ts,time:now_epoch_millis),in(a,time:now))'),
      { now },
    );
    expect(now).not.toHaveBeenCalled();
    predicate(target);
    expect(now).toHaveBeenCalledTimes(1);
    predicate(target);
    expect(now).toHaveBeenCalledTimes(2);
    compileRqlPredicate(parseRql('eq(a,1)'), { now })({ a: 1 });
    expect(now).toHaveBeenCalledTimes(2);
  });

  it('uses the system clock by default', () => {
    expect(evaluateRql(parseRql('lt(_created,time:now)'), THING)).toBe(true);
    expect(evaluateRql(parseRql('gt(_created,time:now_epoch_millis)'), THING)).toBe(false);
  });

  it('matches nothing when the clock yields an invalid date', () => {
    const broken = { now: () => new Date(Number.NaN) };
    expect(evaluateRql(parseRql('ne(_modified,time:now)'), THING, broken)).toBe(false);
    expect(evaluateRql(parseRql('lt(_modified,time:now)'), THING, broken)).toBe(false);
    expect(evaluateRql(parseRql('in(_modified,time:now)'), THING, broken)).toBe(false);
  });
});
