/**
 * @module The kinds of rows in the search index (`thing_fields`). Shared by both store adapters,
 * which write the rows, and by the search SQL compiler, which reads them; the numbers are stored,
 * so they never change meaning (bump SEARCH_INDEX_VERSION and rebuild instead).
 */

export const FIELD_KIND = {
  /** A JSON null reached at the path. */
  null: 0,
  number: 1,
  string: 2,
  /** value 0 = false, 1 = true, so that false < true in range queries. */
  boolean: 3,
  /** The value reached at the path is Ditto-empty: null, "", [] or {} (what `empty()` looks for). */
  empty: 4,
  /** Something is reached at the path that yields no other row at or below it (for `exists()`). */
  opaque: 5,
} as const;

export type FieldKind = (typeof FIELD_KIND)[keyof typeof FIELD_KIND];

/**
 * Version of the row format. An adapter that finds another version in its store rebuilds the
 * index from the stored Things when it opens.
 */
export const SEARCH_INDEX_VERSION = '1';

/** Top-level keys of a Thing that are columns of `things` (or special fields), never field rows. */
export const COLUMN_FIELDS: ReadonlySet<string> = new Set([
  'thingId',
  'policyId',
  '_namespace',
  '_revision',
  '_created',
  '_modified',
  '_metadata',
]);

/** Where metadata is indexed: Ditto's `_metadata/...` filter paths. */
export const METADATA_ROOT = '_metadata';

/**
 * The wildcard form of a concrete path (`features/lamp/properties/on` -> `features/* /properties/on`,
 * without the space), or undefined for paths outside features. `features/*` in a filter stands for
 * every feature, so the index keeps this form beside the path.
 */
export function wildcardPath(path: string): string | undefined {
  if (!path.startsWith('features/')) return undefined;
  const rest = path.indexOf('/', 'features/'.length);
  return rest < 0 ? 'features/*' : `features/*${path.slice(rest)}`;
}
