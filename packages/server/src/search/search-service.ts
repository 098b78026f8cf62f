/**
 * @module The search: pages and counts of the Things a caller may read, read through the store port.
 *
 * Two ordered streams are merged:
 * - Things the caller reads in full, filtered, ordered and paged in SQL (the fast, common case);
 * - Things the caller reads only partly, narrowed in SQL and then checked in memory on the caller's
 *   view (Enforcer.view), so a filter on a path the caller cannot read never matches.
 * Both are ordered the same way (sort-keys.ts), so pages are always full and counts exact, unlike a
 * search that drops unreadable hits after paging.
 */
import { compileRqlPredicate, type Enforcer, type JsonObject, type RqlNode } from '@egiz/core';
import type { AuthContext } from '../dispatch/auth-context.js';
import type { Store } from '../store/port.js';
import { isMonotoneFilter } from './monotone-filter.js';
import { CursorCodec, cursorFilter, filterHash, type CursorState } from './search-cursor.js';
import { itemOf, viewedThing, wholeThing, type ReadableThing } from './search-items.js';
import {
  DEFAULT_PAGE_SIZE,
  optionError,
  parseCountRequest,
  parseSearchRequest,
  parseSort,
  type SearchParams,
  type SearchRequest,
} from './search-request.js';
import { searchDialect } from './sql/dialects.js';
import type { SearchDialect, ThingRow } from './sql/search-dialect.js';
import {
  countQuery,
  pageQuery,
  readerProbeOf,
  readerProbeQuery,
  type ReaderProbe,
  type SelectionSpec,
} from './sql/search-sql.js';
import {
  comparePositions,
  sortValueOf,
  withTieBreaker,
  type SortSpec,
  type SortValue,
} from './sql/sort-keys.js';

export interface SearchServiceDeps {
  readonly store: Store;
  readonly clock: () => Date;
  /** The Enforcer of a Policy as it applies to Things of a namespace (PolicyEnforcers.enforcer). */
  readonly enforcer: (policyId: string, namespace: string) => Promise<Enforcer | undefined>;
}

/** Ditto's search result: `cursor` with size/cursor paging, `nextPageOffset` with limit paging. */
export interface SearchResult {
  readonly items: JsonObject[];
  readonly cursor?: string;
  readonly nextPageOffset?: number;
}

/** Rows fetched per round trip from a stream that may be filtered further in memory. */
const CHUNK = 200;
/** Most rows fetched in one round trip (deep `limit` offsets take several). */
const MAX_CHUNK = 1000;
/** Reader probes kept (distinct callers and namespace selections), the oldest forgotten first. */
const MAX_PROBES = 10_000;

interface Found {
  readonly position: readonly SortValue[];
  readonly readable: ReadableThing;
}

interface Plan {
  readonly selection: Omit<SelectionSpec, 'visibility' | 'filter' | 'revokes' | 'sets'>;
  readonly filter: RqlNode | undefined;
  readonly sort: readonly SortSpec[];
  readonly subjects: readonly string[];
  readonly now: Date;
}

function combine(filter: RqlNode | undefined, condition: RqlNode | undefined): RqlNode | undefined {
  if (filter === undefined) return condition;
  if (condition === undefined) return filter;
  return Object.freeze({ kind: 'and', children: Object.freeze([filter, condition]) as [RqlNode, RqlNode] });
}

function sameSort(a: readonly { property: string; direction: string }[], b: readonly SortSpec[]): boolean {
  return (
    a.length === b.length &&
    a.every((e, i) => e.property === b[i]?.property && e.direction === b[i]?.direction)
  );
}

export class SearchService {
  readonly #store: Store;
  readonly #clock: () => Date;
  readonly #enforcer: SearchServiceDeps['enforcer'];
  readonly #dialect: SearchDialect;
  #codec: Promise<CursorCodec> | undefined;
  /** Reader probes by (subjects, namespaces), valid for one Store.readersVersion. */
  #probes: { version: number; answers: Map<string, ReaderProbe> } = { version: -1, answers: new Map() };

  constructor(deps: SearchServiceDeps) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#enforcer = deps.enforcer;
    this.#dialect = searchDialect(deps.store.dialect);
  }

  /** The cursor secret is read from the store once, on first use (the store is open by then). */
  #cursors(): Promise<CursorCodec> {
    this.#codec ??= this.#store.secret('search-cursor').then(
      (secret) => new CursorCodec(secret),
      (e: unknown) => {
        this.#codec = undefined;
        throw e;
      },
    );
    return this.#codec;
  }

  async search(params: SearchParams, auth: AuthContext): Promise<SearchResult> {
    let request = parseSearchRequest(params);
    let position: readonly SortValue[] | undefined;
    if (request.cursor !== undefined) {
      const state = (await this.#cursors()).decode(request.cursor);
      request = this.#resume(request, state);
      position = state.position;
    }
    const sort = withTieBreaker(request.sort ?? []);
    if (position !== undefined && position.length !== sort.length)
      throw optionError(
        "The option 'cursor' is not valid for the search request.",
        'The cursor is malformed.',
      );
    const plan = this.#plan(request, sort, auth);
    const offset = request.limit?.offset ?? 0;
    const size = request.limit?.count ?? request.size ?? DEFAULT_PAGE_SIZE;
    const page: Found[] = [];
    let skipped = 0;
    let more = false;
    for await (const found of this.#found(plan, position, offset + size + 1)) {
      if (skipped < offset) {
        skipped++;
        continue;
      }
      if (page.length === size) {
        more = true;
        break;
      }
      page.push(found);
    }
    const items = page.map((f) => itemOf(f.readable, request.fields));
    if (request.limit !== undefined) return { items, nextPageOffset: more ? offset + size : -1 };
    const last = page[page.length - 1];
    const cursor =
      more && last !== undefined
        ? (await this.#cursors()).encode({
            filter: cursorFilter(request.filterText),
            namespaces: request.namespaces,
            sort: request.sort ?? [],
            position: last.position,
          })
        : undefined;
    // Without size or cursor Ditto also answers the offset of the next page (-1 on the last one).
    const plain = request.size === undefined && request.cursor === undefined;
    return {
      items,
      ...(cursor === undefined ? {} : { cursor }),
      ...(plain ? { nextPageOffset: more ? size : -1 } : {}),
    };
  }

  async count(params: SearchParams, auth: AuthContext): Promise<number> {
    const request = parseCountRequest(params);
    const plan = this.#plan({ ...request, sort: undefined }, withTieBreaker([]), auth);
    if (plan.subjects.length === 0) return 0;
    const probe = await this.#probe(plan);
    const [row] = await this.#store.search(
      countQuery(this.#dialect, {
        ...plan.selection,
        visibility: 'full',
        revokes: probe.revokes,
        sets: probe.sets,
        filter: plan.filter,
      }),
    );
    let n = Number(row?.n ?? 0);
    if (probe.partial) for await (const _ of this.#partial(plan, probe, undefined, CHUNK)) n++;
    return n;
  }

  /**
   * Every matching Thing in order, as items (streaming: SSE and the search protocol), fetched in
   * chunks as the consumer pulls. Paging options (`cursor`, `limit`) do not apply; `size` only sets
   * how many are fetched at a time. `after` continues after a position (resumePosition).
   */
  async *stream(
    request: SearchRequest,
    auth: AuthContext,
    after?: readonly SortValue[],
  ): AsyncGenerator<{ readonly thingId: string; readonly item: JsonObject }> {
    const sort = withTieBreaker(request.sort ?? []);
    const plan = this.#plan(request, sort, auth);
    const chunk = Math.max(request.size ?? DEFAULT_PAGE_SIZE, CHUNK);
    for await (const found of this.#found(plan, after, chunk))
      yield { thingId: found.readable.thing.thingId as string, item: itemOf(found.readable, request.fields) };
  }

  /**
   * The position of a Thing in the order of a streaming request (SSE `Last-Event-ID`): by its current
   * sort values, as the caller sees it; undefined when the caller cannot find that Thing.
   */
  async resumePosition(
    request: SearchRequest,
    auth: AuthContext,
    thingId: string,
  ): Promise<readonly SortValue[] | undefined> {
    const sort = withTieBreaker(request.sort ?? []);
    const byId: RqlNode = Object.freeze({ kind: 'eq', property: 'thingId', value: thingId });
    const plan = this.#plan({ ...request, filter: byId, condition: undefined }, sort, auth);
    for await (const found of this.#found(plan, undefined, 1)) return found.position;
    return undefined;
  }

  /** A request that continues a cursor: filter, namespaces and sort come from the cursor. */
  #resume(request: SearchRequest, state: CursorState): SearchRequest {
    const invalid = (why: string) =>
      optionError("The option 'cursor' is not valid for the search request.", why);
    let filterText = request.filterText;
    if (filterText !== undefined) {
      const same =
        state.filter !== undefined &&
        ('text' in state.filter
          ? state.filter.text === filterText
          : state.filter.hash === filterHash(filterText));
      if (!same)
        throw invalid("The parameter 'filter' must not differ from the original query of the cursor.");
    } else if (state.filter !== undefined) {
      if (!('text' in state.filter))
        throw invalid("The cursor belongs to a long filter: send the same 'filter' with it.");
      filterText = state.filter.text;
    }
    if (request.sort !== undefined && !sameSort(state.sort, request.sort))
      throw invalid("The option 'sort' must not differ from the original query of the cursor.");
    const resumed = parseSearchRequest({ filter: filterText });
    return {
      ...request,
      filterText,
      filter: resumed.filter,
      namespaces: state.namespaces,
      sort: parseSort(state.sort.length === 0 ? undefined : state.sort),
    };
  }

  #plan(
    request: Pick<SearchRequest, 'filter' | 'condition' | 'namespaces' | 'sort'>,
    sort: readonly SortSpec[],
    auth: AuthContext,
  ): Plan {
    const now = this.#clock();
    return {
      selection: { namespaces: request.namespaces, subjects: auth.subjects, now },
      filter: combine(request.filter, request.condition),
      sort,
      subjects: auth.subjects,
      now,
    };
  }

  /**
   * What the caller's subjects do across all policies: a few index seeks (readerProbeQuery). Where
   * the store tells when reader rows change (Store.readersVersion), the answer is kept until they do.
   */
  async #probe(plan: Plan): Promise<ReaderProbe> {
    const version = this.#store.readersVersion?.();
    if (version === undefined) return this.#probeNow(plan);
    if (this.#probes.version !== version) this.#probes = { version, answers: new Map() };
    const key = JSON.stringify([plan.subjects, plan.selection.namespaces ?? null]);
    const known = this.#probes.answers.get(key);
    if (known !== undefined) return known;
    const probe = await this.#probeNow(plan);
    // Kept only while the version read before the query holds: a commit meanwhile may have moved on.
    if (this.#probes.version === version && this.#store.readersVersion?.() === version) {
      const { answers } = this.#probes;
      if (answers.size >= MAX_PROBES) answers.delete(answers.keys().next().value as string);
      answers.set(key, probe);
    }
    return probe;
  }

  async #probeNow(plan: Plan): Promise<ReaderProbe> {
    const [row] = await this.#store.search(
      readerProbeQuery(this.#dialect, plan.subjects, plan.selection.namespaces),
    );
    return readerProbeOf(row);
  }

  /** Matching Things in order after `position`, both streams merged. */
  async *#found(
    plan: Plan,
    position: readonly SortValue[] | undefined,
    wanted: number,
  ): AsyncGenerator<Found> {
    if (plan.subjects.length === 0) return;
    const probe = await this.#probe(plan);
    const full = this.#full(plan, probe, position, Math.min(wanted, MAX_CHUNK));
    if (!probe.partial) {
      yield* full;
      return;
    }
    const partial = this.#partial(plan, probe, position, CHUNK);
    let a = await full.next();
    let b = await partial.next();
    while (!a.done || !b.done) {
      if (b.done || (!a.done && comparePositions(plan.sort, a.value.position, b.value.position) <= 0)) {
        yield a.value as Found;
        a = await full.next();
      } else {
        yield b.value;
        b = await partial.next();
      }
    }
  }

  async *#rows(
    plan: Plan,
    spec: Pick<SelectionSpec, 'visibility' | 'filter' | 'revokes' | 'sets'>,
    position: readonly SortValue[] | undefined,
    chunk: number,
  ): AsyncGenerator<{ row: ThingRow; position: readonly SortValue[] }> {
    let after = position;
    for (;;) {
      const rows = await this.#store.search(
        pageQuery(this.#dialect, { ...plan.selection, ...spec, sort: plan.sort, after, limit: chunk }),
      );
      for (const raw of rows) {
        const row = this.#dialect.decodeRow(raw);
        after = plan.sort.map((s) => sortValueOf(row, s.source));
        yield { row, position: after };
      }
      if (rows.length < chunk) return;
    }
  }

  async *#full(
    plan: Plan,
    probe: ReaderProbe,
    position: readonly SortValue[] | undefined,
    chunk: number,
  ): AsyncGenerator<Found> {
    for await (const { row, position: at } of this.#rows(
      plan,
      {
        visibility: 'full',
        revokes: probe.revokes,
        sets: probe.sets,
        filter: plan.filter,
      },
      position,
      chunk,
    ))
      yield { position: at, readable: wholeThing(row) };
  }

  async *#partial(
    plan: Plan,
    probe: ReaderProbe,
    position: readonly SortValue[] | undefined,
    chunk: number,
  ): AsyncGenerator<Found> {
    // A filter that can only lose matches on a view may narrow the candidates in SQL.
    const prefilter = plan.filter !== undefined && isMonotoneFilter(plan.filter) ? plan.filter : undefined;
    const matches =
      plan.filter === undefined ? () => true : compileRqlPredicate(plan.filter, { now: () => plan.now });
    const enforcers = new Map<string, Promise<Enforcer | undefined>>();
    for await (const { row, position: at } of this.#rows(
      plan,
      { visibility: 'partial', revokes: probe.revokes, filter: prefilter },
      position,
      chunk,
    )) {
      if (row.policyId === null) continue;
      const key = `${row.policyId}\u0000${row.namespace}`;
      let enforcer = enforcers.get(key);
      if (enforcer === undefined) {
        enforcer = this.#enforcer(row.policyId, row.namespace);
        enforcers.set(key, enforcer);
      }
      const resolved = await enforcer;
      const readable = resolved ? viewedThing(row, resolved, plan.subjects) : undefined;
      if (readable !== undefined && matches(readable.target)) yield { position: at, readable };
    }
  }
}
