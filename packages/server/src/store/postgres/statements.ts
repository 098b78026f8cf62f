/**
 * @module SQL of the PostgreSQL store. A commit round is ONE statement: data-modifying CTEs insert new
 * rows (`ON CONFLICT (id) DO NOTHING`) and update existing ones (`WHERE revision = expected`), and the
 * journal rows are appended only for the mutations that changed a row. It answers with the positions
 * (in the round) that were applied; every other one is a conflict. One round trip, one implicit
 * transaction, however large the batch.
 *
 * Parameters, all jsonb: $1 the rows `[{p, kind, id, expected, revision, deleted, created, modified,
 * value, metadata?}]`, $2 the events per position `[[{kind, id, revision, ts, type, payload}], ...]`,
 * $3 and $4 maps from thing id and policy id to position. The maps replace a join between RETURNING
 * and the input: the planner guesses ~1 row for a data-modifying CTE and picks a nested loop, which
 * is quadratic in the batch size (INSERT ... RETURNING cannot name its source row, UPDATE can).
 */
import type { EntityKind } from '../port.js';

export const TABLE: Record<EntityKind, string> = { thing: 'things', policy: 'policies' };

const COLUMNS = 'id, revision, deleted, created, modified, value, metadata';

function writes(prefix: string, kind: EntityKind, positions: string): string {
  const table = `${prefix}${TABLE[kind]}`;
  return `
  ins_${kind} AS (
    INSERT INTO ${table} AS t (${COLUMNS})
    SELECT ${COLUMNS} FROM m WHERE m.kind = '${kind}' AND m.expected = 0
    ON CONFLICT (id) DO NOTHING
    RETURNING (${positions}::jsonb ->> t.id)::int4 AS p
  ),
  upd_${kind} AS (
    UPDATE ${table} AS t
    SET revision = m.revision, deleted = m.deleted, created = m.created, modified = m.modified,
        value = m.value, metadata = m.metadata
    FROM m
    WHERE m.kind = '${kind}' AND m.expected <> 0 AND t.id = m.id AND t.revision = m.expected
    RETURNING m.p
  ),`;
}

export interface Statements {
  readonly commit: string;
  readonly get: Record<EntityKind, string>;
  readonly getMany: Record<EntityKind, string>;
  readonly count: Record<EntityKind, string>;
  readonly listIds: Record<EntityKind, string>;
  readonly journal: string;
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
    created text, modified text, value jsonb, metadata jsonb)
),${writes(prefix, 'thing', '$3')}${writes(prefix, 'policy', '$4')}
  done AS (
    SELECT p FROM ins_thing UNION ALL SELECT p FROM upd_thing
    UNION ALL SELECT p FROM ins_policy UNION ALL SELECT p FROM upd_policy
  ),
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
  };
}
