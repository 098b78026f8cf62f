/**
 * @module SQLite schema of the embedded store: current state tables, the event journal, and the
 * search index (ADR 0004), which is written in the same transaction as the Things.
 *
 * `things.tid` is the Thing's compact key in the index (an INTEGER PRIMARY KEY, so it is the rowid
 * and survives VACUUM). `thing_fields` is a WITHOUT ROWID table whose primary key is the only
 * index: (pid, kind, val) finds the Things with a value at a path, and the same key deletes a row
 * when a value changes. `val` has no declared type (BLOB affinity), so numbers and strings keep
 * their storage class and compare type-strictly.
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
     policy_id TEXT
   )`;

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
  `CREATE TABLE IF NOT EXISTS thing_fields (
     pid INTEGER NOT NULL,
     kind INTEGER NOT NULL,
     val NOT NULL,
     tid INTEGER NOT NULL,
     PRIMARY KEY (pid, kind, val, tid)
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
