/**
 * @module A visitor keyed by every RQL node kind. Because the type demands a handler per kind,
 * adding a kind to the AST breaks the build of every visitor (formatter, evaluator, SQL
 * compiler) until it handles the new kind.
 */
import type { RqlNode, RqlNodeKind } from './ast.js';

export type RqlVisitor<R> = {
  readonly [K in RqlNodeKind]: (node: Extract<RqlNode, { kind: K }>) => R;
};

/** Calls the handler for the node's kind (with the visitor as `this`, so methods work too). */
export function visitRql<R>(node: RqlNode, visitor: RqlVisitor<R>): R {
  // TypeScript cannot correlate node.kind with the handler's parameter type; the mapped type
  // above guarantees they match.
  const handler = visitor[node.kind] as (this: RqlVisitor<R>, node: RqlNode) => R;
  return handler.call(visitor, node);
}
