/** @module SQLite schema of the embedded store: current state tables and the event journal. */

export const SQLITE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS things (
     id TEXT NOT NULL UNIQUE,
     revision INTEGER NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0,
     created TEXT NOT NULL,
     modified TEXT NOT NULL,
     value TEXT NOT NULL,
     metadata TEXT
   )`,
  `CREATE TABLE IF NOT EXISTS policies (
     id TEXT NOT NULL UNIQUE,
     revision INTEGER NOT NULL,
     deleted INTEGER NOT NULL DEFAULT 0,
     created TEXT NOT NULL,
     modified TEXT NOT NULL,
     value TEXT NOT NULL,
     metadata TEXT
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
] as const;
