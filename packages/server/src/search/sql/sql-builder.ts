/**
 * @module Collects the parameters of one query while its SQL text is assembled: every value that
 * comes from a request (paths, values, subjects, namespaces, cursor positions) goes through
 * `param()` and appears in the text only as the dialect's placeholder. The one number written into
 * the text is SQLite's page LIMIT (SearchDialect.limit), an integer the service computed and checks.
 */
import type { SearchDialect } from './search-dialect.js';

export type SqlParam = string | number | null;

/** How a parameter is typed where the dialect needs to say it (PostgreSQL casts, SQLite ignores). */
export type ParamType = 'text' | 'float8' | 'int4' | 'text[]';

export class SqlBuilder {
  readonly params: SqlParam[] = [];
  readonly dialect: SearchDialect;

  constructor(dialect: SearchDialect) {
    this.dialect = dialect;
  }

  param(value: SqlParam, type: ParamType): string {
    this.params.push(value);
    return this.dialect.placeholder(this.params.length, type);
  }

  /** `?, ?, ?` for a non-empty list. */
  list(values: readonly SqlParam[], type: ParamType): string {
    return values.map((v) => this.param(v, type)).join(', ');
  }
}
