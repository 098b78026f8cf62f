/**
 * @module Where an RQL property lives in the store: a column of `things` (the special fields), field
 * rows of the index under a concrete or wildcard path, or nowhere (a path below a scalar special
 * field, which reaches nothing, exactly as in the evaluator).
 */
import { rqlPropertySegments } from '@egiz/core';
import { METADATA_ROOT } from '../../store/search-index/field-kinds.js';

export type ColumnName = 'id' | 'namespace' | 'policy_id' | 'revision' | 'created' | 'modified';

export type PropertyTarget =
  | {
      readonly kind: 'column';
      readonly column: ColumnName;
      readonly type: 'string' | 'number';
      /** Absent value (a Thing without policyId) reads as NULL and counts as "not reached". */
      readonly nullable: boolean;
    }
  | {
      readonly kind: 'field';
      /** Slash-joined segments; `features/*` stays literal when `wildcard`. */
      readonly path: string;
      readonly wildcard: boolean;
      /** Where the value lives in the row, for sorting: the Thing JSON or its metadata. */
      readonly json: 'value' | 'metadata';
      /** Segments below `json`. */
      readonly segments: readonly string[];
    }
  | { readonly kind: 'nothing' };

const COLUMNS: Readonly<Record<string, Omit<Extract<PropertyTarget, { kind: 'column' }>, 'kind'>>> = {
  thingId: { column: 'id', type: 'string', nullable: false },
  _namespace: { column: 'namespace', type: 'string', nullable: false },
  policyId: { column: 'policy_id', type: 'string', nullable: true },
  _revision: { column: 'revision', type: 'number', nullable: false },
  _created: { column: 'created', type: 'string', nullable: false },
  _modified: { column: 'modified', type: 'string', nullable: false },
};

export function propertyTarget(property: string): PropertyTarget {
  const segments = rqlPropertySegments(property);
  const first = segments[0] as string;
  const column = Object.hasOwn(COLUMNS, first) ? COLUMNS[first] : undefined;
  if (column !== undefined)
    return segments.length === 1 ? { kind: 'column', ...column } : { kind: 'nothing' };
  const metadata = first === METADATA_ROOT;
  return {
    kind: 'field',
    path: segments.join('/'),
    wildcard: segments.length > 1 && first === 'features' && segments[1] === '*',
    json: metadata ? 'metadata' : 'value',
    segments: metadata ? segments.slice(1) : segments,
  };
}
