/**
 * @module Flattens a Thing into the rows of the search index, one per (path, kind, value), and diffs
 * two such row sets so that an update touches only the rows that changed.
 *
 * The rows mirror how the RQL evaluator (packages/core/src/rql/property-path.ts) resolves a
 * property, so that SQL over the rows answers exactly what the evaluator answers:
 * - an object is entered key by key (`attributes/a/b`); keys containing `/` can never be named by
 *   a filter and are skipped;
 * - an array met on the way is entered one level, through its object elements: their keys continue
 *   the array's path (`attributes/items/name` for every item);
 * - the scalars inside an array reached at a path, at any depth of nesting, are rows of that path
 *   (so `eq(attributes/tags,"a")` matches `tags: ["a","b"]`);
 * - `empty` rows mark reached values that are null, "", [] or {}; `opaque` rows mark a reached
 *   value that leaves no other trace at or below its path (`[{}]`, `[[]]`), so `exists` stays exact.
 * Rows are deduplicated per Thing: the index answers "does any value match", not "how many".
 */
import type { JsonObject, JsonValue } from '@egiz/core';
import { COLUMN_FIELDS, FIELD_KIND, METADATA_ROOT, type FieldKind } from './field-kinds.js';

export interface FieldRow {
  readonly path: string;
  readonly kind: FieldKind;
  /** The number or string; 0/1 for booleans; 0 for the kinds without a value. */
  readonly value: number | string;
}

/** Rows keyed by identity (kind, path, value), the unit of the diff. */
export type FieldRows = ReadonlyMap<string, FieldRow>;

/** What the index is built from: a Thing's JSON and metadata (nothing when deleted). */
export interface IndexSource {
  readonly deleted: boolean;
  readonly value: JsonObject;
  readonly metadata?: JsonObject;
}

const EMPTY_ROWS: FieldRows = new Map();

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class RowSink {
  readonly rows = new Map<string, FieldRow>();

  add(path: string, kind: FieldKind, value: number | string): void {
    const key = `${kind}\u0000${path}\u0000${value}`;
    if (!this.rows.has(key)) this.rows.set(key, { path, kind, value });
  }

  /** A scalar reached at `path` (directly or inside an array reached there). */
  scalar(path: string, value: string | number | boolean | null): void {
    if (value === null) this.add(path, FIELD_KIND.null, 0);
    else if (typeof value === 'string') this.add(path, FIELD_KIND.string, value);
    else if (typeof value === 'number') this.add(path, FIELD_KIND.number, value);
    else this.add(path, FIELD_KIND.boolean, value ? 1 : 0);
  }

  /** A value reached at `path`. */
  visit(path: string, value: JsonValue): void {
    if (Array.isArray(value)) {
      if (value.length === 0) this.add(path, FIELD_KIND.empty, 0);
      else if (this.#array(path, value) === 0) this.add(path, FIELD_KIND.opaque, 0);
    } else if (isObject(value)) {
      if (Object.keys(value).length === 0) this.add(path, FIELD_KIND.empty, 0);
      else if (this.#members(path, value) === 0) this.add(path, FIELD_KIND.opaque, 0);
    } else {
      this.scalar(path, value);
      if (value === null || value === '') this.add(path, FIELD_KIND.empty, 0);
    }
  }

  /** Enters an object: each addressable key continues the path. Returns how many keys it entered. */
  #members(path: string, obj: JsonObject): number {
    let entered = 0;
    for (const key of Object.keys(obj)) {
      const child = obj[key];
      if (child === undefined || key.includes('/')) continue;
      this.visit(`${path}/${key}`, child);
      entered++;
    }
    return entered;
  }

  /**
   * An array reached at `path`: its scalars at any depth are rows of `path`, its object elements
   * (first level only, as the evaluator walks) continue the path. Returns how many traces it left.
   */
  #array(path: string, array: readonly JsonValue[]): number {
    let traces = 0;
    for (const element of array) if (isObject(element)) traces += this.#members(path, element);
    // Iterative: nesting depth of arrays is bounded only by the JSON depth limit.
    const pending: JsonValue[] = [...array];
    while (pending.length > 0) {
      const value = pending.pop() as JsonValue;
      if (Array.isArray(value)) pending.push(...value);
      else if (!isObject(value)) {
        this.scalar(path, value);
        traces++;
      }
    }
    return traces;
  }
}

/** The index rows of a Thing. */
export function fieldRows(source: IndexSource): FieldRows {
  if (source.deleted) return EMPTY_ROWS;
  const sink = new RowSink();
  for (const key of Object.keys(source.value)) {
    const child = source.value[key];
    if (child === undefined || COLUMN_FIELDS.has(key) || key.includes('/')) continue;
    sink.visit(key, child);
  }
  if (source.metadata !== undefined) sink.visit(METADATA_ROOT, source.metadata);
  return sink.rows;
}

export interface FieldChanges {
  readonly removed: readonly FieldRow[];
  readonly added: readonly FieldRow[];
}

/** Rows to delete and rows to insert to go from `before` to `after` (disjoint by construction). */
export function fieldChanges(before: FieldRows, after: FieldRows): FieldChanges {
  if (before === after) return { removed: [], added: [] };
  const removed: FieldRow[] = [];
  const added: FieldRow[] = [];
  for (const [key, row] of before) if (!after.has(key)) removed.push(row);
  for (const [key, row] of after) if (!before.has(key)) added.push(row);
  return { removed, added };
}

/** The marker row an object leaves at its own path: empty (no keys), opaque (no addressable key). */
function objectMarker(obj: JsonObject): FieldKind | undefined {
  let keys = 0;
  for (const key of Object.keys(obj)) {
    keys++;
    if (obj[key] !== undefined && !key.includes('/')) return undefined;
  }
  return keys === 0 ? FIELD_KIND.empty : FIELD_KIND.opaque;
}

/**
 * Walks two versions of a Thing together. Rows of different keys of an object never coincide (their
 * paths differ in that key), so the diff of two objects is the diff of their own marker rows plus
 * the diffs of their members, and a member that is the same object in both versions has none.
 */
class RowDiff {
  readonly removed: FieldRow[] = [];
  readonly added: FieldRow[] = [];

  members(path: string | undefined, before: JsonObject, after: JsonObject, skip?: ReadonlySet<string>): void {
    const at = (key: string) => (path === undefined ? key : `${path}/${key}`);
    for (const key of Object.keys(before)) {
      if (key.includes('/') || skip?.has(key)) continue;
      this.node(at(key), before[key], Object.hasOwn(after, key) ? after[key] : undefined);
    }
    for (const key of Object.keys(after)) {
      if (key.includes('/') || skip?.has(key) || Object.hasOwn(before, key)) continue;
      this.node(at(key), undefined, after[key]);
    }
  }

  node(path: string, before: JsonValue | undefined, after: JsonValue | undefined): void {
    if (before === after) return;
    if (isObject(before) && isObject(after)) {
      const was = objectMarker(before);
      const is = objectMarker(after);
      if (was !== is) {
        if (was !== undefined) this.removed.push({ path, kind: was, value: 0 });
        if (is !== undefined) this.added.push({ path, kind: is, value: 0 });
      }
      this.members(path, before, after);
      return;
    }
    const { removed, added } = fieldChanges(this.#rows(path, before), this.#rows(path, after));
    this.removed.push(...removed);
    this.added.push(...added);
  }

  #rows(path: string, value: JsonValue | undefined): FieldRows {
    if (value === undefined) return EMPTY_ROWS;
    const sink = new RowSink();
    sink.visit(path, value);
    return sink.rows;
  }
}

/**
 * `fieldChanges(fieldRows(before), fieldRows(after))` without flattening either Thing: only the
 * parts that are not the same objects in both are compared. The Thing model changes a Thing by
 * copying the path to what changed and sharing the rest, so a write costs in proportion to what it
 * changed, and nothing has to be kept between writes. `before` undefined: a new Thing.
 */
export function fieldRowChanges(before: IndexSource | undefined, after: IndexSource): FieldChanges {
  if (before === undefined || before.deleted || after.deleted)
    return fieldChanges(before === undefined ? EMPTY_ROWS : fieldRows(before), fieldRows(after));
  const diff = new RowDiff();
  diff.members(undefined, before.value, after.value, COLUMN_FIELDS);
  diff.node(METADATA_ROOT, before.metadata, after.metadata);
  return diff;
}
