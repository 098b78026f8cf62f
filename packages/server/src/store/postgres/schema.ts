/**
 * @module PostgreSQL schema of the store: current state tables and the event journal.
 * Ids and timestamps use the "C" collation so that `ORDER BY id`, `id > $after` and `ts <= $to`
 * compare bytes exactly like SQLite does, whatever locale the database was created with.
 * Timestamps stay text: the store hands back the exact ISO-8601 string it was given.
 */

/** Key of the advisory lock that serialises schema creation across processes starting together. */
export const SCHEMA_LOCK_KEY = 0x6567_697a; // 'egiz'

/** DDL for the tables, with `prefix` the quoted schema plus a dot, or '' for the search_path. */
export function postgresSchema(prefix: string): readonly string[] {
  const state = (table: string) => `CREATE TABLE IF NOT EXISTS ${prefix}${table} (
     id text COLLATE "C" PRIMARY KEY,
     revision bigint NOT NULL,
     deleted boolean NOT NULL DEFAULT false,
     created text NOT NULL,
     modified text NOT NULL,
     value jsonb NOT NULL,
     metadata jsonb
   )`;
  return [
    state('things'),
    state('policies'),
    `CREATE TABLE IF NOT EXISTS ${prefix}journal (
       kind text COLLATE "C" NOT NULL,
       id text COLLATE "C" NOT NULL,
       revision bigint NOT NULL,
       ts text COLLATE "C" NOT NULL,
       type text NOT NULL,
       payload jsonb NOT NULL,
       PRIMARY KEY (kind, id, revision)
     )`,
  ];
}
