/**
 * @module What the search SQL of SQLite and PostgreSQL does differently, as a base class whose
 * defaults are plain SQL and two subclasses (sqlite-dialect.ts, postgres-dialect.ts) that override
 * only what differs: placeholders, booleans, the value columns of field rows, LIKE/GLOB and
 * case-insensitive matching, JSON access for sorting, and how rows come back.
 *
 * Aliases the compiler relies on: `t` = things, `f` = thing_fields.
 */
import type { FieldKind } from '../../store/search-index/field-kinds.js';
import type { ParamType, SqlBuilder, SqlParam } from './sql-builder.js';

export type Comparison = '=' | '<>' | '>' | '>=' | '<' | '<=';

/** A JSON scalar type that field rows can hold a value of. */
export type ValueType = 'number' | 'string' | 'boolean';

/** A `things` row as a search query selects it, decoded. */
export interface ThingRow {
  readonly id: string;
  readonly revision: number;
  readonly created: string;
  readonly modified: string;
  readonly value: Record<string, unknown>;
  readonly metadata: Record<string, unknown> | undefined;
  readonly policyId: string | null;
  readonly namespace: string;
}

export const THING_COLUMNS =
  't.id, t.revision, t.created, t.modified, t.value, t.metadata, t.policy_id, t.namespace';

export abstract class SearchDialect {
  abstract readonly name: 'sqlite' | 'postgres';

  abstract placeholder(index: number, type: ParamType): string;

  readonly true: string = 'TRUE';
  readonly false: string = 'FALSE';

  /**
   * The store keeps reader sets (`reader_sets`, `reader_set_subjects`, `things.rs`, and `thing_fields`
   * keyed in thingId order with `rs`): see createReaderSets and ADR 0004.
   */
  readonly readerSets: boolean = false;

  abstract notDeleted(things: string): string;

  /** Field rows of a kind that has no value (null, empty, opaque). */
  abstract fieldKind(kind: FieldKind): string;

  /** Field rows of a value type compared with a value of that type. */
  abstract fieldCompare(b: SqlBuilder, type: ValueType, op: Comparison, value: number | string): string;

  /** Field rows of a value type whose value is one of `values` (all of that type). */
  abstract fieldIn(b: SqlBuilder, type: ValueType, values: readonly (number | string)[]): string;

  /** String field rows matching an RQL `like` pattern. */
  abstract fieldLike(b: SqlBuilder, pattern: string): string;

  /** String field rows matching an RQL `ilike` pattern. */
  abstract fieldIlike(b: SqlBuilder, pattern: string): string;

  /** A non-null string column matching an RQL `like` pattern. */
  abstract columnLike(b: SqlBuilder, column: string, pattern: string): string;

  /** A non-null string column matching an RQL `ilike` pattern. */
  abstract columnIlike(b: SqlBuilder, column: string, pattern: string): string;

  /** A string column as it orders and compares by code point. */
  orderedText(column: string): string {
    return column;
  }

  /** The parameter type of a JS value bound for a column or field value. */
  /**
   * The LIMIT of a page: a parameter by default (one statement per shape). Dialects whose planner
   * does better with a known number override it; the value is always a checked integer, never text
   * from a request.
   */
  limit(b: SqlBuilder, n: number): string {
    return b.param(n, 'int4');
  }

  paramType(value: number | string): ParamType {
    return typeof value === 'number' ? 'float8' : 'text';
  }

  /**
   * SQL expressions whose tuple orders like the sort value of a JSON path (see sort-values.ts):
   * missing or non-scalar < numbers < strings < booleans. Never NULL.
   */
  abstract jsonSortAtoms(b: SqlBuilder, column: string, segments: readonly string[]): string[];

  /** The values of `jsonSortAtoms` for a sort value, to compare a cursor position with. */
  abstract jsonSortAtomValues(value: string | number | boolean | null): SqlParam[];

  /** The type of each value of `jsonSortAtomValues` (for typed placeholders). */
  abstract jsonSortAtomTypes(value: string | number | boolean | null): ParamType[];

  abstract decodeRow(row: Readonly<Record<string, unknown>>): ThingRow;
}

/** Rank of a sort value's type, shared by both dialects and the JS comparator. */
export function sortRank(value: string | number | boolean | null): 0 | 1 | 2 | 3 {
  if (value === null) return 0;
  if (typeof value === 'number') return 1;
  if (typeof value === 'string') return 2;
  return 3;
}
