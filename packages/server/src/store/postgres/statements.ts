/**
 * @module SQL of the PostgreSQL store. A commit round is ONE statement: data-modifying CTEs insert new
 * rows (`ON CONFLICT (id) DO NOTHING`) and update existing ones (`WHERE revision = expected`), and the
 * journal rows are appended only for the mutations that changed a row. It answers with the positions
 * (in the round) that were applied; every other one is a conflict. One round trip, one implicit
 * transaction, however large the batch.
 *
 * Parameters, all jsonb: $1 the rows `[{p, kind, id, expected, revision, deleted, created, modified,
 * value, metadata?, namespace?, policy_id?}]`, $2 the events per position `[[{kind, id, revision, ts,
 * type, payload}], ...]`, $3 and $4 maps from thing id and policy id to position. The maps replace a
 * join between RETURNING and the input: the planner guesses ~1 row for a data-modifying CTE and picks
 * a nested loop, which is quadratic in the batch size (INSERT ... RETURNING cannot name its source
 * row, UPDATE can).
 *
 * The search index rides along: $5 holds every field row of each Thing written (`[{p, pid, kind, num,
 * str, fold}]`); rows of an applied Thing that are not among them are deleted, missing ones inserted.
 * Sending the full set instead of a diff keeps the index exact whatever was stored before (another
 * node may have written the Thing), at the price of a larger parameter. $6 names the (policy,
 * namespace) pairs whose reader rows are replaced and $7 holds their new rows, each applied only
 * when its mutation is (the last applied mutation of a round wins per pair). $8 holds the rows of the
 * import index of every Policy written (`[{p, imported, via}]`): an applied Policy keeps exactly those.
 */
import type { EntityKind } from '../port.js';

export const TABLE: Record<EntityKind, string> = { thing: 'things', policy: 'policies' };

const COLUMNS = 'id, revision, deleted, created, modified, value, metadata';

function writes(prefix: string, kind: EntityKind, positions: string): string {
  const table = `${prefix}${TABLE[kind]}`;
  // Things also keep their search columns and hand back their index key.
  const thing = kind === 'thing';
  const columns = thing ? `${COLUMNS}, namespace, policy_id` : COLUMNS;
  const set = thing ? ', namespace = m.namespace, policy_id = m.policy_id' : '';
  return `
  ins_${kind} AS (
    INSERT INTO ${table} AS t (${columns})
    SELECT ${columns} FROM m WHERE m.kind = '${kind}' AND m.expected = 0
    ON CONFLICT (id) DO NOTHING
    RETURNING (${positions}::jsonb ->> t.id)::int4 AS p${thing ? ', t.tid' : ''}
  ),
  upd_${kind} AS (
    UPDATE ${table} AS t
    SET revision = m.revision, deleted = m.deleted, created = m.created, modified = m.modified,
        value = m.value, metadata = m.metadata${set}
    FROM m
    WHERE m.kind = '${kind}' AND m.expected <> 0 AND t.id = m.id AND t.revision = m.expected
    RETURNING m.p${thing ? ', t.tid' : ''}
  ),`;
}

function searchIndexWrites(prefix: string): string {
  const fields = `${prefix}thing_fields`;
  const readers = `${prefix}policy_readers`;
  // IS NOT DISTINCT FROM: null, empty and opaque rows have neither num nor str.
  const same = (a: string, b: string) =>
    `${a}.pid = ${b}.pid AND ${a}.kind = ${b}.kind AND ${a}.num IS NOT DISTINCT FROM ${b}.num AND ${a}.str IS NOT DISTINCT FROM ${b}.str`;
  return `
  fnew AS MATERIALIZED (
    SELECT d.tid, x.pid, x.kind, x.num, x.str, x.fold
    FROM done_thing d
    JOIN jsonb_to_recordset($5::jsonb) AS x(p int4, pid int4, kind int2, num float8, str text, fold text)
      ON x.p = d.p
  ),
  fdel AS (
    DELETE FROM ${fields} f USING done_thing d
    WHERE f.tid = d.tid AND NOT EXISTS (SELECT 1 FROM fnew n WHERE n.tid = f.tid AND ${same('n', 'f')})
  ),
  fins AS (
    INSERT INTO ${fields} (tid, pid, kind, num, str, fold)
    SELECT n.tid, n.pid, n.kind, n.num, n.str, n.fold FROM fnew n
    WHERE NOT EXISTS (SELECT 1 FROM ${fields} f WHERE f.tid = n.tid AND ${same('f', 'n')})
  ),
  rpairs AS MATERIALIZED (
    SELECT DISTINCT ON (x.policy_id, x.namespace) x.policy_id, x.namespace, x.p
    FROM jsonb_to_recordset($6::jsonb) AS x(p int4, policy_id text, namespace text)
    JOIN done d ON d.p = x.p
    ORDER BY x.policy_id, x.namespace, x.p DESC
  ),
  rnew AS MATERIALIZED (
    SELECT y.policy_id, y.namespace, y.subject, y.access, y.revokes
    FROM jsonb_to_recordset($7::jsonb)
      AS y(p int4, policy_id text, namespace text, subject text, access int2, revokes int2)
    JOIN rpairs r ON r.p = y.p AND r.policy_id = y.policy_id AND r.namespace = y.namespace
  ),
  rdel AS (
    -- NOT IN over the (non-null) new rows is a hashed subplan: the planner takes a CTE for ~100 rows
    -- and answered NOT EXISTS with a nested loop, quadratic when a policy change rewrites thousands of pairs.
    DELETE FROM ${readers} pr USING rpairs r
    WHERE pr.policy_id = r.policy_id AND pr.namespace = r.namespace
      AND (pr.policy_id, pr.namespace, pr.subject) NOT IN (SELECT policy_id, namespace, subject FROM rnew)
  ),
  rput AS (
    INSERT INTO ${readers} (policy_id, namespace, subject, access, revokes)
    SELECT policy_id, namespace, subject, access, revokes FROM rnew
    ON CONFLICT (policy_id, namespace, subject)
    DO UPDATE SET access = EXCLUDED.access, revokes = EXCLUDED.revokes
  ),${importIndexWrites(prefix)}`;
}

/** The import index of the applied Policies: rows no longer declared go, new ones come (as for readers). */
function importIndexWrites(prefix: string): string {
  const imports = `${prefix}policy_imports`;
  return `
  done_policy AS MATERIALIZED (
    SELECT m.p, m.id FROM m JOIN (SELECT p FROM ins_policy UNION ALL SELECT p FROM upd_policy) d ON d.p = m.p
  ),
  inew AS MATERIALIZED (
    SELECT x.imported, x.via, d.id AS importer
    FROM jsonb_to_recordset($8::jsonb) AS x(p int4, imported text, via text)
    JOIN done_policy d ON d.p = x.p
  ),
  idel AS (
    DELETE FROM ${imports} pi USING done_policy d
    WHERE pi.importer = d.id
      AND (pi.importer, pi.imported, pi.via) NOT IN (SELECT importer, imported, via FROM inew)
  ),
  iput AS (
    INSERT INTO ${imports} (imported, via, importer)
    SELECT imported, via, importer FROM inew
    ON CONFLICT DO NOTHING
  ),`;
}

export interface Statements {
  readonly commit: string;
  readonly get: Record<EntityKind, string>;
  readonly getMany: Record<EntityKind, string>;
  readonly count: Record<EntityKind, string>;
  readonly listIds: Record<EntityKind, string>;
  readonly journal: string;
  readonly readerPairs: string;
  readonly readerPairsIn: string;
  readonly policyImportLinks: string;
  readonly internPaths: string;
  readonly pathIds: string;
  readonly putMeta: string;
  readonly getMeta: string;
}

/** All statements for tables under `prefix` (the quoted schema plus a dot, or '' for the search_path). */
export function statements(prefix: string): Statements {
  const perKind = (sql: (table: string) => string): Record<EntityKind, string> => ({
    thing: sql(`${prefix}${TABLE.thing}`),
    policy: sql(`${prefix}${TABLE.policy}`),
  });
  const select = `SELECT ${COLUMNS} FROM`;
  return {
    commit: `
WITH m AS MATERIALIZED (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    p int4, kind text, id text COLLATE "C", expected int8, revision int8, deleted boolean,
    created text, modified text, value jsonb, metadata jsonb, namespace text, policy_id text)
),${writes(prefix, 'thing', '$3')}${writes(prefix, 'policy', '$4')}
  done_thing AS (
    SELECT p, tid FROM ins_thing UNION ALL SELECT p, tid FROM upd_thing
  ),
  done AS (
    SELECT p FROM done_thing UNION ALL SELECT p FROM ins_policy UNION ALL SELECT p FROM upd_policy
  ),${searchIndexWrites(prefix)}
  appended AS (
    INSERT INTO ${prefix}journal (kind, id, revision, ts, type, payload)
    SELECT e.kind, e.id, e.revision, e.ts, e.type, coalesce(e.payload, 'null'::jsonb)
    FROM done CROSS JOIN LATERAL jsonb_to_recordset($2::jsonb -> done.p)
      AS e(kind text, id text, revision int8, ts text, type text, payload jsonb)
  )
SELECT p FROM done`,
    get: perKind((t) => `${select} ${t} WHERE id = $1`),
    getMany: perKind((t) => `${select} ${t} WHERE id = ANY($1::text[])`),
    count: perKind((t) => `SELECT count(*) AS n FROM ${t} WHERE NOT deleted`),
    listIds: perKind((t) => `SELECT id FROM ${t} WHERE NOT deleted AND id > $1 ORDER BY id LIMIT $2`),
    journal: `SELECT kind, id, revision, ts, type, payload FROM ${prefix}journal
      WHERE kind = $1 AND id = $2 AND revision >= $3 AND revision <= $4 AND ($5::text IS NULL OR ts <= $5::text)
      ORDER BY revision LIMIT $6`,
    readerPairs: `SELECT policy_id, namespace FROM ${prefix}things
        WHERE policy_id = ANY($1::text[]) AND NOT deleted AND namespace IS NOT NULL
      UNION SELECT policy_id, namespace FROM ${prefix}policy_readers WHERE policy_id = ANY($1::text[])`,
    // Things: a range of the id index per pattern. Reader rows have no index by namespace: this reads them all.
    readerPairsIn: `SELECT t.policy_id, t.namespace
        FROM unnest($1::text[], $2::text[]) AS r(lo, hi)
        JOIN ${prefix}things t ON t.id >= r.lo AND t.id < r.hi
        WHERE NOT t.deleted AND t.policy_id IS NOT NULL AND t.namespace IS NOT NULL
      UNION SELECT pr.policy_id, pr.namespace
        FROM ${prefix}policy_readers pr JOIN unnest($3::text[], $4::text[]) AS r(lo, hi)
          ON pr.namespace >= r.lo AND pr.namespace < r.hi`,
    policyImportLinks: `SELECT DISTINCT pi.importer, pi.imported, pi.via
      FROM unnest($1::text[], $2::text[]) AS k(imported, via)
      JOIN ${prefix}policy_imports pi ON pi.imported = k.imported AND pi.via = k.via`,
    internPaths: `INSERT INTO ${prefix}search_paths (path, wild)
      SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (path) DO NOTHING`,
    pathIds: `SELECT pid, path FROM ${prefix}search_paths WHERE path = ANY($1::text[])`,
    putMeta: `INSERT INTO ${prefix}egiz_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
    getMeta: `SELECT value FROM ${prefix}egiz_meta WHERE key = $1`,
  };
}
