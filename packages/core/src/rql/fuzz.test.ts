/**
 * @module Fuzz tests: whatever string arrives, the parsers return a frozen result or throw
 * RqlSyntaxError, never another error, and never take long.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRqlPredicate } from './evaluator.js';
import { RqlSyntaxError } from './errors.js';
import { parseSearchOptions } from './options-parser.js';
import { parseRql } from './parser.js';

const SEEDS = [
  'and(eq(attributes/location,"kitchen"),gt(attributes/count,5))',
  'or(like(thingId,"org.eclipse*"),ilike(attributes/name,\'A?c*\'),not(exists(features/lamp)))',
  'in(attributes/tags,"a",1,-2.5e3,true,false,null,time:now)',
  'and(ne(_modified,time:now_epoch_millis-1d[h]),empty(/attributes/x),lt(_revision,10))',
  'eq(attributes/s,"esc \\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e4")',
  'not(not(not(ge(attributes/a\\u002cb,0.5))))',
];
const OPTION_SEEDS = ['sort(+thingId,-attributes/a),size(10),cursor(abc)', 'limit(0,25),sort(-_modified)'];

/** Characters the grammar cares about, so that mutations hit interesting paths. */
const interesting = fc.constantFrom(
  ...'(),"\'\\/ \t\n+-.0123456789eEuabcdefilmnopqrstwxyz:*?[]_'.split(''),
  'eq(',
  'and(',
  'not(',
  'in(',
  'time:now',
  '\\u',
  '\u0000',
  '\ud800',
  '😀',
);

type Mutation = { at: number; kind: 'insert' | 'delete' | 'replace'; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert', 'delete', 'replace'),
  text: fc.oneof(interesting, fc.string({ unit: 'binary', maxLength: 3 })),
});

function mutate(seed: string, mutations: readonly Mutation[]): string {
  let s = seed;
  for (const m of mutations) {
    const at = s.length === 0 ? 0 : m.at % (s.length + 1);
    if (m.kind === 'insert') s = s.slice(0, at) + m.text + s.slice(at);
    else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + 1 + (m.text.length % 4));
    else s = s.slice(0, at) + m.text + s.slice(at + m.text.length);
  }
  return s;
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeepFrozen);
}

/** Runs a parser and checks the contract; returns the result for further checks. */
function checkContract<T>(parse: () => T): T | undefined {
  const started = performance.now();
  try {
    const result = parse();
    expect(isDeepFrozen(result)).toBe(true);
    return result;
  } catch (e) {
    if (!(e instanceof RqlSyntaxError)) throw e;
    expect(Number.isInteger(e.position) && e.position >= 0).toBe(true);
    expect(e.message).toMatch(/position \d+/);
    return undefined;
  } finally {
    // Inputs here are tiny: anything near this bound means a hang, not a slow machine.
    expect(performance.now() - started).toBeLessThan(250);
  }
}

const inputs = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: interesting, maxLength: 40 }),
  fc
    .tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([s, m]) => mutate(s, m)),
);

describe('parser fuzzing', () => {
  it('parseRql returns a frozen node or throws RqlSyntaxError', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const node = checkContract(() => parseRql(input));
        // Whatever parses must also compile and evaluate without throwing.
        if (node !== undefined) compileRqlPredicate(node)({ attributes: { a: [1, 'x', { b: null }] } });
      }),
      { numRuns: 5000 },
    );
  });

  it('parseRql honours tight limits on mutated input', () => {
    fc.assert(
      fc.property(inputs, fc.nat(40), fc.nat(5), fc.nat(3), (input, maxLength, maxDepth, maxInValues) => {
        checkContract(() => parseRql(input, { maxLength, maxDepth, maxInValues }));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseSearchOptions returns frozen options or throws RqlSyntaxError', () => {
    const optionInputs = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: interesting, maxLength: 30 }),
      fc
        .tuple(fc.constantFrom(...OPTION_SEEDS), fc.array(mutation, { minLength: 1, maxLength: 4 }))
        .map(([s, m]) => mutate(s, m)),
    );
    fc.assert(
      fc.property(optionInputs, (input) => {
        checkContract(() => parseSearchOptions(input));
      }),
      { numRuns: 3000 },
    );
  });

  it('still parses every unmutated seed', () => {
    for (const seed of SEEDS) expect(() => parseRql(seed)).not.toThrow();
    for (const seed of OPTION_SEEDS) expect(() => parseSearchOptions(seed)).not.toThrow();
  });
});
