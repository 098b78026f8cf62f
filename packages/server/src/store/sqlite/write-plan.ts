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
  /** A Policy's rows of the import index, which replace its stored ones (none for Things). */
  readonly imports: readonly (readonly [imported: string, via: string])[];
}

/** Applies a batch in one transaction; returns the positions of plans refused by their revision check. */
export type PlanExecutor = (plans: readonly WritePlan[]) => number[];

/** The reader set of (policy, namespace) pairs, see createReaderSets. */
export interface ReaderSets {
  /** The reader set id of the Things of this pair: 0 when the pair has no reader rows. */
  of(namespace: string | null, policyId: string | null): number;
  /** The pair's reader rows are being rewritten: its next `of` recomputes. */
  forget(namespace: string, policyId: string): void;
  /** Forgets everything (a rolled-back transaction may have created sets that do not exist). */
  reset(): void;
}

/**
 * Reader sets (ADR 0004, "Reader sets"): Things whose (policy, namespace) pairs have the same reader
 * rows (subject, access, revokes) share one integer id, stored on the Thing and on each of its
 * field rows, so that the search tests visibility inside the field index. A set is immutable: its id
 * names one namespace and one exact list of rows (`reader_sets.fingerprint`), and a pair whose rows
 * change moves to another set. Must stay self-contained: its text runs in the writer thread too.
 */
export function createReaderSets(db: BetterSqlite3.Database): ReaderSets {
  const pairRows = db.prepare<[string, string], { subject: string; access: number; revokes: number }>(
    'SELECT subject, access, revokes FROM policy_readers WHERE policy_id = ? AND namespace = ? ORDER BY subject',
  );
  const setGet = db.prepare<[string], { rs: number }>('SELECT rs FROM reader_sets WHERE fingerprint = ?');
  const setInsert = db.prepare<[string, string], { rs: number }>(
    'INSERT INTO reader_sets (namespace, fingerprint) VALUES (?, ?) RETURNING rs',
  );
  const memberInsert = db.prepare(
    'INSERT INTO reader_set_subjects (subject, rs, access, revokes) VALUES (?, ?, ?, ?)',
  );
  // Pair -> set id, only for pairs whose rows this connection has seen settle.
  const known = new Map<string, number>();
  const key = (namespace: string, policyId: string) => `${policyId}\u0000${namespace}`;
  return {
    of(namespace, policyId) {
      if (namespace === null || policyId === null) return 0;
      const k = key(namespace, policyId);
      const cached = known.get(k);
      if (cached !== undefined) return cached;
      const rows = pairRows.all(policyId, namespace);
      let rs = 0;
      if (rows.length > 0) {
        const fingerprint = JSON.stringify([namespace, rows.map((r) => [r.subject, r.access, r.revokes])]);
        const found = setGet.get(fingerprint);
        if (found !== undefined) rs = found.rs;
        else {
          rs = (setInsert.get(namespace, fingerprint) as { rs: number }).rs;
          for (const r of rows) memberInsert.run(r.subject, rs, r.access, r.revokes);
        }
      }
      if (known.size >= 100000) known.clear();
      known.set(k, rs);
      return rs;
    },
    forget(namespace, policyId) {
      known.delete(key(namespace, policyId));
    },
    reset() {
      known.clear();
    },
  };
}

/**
 * Prepares the statements on `db` and returns the batch executor. A refused plan (revision moved
 * on, or the row exists for an insert) writes nothing; any error rolls the whole batch back.
 */
export function createPlanExecutor(db: BetterSqlite3.Database): PlanExecutor {
  const table = (name: string, searchColumns: boolean) => ({
    insert: db.prepare<unknown[], { tid: number; rs: number }>(
      `INSERT INTO ${name} (id, revision, deleted, created, modified, value, metadata${searchColumns ? ', namespace, policy_id, rs' : ''}) VALUES (?, ?, ?, ?, ?, ?, ?${searchColumns ? ', ?, ?, ?' : ''}) ON CONFLICT(id) DO NOTHING RETURNING ${searchColumns ? 'tid, rs' : '0 AS tid, 0 AS rs'}`,
    ),
    update: db.prepare<unknown[], { tid: number; rs: number }>(
      `UPDATE ${name} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ?${searchColumns ? ', namespace = ?, policy_id = ?' : ''} WHERE id = ? AND revision = ? RETURNING ${searchColumns ? 'tid, rs' : '0 AS tid, 0 AS rs'}`,
    ),
    // Without the search columns: SQLite rewrites the entry of every index whose columns are SET,
    // even to the same value, which dirties one more page per write (things_policy).
    updateState: db.prepare<unknown[], { tid: number; rs: number }>(
      `UPDATE ${name} SET revision = ?, deleted = ?, created = ?, modified = ?, value = ?, metadata = ? WHERE id = ? AND revision = ? RETURNING ${searchColumns ? 'tid, rs' : '0 AS tid, 0 AS rs'}`,
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
    'INSERT INTO thing_fields (pid, kind, val, id, tid, rs) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const fieldDelete = db.prepare(
    'DELETE FROM thing_fields WHERE pid = ? AND kind = ? AND val = ? AND id = ?',
  );
  const thingRs = db.prepare('UPDATE things SET rs = ? WHERE tid = ?');
  const fieldsRs = db.prepare('UPDATE thing_fields SET rs = ? WHERE tid = ?');
  const pairRs = db.prepare<[number, string, string, number], { tid: number }>(
    'UPDATE things SET rs = ? WHERE policy_id = ? AND namespace = ? AND rs <> ? RETURNING tid',
  );
  const sets = createReaderSets(db);
  const readersDelete = db.prepare('DELETE FROM policy_readers WHERE policy_id = ? AND namespace = ?');
  const readersInsert = db.prepare(
    'INSERT INTO policy_readers (policy_id, namespace, subject, access, revokes) VALUES (?, ?, ?, ?, ?)',
  );
  const importsDelete = db.prepare('DELETE FROM policy_imports WHERE importer = ?');
  const importsInsert = db.prepare(
    'INSERT INTO policy_imports (imported, via, importer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
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
    // Things written by this batch (tid -> [namespace, policy id, set id of its rows]) and pairs whose
    // reader rows it rewrote: their set ids are settled once every plan is applied.
    const written = new Map<number, readonly [string | null, string | null, number]>();
    const pairs = new Map<string, readonly [string, string]>();
    for (let position = 0; position < plans.length; position++) {
      const p = plans[position] as WritePlan;
      const st = p.thing ? things : policies;
      const state = [p.revision, p.deleted, p.created, p.modified, p.value, p.metadata] as const;
      const search = p.thing ? [p.namespace, p.policyId] : [];
      const applied =
        p.expectedRevision === 0
          ? st.insert.get(p.id, ...state, ...(p.thing ? [...search, sets.of(p.namespace, p.policyId)] : []))
          : p.searchUnchanged
            ? st.updateState.get(...state, p.id, p.expectedRevision)
            : st.update.get(...state, ...search, p.id, p.expectedRevision);
      if (applied === undefined) {
        conflicts.push(position);
        continue;
      }
      for (const j of p.journal) appendJournal.run(j[0], j[1], j[2], j[3], j[4], j[5]);
      if (!p.thing) {
        importsDelete.run(p.id);
        for (const [imported, via] of p.imports) importsInsert.run(imported, via, p.id);
      }
      for (const f of p.removed) fieldDelete.run(pid(f[0], f[1]), f[2], sqlValue(f[3]), p.id);
      for (const f of p.added)
        fieldInsert.run(pid(f[0], f[1]), f[2], sqlValue(f[3]), p.id, applied.tid, applied.rs);
      if (p.thing && p.deleted === 0) written.set(applied.tid, [p.namespace, p.policyId, applied.rs]);
      for (const r of p.readers) {
        readersDelete.run(r.policyId, r.namespace);
        for (const row of r.rows) readersInsert.run(r.policyId, r.namespace, row[0], row[1], row[2]);
        sets.forget(r.namespace, r.policyId);
        pairs.set(`${r.policyId}\u0000${r.namespace}`, [r.namespace, r.policyId]);
      }
    }
    // A pair with other readers now: its Things and their field rows move to the pair's set.
    const moved = new Set<number>();
    // (`forget` ran when the rows were written, so `of` reads the rows as the batch left them.)
    for (const [namespace, policyId] of pairs.values()) {
      const rs = sets.of(namespace, policyId);
      for (const { tid } of pairRs.all(rs, policyId, namespace, rs)) {
        fieldsRs.run(rs, tid);
        moved.add(tid);
      }
    }
    // A Thing written with the set its pair had before (new Thing, other policy, readers of the batch).
    for (const [tid, [namespace, policyId, used]] of written) {
      if (moved.has(tid)) continue;
      const rs = sets.of(namespace, policyId);
      if (rs === used) continue;
      thingRs.run(rs, tid);
      fieldsRs.run(rs, tid);
    }
  });

  return (plans) => {
    const conflicts: number[] = [];
    try {
      apply(plans, conflicts);
    } catch (e) {
      pending = new Map();
      sets.reset();
      throw e;
    }
    for (const [path, id] of pending) paths.set(path, id);
    pending = new Map();
    return conflicts;
  };
}
