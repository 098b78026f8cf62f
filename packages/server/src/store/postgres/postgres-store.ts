/**
 * @module The scale-out store on PostgreSQL (pg Pool): many stateless Egiz nodes share it, so every
 * write is guarded by optimistic concurrency on the entity revision (DESIGN.md §6). A batch costs one
 * round trip when each entity appears once in it (see statements.ts), and one transaction always.
 */
import { randomBytes } from 'node:crypto';
// Types only: pg itself is loaded by open(), so a process on the embedded store never loads it.
import type { DatabaseError, Pool, PoolClient, QueryConfig, QueryResultRow } from 'pg';
import type { JsonObject, JsonValue } from '@egiz/core';
import type {
  CommitResult,
  EntityKind,
  EntityRecord,
  JournalEntry,
  JournalQuery,
  Mutation,
  PolicyImportLink,
  ReaderPair,
  SearchQuery,
  SearchRow,
  Store,
} from '../port.js';
import { commitRounds, type IndexedMutation } from './commit-rounds.js';
import { hasUnstorableText } from './jsonb-text.js';
import { namespacePatternRanges } from '../search-index/index-columns.js';
import { policyImportRows } from '../search-index/policy-imports.js';
import { PostgresSearchIndex } from './search-index.js';
import { SCHEMA_LOCK_KEY, postgresSchema } from './schema.js';
import { statements, type Statements } from './statements.js';

export interface PostgresStoreOptions {
  readonly connectionString: string;
  /** Schema holding the tables, created if missing; default: the connection's search_path. */
  readonly schema?: string;
  /** Connections in the pool; default 10. */
  readonly poolSize?: number;
}

interface Row {
  id: string;
  /** int8 arrives as a string: pg does not guess whether it fits a JS number. */
  revision: string;
  deleted: boolean;
  created: string;
  modified: string;
  value: JsonObject;
  metadata: JsonObject | null;
}

interface JournalRow {
  kind: string;
  id: string;
  revision: string;
  ts: string;
  type: string;
  payload: JsonValue;
}

/** Deadlock and serialisation failure: the transaction was rolled back whole, so a rerun is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;
const PING_TIMEOUT_MS = 5_000;

function toRecord(kind: EntityKind, row: Row): EntityRecord {
  return {
    kind,
    id: row.id,
    revision: Number(row.revision),
    deleted: row.deleted,
    created: row.created,
    modified: row.modified,
    value: row.value,
    ...(row.metadata ? { metadata: row.metadata } : {}),
  };
}

function toEntry(row: JournalRow): JournalEntry {
  return {
    kind: row.kind as EntityKind,
    id: row.id,
    revision: Number(row.revision),
    timestamp: row.ts,
    type: row.type,
    payload: row.payload,
  };
}

/** A round as the eight jsonb parameters of the commit statement (see statements.ts). */
function roundParams(round: readonly IndexedMutation[], index: PostgresSearchIndex): string[] {
  const rows: unknown[] = [];
  const events: unknown[] = [];
  const fields: unknown[] = [];
  const readerPairs: unknown[] = [];
  const readers: unknown[] = [];
  const imports: unknown[] = [];
  // Maps, not object literals: an id such as `__proto__` must become a key like any other.
  const positions: Record<EntityKind, Map<string, number>> = { thing: new Map(), policy: new Map() };
  round.forEach(({ mutation: { next, expectedRevision, events: journal, readers: pairs } }, p) => {
    const { kind, id, revision, deleted, created, modified, value, metadata } = next;
    rows.push({
      p,
      kind,
      id,
      expected: expectedRevision,
      revision,
      deleted,
      created,
      modified,
      value,
      metadata,
      ...(kind === 'thing' ? index.columns(next) : {}),
    });
    if (kind === 'thing') fields.push(...index.fieldParams(p, next));
    else for (const [imported, via] of policyImportRows(next)) imports.push({ p, imported, via });
    for (const entry of pairs ?? []) {
      readerPairs.push({ p, policy_id: entry.policyId, namespace: entry.namespace });
      readers.push(...index.readerParams(p, entry));
    }
    events.push(
      journal.map((e) => ({
        kind: e.kind,
        id: e.id,
        revision: e.revision,
        ts: e.timestamp,
        type: e.type,
        payload: e.payload,
      })),
    );
    positions[kind].set(id, p);
  });
  const params = [
    rows,
    events,
    Object.fromEntries(positions.thing),
    Object.fromEntries(positions.policy),
    fields,
    readerPairs,
    readers,
    imports,
  ].map((x) => JSON.stringify(x));
  if (params.some(hasUnstorableText)) {
    const bad = round.find(({ mutation }) => hasUnstorableText(JSON.stringify(mutation)));
    const what = bad ? `${bad.mutation.next.kind} '${bad.mutation.next.id}'` : 'the batch';
    throw new Error(`${what} contains U+0000 or an unpaired surrogate, which PostgreSQL cannot store`);
  }
  return params;
}

/** Startup `options` split on spaces; a backslash keeps a space (or a backslash) in the value. */
const startupValue = (value: string): string => value.replace(/[\\ ]/g, '\\$&');

const limitOrAll = (limit: number | undefined): number | null =>
  limit === undefined || limit < 0 ? null : limit;

/** Most distinct search statements prepared on each connection (see PostgresStore.#prepared). */
const MAX_PREPARED_SEARCHES = 256;

/** A quoted SQL identifier, as pg's escapeIdentifier makes it (double quotes doubled). */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly #options: PostgresStoreOptions;
  readonly #prefix: string;
  readonly #sql: Statements;
  readonly #index: PostgresSearchIndex;
  #pool: Pool | undefined;
  /** pg's class of errors reported by the server (set by open()). */
  #databaseError: typeof DatabaseError | undefined;
  /**
   * Names of the search statements prepared on the server (per connection, by pg). Planning a search
   * costs more than running an indexed one (~0.4 ms against ~0.05 ms), so each SQL shape the compiler
   * produces is prepared once per connection; the number of names is capped, so a client inventing
   * ever new filter shapes cannot grow the server's statement caches without bound.
   */
  readonly #prepared = new Map<string, string>();

  constructor(options: PostgresStoreOptions) {
    this.#options = options;
    this.#prefix = options.schema === undefined ? '' : `${quoteIdentifier(options.schema)}.`;
    this.#sql = statements(this.#prefix);
    this.#index = new PostgresSearchIndex(this.#prefix, this.#sql);
  }

  /** The pool, for dialect-specific readers (search); they see the store's schema on their search_path. */
  get pool(): Pool {
    if (!this.#pool) throw new Error('store is not open');
    return this.#pool;
  }

  async open(): Promise<void> {
    if (this.#pool) return;
    const { schema } = this.#options;
    const { Pool, DatabaseError } = await import('pg');
    this.#databaseError = DatabaseError;
    const pool = new Pool({
      connectionString: this.#options.connectionString,
      max: this.#options.poolSize ?? 10,
      // In the startup packet rather than a SET on 'connect': no extra round trip, no query racing
      // the first one. The store's own SQL is schema-qualified; this is for readers of `pool`.
      ...(schema === undefined
        ? {}
        : { options: `-c search_path=${startupValue(quoteIdentifier(schema))},public` }),
    });
    // An idle connection that dies emits 'error' on the pool, which would crash the process if
    // unheard; the pool drops that client and the next query connects afresh (ping() reports it).
    pool.on('error', () => undefined);
    try {
      await this.#createSchema(pool, schema);
    } catch (e) {
      await pool.end();
      throw e;
    }
    this.#pool = pool;
  }

  /** CREATE ... IF NOT EXISTS still races with itself across processes, hence the advisory lock. */
  async #createSchema(pool: Pool, schema: string | undefined): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
      if (schema !== undefined) {
        // Checked first: CREATE SCHEMA IF NOT EXISTS demands the CREATE privilege even when the
        // schema exists, and a DBA may well have made it for a user who lacks that privilege.
        const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
        if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
      }
      for (const ddl of postgresSchema(this.#prefix)) await client.query(ddl);
      // Under the same lock: one process rebuilds, the others find it done.
      await this.#index.rebuildIfOutdated(client);
      await this.#index.fillImportsIfMissing(client);
      await client.query('COMMIT');
      client.release();
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      throw e;
    }
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }

  async ping(): Promise<boolean> {
    const pool = this.#pool;
    if (!pool) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    });
    try {
      const answer = pool.query('SELECT 1').then(
        () => true,
        () => false,
      );
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #query<R extends QueryResultRow>(
    query: QueryConfig | string,
    values?: readonly unknown[],
  ): Promise<R[]> {
    const result =
      typeof query === 'string'
        ? await this.pool.query<R>(query, values as unknown[])
        : await this.pool.query<R>(query);
    return result.rows;
  }

  async get(kind: EntityKind, id: string): Promise<EntityRecord | undefined> {
    const [row] = await this.#query<Row>(this.#sql.get[kind], [id]);
    return row ? toRecord(kind, row) : undefined;
  }

  async getMany(kind: EntityKind, ids: readonly string[]): Promise<EntityRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.#query<Row>(this.#sql.getMany[kind], [[...new Set(ids)]]);
    return rows.map((row) => toRecord(kind, row));
  }

  async commit(mutations: readonly Mutation[]): Promise<CommitResult> {
    if (mutations.length === 0) return { conflicts: [] };
    const rounds = commitRounds(mutations);
    // New paths get their ids first (in their own statement: a path id is harmless if the batch fails).
    await this.#index.internPaths(this.pool, mutations);
    // Serialised (and checked) before any connection is taken: a bad value fails fast, writes nothing.
    const params = rounds.map((round) => roundParams(round, this.#index));
    for (let attempt = 1; ; attempt++) {
      try {
        const [only] = params;
        const positions =
          params.length === 1 && only ? [await this.#commitOne(only)] : await this.#commitMany(params);
        const applied = new Set(positions.flatMap((ps, r) => ps.map((p) => rounds[r]?.[p]?.index)));
        return { conflicts: mutations.flatMap((_, index) => (applied.has(index) ? [] : [index])) };
      } catch (e) {
        const serverError = this.#databaseError !== undefined && e instanceof this.#databaseError;
        if (attempt >= MAX_ATTEMPTS || !serverError || !RETRYABLE.has(e.code ?? '')) throw e;
      }
    }
  }

  #round(values: readonly string[]): QueryConfig {
    // Named: each connection parses and plans the commit statement once, not per batch.
    return { name: 'egiz-store-commit', text: this.#sql.commit, values: [...values] };
  }

  /** The common case: one statement is its own transaction, so no BEGIN/COMMIT round trips. */
  async #commitOne(values: readonly string[]): Promise<number[]> {
    const rows = await this.#query<{ p: number }>(this.#round(values));
    return rows.map((r) => r.p);
  }

  /** Positions applied per round; the rounds share one transaction, so a failure undoes them all. */
  async #commitMany(params: readonly (readonly string[])[]): Promise<number[][]> {
    const client: PoolClient = await this.pool.connect();
    const applied: number[][] = [];
    try {
      await client.query('BEGIN');
      for (const values of params) {
        const { rows } = await client.query<{ p: number }>(this.#round(values));
        applied.push(rows.map((r) => r.p));
      }
      await client.query('COMMIT');
      client.release();
      return applied;
    } catch (e) {
      // A client whose rollback fails is in an unknown state: destroy it rather than pool it.
      const clean = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!clean);
      throw e;
    }
  }

  async journal(kind: EntityKind, id: string, q: JournalQuery = {}): Promise<JournalEntry[]> {
    const rows = await this.#query<JournalRow>(this.#sql.journal, [
      kind,
      id,
      q.fromRevision ?? 0,
      q.toRevision ?? Number.MAX_SAFE_INTEGER,
      q.toTimestamp ?? null,
      limitOrAll(q.limit),
    ]);
    return rows.map(toEntry);
  }

  async count(kind: EntityKind): Promise<number> {
    const [row] = await this.#query<{ n: string }>(this.#sql.count[kind]);
    return Number(row?.n ?? 0);
  }

  async listIds(kind: EntityKind, after: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.#query<{ id: string }>(this.#sql.listIds[kind], [after ?? '', limitOrAll(limit)]);
    return rows.map((r) => r.id);
  }

  async search(query: SearchQuery): Promise<SearchRow[]> {
    let name = this.#prepared.get(query.sql);
    if (
      name === undefined &&
      this.#prepared.size < MAX_PREPARED_SEARCHES &&
      !/^\s*(EXPLAIN|ANALYZE)\b/i.test(query.sql)
    ) {
      name = `egiz_search_${this.#prepared.size + 1}`;
      this.#prepared.set(query.sql, name);
    }
    if (name === undefined) return this.#query<SearchRow>(query.sql, query.params);
    return this.#query<SearchRow>({ name, text: query.sql, values: [...query.params] });
  }

  async readerPairs(policyIds: readonly string[]): Promise<ReaderPair[]> {
    if (policyIds.length === 0) return [];
    const rows = await this.#query<{ policy_id: string; namespace: string }>(this.#sql.readerPairs, [
      [...new Set(policyIds)],
    ]);
    return rows.map((r) => ({ policyId: r.policy_id, namespace: r.namespace }));
  }

  async readerPairsIn(patterns: readonly string[]): Promise<ReaderPair[]> {
    if (patterns.length === 0) return [];
    const ranges = [...new Set(patterns)].map(namespacePatternRanges);
    const rows = await this.#query<{ policy_id: string; namespace: string }>(this.#sql.readerPairsIn, [
      ranges.map((r) => r.ids[0]),
      ranges.map((r) => r.ids[1]),
      ranges.map((r) => r.namespaces[0]),
      ranges.map((r) => r.namespaces[1]),
    ]);
    return rows.map((r) => ({ policyId: r.policy_id, namespace: r.namespace }));
  }

  async policyImportLinks(keys: readonly Omit<PolicyImportLink, 'importer'>[]): Promise<PolicyImportLink[]> {
    if (keys.length === 0) return [];
    return this.#query<PolicyImportLink>(this.#sql.policyImportLinks, [
      keys.map((k) => k.imported),
      keys.map((k) => k.via),
    ]);
  }

  async secret(name: string): Promise<Uint8Array> {
    const key = `secret:${name}`;
    await this.#query(this.#sql.putMeta, [key, randomBytes(32).toString('base64')]);
    const [row] = await this.#query<{ value: string }>(this.#sql.getMeta, [key]);
    if (!row) throw new Error(`secret '${name}' could not be stored`);
    return new Uint8Array(Buffer.from(row.value, 'base64'));
  }
}
