/**
 * @module The embedded store on better-sqlite3: one file, WAL mode, one transaction per batch.
 * better-sqlite3 is synchronous; a batch of mutations costs one fsync (synchronous=FULL) however many
 * twins it carries, which is what makes group commit pay off.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
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
import { ILIKE_FUNCTION, ilikeMatches } from '../search-index/case-folding.js';
import { jsonText, type JsonObject, type JsonValue } from '@egiz/core';
import { fieldRowChanges, type FieldRow } from '../search-index/field-rows.js';
import { wildcardPath } from '../search-index/field-kinds.js';
import { readerRows } from '../search-index/index-columns.js';
import { policyImportRows } from '../search-index/policy-imports.js';
import { SqliteSearchIndex } from './search-index.js';
import { SqliteWriterThread } from './sqlite-writer.js';
import { createPlanExecutor, type PlanExecutor, type PlanFieldRow, type WritePlan } from './write-plan.js';
import {
  SQLITE_ADD_THINGS_RS,
  SQLITE_MIGRATE_FIELDS,
  SQLITE_MIGRATE_THINGS,
  SQLITE_SCHEMA,
  SQLITE_THINGS_INDEXES,
} from './schema.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for tests of pure logic. */
  readonly path: string;
  /** FULL survives power loss, NORMAL survives a process crash; default FULL. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Where write transactions run: `thread` (default for files) in a writer worker_thread with its own
   * connection, so the main thread keeps serving while a batch is written and fsynced; `inline` in
   * the main thread (always for ':memory:', which another connection cannot see).
   */
  readonly writer?: 'thread' | 'inline';
}

const CACHE_KIB = 65536;
/**
 * WAL pages (4 KiB) after which a commit checkpoints, instead of SQLite's 1000: a checkpoint copies
 * each distinct page once however often it changed since the last one, so under a steady write load
 * on hot twins fewer, larger checkpoints write far less (about 20 % more modifies/s in the writer
 * here). The WAL file grows to ~40 MiB; durability is the same (every commit is fsynced).
 */
const WAL_AUTOCHECKPOINT = 10_000;

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

function prepare(db: Database.Database) {
  const perKind = (kind: EntityKind) => {
    const t = TABLE[kind];
    return {
      get: db.prepare<[string], Row>(
        `SELECT id, revision, deleted, created, modified, value, metadata FROM ${t} WHERE id = ?`,
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
  /** Applies write plans: in the writer thread, or in this thread for ':memory:' / writer=inline. */
  #writer: SqliteWriterThread | undefined;
  #inline: PlanExecutor | undefined;
  /** `features/*` forms of paths seen so far (needed only when a path is new to the index). */
  readonly #wild = new Map<string, string | null>();
  /** Prepared search statements by SQL text (the compiler produces a few shapes per filter form). */
  #searches = new Map<string, Database.Statement<[Record<string, unknown>], SearchRow>>();
  /** See Store.readersVersion: counts commits that carried reader rows. */
  #readersVersion = 0;
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

  async open(): Promise<void> {
    await settle(() => {
      // A second open() must not leak the first handle (and its WAL lock) by opening another one.
      if (this.#db) return;
      const db = new Database(this.#options.path);
      try {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${this.#options.synchronous ?? 'FULL'}`);
        db.pragma('busy_timeout = 5000');
        db.pragma(`cache_size = -${CACHE_KIB}`);
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT}`);
        // Search pages sort in a temporary b-tree (ORDER BY ... LIMIT keeps only the page): in a file,
        // every query would create and delete one (~50 µs of system calls, a quarter of a point search).
        db.pragma('temp_store = MEMORY');
        db.function(ILIKE_FUNCTION, { deterministic: true }, ilikeMatches);
        db.transaction(() => {
          for (const ddl of SQLITE_SCHEMA) db.exec(ddl);
          const columns = (table: string) =>
            db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all();
          const thingColumns = columns('things');
          if (!thingColumns.some((c) => c.name === 'tid'))
            for (const ddl of SQLITE_MIGRATE_THINGS) db.exec(ddl);
          else if (!thingColumns.some((c) => c.name === 'rs')) db.exec(SQLITE_ADD_THINGS_RS);
          if (!columns('thing_fields').some((c) => c.name === 'rs'))
            for (const ddl of SQLITE_MIGRATE_FIELDS) db.exec(ddl);
          for (const ddl of SQLITE_THINGS_INDEXES) db.exec(ddl);
        }).immediate();
        this.#st = prepare(db);
        this.#index = new SqliteSearchIndex(db);
        this.#index.rebuildIfOutdated();
        this.#index.fillImportsIfMissing();
      } catch (e) {
        db.close();
        throw e;
      }
      this.#db = db;
    });
    if (this.#writer || this.#inline) return;
    const db = this.database;
    if (this.#options.path === ':memory:' || this.#options.writer === 'inline') {
      this.#inline = createPlanExecutor(db);
      return;
    }
    try {
      this.#writer = await SqliteWriterThread.start({
        path: this.#options.path,
        synchronous: this.#options.synchronous ?? 'FULL',
        cacheKiB: CACHE_KIB,
        autocheckpoint: WAL_AUTOCHECKPOINT,
      });
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    const db = this.#db;
    const writer = this.#writer;
    this.#db = undefined;
    this.#st = undefined;
    this.#index = undefined;
    this.#writer = undefined;
    this.#inline = undefined;
    this.#searches = new Map();
    // The thread finishes the batches it was given before it closes its connection.
    await writer?.close();
    await settle(() => {
      db?.close();
    });
  }

  ping(): Promise<boolean> {
    return settle(() => {
      // Reads would still work, but no write can be made durable: the store is down (/ready 503).
      if (this.#writer?.failed) return false;
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

  async commit(mutations: readonly Mutation[]): Promise<CommitResult> {
    const plans = await settle(() => this.#plan(mutations));
    const readers = plans.some((p) => p.readers.length > 0);
    try {
      const writer = this.#writer;
      if (writer) return await writer.execute(plans);
      return await settle(() => {
        if (!this.#inline) throw new Error('store is not open');
        return { conflicts: this.#inline(plans) };
      });
    } finally {
      // Also after a failure: whether the writer applied the batch before it failed is unknown.
      if (readers) this.#readersVersion++;
    }
  }

  readersVersion(): number {
    return this.#readersVersion;
  }

  /**
   * Everything of a batch that needs the domain objects, done here: serialization (the Thing's text
   * is shared with the size check, see jsonText), search columns, the index diff and reader rows.
   * The executor only binds the prepared values. One batch is written at a time (GroupCommitter), so
   * a Thing read back here for its old index rows is the one its expected revision names.
   */
  #plan(mutations: readonly Mutation[]): WritePlan[] {
    const index = this.#searchIndex;
    // A Thing written twice in one batch: the second diff starts from the first one's result.
    const inBatch = new Map<string, EntityRecord>();
    return mutations.map((m) => {
      const r = m.next;
      const thing = r.kind === 'thing';
      let removed: PlanFieldRow[] = [];
      let added: PlanFieldRow[] = [];
      let namespace: string | null = null;
      let policyId: string | null = null;
      let searchUnchanged = !thing;
      if (thing) {
        [namespace, policyId] = index.columns(r);
        const previous = m.previous;
        searchUnchanged =
          previous !== undefined && m.expectedRevision !== 0 && index.columns(previous)[1] === policyId;
        const changes = fieldRowChanges(this.#before(m, inBatch), r);
        removed = changes.removed.map((row) => this.#planRow(row));
        added = changes.added.map((row) => this.#planRow(row));
        inBatch.set(r.id, r);
      }
      return {
        thing,
        id: r.id,
        expectedRevision: m.expectedRevision,
        revision: r.revision,
        deleted: r.deleted ? 1 : 0,
        created: r.created,
        modified: r.modified,
        value: jsonText(r.value),
        metadata: r.metadata ? jsonText(r.metadata) : null,
        namespace,
        policyId,
        searchUnchanged,
        journal: m.events.map(
          (e) => [e.kind, e.id, e.revision, e.timestamp, e.type, JSON.stringify(e.payload)] as const,
        ),
        removed,
        added,
        readers: (m.readers ?? []).map((readers) => ({
          policyId: readers.policyId,
          namespace: readers.namespace,
          rows: readerRows(readers).map((row) => [row.subject, row.access, row.revokes ? 1 : 0] as const),
        })),
        imports: thing ? [] : policyImportRows(r),
      };
    });
  }

  /** The Thing as stored before this mutation, whose rows are in the index (none for a creation or a conflict). */
  #before(m: Mutation, inBatch: ReadonlyMap<string, EntityRecord>): EntityRecord | undefined {
    if (m.expectedRevision === 0) return undefined;
    if (m.previous !== undefined) return m.previous;
    const stored = inBatch.get(m.next.id) ?? this.#storedThing(m.next.id);
    return stored !== undefined && stored.revision === m.expectedRevision ? stored : undefined;
  }

  #planRow(row: FieldRow): PlanFieldRow {
    let wild = this.#wild.get(row.path);
    if (wild === undefined) {
      wild = wildcardPath(row.path) ?? null;
      if (this.#wild.size < 100_000) this.#wild.set(row.path, wild);
    }
    return [row.path, wild, row.kind, row.value];
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

  readerPairs(policyIds: readonly string[]): Promise<ReaderPair[]> {
    return settle(() => this.#searchIndex.readerPairs(policyIds));
  }

  readerPairsIn(patterns: readonly string[]): Promise<ReaderPair[]> {
    return settle(() => this.#searchIndex.readerPairsIn(patterns));
  }

  policyImportLinks(keys: readonly Omit<PolicyImportLink, 'importer'>[]): Promise<PolicyImportLink[]> {
    return settle(() => this.#searchIndex.policyImportLinks(keys));
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
