/**
 * @module Whether a filter can only lose matches when parts of a Thing are hidden: true for and/or
 * over positive conditions (eq, ordering, like, in, exists), whose every match on a partial view is
 * also a match on the whole Thing. Such a filter may narrow partial-reader candidates in SQL before
 * the exact check on the view; `not`, `ne` and `empty` can match because something is hidden.
 */
import { visitRql, type RqlNode, type RqlVisitor } from '@egiz/core';

const positive = () => true;
const negative = () => false;

const MONOTONE: RqlVisitor<boolean> = {
  and: (node) => node.children.every(isMonotoneFilter),
  or: (node) => node.children.every(isMonotoneFilter),
  not: negative,
  eq: positive,
  ne: negative,
  gt: positive,
  ge: positive,
  lt: positive,
  le: positive,
  like: positive,
  ilike: positive,
  in: positive,
  exists: positive,
  empty: negative,
};

export function isMonotoneFilter(node: RqlNode): boolean {
  return visitRql(node, MONOTONE);
}
