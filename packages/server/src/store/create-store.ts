/**
 * @module Picks the store adapter from a URL (the composition root's only way to a concrete store):
 * none or `sqlite:<path>` for the embedded file, `postgres://` / `postgresql://` for scale-out.
 */
import { join } from 'node:path';
import type { Store } from './port.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export const DEFAULT_SQLITE_FILE = 'egiz.sqlite';

export interface StoreOptions {
  /** SQLite's `synchronous` pragma: FULL survives power loss, NORMAL only a process crash. */
  readonly sqliteSynchronous?: 'FULL' | 'NORMAL';
}

export function createStore(url: string | undefined, dataDir: string, options: StoreOptions = {}): Store {
  const sqlite = options.sqliteSynchronous ? { synchronous: options.sqliteSynchronous } : {};
  if (url === undefined || url === '' || url === 'sqlite:')
    return new SqliteStore({ path: join(dataDir, DEFAULT_SQLITE_FILE), ...sqlite });
  if (url.startsWith('sqlite:')) {
    // `sqlite:/abs/path`, `sqlite:relative/path` and `sqlite://` + absolute path all name a file.
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return new SqliteStore({ path, ...sqlite });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    // `?schema=` is ours, not libpq's: take it out so pg does not pass it on as a server setting.
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return new PostgresStore({ connectionString: parsed.toString(), ...(schema ? { schema } : {}) });
  }
  throw new Error(`unsupported store URL '${redact(url)}': use sqlite:<path>, postgres:// or postgresql://`);
}

/** Never echo a password from a URL into logs. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
