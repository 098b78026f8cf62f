/**
 * @module The embedded store on better-sqlite3: one file, WAL mode, one transaction per batch.
 * better-sqlite3 is synchronous; a batch of mutations costs one fsync (synchronous=FULL) however many
 * twins it carries, which is what makes group commit pay off.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { JsonObject, JsonValue } from '@egiz/core';
import type {
  CommitResult,
  EntityKind,
  EntityRecord,
  JournalEntry,
  JournalQuery,
  Mutation,
  SearchQuery,
  SearchRow,
  Store,
} from '../port.js';
import { ILIKE_FUNCTION, ilikeMatches } from '../search-index/case-folding.js';
import { SqliteSearchIndex } from './search-index.js';
import { SQLITE_MIGRATE_THINGS, SQLITE_SCHEMA, SQLITE_THINGS_INDEXES } from './schema.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests of pure logic. */
  readonly path: string;
  /** FULL survives power loss, NORMAL survives a process crash; default FULL. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

interface Row {
  tid?: number;
  id: string;
  revision: number;
  deleted: number;
  created: string;
  modified: string;
  value: string;
  metadata: string | null;
}

interface JournalRow {
  kind: string;
  id: string;
  revision: number;
  ts: string;
  type: string;
  payload: string;
}

const TABLE: Record<EntityKind, string> = { thing: 'things', policy: 'policies' };

function toRecord(kind: EntityKind, row: Row): EntityRecord {
  return {
    kind,
    id: row.id,
    revision: row.revision,
    deleted: row.deleted === 1,
    created: row.created,
    modified: row.modified,
    value: JSON.parse(row.value) as JsonObject,
    ...(row.metadata ? { metadata: JSON.parse(row.metadata) as JsonObject } : {}),
  };
}

function toEntry(row: JournalRow): JournalEntry {
  return {
    kind: row.kind as EntityKind,
    id: row.id,
    revision: row.revision,
    timestamp: row.ts,
    type: row.type,
    payload: JSON.parse(row.payload) as JsonValue,
  };
}

type Statements = ReturnType<typeof prepare>;

/**
 * Runs a synchronous step as a promise: callers of an async port must see a rejection (for instance
 * "store is not open"), never a synchronous throw that escapes their `.catch()`.
 */
function settle<T>(step: () => T): Promise<T> {
  try {
    return Promise.resolve(step());
  } catch (e) {
    return Promise.reject(e instanceof Error ? e : new Error(String(e)));
  }
}

/** Search columns of a `things` row; policies have none. */
type SearchColumns = [namespace: string | null, policyId: string | null];

function prepare(db: Database.Database) {
  const perKind = (kind: EntityKind) => {
    const t = TABLE[kind];
    // Things also keep their search columns and hand back their index key (tid).
    const extra = kind === 'thing' ? ', namespace, policy_id' : '';
    const extraValues = kind === 'thing' ? ', ?, ?' : '';
    const extraSet = kind === 'thing' ? ', namespace = ?, policy_id = ?' : '';
    const returning = kind === 'thing' ? ' RETURNING tid' : ' RETURNING 0 AS tid';
    return {
      get: db.prepare<[string], Row>(
        `SELECT id, revision, deleted, created, modified, value, metadata FROM ${t} WHERE id = ?`,
      ),
      insert: db.prepare<unknown[], { tid: number }>(
        `INSERT INTO ${t} (id, revision, deleted, created, modified, value, metadata${extra}) VALUES (?, ?, ?, ?, ?, ?, ?${extraValues}) ON CONFLICT(id) DO NOTHING${returning}`,
      ),
      update: db.prepare<unknown[], { tid: number }>(
        `UPDATE ${t} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ?${extraSet} WHERE id = ? AND revision = ?${returning}`,
      ),
      count: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${t} WHERE deleted = 0`),
      list: db.prepare<[string, number], { id: string }>(
        `SELECT id FROM ${t} WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?`,
      ),
    };
  };
  return {
    thing: perKind('thing'),
    policy: perKind('policy'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM egiz_meta WHERE key = ?'),
    putMeta: db.prepare('INSERT INTO egiz_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING'),
    appendJournal: db.prepare(
      'INSERT INTO journal (kind, id, revision, ts, type, payload) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    journal: db.prepare<[string, string, number, number, string, number], JournalRow>(
      'SELECT kind, id, revision, ts, type, payload FROM journal WHERE kind = ? AND id = ? AND revision >= ? AND revision <= ? AND ts <= ? ORDER BY revision LIMIT ?',
    ),
  };
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  #db: Database.Database | undefined;
  #st: Statements | undefined;
  #index: SqliteSearchIndex | undefined;
  /** Prepared search statements by SQL text (the compiler produces a few shapes per filter form). */
  #searches = new Map<string, Database.Statement<[Record<string, unknown>], SearchRow>>();
  readonly #options: SqliteStoreOptions;

  constructor(options: SqliteStoreOptions) {
    this.#options = options;
  }

  get database(): Database.Database {
    if (!this.#db) throw new Error('store is not open');
    return this.#db;
  }

  get #statements(): Statements {
    if (!this.#st) throw new Error('store is not open');
    return this.#st;
  }

  open(): Promise<void> {
    return settle(() => {
      // A second open() must not leak the first handle (and its WAL lock) by opening another one.
      if (this.#db) return;
      const db = new Database(this.#options.path);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${this.#options.synchronous ?? 'FULL'}`);
        db.pragma('busy_timeout = 5000');
        db.pragma('cache_size = -65536');
        // Search pages sort in a temporary b-tree (ORDER BY ... LIMIT keeps only the page): in a file,
        // every query would create and delete one (~50 µs of system calls, a quarter of a point search).
        db.pragma('temp_store = MEMORY');
        db.function(ILIKE_FUNCTION, { deterministic: true }, ilikeMatches);
        db.transaction(() => {
          for (const ddl of SQLITE_SCHEMA) db.exec(ddl);
          const columns = db.prepare<[], { name: string }>('PRAGMA table_info(things)').all();
          if (!columns.some((c) => c.name === 'tid')) for (const ddl of SQLITE_MIGRATE_THINGS) db.exec(ddl);
          for (const ddl of SQLITE_THINGS_INDEXES) db.exec(ddl);
        }).immediate();
        this.#st = prepare(db);
        this.#index = new SqliteSearchIndex(db);
        this.#index.rebuildIfOutdated();
      } catch (e) {
        db.close();
        throw e;
      }
      this.#db = db;
    });
  }

  close(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    this.#st = undefined;
    this.#index = undefined;
    this.#searches = new Map();
    return settle(() => {
      db?.close();
    });
  }

  ping(): Promise<boolean> {
    return settle(() => {
      try {
        this.database.prepare('SELECT 1').get();
        return true;
      } catch {
        return false;
      }
    });
  }

  get(kind: EntityKind, id: string): Promise<EntityRecord | undefined> {
    return settle(() => {
      const row = this.#statements[kind].get.get(id);
      return row ? toRecord(kind, row) : undefined;
    });
  }

  getMany(kind: EntityKind, ids: readonly string[]): Promise<EntityRecord[]> {
    return settle(() => {
      const out: EntityRecord[] = [];
      const get = this.#statements[kind].get;
      // Once per id, like `WHERE id IN (...)` would answer: an id asked twice is one record.
      for (const id of new Set(ids)) {
        const row = get.get(id);
        if (row) out.push(toRecord(kind, row));
      }
      return out;
    });
  }

  commit(mutations: readonly Mutation[]): Promise<CommitResult> {
    return settle(() => this.#commit(mutations));
  }

  #commit(mutations: readonly Mutation[]): CommitResult {
    const st = this.#statements;
    const index = this.#searchIndex;
    const conflicts: number[] = [];
    const run = this.database.transaction(() => {
      mutations.forEach((m, position) => {
        const r = m.next;
        const value = JSON.stringify(r.value);
        const metadata = r.metadata ? JSON.stringify(r.metadata) : null;
        const search: SearchColumns | [] = r.kind === 'thing' ? index.columns(r) : [];
        // Read before the write: the index diff needs what is stored at the expected revision.
        const before = r.kind === 'thing' ? index.rowsBefore(m, (id) => this.#storedThing(id)) : undefined;
        const applied =
          m.expectedRevision === 0
            ? st[r.kind].insert.get(
                r.id,
                r.revision,
                r.deleted ? 1 : 0,
                r.created,
                r.modified,
                value,
                metadata,
                ...search,
              )
            : st[r.kind].update.get(
                r.revision,
                r.deleted ? 1 : 0,
                r.created,
                r.modified,
                value,
                metadata,
                ...search,
                r.id,
                m.expectedRevision,
              );
        if (applied === undefined) {
          conflicts.push(position);
          return;
        }
        for (const e of m.events)
          st.appendJournal.run(e.kind, e.id, e.revision, e.timestamp, e.type, JSON.stringify(e.payload));
        if (before !== undefined) index.updateThing(applied.tid, before, r);
        for (const readers of m.readers ?? []) index.replaceReaders(readers);
      });
    });
    try {
      run();
      index.committed();
    } catch (e) {
      index.rolledBack();
      throw e;
    }
    return { conflicts };
  }

  get #searchIndex(): SqliteSearchIndex {
    if (!this.#index) throw new Error('store is not open');
    return this.#index;
  }

  #storedThing(id: string): EntityRecord | undefined {
    const row = this.#statements.thing.get.get(id);
    return row ? toRecord('thing', row) : undefined;
  }

  search(query: SearchQuery): Promise<SearchRow[]> {
    return settle(() => {
      let statement = this.#searches.get(query.sql);
      if (statement === undefined) {
        statement = this.database.prepare<[Record<string, unknown>], SearchRow>(query.sql);
        if (this.#searches.size >= 500) this.#searches.clear();
        this.#searches.set(query.sql, statement);
      }
      const named: Record<string, unknown> = {};
      query.params.forEach((value, i) => {
        named[`p${i + 1}`] = value;
      });
      return statement.all(named);
    });
  }

  readerNamespaces(policyId: string): Promise<string[]> {
    return settle(() => this.#searchIndex.readerNamespaces(policyId));
  }

  secret(name: string): Promise<Uint8Array> {
    return settle(() => {
      const key = `secret:${name}`;
      this.#statements.putMeta.run(key, randomBytes(32).toString('base64'));
      const stored = this.#statements.getMeta.get(key);
      if (!stored) throw new Error(`secret '${name}' could not be stored`);
      return new Uint8Array(Buffer.from(stored.value, 'base64'));
    });
  }

  journal(kind: EntityKind, id: string, q: JournalQuery = {}): Promise<JournalEntry[]> {
    return settle(() =>
      this.#statements.journal
        .all(
          kind,
          id,
          q.fromRevision ?? 0,
          q.toRevision ?? Number.MAX_SAFE_INTEGER,
          q.toTimestamp ?? '\uffff',
          q.limit ?? -1,
        )
        .map(toEntry),
    );
  }

  count(kind: EntityKind): Promise<number> {
    return settle(() => this.#statements[kind].count.get()?.n ?? 0);
  }

  listIds(kind: EntityKind, after: string | undefined, limit: number): Promise<string[]> {
    return settle(() => this.#statements[kind].list.all(after ?? '', limit).map((r) => r.id));
  }
}
