/**
 * End-to-end: the reader sets of the SQLite store (ADR 0004) follow every change that moves a Thing
 * between readers — policy changes, a new policyId, deletion and re-creation, namespaces — so that
 * counts and pages answered from the field index alone stay exact and never show a Thing to someone
 * who may not read it. After each step the store file itself is checked: every live Thing carries
 * the set of its (policy, namespace) pair, and every field row carries its Thing's set and id.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';

const NS = 'org.egiz.rs';
const NS2 = 'org.egiz.rs2';
const SHARED = `${NS}:shared`;
const PRIVATE = `${NS}:private`;
const BOB_READS = `${NS}:bob-reads`;
const BOB = 'bob:bob-pw';
const OWNER = 'ditto:ditto';

let s: TestServer;

const entry = (subject: string, grant: string[], revoke: string[] = []) => ({
  subjects: { [subject]: { type: 'test' } },
  resources: {
    'thing:/': { grant, revoke: [] },
    'policy:/': { grant: subject === 'nginx:ditto' ? ['READ', 'WRITE'] : [], revoke: [] },
    ...(revoke.length > 0 ? { 'thing:/attributes/secret': { grant: [], revoke } } : {}),
  },
});
const owner = entry('nginx:ditto', ['READ', 'WRITE']);
const policy = (bob?: ReturnType<typeof entry>) => ({
  entries: { OWNER: owner, ...(bob ? { BOB: bob } : {}) },
});

async function ok(r: Response): Promise<Response> {
  if (r.status >= 300) throw new Error(`${r.status} ${await r.text()}`);
  return r;
}

async function put(path: string, json: unknown): Promise<void> {
  await ok(await s.request(path, { method: 'PUT', json, auth: OWNER }));
}

async function count(filter: string, auth: string, namespaces?: string): Promise<number> {
  const q = new URLSearchParams({ filter, ...(namespaces ? { namespaces } : {}) });
  return (await (
    await ok(await s.request(`/api/2/search/things/count?${q.toString()}`, { auth }))
  ).json()) as number;
}

/** Every id a caller finds, following cursors page by page. */
async function ids(filter: string, auth: string, size = 10, namespaces?: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const option = cursor === undefined ? `size(${size})` : `size(${size}),cursor(${cursor})`;
    const q = new URLSearchParams({ filter, option, ...(namespaces ? { namespaces } : {}) });
    const body = (await (
      await ok(await s.request(`/api/2/search/things?${q.toString()}`, { auth }))
    ).json()) as {
      items: { thingId: string }[];
      cursor?: string;
    };
    out.push(...body.items.map((i) => i.thingId));
    if (body.cursor === undefined) return out;
    cursor = body.cursor;
  }
}

const thing = (i: number, ns = NS) => `${ns}:t${String(i).padStart(2, '0')}`;

/** The invariant of the reader sets, read from the store file. */
function checkStore(): void {
  const db = new Database(join(s.dataDir, 'egiz.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const pairRows = db.prepare<[string, string], { subject: string; access: number; revokes: number }>(
      'SELECT subject, access, revokes FROM policy_readers WHERE policy_id = ? AND namespace = ? ORDER BY subject',
    );
    const setOf = db.prepare<[string], { rs: number }>('SELECT rs FROM reader_sets WHERE fingerprint = ?');
    const members = db.prepare<[number], { subject: string; access: number; revokes: number }>(
      'SELECT subject, access, revokes FROM reader_set_subjects WHERE rs = ? ORDER BY subject',
    );
    const fields = db.prepare<[number], { id: string; rs: number }>(
      'SELECT id, rs FROM thing_fields WHERE tid = ?',
    );
    const things = db
      .prepare<[], { tid: number; id: string; rs: number; policy_id: string; namespace: string }>(
        'SELECT tid, id, rs, policy_id, namespace FROM things WHERE deleted = 0',
      )
      .all();
    expect(things.length).toBeGreaterThan(0);
    for (const t of things) {
      const rows = pairRows.all(t.policy_id, t.namespace);
      const fingerprint = JSON.stringify([t.namespace, rows.map((r) => [r.subject, r.access, r.revokes])]);
      const expected = rows.length === 0 ? 0 : setOf.get(fingerprint)?.rs;
      expect(t.rs, `reader set of ${t.id}`).toBe(expected);
      if (expected !== 0) expect(members.all(t.rs)).toStrictEqual(rows);
      const own = fields.all(t.tid);
      expect(own.length, `field rows of ${t.id}`).toBeGreaterThan(0);
      for (const f of own) expect(f, `a field row of ${t.id}`).toStrictEqual({ id: t.id, rs: t.rs });
    }
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  s = await startServer();
  await put(`/api/2/policies/${SHARED}`, policy(entry('nginx:bob', ['READ'])));
  await put(`/api/2/policies/${PRIVATE}`, policy());
  await put(`/api/2/policies/${BOB_READS}`, policy(entry('nginx:bob', ['READ'])));
  const creations: Promise<void>[] = [];
  for (let i = 0; i < 30; i++)
    creations.push(
      put(`/api/2/things/${thing(i)}`, { policyId: SHARED, attributes: { kind: 'pump', n: i, secret: 's' } }),
    );
  for (let i = 30; i < 35; i++)
    creations.push(
      put(`/api/2/things/${thing(i)}`, { policyId: PRIVATE, attributes: { kind: 'pump', n: i } }),
    );
  // The same policy governs another namespace: another pair, another set.
  for (let i = 0; i < 3; i++)
    creations.push(put(`/api/2/things/${thing(i, NS2)}`, { policyId: SHARED, attributes: { kind: 'pump' } }));
  await Promise.all(creations);
}, 60_000);

afterAll(async () => {
  await s?.close();
});

const PUMPS = 'eq(attributes/kind,"pump")';
const shared = Array.from({ length: 30 }, (_, i) => thing(i));

describe('reader sets in the SQLite store', () => {
  it('counts and pages exactly what each caller reads, in thingId order, per namespace', async () => {
    checkStore();
    expect(await count(PUMPS, OWNER)).toBe(38);
    expect(await count(PUMPS, BOB)).toBe(33);
    expect(await count(PUMPS, BOB, NS)).toBe(30);
    expect(await count(PUMPS, BOB, NS2)).toBe(3);
    expect(await ids(PUMPS, BOB, 10, NS)).toStrictEqual(shared);
    // thingId order is code point order: 'org.egiz.rs2:' sorts before 'org.egiz.rs:'.
    expect(await ids(PUMPS, BOB, 7)).toStrictEqual([thing(0, NS2), thing(1, NS2), thing(2, NS2), ...shared]);
    expect(await count('gt(attributes/n,27)', BOB)).toBe(2);
    expect(await count('gt(attributes/n,27)', OWNER)).toBe(7);
    expect(await count('eq(attributes/n,31)', BOB)).toBe(0);
    expect(await ids('eq(attributes/n,31)', OWNER)).toStrictEqual([thing(31)]);
  });

  it('a policy change moves every Thing it governs at once, in every namespace', async () => {
    await put(`/api/2/policies/${SHARED}`, policy());
    checkStore();
    expect(await count(PUMPS, BOB)).toBe(0);
    expect(await ids(PUMPS, BOB)).toStrictEqual([]);
    expect(await count(PUMPS, OWNER)).toBe(38);

    await put(`/api/2/policies/${SHARED}`, policy(entry('nginx:bob', ['READ'])));
    checkStore();
    expect(await count(PUMPS, BOB)).toBe(33);
    expect(await ids(PUMPS, BOB, 25, NS)).toStrictEqual(shared);
  });

  it('a revoke below the root makes the readers partial: counts stay exact, the revoked path never matches', async () => {
    await put(`/api/2/policies/${SHARED}`, policy(entry('nginx:bob', ['READ'], ['READ'])));
    checkStore();
    expect(await count(PUMPS, BOB)).toBe(33);
    expect(await ids(PUMPS, BOB, 10, NS)).toStrictEqual(shared);
    expect(await count('eq(attributes/secret,"s")', BOB)).toBe(0);
    expect(await count('eq(attributes/secret,"s")', OWNER)).toBe(30);
    await put(`/api/2/policies/${SHARED}`, policy(entry('nginx:bob', ['READ'])));
    checkStore();
    expect(await count('eq(attributes/secret,"s")', BOB)).toBe(30);
  });

  it('a new policyId moves the Thing and its field rows', async () => {
    await put(`/api/2/things/${thing(31)}/policyId`, BOB_READS);
    checkStore();
    expect(await ids('eq(attributes/n,31)', BOB)).toStrictEqual([thing(31)]);
    expect(await count(PUMPS, BOB, NS)).toBe(31);
    await put(`/api/2/things/${thing(31)}/policyId`, PRIVATE);
    checkStore();
    expect(await count('eq(attributes/n,31)', BOB)).toBe(0);
  });

  it('deleted Things leave the index; re-created ones come back with the set of their policy', async () => {
    await ok(await s.request(`/api/2/things/${thing(10)}`, { method: 'DELETE', auth: OWNER }));
    expect(await count(PUMPS, BOB, NS)).toBe(29);
    expect(await ids(PUMPS, BOB, 10, NS)).toStrictEqual(shared.filter((id) => id !== thing(10)));
    await put(`/api/2/things/${thing(10)}`, { policyId: SHARED, attributes: { kind: 'pump', n: 10 } });
    checkStore();
    expect(await count(PUMPS, BOB, NS)).toBe(30);
    expect(await ids('eq(attributes/n,10)', BOB)).toStrictEqual([thing(10)]);
  });

  it('a Thing created with its own default policy is found by its creator at once', async () => {
    const id = `${NS}:own`;
    await ok(
      await s.request(`/api/2/things/${id}`, {
        method: 'PUT',
        json: { attributes: { kind: 'valve' } },
        auth: BOB,
      }),
    );
    checkStore();
    expect(await ids('eq(attributes/kind,"valve")', BOB)).toStrictEqual([id]);
    expect(await count('eq(attributes/kind,"valve")', OWNER)).toBe(0);
  });
});
