/** @module RQL: Ditto's filter language and search options; parser, frozen AST, visitor, formatter, evaluator. */
export {
  RQL_COMPARISON_KINDS,
  RQL_LOGICAL_KINDS,
  RQL_NODE_KINDS,
  RQL_PROPERTY_KINDS,
  isRqlComparisonKind,
  isRqlPlaceholder,
  type RqlAndNode,
  type RqlComparisonKind,
  type RqlComparisonNode,
  type RqlEmptyNode,
  type RqlExistsNode,
  type RqlInNode,
  type RqlLogicalKind,
  type RqlNode,
  type RqlNodeKind,
  type RqlNotNode,
  type RqlOrNode,
  type RqlPlaceholder,
  type RqlPropertyKind,
  type RqlScalar,
  type RqlValue,
} from './ast.js';
export { RqlSyntaxError } from './errors.js';
export { parseRql, RQL_DEFAULT_LIMITS, type RqlLimits } from './parser.js';
export {
  parseSearchOptions,
  type SearchLimit,
  type SearchOptions,
  type SortDirection,
  type SortEntry,
} from './options-parser.js';
export { formatRql, formatRqlValue, formatSearchOptions } from './format.js';
export { visitRql, type RqlVisitor } from './visitor.js';
export {
  compileRqlPredicate,
  evaluateRql,
  type RqlEvaluationOptions,
  type RqlPredicate,
} from './evaluator.js';
export { propertySegments as rqlPropertySegments, type RqlTarget } from './property-path.js';
export { resolveRqlPlaceholder } from './time-placeholder.js';
