/**
 * @module The parameters of a search as an edge receives them (text), parsed and checked into a
 * request: filter and condition (RQL), namespaces, fields, and the options sort / size / cursor /
 * the deprecated limit, with Ditto's error codes for anything wrong.
 */
import {
  DittoError,
  FieldSelectorError,
  RqlSyntaxError,
  parseFieldSelector,
  parseRql,
  parseSearchOptions,
  type Pointer,
  type RqlNode,
  type SearchLimit,
  type SearchOptions,
} from '@egiz/core';
import { sortSource, type SortSpec } from './sql/sort-keys.js';

/** What an edge passes: the raw parameter values (query string or form body). */
export interface SearchParams {
  readonly filter?: string | undefined;
  readonly namespaces?: string | undefined;
  readonly fields?: string | undefined;
  readonly option?: string | undefined;
  /** Ditto's `condition`: a second filter on the current state, which here is the same state. */
  readonly condition?: string | undefined;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;
export const MAX_NAMESPACES = 100;

export interface SearchRequest {
  /** The filter text as given (a cursor remembers it), undefined when none. */
  readonly filterText: string | undefined;
  readonly filter: RqlNode | undefined;
  readonly condition: RqlNode | undefined;
  readonly namespaces: readonly string[] | undefined;
  readonly fields: readonly Pointer[] | undefined;
  /** The sort as given (without the thingId tie-breaker), undefined when none. */
  readonly sort: readonly SortSpec[] | undefined;
  readonly size: number | undefined;
  readonly cursor: string | undefined;
  readonly limit: SearchLimit | undefined;
}

export function optionError(message: string, description?: string): DittoError {
  return new DittoError(
    'thing-search:search.option.invalid',
    message,
    description === undefined ? {} : { description },
  );
}

function parseFilter(text: string | undefined, name: 'filter' | 'condition'): RqlNode | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return parseRql(text);
  } catch (e) {
    if (e instanceof RqlSyntaxError)
      throw new DittoError(
        'rql.expression.invalid',
        `The ${name} is not a valid RQL expression: ${e.message}`,
      );
    throw e;
  }
}

export function parseNamespaces(text: string | undefined): readonly string[] | undefined {
  if (text === undefined) return undefined;
  const list = [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
  if (list.length === 0) return undefined;
  if (list.length > MAX_NAMESPACES)
    throw new DittoError(
      'thing-search:search.namespaces.invalid',
      `The search names ${list.length} namespaces; at most ${MAX_NAMESPACES} are allowed.`,
    );
  return list;
}

function parseFields(text: string | undefined): readonly Pointer[] | undefined {
  if (text === undefined || text === '') return undefined;
  try {
    return parseFieldSelector(text);
  } catch (e) {
    if (e instanceof FieldSelectorError)
      throw new DittoError(
        'json.fieldselector.invalid',
        `The field selector <${text}> is not valid: ${e.message}.`,
      );
    throw e;
  }
}

export function parseSort(entries: SearchOptions['sort']): readonly SortSpec[] | undefined {
  if (entries === undefined) return undefined;
  return entries.map((entry) => {
    const source = sortSource(entry.property);
    if (source === undefined)
      throw optionError(
        `The sort property '${entry.property}' is not supported: a wildcard cannot be sorted by.`,
      );
    return { property: entry.property, direction: entry.direction, source };
  });
}

function parseOptions(text: string | undefined): SearchOptions {
  if (text === undefined || text.trim() === '') return {};
  try {
    return parseSearchOptions(text.trim());
  } catch (e) {
    if (e instanceof RqlSyntaxError) throw optionError(`The option is not valid: ${e.message}`);
    throw e;
  }
}

/** Parses everything a page of search results needs. */
export function parseSearchRequest(params: SearchParams): SearchRequest {
  const filter = parseFilter(params.filter, 'filter');
  const condition = parseFilter(params.condition, 'condition');
  const options = parseOptions(params.option);
  if (options.size !== undefined && (options.size < 1 || options.size > MAX_PAGE_SIZE))
    throw optionError(`The option 'size' must be between 1 and ${MAX_PAGE_SIZE}, not ${options.size}.`);
  if (options.limit !== undefined) {
    if (options.limit.count > MAX_PAGE_SIZE)
      throw optionError(`The count of 'limit' must not be larger than ${MAX_PAGE_SIZE}.`);
    if (options.size !== undefined || options.cursor !== undefined)
      throw optionError(
        "The option 'limit' must not be combined with 'size' or 'cursor'.",
        "The options 'cursor' and 'limit' must not be used together.",
      );
  }
  return {
    filterText: filter === undefined ? undefined : params.filter,
    filter,
    condition,
    namespaces: parseNamespaces(params.namespaces),
    fields: parseFields(params.fields),
    sort: parseSort(options.sort),
    size: options.size,
    cursor: options.cursor,
    limit: options.limit,
  };
}

/** Parses what a count needs (options do not apply to counts, as in Ditto). */
export function parseCountRequest(
  params: SearchParams,
): Pick<SearchRequest, 'filter' | 'condition' | 'namespaces'> {
  return {
    filter: parseFilter(params.filter, 'filter'),
    condition: parseFilter(params.condition, 'condition'),
    namespaces: parseNamespaces(params.namespaces),
  };
}

/**
 * Parses a streaming search (SSE, the search protocol): like a page, but `cursor` and `limit` are
 * refused because the stream pages by itself; `size` is kept (the search protocol's page size).
 */
export function parseStreamRequest(params: SearchParams): SearchRequest {
  const request = parseSearchRequest(params);
  if (request.cursor !== undefined || request.limit !== undefined)
    throw optionError(
      "The options 'cursor' and 'limit' do not apply to a streaming search.",
      "A stream sends every result; use 'sort' and 'size' only.",
    );
  return request;
}
