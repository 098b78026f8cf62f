/** @module The search dialect of a store, by the store's `dialect` name. */
import { PostgresSearchDialect } from './postgres-dialect.js';
import type { SearchDialect } from './search-dialect.js';
import { SqliteSearchDialect } from './sqlite-dialect.js';

const DIALECTS: Readonly<Record<'sqlite' | 'postgres', SearchDialect>> = {
  sqlite: new SqliteSearchDialect(),
  postgres: new PostgresSearchDialect(),
};

export function searchDialect(name: 'sqlite' | 'postgres'): SearchDialect {
  return DIALECTS[name];
}
