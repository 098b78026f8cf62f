/**
 * @module RQL filter -> SQL condition on a `things` row `t`, with the semantics of the in-memory
 * evaluator (packages/core/src/rql/evaluator.ts), which the property test holds it to:
 * - a condition on a path is "some field row of this Thing at that path matches", so arrays match
 *   when any element does;
 * - values compare only with values of the same JSON type (the kind column keeps types apart);
 *   null only with eq/ne/in; ordering operators never match null;
 * - `ne` needs the property to exist and no reached value to be equal;
 * - `like`/`ilike` match strings only, with `*` and `?`;
 * - `time:` placeholders are resolved once per query with the injected clock.
 * Every sub-condition is TRUE or FALSE, never NULL, so `not` is plain negation.
 *
 * The compiler is a visitor keyed by every RQL node kind (`visitRql`): a new kind does not compile
 * until it is handled here. User text reaches the SQL only as parameters.
 */
import {
  isRqlPlaceholder,
  resolveRqlPlaceholder,
  visitRql,
  type RqlComparisonNode,
  type RqlNode,
  type RqlValue,
  type RqlVisitor,
} from '@egiz/core';
import { FIELD_KIND } from '../../store/search-index/field-kinds.js';
import { propertyTarget, type PropertyTarget } from './property-target.js';
import type { Comparison, ValueType } from './search-dialect.js';
import type { SqlBuilder } from './sql-builder.js';

type Scalar = string | number | boolean | null;
type ColumnTarget = Extract<PropertyTarget, { kind: 'column' }>;
type FieldTarget = Extract<PropertyTarget, { kind: 'field' }>;

const ORDER: Readonly<Record<'gt' | 'ge' | 'lt' | 'le', Comparison>> = {
  gt: '>',
  ge: '>=',
  lt: '<',
  le: '<=',
};

export interface FilterContext {
  readonly b: SqlBuilder;
  /** The instant `time:` placeholders stand for. */
  readonly now: Date;
}

/** Compiles a filter into a condition on `t` (the `things` row). */
export function compileFilter(node: RqlNode, ctx: FilterContext): string {
  return new FilterCompiler(ctx).compile(node);
}

/**
 * A filter that is one condition on field rows, as a condition on `f` (a `thing_fields` row): a Thing
 * matches when some row of it does. `ordered` when the matching rows are one range of the index
 * (equality with a non-null value at one path), so each Thing has at most one of them and they come
 * in thingId order. Undefined for anything else (columns, and/or/not, ne, in, exists, empty).
 */
export interface FieldCondition {
  readonly where: string;
  readonly ordered: boolean;
}

export function compileFieldCondition(node: RqlNode, ctx: FilterContext): FieldCondition | undefined {
  return new FilterCompiler(ctx).fieldCondition(node);
}

function typeOf(value: string | number | boolean): ValueType {
  return typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean';
}

/** Booleans are stored as 0/1 next to their kind. */
function sqlValue(value: string | number | boolean): string | number {
  return typeof value === 'boolean' ? (value ? 1 : 0) : value;
}

class FilterCompiler {
  readonly #b: SqlBuilder;
  readonly #now: Date;
  readonly #visitor: RqlVisitor<string>;

  constructor(ctx: FilterContext) {
    this.#b = ctx.b;
    this.#now = ctx.now;
    const comparison = (node: RqlComparisonNode) => this.#comparison(node);
    this.#visitor = {
      and: (node) => `(${node.children.map((c) => this.compile(c)).join(' AND ')})`,
      or: (node) => `(${node.children.map((c) => this.compile(c)).join(' OR ')})`,
      not: (node) => `(NOT ${this.compile(node.child)})`,
      eq: comparison,
      ne: comparison,
      gt: comparison,
      ge: comparison,
      lt: comparison,
      le: comparison,
      like: comparison,
      ilike: comparison,
      in: (node) => this.#in(propertyTarget(node.property), node.values),
      exists: (node) => this.#exists(propertyTarget(node.property)),
      empty: (node) => this.#empty(propertyTarget(node.property)),
    };
  }

  compile(node: RqlNode): string {
    return visitRql(node, this.#visitor);
  }

  fieldCondition(node: RqlNode): FieldCondition | undefined {
    const kind = node.kind;
    if (kind !== 'eq' && kind !== 'like' && kind !== 'ilike' && !(kind in ORDER)) return undefined;
    const comparison = node as RqlComparisonNode;
    const target = propertyTarget(comparison.property);
    const value = this.#resolve(comparison.value);
    if (target.kind !== 'field' || value === undefined || value === null) return undefined;
    const d = this.#dialect;
    let condition: string;
    if (kind === 'like' || kind === 'ilike') {
      if (typeof value !== 'string') return undefined;
      condition = kind === 'like' ? d.fieldLike(this.#b, value) : d.fieldIlike(this.#b, value);
    } else {
      const op = kind === 'eq' ? '=' : ORDER[kind as keyof typeof ORDER];
      condition = d.fieldCompare(this.#b, typeOf(value), op, sqlValue(value));
    }
    return {
      where: `${this.#fieldPath(target)} AND ${condition}`,
      ordered: kind === 'eq' && !target.wildcard,
    };
  }

  get #dialect() {
    return this.#b.dialect;
  }

  /** The value a filter value stands for now; undefined when a placeholder cannot be resolved. */
  #resolve(value: RqlValue): Scalar | undefined {
    return isRqlPlaceholder(value) ? resolveRqlPlaceholder(value, this.#now) : value;
  }

  #comparison(node: RqlComparisonNode): string {
    const target = propertyTarget(node.property);
    const value = this.#resolve(node.value);
    const F = this.#dialect.false;
    // An unresolvable placeholder matches nothing, not even with ne (as in the evaluator).
    if (value === undefined || target.kind === 'nothing') return F;
    switch (node.kind) {
      case 'eq':
        return this.#eq(target, value);
      case 'ne':
        return `(${this.#exists(target)} AND NOT ${this.#eq(target, value)})`;
      case 'gt':
      case 'ge':
      case 'lt':
      case 'le':
        return value === null ? F : this.#order(target, ORDER[node.kind], value);
      case 'like':
      case 'ilike':
        return typeof value === 'string' ? this.#like(target, value, node.kind === 'ilike') : F;
    }
  }

  #eq(target: ColumnTarget | FieldTarget, value: Scalar): string {
    if (target.kind === 'column') {
      if (value === null || typeOf(value) !== target.type) return this.#dialect.false;
      return this.#column(
        target,
        `t.${target.column} = ${this.#b.param(sqlValue(value), this.#type(value))}`,
      );
    }
    if (value === null) return this.#fields(target, this.#dialect.fieldKind(FIELD_KIND.null));
    return this.#fields(target, this.#dialect.fieldCompare(this.#b, typeOf(value), '=', sqlValue(value)));
  }

  #order(target: ColumnTarget | FieldTarget, op: Comparison, value: string | number | boolean): string {
    if (target.kind === 'column') {
      if (typeOf(value) !== target.type) return this.#dialect.false;
      const column =
        target.type === 'string' ? this.#dialect.orderedText(`t.${target.column}`) : `t.${target.column}`;
      return this.#column(target, `${column} ${op} ${this.#b.param(sqlValue(value), this.#type(value))}`);
    }
    return this.#fields(target, this.#dialect.fieldCompare(this.#b, typeOf(value), op, sqlValue(value)));
  }

  #like(target: ColumnTarget | FieldTarget, pattern: string, ignoreCase: boolean): string {
    const d = this.#dialect;
    if (target.kind === 'column') {
      if (target.type !== 'string') return d.false;
      const column = `t.${target.column}`;
      return this.#column(
        target,
        ignoreCase ? d.columnIlike(this.#b, column, pattern) : d.columnLike(this.#b, column, pattern),
      );
    }
    return this.#fields(target, ignoreCase ? d.fieldIlike(this.#b, pattern) : d.fieldLike(this.#b, pattern));
  }

  #in(target: PropertyTarget, values: readonly RqlValue[]): string {
    const d = this.#dialect;
    if (target.kind === 'nothing') return d.false;
    const groups = new Map<ValueType | 'null', Scalar[]>();
    for (const raw of values) {
      const value = this.#resolve(raw);
      if (value === undefined) continue;
      const type = value === null ? 'null' : typeOf(value);
      const group = groups.get(type) ?? [];
      group.push(value);
      groups.set(type, group);
    }
    const parts: string[] = [];
    for (const [type, group] of groups) {
      if (target.kind === 'column') {
        if (type !== target.type) continue;
        const list = this.#b.list(
          group.map((v) => sqlValue(v as string | number)),
          target.type === 'string' ? 'text' : 'float8',
        );
        parts.push(this.#column(target, `t.${target.column} IN (${list})`));
      } else if (type === 'null') {
        parts.push(this.#fields(target, d.fieldKind(FIELD_KIND.null)));
      } else {
        const list = group.map((v) => sqlValue(v as string | number | boolean));
        parts.push(this.#fields(target, d.fieldIn(this.#b, type, list)));
      }
    }
    if (parts.length === 0) return d.false;
    return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
  }

  #exists(target: PropertyTarget): string {
    const d = this.#dialect;
    if (target.kind === 'nothing') return d.false;
    if (target.kind === 'column') return target.nullable ? `t.${target.column} IS NOT NULL` : d.true;
    // The path itself, or anything below it (an object is present through its members' rows).
    const column = target.wildcard ? 'p.wild' : 'p.path';
    const b = this.#b;
    const paths = `SELECT p.pid FROM search_paths p WHERE ${column} = ${b.param(target.path, 'text')} OR (${column} >= ${b.param(`${target.path}/`, 'text')} AND ${column} < ${b.param(`${target.path}0`, 'text')})`;
    return `t.tid IN (SELECT f.tid FROM thing_fields f WHERE f.pid IN (${paths}))`;
  }

  #empty(target: PropertyTarget): string {
    const d = this.#dialect;
    if (target.kind === 'nothing') return d.true;
    if (target.kind === 'column') {
      if (target.type === 'number') return d.false;
      const empty = `t.${target.column} = ''`;
      return target.nullable ? `(t.${target.column} IS NULL OR ${empty})` : empty;
    }
    return `(NOT ${this.#exists(target)} OR ${this.#fields(target, d.fieldKind(FIELD_KIND.empty))})`;
  }

  /** Things with a field row at the target's path(s) that satisfies `condition` (on alias `f`). */
  #fields(target: FieldTarget, condition: string): string {
    return `t.tid IN (SELECT f.tid FROM thing_fields f WHERE ${this.#fieldPath(target)} AND ${condition})`;
  }

  /** Field rows `f` at the target's path (or, for `features/*`, at any of its paths). */
  #fieldPath(target: FieldTarget): string {
    const b = this.#b;
    return target.wildcard
      ? `f.pid IN (SELECT p.pid FROM search_paths p WHERE p.wild = ${b.param(target.path, 'text')})`
      : `f.pid = (SELECT p.pid FROM search_paths p WHERE p.path = ${b.param(target.path, 'text')})`;
  }

  /** A column condition that is FALSE, not NULL, when a nullable column is absent. */
  #column(target: ColumnTarget, condition: string): string {
    return target.nullable ? `(t.${target.column} IS NOT NULL AND ${condition})` : condition;
  }

  #type(value: string | number | boolean): 'text' | 'float8' {
    return typeof value === 'string' ? 'text' : 'float8';
  }
}
