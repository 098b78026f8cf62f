/**
 * @module The RQL filter parser: text -> frozen AST, following Ditto's grammar
 * (RqlPredicateParser.scala), with limits so that hostile input fails fast.
 *
 * It is iterative: open and/or/not calls live on an explicit stack, so nesting can never
 * overflow the JS call stack, and the depth limit is a plain comparison.
 */
import { isRqlComparisonKind, type RqlNode, type RqlValue } from './ast.js';
import { excerpt, RqlSyntaxError } from './errors.js';
import { RqlScanner } from './scanner.js';

export interface RqlLimits {
  /** Longest accepted input in UTF-16 code units; checked before anything is parsed. */
  readonly maxLength?: number;
  /** Deepest accepted nesting of operators; `eq(a,1)` is depth 1, `not(eq(a,1))` depth 2. */
  readonly maxDepth?: number;
  /** Most values accepted in one `in(...)`. */
  readonly maxInValues?: number;
}

export const RQL_DEFAULT_LIMITS: Readonly<Required<RqlLimits>> = Object.freeze({
  maxLength: 10_000,
  maxDepth: 32,
  maxInValues: 1000,
});

const OPERATORS = 'and, or, not, eq, ne, gt, ge, lt, le, like, ilike, in, exists or empty';

/** An and/or/not whose "(" has been read and whose operands are still being parsed. */
class OpenCall {
  readonly kind: 'and' | 'or' | 'not';
  readonly children: RqlNode[] = [];
  constructor(kind: 'and' | 'or' | 'not') {
    this.kind = kind;
  }
}

/**
 * Parses a Ditto RQL filter such as `and(eq(attributes/a,"x"),gt(_modified,time:now-1d))`.
 * Whitespace is accepted where Ditto accepts it: before the expression, after a value, and
 * after the comma between the operands of and/or; nowhere else (`eq(a, 1)` is an error there
 * too). Throws RqlSyntaxError, never anything else, for any string input.
 */
export function parseRql(input: string, limits: RqlLimits = {}): RqlNode {
  const maxLength = limits.maxLength ?? RQL_DEFAULT_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? RQL_DEFAULT_LIMITS.maxDepth;
  const maxInValues = limits.maxInValues ?? RQL_DEFAULT_LIMITS.maxInValues;
  if (input.length > maxLength) {
    throw new RqlSyntaxError(
      `Expected end of input at position ${maxLength} (the limit is ${maxLength} characters) but the input has ${input.length}`,
      maxLength,
    );
  }

  const s = new RqlScanner(input);
  const stack: OpenCall[] = [];
  s.skipWhitespace();

  for (;;) {
    if (stack.length + 1 > maxDepth) {
      throw new RqlSyntaxError(
        `RQL expression nests deeper than ${maxDepth} levels at position ${s.pos}`,
        s.pos,
      );
    }
    const parsed = parseOperator(s, maxInValues);
    if (parsed instanceof OpenCall) {
      stack.push(parsed);
    } else {
      // A complete node: close every call it completes, then find where the next operand starts.
      let node = parsed;
      for (;;) {
        const top = stack[stack.length - 1];
        if (top === undefined) {
          s.expectEnd();
          return node;
        }
        top.children.push(node);
        if (top.kind !== 'not' && s.consume(',')) {
          s.skipWhitespace();
          break;
        }
        s.expect(')', top.kind === 'not' ? "')' (not takes exactly one operand)" : "',' or ')'");
        stack.pop();
        node = closeCall(top);
      }
    }
  }
}

/** Parses one operator: a whole leaf node, or the opening of and/or/not (an OpenCall). */
function parseOperator(s: RqlScanner, maxInValues: number): RqlNode | OpenCall {
  const start = s.pos;
  const name = s.readName();
  if (name === '') throw s.error(`an RQL operator (${OPERATORS})`);
  if (name === 'and' || name === 'or' || name === 'not') {
    s.expect('(');
    return new OpenCall(name);
  }
  if (isRqlComparisonKind(name)) {
    s.expect('(');
    const property = s.readProperty();
    s.expect(',');
    const value = s.readValue();
    s.expect(')');
    return Object.freeze({ kind: name, property, value });
  }
  if (name === 'in') {
    s.expect('(');
    const property = s.readProperty();
    const values: RqlValue[] = [];
    s.expect(',');
    do {
      if (values.length === maxInValues) {
        throw new RqlSyntaxError(`in() lists more than ${maxInValues} values at position ${s.pos}`, s.pos);
      }
      values.push(s.readValue());
    } while (s.consume(','));
    s.expect(')', "',' or ')'");
    return Object.freeze({
      kind: 'in',
      property,
      values: Object.freeze(values) as [RqlValue, ...RqlValue[]],
    });
  }
  if (name === 'exists' || name === 'empty') {
    s.expect('(');
    const property = s.readProperty();
    s.expect(')');
    return Object.freeze({ kind: name, property });
  }
  throw new RqlSyntaxError(
    `Unknown RQL operator '${excerpt(name)}' at position ${start}; expected one of ${OPERATORS}`,
    start,
  );
}

function closeCall(call: OpenCall): RqlNode {
  const children = call.children as [RqlNode, ...RqlNode[]];
  if (call.kind === 'not') return Object.freeze({ kind: 'not', child: children[0] });
  return Object.freeze({ kind: call.kind, children: Object.freeze(children) });
}
