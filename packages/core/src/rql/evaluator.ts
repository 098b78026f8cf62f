/**
 * @module The in-memory RQL evaluator: compiles an AST once into nested closures, which then
 * test targets without looking at the AST or any text again. Used to filter change
 * notifications per subscriber, for conditional requests, and as the reference semantics the
 * search SQL compiler is tested against.
 *
 * Semantics follow Ditto's search (basic-search.md, basic-rql.md): comparisons match when ANY
 * reached value matches; values only compare with values of the same JSON type (numbers,
 * strings by UTF-16 code units, booleans with false < true; null only with eq/ne); `ne` needs
 * the property to exist and no reached value to equal.
 */
import { isRqlPlaceholder, type RqlComparisonNode, type RqlNode, type RqlValue } from './ast.js';
import { compileLike, type LikeMatcher } from './like-pattern.js';
import { compilePropertyResolver, isEmptyValue, someScalar, type RqlTarget } from './property-path.js';
import { resolveRqlPlaceholder } from './time-placeholder.js';
import { visitRql, type RqlVisitor } from './visitor.js';

export interface RqlEvaluationOptions {
  /** Clock for `time:` placeholders; read at most once per evaluation. Default: the system clock. */
  readonly now?: () => Date;
}

export type RqlPredicate = (target: RqlTarget) => boolean;

type Scalar = string | number | boolean | null;

/** Per-evaluation state: the target and the clock reading shared by all placeholders in it. */
class Evaluation {
  readonly target: RqlTarget;
  private readonly clock: () => Date;
  private instant: Date | undefined;

  constructor(target: RqlTarget, clock: () => Date) {
    this.target = target;
    this.clock = clock;
  }

  now(): Date {
    this.instant ??= this.clock();
    return this.instant;
  }
}

type Test = (ev: Evaluation) => boolean;
/** A value that is either fixed or resolved per evaluation; undefined when unresolvable. */
type ValueOf = (ev: Evaluation) => Scalar | undefined;

export function compileRqlPredicate(node: RqlNode, options: RqlEvaluationOptions = {}): RqlPredicate {
  const test = visitRql(node, COMPILER);
  const clock = options.now ?? (() => new Date());
  return (target) => test(new Evaluation(target, clock));
}

/** One-off evaluation; compile once with compileRqlPredicate when testing many targets. */
export function evaluateRql(node: RqlNode, target: RqlTarget, options: RqlEvaluationOptions = {}): boolean {
  return compileRqlPredicate(node, options)(target);
}

function compile(node: RqlNode): Test {
  return visitRql(node, COMPILER);
}

function valueOf(value: RqlValue): ValueOf {
  if (!isRqlPlaceholder(value)) return () => value;
  return (ev) => {
    const now = ev.now();
    return now instanceof Date ? resolveRqlPlaceholder(value, now) : undefined;
  };
}

type Order = 'gt' | 'ge' | 'lt' | 'le';

function ordered(op: Order, a: Scalar, b: Scalar): boolean {
  // Same JSON type only; null has no order (Ditto's in-memory filter and MongoDB agree on gt/lt).
  if (a === null || b === null || typeof a !== typeof b) return false;
  switch (op) {
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

function compileOrder(node: RqlComparisonNode<Order>): Test {
  const resolve = compilePropertyResolver(node.property);
  const op = node.kind;
  const value = valueOf(node.value);
  return (ev) => {
    const v = value(ev);
    if (v === undefined) return false;
    return someScalar(resolve(ev.target), (c) => ordered(op, c, v));
  };
}

/** `===` is exactly "same JSON type and equal" for scalars. */
function compileEquality(node: RqlComparisonNode<'eq' | 'ne'>): Test {
  const resolve = compilePropertyResolver(node.property);
  const negate = node.kind === 'ne';
  const value = valueOf(node.value);
  return (ev) => {
    const v = value(ev);
    if (v === undefined) return false;
    const reached = resolve(ev.target);
    if (negate) return reached.length > 0 && !someScalar(reached, (c) => c === v);
    return someScalar(reached, (c) => c === v);
  };
}

/** Only strings match a pattern, and only a string is a pattern (as in Ditto's search). */
function compileLikeNode(node: RqlComparisonNode<'like' | 'ilike'>): Test {
  const resolve = compilePropertyResolver(node.property);
  const ignoreCase = node.kind === 'ilike';
  let matcher: ((ev: Evaluation) => LikeMatcher | undefined) | undefined;
  if (typeof node.value === 'string') {
    const fixed = compileLike(node.value, ignoreCase);
    matcher = () => fixed;
  } else if (isRqlPlaceholder(node.value)) {
    const value = valueOf(node.value);
    matcher = (ev) => {
      const v = value(ev);
      return typeof v === 'string' ? compileLike(v, ignoreCase) : undefined;
    };
  }
  if (matcher === undefined) return () => false;
  const matcherOf = matcher;
  return (ev) => {
    const match = matcherOf(ev);
    return match !== undefined && someScalar(resolve(ev.target), (c) => typeof c === 'string' && match(c));
  };
}

const COMPILER: RqlVisitor<Test> = {
  and: (node) => {
    const children = node.children.map(compile);
    return (ev) => {
      for (const child of children) if (!child(ev)) return false;
      return true;
    };
  },
  or: (node) => {
    const children = node.children.map(compile);
    return (ev) => {
      for (const child of children) if (child(ev)) return true;
      return false;
    };
  },
  not: (node) => {
    const child = compile(node.child);
    return (ev) => !child(ev);
  },
  eq: compileEquality,
  ne: compileEquality,
  gt: compileOrder,
  ge: compileOrder,
  lt: compileOrder,
  le: compileOrder,
  like: compileLikeNode,
  ilike: compileLikeNode,
  in: (node) => {
    const resolve = compilePropertyResolver(node.property);
    // A Set compares with SameValueZero: type-strict, like eq.
    const fixed = new Set<Scalar>();
    const dynamic: ValueOf[] = [];
    for (const v of node.values) {
      if (isRqlPlaceholder(v)) dynamic.push(valueOf(v));
      else fixed.add(v);
    }
    return (ev) => {
      let values = fixed;
      if (dynamic.length > 0) {
        values = new Set(fixed);
        for (const d of dynamic) {
          const v = d(ev);
          if (v !== undefined) values.add(v);
        }
      }
      return someScalar(resolve(ev.target), (c) => values.has(c));
    };
  },
  exists: (node) => {
    const resolve = compilePropertyResolver(node.property);
    return (ev) => resolve(ev.target).length > 0;
  },
  empty: (node) => {
    const resolve = compilePropertyResolver(node.property);
    return (ev) => {
      const reached = resolve(ev.target);
      return reached.length === 0 || reached.some(isEmptyValue);
    };
  },
};
