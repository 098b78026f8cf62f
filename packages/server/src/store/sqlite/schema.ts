/**
 * @module SQLite schema of the embedded store: current state tables, the event journal, and the
 * search index (ADR 0004), which is written in the same transaction as the Things.
 *
 * `things.tid` is the Thing's compact key in the index (an INTEGER PRIMARY KEY, so it is the rowid
 * and survives VACUUM). `thing_fields` is a WITHOUT ROWID table keyed (pid, kind, val, id): a
 * (path, value) finds its Things in thingId order, and the same key deletes a row when a value
 * changes. `val` has no declared type (BLOB affinity), so numbers and strings keep their storage
 * class and compare type-strictly. `things.rs` and `thing_fields.rs` hold the Thing's reader set.
 */

const STATE_COLUMNS = `
     revision INTEGER NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0,
     created TEXT NOT NULL,
     modified TEXT NOT NULL,
     value TEXT NOT NULL,
     metadata TEXT`;

export const THINGS_TABLE = `CREATE TABLE IF NOT EXISTS things (
     tid INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,${STATE_COLUMNS},
     namespace TEXT,
     policy_id TEXT,
     rs INTEGER NOT NULL DEFAULT 0
   )`;

/**
 * One row per distinct (path, value) of a Thing, keyed so that the rows of one (path, value) are in
 * thingId order, with the reader set of the Thing (`rs`) beside them: a count or a thingId-ordered
 * page of an equality filter is a range of this index (ADR 0004, "Reader sets").
 */
export const THING_FIELDS_TABLE = `CREATE TABLE IF NOT EXISTS thing_fields (
     pid INTEGER NOT NULL,
     kind INTEGER NOT NULL,
     val NOT NULL,
     id TEXT NOT NULL,
     tid INTEGER NOT NULL,
     rs INTEGER NOT NULL,
     PRIMARY KEY (pid, kind, val, id)
   ) WITHOUT ROWID`;

/** The rows of one Thing, for moving them to another reader set. */
export const THING_FIELDS_BY_THING = `CREATE INDEX IF NOT EXISTS thing_fields_tid ON thing_fields (tid)`;

export const SQLITE_SCHEMA = [
  THINGS_TABLE,
  `CREATE TABLE IF NOT EXISTS policies (
     id TEXT NOT NULL UNIQUE,${STATE_COLUMNS}
   )`,
  `CREATE TABLE IF NOT EXISTS journal (
     kind TEXT NOT NULL,
     id TEXT NOT NULL,
     revision INTEGER NOT NULL,
     ts TEXT NOT NULL,
     type TEXT NOT NULL,
     payload TEXT NOT NULL,
     PRIMARY KEY (kind, id, revision)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS search_paths (
     pid INTEGER PRIMARY KEY,
     path TEXT NOT NULL UNIQUE,
     wild TEXT
   )`,
  `CREATE INDEX IF NOT EXISTS search_paths_wild ON search_paths (wild) WHERE wild IS NOT NULL`,
  THING_FIELDS_TABLE,
  THING_FIELDS_BY_THING,
  // Reader sets (write-plan.ts createReaderSets): immutable, one per namespace and list of rows.
  `CREATE TABLE IF NOT EXISTS reader_sets (
     rs INTEGER PRIMARY KEY,
     namespace TEXT NOT NULL,
     fingerprint TEXT NOT NULL UNIQUE
   )`,
  `CREATE TABLE IF NOT EXISTS reader_set_subjects (
     subject TEXT NOT NULL,
     rs INTEGER NOT NULL,
     access INTEGER NOT NULL,
     revokes INTEGER NOT NULL,
     PRIMARY KEY (subject, rs)
   ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS policy_readers (
     policy_id TEXT NOT NULL,
     namespace TEXT NOT NULL,
     subject TEXT NOT NULL,
     access INTEGER NOT NULL,
     revokes INTEGER NOT NULL,
     PRIMARY KEY (policy_id, namespace, subject)
   ) WITHOUT ROWID`,
  // Only the rows that make Things partly visible (search-sql.ts): a caller who reads everything it
  // reads in full costs two seeks here, however many Things that is. It replaces an index on all
  // rows by subject, which the probe had to walk through in full.
  `DROP INDEX IF EXISTS policy_readers_subject`,
  `CREATE INDEX IF NOT EXISTS policy_readers_partial ON policy_readers (subject, revokes) WHERE access = 1 OR revokes = 1`,
  // The import index (store/search-index/policy-imports.ts), keyed for the way back: who imports a
  // policy, and through which transitive import; the second index replaces a policy's rows.
  `CREATE TABLE IF NOT EXISTS policy_imports (
     imported TEXT NOT NULL,
     via TEXT NOT NULL,
     importer TEXT NOT NULL,
     PRIMARY KEY (imported, via, importer)
   ) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS policy_imports_importer ON policy_imports (importer)`,
  `CREATE TABLE IF NOT EXISTS egiz_meta (
     key TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID`,
] as const;

/** Created after a migration has given `things` its search columns. */
export const SQLITE_THINGS_INDEXES = [
  `CREATE INDEX IF NOT EXISTS things_policy ON things (policy_id, namespace)`,
] as const;

/**
 * Stores made before reader sets: `thing_fields` of the older shape is dropped (the search index
 * version changes with it, so the index is rebuilt from the Things) and `things` gets `rs`.
 */
export const SQLITE_MIGRATE_FIELDS = [
  `DROP TABLE thing_fields`,
  THING_FIELDS_TABLE,
  THING_FIELDS_BY_THING,
] as const;
export const SQLITE_ADD_THINGS_RS = `ALTER TABLE things ADD COLUMN rs INTEGER NOT NULL DEFAULT 0`;

/**
 * Stores made before the search index have `things` without `tid`, `namespace` and `policy_id`:
 * the table is rebuilt with them (rowids become the tids), then the index is built from the Things.
 */
export const SQLITE_MIGRATE_THINGS = [
  `ALTER TABLE things RENAME TO things_before_search`,
  THINGS_TABLE,
  `INSERT INTO things (tid, id, revision, deleted, created, modified, value, metadata)
     SELECT rowid, id, revision, deleted, created, modified, value, metadata FROM things_before_search`,
  `DROP TABLE things_before_search`,
] as const;
