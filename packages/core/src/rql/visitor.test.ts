/** @module Tests of the exhaustive visitor. */
import { describe, expect, it } from 'vitest';
import { RQL_NODE_KINDS, type RqlNode } from './ast.js';
import { parseRql } from './parser.js';
import { visitRql, type RqlVisitor } from './visitor.js';

const count =
  (kind: string): ((node: RqlNode) => Record<string, number>) =>
  () => ({ [kind]: 1 });

describe('visitRql', () => {
  it('dispatches on the kind and passes the narrowed node', () => {
    const properties: RqlVisitor<string[]> = {
      and: (n) => n.children.flatMap((c) => visitRql(c, properties)),
      or: (n) => n.children.flatMap((c) => visitRql(c, properties)),
      not: (n) => visitRql(n.child, properties),
      eq: (n) => [n.property],
      ne: (n) => [n.property],
      gt: (n) => [n.property],
      ge: (n) => [n.property],
      lt: (n) => [n.property],
      le: (n) => [n.property],
      like: (n) => [n.property],
      ilike: (n) => [n.property],
      in: (n) => [`${n.property}:${n.values.length}`],
      exists: (n) => [n.property],
      empty: (n) => [n.property],
    };
    const node = parseRql('and(eq(a,1),or(not(exists(b)),in(c,1,2)),empty(d),ilike(e,"x"))');
    expect(visitRql(node, properties)).toEqual(['a', 'b', 'c:2', 'd', 'e']);
  });

  it('keeps `this` for method-style visitors', () => {
    class Depth implements RqlVisitor<number> {
      and(n: Extract<RqlNode, { kind: 'and' }>): number {
        return 1 + Math.max(...n.children.map((c) => visitRql(c, this)));
      }
      or(n: Extract<RqlNode, { kind: 'or' }>): number {
        return 1 + Math.max(...n.children.map((c) => visitRql(c, this)));
      }
      not(n: Extract<RqlNode, { kind: 'not' }>): number {
        return 1 + visitRql(n.child, this);
      }
      eq = (): number => 1;
      ne = (): number => 1;
      gt = (): number => 1;
      ge = (): number => 1;
      lt = (): number => 1;
      le = (): number => 1;
      like = (): number => 1;
      ilike = (): number => 1;
      in = (): number => 1;
      exists = (): number => 1;
      empty = (): number => 1;
    }
    expect(visitRql(parseRql('and(eq(a,1),not(or(exists(b))))'), new Depth())).toBe(4);
  });

  it('demands a handler for every kind', () => {
    const all = Object.fromEntries(
      RQL_NODE_KINDS.map((k) => [k, count(k)]),
    ) as unknown as RqlVisitor<unknown>;
    expect(Object.keys(all).sort()).toEqual([...RQL_NODE_KINDS].sort());
    // @ts-expect-error -- a visitor without `empty` must not compile
    const partial: RqlVisitor<number> = {
      and: () => 0,
      or: () => 0,
      not: () => 0,
      eq: () => 0,
      ne: () => 0,
      gt: () => 0,
      ge: () => 0,
      lt: () => 0,
      le: () => 0,
      like: () => 0,
      ilike: () => 0,
      in: () => 0,
      exists: () => 0,
    };
    expect(partial).toBeDefined();
  });
});
