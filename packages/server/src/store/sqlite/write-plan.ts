/**
 * @module The SQLite write transaction as data: a `WritePlan` per mutation (rows, journal entries,
 * search-index changes, all already serialized by the main thread) and the executor that applies a
 * batch of plans in ONE transaction. The executor runs either in the main thread (`:memory:` stores)
 * or in the writer thread (sqlite-writer.ts), whose source is built from `createPlanExecutor`'s text:
 * it must stay self-contained (no imports at runtime, no helpers from outside its body).
 */
import type BetterSqlite3 from 'better-sqlite3';

/** One index row to add or remove: path, its `features/*` form (for new paths), kind, value. */
export type PlanFieldRow = readonly [path: string, wild: string | null, kind: number, value: number | string];

/** A journal row: kind, id, revision, timestamp, type, payload JSON. */
export type PlanJournalRow = readonly [
  kind: string,
  id: string,
  revision: number,
  ts: string,
  type: string,
  payload: string,
];

export interface PlanReaders {
  readonly policyId: string;
  readonly namespace: string;
  /** subject, access (0|1|2), revokes (0|1). */
  readonly rows: readonly (readonly [subject: string, access: number, revokes: number])[];
}

export interface WritePlan {
  readonly thing: boolean;
  readonly id: string;
  /** 0 = insert a new row, else the revision the update is conditional on. */
  readonly expectedRevision: number;
  readonly revision: number;
  readonly deleted: 0 | 1;
  readonly created: string;
  readonly modified: string;
  readonly value: string;
  readonly metadata: string | null;
  /** Search columns of a Thing row (unused for policies). */
  readonly namespace: string | null;
  readonly policyId: string | null;
  /** The update leaves namespace and policy_id as stored (known from the previous record). */
  readonly searchUnchanged: boolean;
  readonly journal: readonly PlanJournalRow[];
  readonly removed: readonly PlanFieldRow[];
  readonly added: readonly PlanFieldRow[];
  readonly readers: readonly PlanReaders[];
}

/** Applies a batch in one transaction; returns the positions of plans refused by their revision check. */
export type PlanExecutor = (plans: readonly WritePlan[]) => number[];

/**
 * Prepares the statements on `db` and returns the batch executor. A refused plan (revision moved
 * on, or the row exists for an insert) writes nothing; any error rolls the whole batch back.
 */
export function createPlanExecutor(db: BetterSqlite3.Database): PlanExecutor {
  const table = (name: string, searchColumns: boolean) => ({
    insert: db.prepare<unknown[], { tid: number }>(
      `INSERT INTO ${name} (id, revision, deleted, created, modified, value, metadata${searchColumns ? ', namespace, policy_id' : ''}) VALUES (?, ?, ?, ?, ?, ?, ?${searchColumns ? ', ?, ?' : ''}) ON CONFLICT(id) DO NOTHING RETURNING ${searchColumns ? 'tid' : '0 AS tid'}`,
    ),
    update: db.prepare<unknown[], { tid: number }>(
      `UPDATE ${name} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ?${searchColumns ? ', namespace = ?, policy_id = ?' : ''} WHERE id = ? AND revision = ? RETURNING ${searchColumns ? 'tid' : '0 AS tid'}`,
    ),
    // Without the search columns: SQLite rewrites the entry of every index whose columns are SET,
    // even to the same value, which dirties one more page per write (things_policy).
    updateState: db.prepare<unknown[], { tid: number }>(
      `UPDATE ${name} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ? WHERE id = ? AND revision = ? RETURNING ${searchColumns ? 'tid' : '0 AS tid'}`,
    ),
  });
  const things = table('things', true);
  const policies = table('policies', false);
  const appendJournal = db.prepare(
    'INSERT INTO journal (kind, id, revision, ts, type, payload) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const pathGet = db.prepare<[string], { pid: number }>('SELECT pid FROM search_paths WHERE path = ?');
  const pathInsert = db.prepare<[string, string | null], { pid: number }>(
    'INSERT INTO search_paths (path, wild) VALUES (?, ?) RETURNING pid',
  );
  const fieldInsert = db.prepare(
    'INSERT INTO thing_fields (pid, kind, val, tid) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const fieldDelete = db.prepare(
    'DELETE FROM thing_fields WHERE pid = ? AND kind = ? AND val = ? AND tid = ?',
  );
  const readersDelete = db.prepare('DELETE FROM policy_readers WHERE policy_id = ? AND namespace = ?');
  const readersInsert = db.prepare(
    'INSERT INTO policy_readers (policy_id, namespace, subject, access, revokes) VALUES (?, ?, ?, ?, ?)',
  );

  // Path ids known to be committed (paths are never deleted); those of the running transaction
  // are trusted only once it commits.
  const paths = new Map<string, number>();
  let pending = new Map<string, number>();
  const pid = (path: string, wild: string | null): number => {
    const known = paths.get(path) ?? pending.get(path);
    if (known !== undefined) return known;
    const id = pathGet.get(path)?.pid ?? (pathInsert.get(path, wild) as { pid: number }).pid;
    pending.set(path, id);
    return id;
  };
  // Integers are bound as INTEGER (compact on disk); other numbers as REAL. Equal values compare equal either way.
  const sqlValue = (v: number | string): number | bigint | string =>
    typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : v;

  const apply = db.transaction((plans: readonly WritePlan[], conflicts: number[]) => {
    for (let position = 0; position < plans.length; position++) {
      const p = plans[position] as WritePlan;
      const st = p.thing ? things : policies;
      const search = p.thing ? [p.namespace, p.policyId] : [];
      const applied =
        p.expectedRevision === 0
          ? st.insert.get(p.id, p.revision, p.deleted, p.created, p.modified, p.value, p.metadata, ...search)
          : p.searchUnchanged
            ? st.updateState.get(
                p.revision,
                p.deleted,
                p.created,
                p.modified,
                p.value,
                p.metadata,
                p.id,
                p.expectedRevision,
              )
            : st.update.get(
                p.revision,
                p.deleted,
                p.created,
                p.modified,
                p.value,
                p.metadata,
                ...search,
                p.id,
                p.expectedRevision,
              );
      if (applied === undefined) {
        conflicts.push(position);
        continue;
      }
      for (const j of p.journal) appendJournal.run(j[0], j[1], j[2], j[3], j[4], j[5]);
      for (const f of p.removed) fieldDelete.run(pid(f[0], f[1]), f[2], sqlValue(f[3]), applied.tid);
      for (const f of p.added) fieldInsert.run(pid(f[0], f[1]), f[2], sqlValue(f[3]), applied.tid);
      for (const r of p.readers) {
        readersDelete.run(r.policyId, r.namespace);
        for (const row of r.rows) readersInsert.run(r.policyId, r.namespace, row[0], row[1], row[2]);
      }
    }
  });

  return (plans) => {
    const conflicts: number[] = [];
    try {
      apply(plans, conflicts);
    } catch (e) {
      pending = new Map();
      throw e;
    }
    for (const [path, id] of pending) paths.set(path, id);
    pending = new Map();
    return conflicts;
  };
}
