/**
 * @module The search index as the PostgreSQL store writes it: path ids (interned ahead of a batch and
 * cached, as paths are never deleted), the field rows and reader rows of a round as parameters of the
 * commit statement, and the rebuild of the whole index when its format version changed.
 */
import type { Pool, PoolClient } from 'pg';
import type { EntityRecord, Mutation, PolicyReaders } from '../port.js';
import { foldCase } from '../search-index/case-folding.js';
import { FIELD_KIND, SEARCH_INDEX_VERSION, wildcardPath } from '../search-index/field-kinds.js';
import { fieldRows, type FieldRow } from '../search-index/field-rows.js';
import { readerRows, thingNamespace, thingPolicyId } from '../search-index/index-columns.js';
import { importRowsOf } from '../search-index/policy-imports.js';
import { hasUnstorableText } from './jsonb-text.js';
import type { Statements } from './statements.js';

const VERSION_KEY = 'search_index_version';
/** Set once the import index holds the rows of every stored Policy. */
const IMPORTS_KEY = 'policy_imports_version';
const REBUILD_CHUNK = 1000;

interface FieldParam {
  readonly p: number;
  readonly pid: number;
  readonly kind: number;
  readonly num: number | null;
  readonly str: string | null;
  readonly fold: string | null;
}

export class PostgresSearchIndex {
  readonly #prefix: string;
  readonly #sql: Statements;
  readonly #paths = new Map<string, number>();

  constructor(prefix: string, sql: Statements) {
    this.#prefix = prefix;
    this.#sql = sql;
  }

  columns(record: EntityRecord): { namespace: string; policy_id: string | null } {
    return { namespace: thingNamespace(record), policy_id: thingPolicyId(record) };
  }

  /** Every field row of the Thing (the statement diffs them against what is stored). */
  fieldParams(p: number, record: EntityRecord): FieldParam[] {
    const out: FieldParam[] = [];
    for (const row of fieldRows(record).values()) out.push(this.#param(p, row));
    return out;
  }

  #param(p: number, row: FieldRow): FieldParam {
    const pid = this.#paths.get(row.path);
    if (pid === undefined) throw new Error(`search path '${row.path}' was not interned before the commit`);
    const str = row.kind === FIELD_KIND.string ? (row.value as string) : null;
    const num =
      row.kind === FIELD_KIND.number || row.kind === FIELD_KIND.boolean ? (row.value as number) : null;
    return { p, pid, kind: row.kind, num, str, fold: str === null ? null : foldCase(str) };
  }

  readerParams(p: number, readers: PolicyReaders): unknown[] {
    return readerRows(readers).map((r) => ({
      p,
      policy_id: readers.policyId,
      namespace: readers.namespace,
      subject: r.subject,
      access: r.access,
      revokes: r.revokes ? 1 : 0,
    }));
  }

  /** Gives every path of the batch's Things an id (one round trip, only when new paths appear). */
  async internPaths(db: Pool | PoolClient, mutations: readonly Mutation[]): Promise<void> {
    const missing = new Set<string>();
    for (const m of mutations)
      if (m.next.kind === 'thing')
        for (const row of fieldRows(m.next).values()) if (!this.#paths.has(row.path)) missing.add(row.path);
    if (missing.size > 0) await this.#intern(db, [...missing]);
  }

  async #intern(db: Pool | PoolClient, paths: readonly string[]): Promise<void> {
    const bad = paths.find((path) => hasUnstorableText(JSON.stringify(path)));
    if (bad !== undefined)
      throw new Error(`a JSON key contains U+0000 or an unpaired surrogate, which PostgreSQL cannot store`);
    await db.query(this.#sql.internPaths, [paths, paths.map((path) => wildcardPath(path) ?? null)]);
    const { rows } = await db.query<{ pid: number; path: string }>(this.#sql.pathIds, [paths]);
    for (const row of rows) this.#paths.set(row.path, row.pid);
  }

  /** Runs inside the schema transaction (advisory lock held): rebuilds when the version differs. */
  async rebuildIfOutdated(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ value: string }>(this.#sql.getMeta, [VERSION_KEY]);
    if (rows[0]?.value === SEARCH_INDEX_VERSION) return;
    try {
      await this.#rebuild(client);
    } catch (e) {
      // Path ids seen inside the failed transaction do not exist.
      this.#paths.clear();
      throw e;
    }
  }

  /**
   * Runs inside the schema transaction: fills the import index from the stored Policies once, for
   * stores made before it (a new store has no Policies and only records that it is done).
   */
  async fillImportsIfMissing(client: PoolClient): Promise<void> {
    const { rows } = await client.query<{ value: string }>(this.#sql.getMeta, [IMPORTS_KEY]);
    if (rows.length > 0) return;
    const t = this.#prefix;
    for (let after = ''; ;) {
      const chunk = await client.query<{ id: string; value: EntityRecord['value'] }>(
        `SELECT id, value FROM ${t}policies WHERE id > $1 AND NOT deleted ORDER BY id LIMIT $2`,
        [after, REBUILD_CHUNK],
      );
      const links = chunk.rows.flatMap((row) =>
        importRowsOf(row.value).map(([imported, via]) => ({ imported, via, importer: row.id })),
      );
      if (links.length > 0)
        await client.query(
          `INSERT INTO ${t}policy_imports (imported, via, importer)
           SELECT imported, via, importer FROM jsonb_to_recordset($1::jsonb) AS x(imported text, via text, importer text)
           ON CONFLICT DO NOTHING`,
          [JSON.stringify(links)],
        );
      if (chunk.rows.length < REBUILD_CHUNK) break;
      after = chunk.rows[chunk.rows.length - 1]?.id ?? after;
    }
    await client.query(
      `INSERT INTO ${t}egiz_meta (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING`,
      [IMPORTS_KEY],
    );
  }

  async #rebuild(client: PoolClient): Promise<void> {
    const t = this.#prefix;
    await client.query(`DELETE FROM ${t}thing_fields`);
    await client.query(
      `UPDATE ${t}things SET namespace = split_part(id, ':', 1),
         policy_id = CASE WHEN NOT deleted AND jsonb_typeof(value -> 'policyId') = 'string'
                          THEN value ->> 'policyId' END`,
    );
    for (let after = -1; ;) {
      const chunk = await client.query<{
        tid: string;
        id: string;
        deleted: boolean;
        value: EntityRecord['value'];
        metadata: EntityRecord['value'] | null;
      }>(
        `SELECT tid, id, deleted, value, metadata FROM ${t}things WHERE tid > $1 AND NOT deleted ORDER BY tid LIMIT $2`,
        [after, REBUILD_CHUNK],
      );
      if (chunk.rows.length === 0) break;
      const records = chunk.rows.map((row) => ({
        tid: Number(row.tid),
        record: {
          kind: 'thing',
          id: row.id,
          revision: 0,
          deleted: row.deleted,
          created: '',
          modified: '',
          value: row.value,
          ...(row.metadata ? { metadata: row.metadata } : {}),
        } satisfies EntityRecord,
      }));
      await this.internPaths(
        client,
        records.map(({ record }) => ({ next: record, expectedRevision: 0, events: [] })),
      );
      const fields = records.flatMap(({ tid, record }) =>
        this.fieldParams(0, record).map((f) => ({ ...f, tid })),
      );
      await client.query(
        `INSERT INTO ${t}thing_fields (tid, pid, kind, num, str, fold)
         SELECT tid, pid, kind, num, str, fold FROM jsonb_to_recordset($1::jsonb)
           AS x(tid int8, pid int4, kind int2, num float8, str text, fold text)`,
        [JSON.stringify(fields)],
      );
      after = records[records.length - 1]?.tid ?? after;
      if (chunk.rows.length < REBUILD_CHUNK) break;
    }
    await client.query(
      `INSERT INTO ${t}egiz_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [VERSION_KEY, SEARCH_INDEX_VERSION],
    );
  }
}
