/**
 * @module Disk use of an embedded store, measured after Egiz has stopped:
 *   1. the data directory's files are summed as they are (egiz.sqlite, -wal, -shm);
 *   2. the store is opened and `PRAGMA wal_checkpoint(TRUNCATE)` folds any WAL left into the main
 *      file, and the files are summed again: this is the figure per twin;
 *   3. SQLite's dbstat virtual table gives the bytes of every table and index (pages × page size),
 *      grouped into state, journal and search index. Without dbstat the split is estimated from row
 *      counts × average row length, and the result says so.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadSqlite } from './server-deps.js';

/** Which part of the store a table belongs to; anything unknown is reported under its own name. */
const GROUPS = {
  things: 'state',
  policies: 'state',
  journal: 'journal',
  thing_fields: 'search index',
  search_paths: 'search index',
  policy_readers: 'search index',
};

export function directoryBytes(dir) {
  let total = 0;
  const files = {};
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(p).total;
    else if (entry.isFile()) {
      const size = statSync(p).size;
      files[entry.name] = size;
      total += size;
    }
  }
  return { total, files };
}

function byDbstat(db) {
  const rows = db
    .prepare(
      `SELECT s.name AS name, coalesce(m.tbl_name, s.name) AS tbl, sum(s.pgsize) AS bytes, sum(s.payload) AS payload
         FROM dbstat AS s LEFT JOIN sqlite_schema AS m ON m.name = s.name
        GROUP BY s.name`,
    )
    .all();
  return rows.map((r) => ({ name: r.name, table: r.tbl, bytes: r.bytes, payload: r.payload }));
}

function byRowEstimate(db) {
  const tables = db
    .prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
    .pluck()
    .all();
  return tables.map((t) => {
    const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t);
    const len = cols.map((c) => `coalesce(length("${c}"), 0)`).join(' + ') || '0';
    const r = db.prepare(`SELECT count(*) AS n, coalesce(sum(${len}), 0) AS payload FROM "${t}"`).get();
    return { name: t, table: t, bytes: r.payload, payload: r.payload };
  });
}

/**
 * @param {string} dir data directory of a stopped Egiz
 * @param {string} file the store file inside it
 */
export function measureStore(dir, file = 'egiz.sqlite') {
  const asLeft = directoryBytes(dir);
  const Database = loadSqlite();
  const db = new Database(join(dir, file));
  let objects;
  let method;
  let pageSize;
  let freelistBytes;
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    pageSize = db.pragma('page_size', { simple: true });
    freelistBytes = db.pragma('freelist_count', { simple: true }) * pageSize;
    try {
      objects = byDbstat(db);
      method = 'dbstat';
    } catch {
      objects = byRowEstimate(db);
      method = 'row-estimate (row count x average row length; dbstat unavailable)';
    }
  } finally {
    db.close();
  }
  const afterCheckpoint = directoryBytes(dir);
  const groups = {};
  for (const o of objects) {
    const group = GROUPS[o.table] ?? (o.table.startsWith('sqlite_') ? 'schema' : `other (${o.table})`);
    groups[group] = (groups[group] ?? 0) + o.bytes;
  }
  if (freelistBytes) groups['free pages'] = freelistBytes;
  return { method, pageSize, asLeft, afterCheckpoint, groups, objects };
}
