/**
 * @module The search index on the main connection of the SQLite store: search columns of a Thing,
 * the reader pairs to recompute and the import index lookups, rebuilding the whole index when its
 * format version changed (or the store predates it) and filling the import index once. Regular writes
 * go through write plans (write-plan.ts), often in the writer thread.
 */
import type Database from 'better-sqlite3';
import type { EntityRecord, PolicyImportLink, ReaderPair } from '../port.js';
import { SEARCH_INDEX_VERSION, wildcardPath } from '../search-index/field-kinds.js';
import { fieldChanges, fieldRows, type FieldRow, type FieldRows } from '../search-index/field-rows.js';
import { namespacePatternRanges, thingNamespace, thingPolicyId } from '../search-index/index-columns.js';
import { importRowsOf } from '../search-index/policy-imports.js';
import { createReaderSets } from './write-plan.js';

const NO_ROWS: FieldRows = new Map();
const VERSION_KEY = 'search_index_version';
/** Set once the import index holds the rows of every stored Policy. */
const IMPORTS_KEY = 'policy_imports_version';
/** The shared format version plus the SQLite layout (reader sets and thingId order in `thing_fields`). */
const SQLITE_INDEX_VERSION = `${SEARCH_INDEX_VERSION}+reader-sets`;

/** Integers are bound as INTEGER (compact on disk); other numbers as REAL. Equal values compare equal either way. */
function sqlValue(value: number | string): number | bigint | string {
  return typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
}

function prepare(db: Database.Database) {
  return {
    pathGet: db.prepare<[string], { pid: number }>('SELECT pid FROM search_paths WHERE path = ?'),
    pathInsert: db.prepare<[string, string | null], { pid: number }>(
      'INSERT INTO search_paths (path, wild) VALUES (?, ?) RETURNING pid',
    ),
    fieldInsert: db.prepare(
      'INSERT INTO thing_fields (pid, kind, val, id, tid, rs) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    // Lists as JSON arrays (json_each): one statement per batch, an index seek per element.
    readerPairs: db.prepare<[string, string], { policy_id: string; namespace: string }>(
      `SELECT t.policy_id, t.namespace FROM json_each(?) k JOIN things t ON t.policy_id = k.value
         WHERE t.deleted = 0 AND t.namespace IS NOT NULL
       UNION SELECT r.policy_id, r.namespace FROM json_each(?) k JOIN policy_readers r ON r.policy_id = k.value`,
    ),
    // Things: a range of the id index. Reader rows have no index by namespace: this reads them all.
    readerPairsIn: db.prepare<[string, string, string, string], { policy_id: string; namespace: string }>(
      `SELECT policy_id, namespace FROM things
         WHERE id >= ? AND id < ? AND deleted = 0 AND policy_id IS NOT NULL AND namespace IS NOT NULL
       UNION SELECT policy_id, namespace FROM policy_readers WHERE namespace >= ? AND namespace < ?`,
    ),
    importLinks: db.prepare<[string], PolicyImportLink>(
      `SELECT DISTINCT pi.importer, pi.imported, pi.via FROM json_each(?) k
         JOIN policy_imports pi ON pi.imported = k.value ->> 0 AND pi.via = k.value ->> 1`,
    ),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM egiz_meta WHERE key = ?'),
    setMeta: db.prepare(
      'INSERT INTO egiz_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
    ),
  };
}

export class SqliteSearchIndex {
  readonly #db: Database.Database;
  readonly #st: ReturnType<typeof prepare>;
  /** Path ids known to be committed; never removed (paths are never deleted). */
  readonly #paths = new Map<string, number>();
  /** Path ids created by the running transaction: trusted only once it commits. */
  #pending = new Map<string, number>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#st = prepare(db);
  }

  columns(record: EntityRecord): [string, string | null] {
    return [thingNamespace(record), thingPolicyId(record)];
  }

  /** Writes the field rows of a Thing that has none yet (the rebuild). */
  #insertThing(tid: number, rs: number, thing: EntityRecord): void {
    const { added } = fieldChanges(NO_ROWS, fieldRows(thing));
    for (const row of added)
      this.#st.fieldInsert.run(this.#pid(row), row.kind, sqlValue(row.value), thing.id, tid, rs);
  }

  readerPairs(policyIds: readonly string[]): ReaderPair[] {
    if (policyIds.length === 0) return [];
    const ids = JSON.stringify([...new Set(policyIds)]);
    return this.#st.readerPairs.all(ids, ids).map((r) => ({ policyId: r.policy_id, namespace: r.namespace }));
  }

  readerPairsIn(patterns: readonly string[]): ReaderPair[] {
    const out = new Map<string, ReaderPair>();
    for (const pattern of new Set(patterns)) {
      const { ids, namespaces } = namespacePatternRanges(pattern);
      for (const row of this.#st.readerPairsIn.all(ids[0], ids[1], namespaces[0], namespaces[1]))
        out.set(`${row.policy_id}\u0000${row.namespace}`, {
          policyId: row.policy_id,
          namespace: row.namespace,
        });
    }
    return [...out.values()];
  }

  policyImportLinks(keys: readonly Omit<PolicyImportLink, 'importer'>[]): PolicyImportLink[] {
    if (keys.length === 0) return [];
    return this.#st.importLinks.all(JSON.stringify(keys.map((k) => [k.imported, k.via])));
  }

  /**
   * Fills the import index from the stored Policies once, for stores made before it (a new store has
   * no Policies and only records that it is done).
   */
  fillImportsIfMissing(): void {
    if (this.#st.getMeta.get(IMPORTS_KEY) !== undefined) return;
    this.#db
      .transaction(() => {
        const insert = this.#db.prepare(
          'INSERT INTO policy_imports (imported, via, importer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        );
        const policies = this.#db
          .prepare<[], { id: string; value: string }>('SELECT id, value FROM policies WHERE deleted = 0')
          .all();
        for (const row of policies)
          for (const [imported, via] of importRowsOf(JSON.parse(row.value) as EntityRecord['value']))
            insert.run(imported, via, row.id);
        this.#st.setMeta.run(IMPORTS_KEY, '1');
      })
      .immediate();
  }

  committed(): void {
    for (const [path, pid] of this.#pending) this.#paths.set(path, pid);
    this.#pending = new Map();
  }

  rolledBack(): void {
    this.#pending = new Map();
  }

  #pid(row: FieldRow): number {
    const known = this.#paths.get(row.path) ?? this.#pending.get(row.path);
    if (known !== undefined) return known;
    const pid =
      this.#st.pathGet.get(row.path)?.pid ??
      (this.#st.pathInsert.get(row.path, wildcardPath(row.path) ?? null) as { pid: number }).pid;
    this.#pending.set(row.path, pid);
    return pid;
  }

  /** Rebuilds the index from the stored Things when it was built by another format version (or never). */
  rebuildIfOutdated(): void {
    if (this.#st.getMeta.get(VERSION_KEY)?.value === SQLITE_INDEX_VERSION) return;
    const rebuild = this.#db.transaction(() => {
      this.#db.exec('DELETE FROM thing_fields');
      const things = this.#db.prepare<
        [],
        { tid: number; id: string; revision: number; deleted: number; value: string; metadata: string | null }
      >('SELECT tid, id, revision, deleted, value, metadata FROM things');
      const setColumns = this.#db.prepare(
        'UPDATE things SET namespace = ?, policy_id = ?, rs = ? WHERE tid = ?',
      );
      const sets = createReaderSets(this.#db);
      // Collected first: a statement cannot write the table it is still iterating.
      const rows = things.all();
      for (const row of rows) {
        const record: EntityRecord = {
          kind: 'thing',
          id: row.id,
          revision: row.revision,
          deleted: row.deleted === 1,
          created: '',
          modified: '',
          value: JSON.parse(row.value) as EntityRecord['value'],
          ...(row.metadata ? { metadata: JSON.parse(row.metadata) as EntityRecord['value'] } : {}),
        };
        const [namespace, policyId] = this.columns(record);
        const rs = sets.of(namespace, policyId);
        setColumns.run(namespace, policyId, rs, row.tid);
        if (!record.deleted) this.#insertThing(row.tid, rs, record);
      }
      this.#st.setMeta.run(VERSION_KEY, SQLITE_INDEX_VERSION);
    });
    try {
      rebuild.immediate();
      this.committed();
    } catch (e) {
      this.rolledBack();
      throw e;
    }
  }
}
