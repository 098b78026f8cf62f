/**
 * @module The embedded store on better-sqlite3: one file, WAL mode, one transaction per batch.
 * better-sqlite3 is synchronous; a batch of mutations costs one fsync (synchronous=FULL) however many
 * twins it carries, which is what makes group commit pay off.
 */
import Database from 'better-sqlite3';
import type { JsonObject, JsonValue } from '@egiz/core';
import type {
  CommitResult,
  EntityKind,
  EntityRecord,
  JournalEntry,
  JournalQuery,
  Mutation,
  Store,
} from '../port.js';
import { SQLITE_SCHEMA } from './schema.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests of pure logic. */
  readonly path: string;
  /** FULL survives power loss, NORMAL survives a process crash; default FULL. */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

interface Row {
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

function prepare(db: Database.Database) {
  const perKind = (kind: EntityKind) => {
    const t = TABLE[kind];
    return {
      get: db.prepare<[string], Row>(
        `SELECT id, revision, deleted, created, modified, value, metadata FROM ${t} WHERE id = ?`,
      ),
      insert: db.prepare(
        `INSERT INTO ${t} (id, revision, deleted, created, modified, value, metadata) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      ),
      update: db.prepare(
        `UPDATE ${t} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ? WHERE id = ? AND revision = ?`,
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
        for (const ddl of SQLITE_SCHEMA) db.exec(ddl);
        this.#st = prepare(db);
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
    const conflicts: number[] = [];
    const run = this.database.transaction(() => {
      mutations.forEach((m, index) => {
        const r = m.next;
        const value = JSON.stringify(r.value);
        const metadata = r.metadata ? JSON.stringify(r.metadata) : null;
        const changed =
          m.expectedRevision === 0
            ? st[r.kind].insert.run(
                r.id,
                r.revision,
                r.deleted ? 1 : 0,
                r.created,
                r.modified,
                value,
                metadata,
              ).changes
            : st[r.kind].update.run(
                r.revision,
                r.deleted ? 1 : 0,
                r.created,
                r.modified,
                value,
                metadata,
                r.id,
                m.expectedRevision,
              ).changes;
        if (changed === 0) {
          conflicts.push(index);
          return;
        }
        for (const e of m.events)
          st.appendJournal.run(e.kind, e.id, e.revision, e.timestamp, e.type, JSON.stringify(e.payload));
      });
    });
    run();
    return { conflicts };
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
