/**
 * @module The RQL abstract syntax tree: frozen plain objects tagged with `kind`, shared by the
 * parser, the formatter, the in-memory evaluator and (later) the search SQL compiler.
 */

/** A literal value as it appears in a filter; numbers are JS numbers (integers and doubles alike). */
export type RqlScalar = string | number | boolean | null;

/**
 * A `time:` placeholder (`time:now`, `time:now_epoch_millis`, optionally with an offset such as
 * `-1h` and a truncation such as `[d]`). It stays symbolic in the AST because its value depends
 * on the moment of evaluation, which the evaluator takes from an injected clock.
 */
export interface RqlPlaceholder {
  readonly kind: 'placeholder';
  readonly name: string;
}

export type RqlValue = RqlScalar | RqlPlaceholder;

export const RQL_COMPARISON_KINDS = ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'like', 'ilike'] as const;
export type RqlComparisonKind = (typeof RQL_COMPARISON_KINDS)[number];

export const RQL_LOGICAL_KINDS = ['and', 'or'] as const;
export type RqlLogicalKind = (typeof RQL_LOGICAL_KINDS)[number];

export const RQL_PROPERTY_KINDS = ['exists', 'empty'] as const;
export type RqlPropertyKind = (typeof RQL_PROPERTY_KINDS)[number];

export interface RqlAndNode {
  readonly kind: 'and';
  readonly children: readonly [RqlNode, ...RqlNode[]];
}

export interface RqlOrNode {
  readonly kind: 'or';
  readonly children: readonly [RqlNode, ...RqlNode[]];
}

export interface RqlNotNode {
  readonly kind: 'not';
  readonly child: RqlNode;
}

/**
 * `property` is a slash-separated path without leading slash (`attributes/a/b`, `thingId`);
 * it is kept verbatim otherwise, so placeholders such as `topic:action` pass through.
 */
export interface RqlComparisonNode<K extends RqlComparisonKind = RqlComparisonKind> {
  readonly kind: K;
  readonly property: string;
  readonly value: RqlValue;
}

export interface RqlInNode {
  readonly kind: 'in';
  readonly property: string;
  readonly values: readonly [RqlValue, ...RqlValue[]];
}

export interface RqlExistsNode {
  readonly kind: 'exists';
  readonly property: string;
}

export interface RqlEmptyNode {
  readonly kind: 'empty';
  readonly property: string;
}

// Distributing over the kinds gives each comparison its own member, so `Extract<RqlNode, {kind:'eq'}>`
// narrows to exactly one node type (what the visitor relies on).
type ComparisonNodes = { [K in RqlComparisonKind]: RqlComparisonNode<K> }[RqlComparisonKind];

export type RqlNode =
  RqlAndNode | RqlOrNode | RqlNotNode | ComparisonNodes | RqlInNode | RqlExistsNode | RqlEmptyNode;

export type RqlNodeKind = RqlNode['kind'];

export const RQL_NODE_KINDS: readonly RqlNodeKind[] = Object.freeze([
  ...RQL_LOGICAL_KINDS,
  'not',
  ...RQL_COMPARISON_KINDS,
  'in',
  ...RQL_PROPERTY_KINDS,
] as const);

export function isRqlPlaceholder(value: RqlValue): value is RqlPlaceholder {
  return typeof value === 'object' && value !== null;
}

export function isRqlComparisonKind(kind: string): kind is RqlComparisonKind {
  return (RQL_COMPARISON_KINDS as readonly string[]).includes(kind);
}
