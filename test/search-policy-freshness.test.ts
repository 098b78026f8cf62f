/**
 * End-to-end on SQLite and on PostgreSQL: the search follows changes of the policies a Thing's policy
 * uses — a policy it imports (directly or through `transitiveImports`) and the namespace root policy
 * of its namespace — from the moment the change is acknowledged. A subject whose READ is taken away
 * there no longer finds the Things (pages and counts), exactly as GET no longer shows them; granted
 * again, it finds them again. Also with two server processes on one PostgreSQL, where the process
 * that changes the imported policy has never seen the policies importing it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, dropSchema } from '../packages/server/src/search/search-stores.testkit.js';
import { startChild, type ChildServer } from './support/child-server.js';
import { basic, startServer, type TestServer } from './support/egiz-server.js';

const ALICE = 'alice:alice-pw';
const BOB = 'bob:bob-pw';
const ROOT = 'org.egiz.ops:root';
const rw = { grant: ['READ', 'WRITE'], revoke: [] };
/** ditto owns every policy of the test; its own entry is never imported anywhere. */
const OWNER = {
  subjects: { 'nginx:ditto': { type: 'owner' } },
  resources: { 'thing:/': rw, 'policy:/': rw },
  importable: 'never',
};
const reads = (user: string, importable?: string) => ({
  subjects: { [`nginx:${user}`]: { type: 'reader' } },
  resources: { 'thing:/': { grant: ['READ'], revoke: [] } },
  ...(importable === undefined ? {} : { importable }),
});

describe.each(['sqlite', 'postgres'] as const)(
  'search after changes of imported and namespace root policies on %s',
  (store) => {
    let s: TestServer;
    const schema = `egiz_fresh_${randomBytes(5).toString('hex')}`;

    beforeAll(async () => {
      s = await startServer({
        EGIZ_NAMESPACE_ROOT_POLICIES: `org.egiz.rooted|org.egiz.rooted.*=${ROOT}`,
        ...(store === 'postgres' ? { EGIZ_STORE: `${PG_URL}?schema=${schema}` } : {}),
      });
    });

    afterAll(async () => {
      await s.close();
      if (store === 'postgres') await dropSchema(schema);
    });

    async function put(path: string, json: unknown): Promise<void> {
      const res = await s.request(path, { method: 'PUT', json });
      expect([201, 204], `PUT ${path}`).toContain(res.status);
    }
    async function remove(path: string): Promise<void> {
      expect((await s.request(path, { method: 'DELETE' })).status, `DELETE ${path}`).toBe(204);
    }
    async function createThings(ids: readonly string[], policyId?: string): Promise<void> {
      for (const [n, id] of ids.entries())
        await put(`/api/2/things/${id}`, { ...(policyId ? { policyId } : {}), attributes: { n } });
    }
    /** The thingIds `auth` finds in `namespaces` (all pages), and the count it is told. */
    async function found(auth: string, namespaces: string, filter?: string) {
      const query = `namespaces=${namespaces}${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`;
      const ids: string[] = [];
      let cursor = '';
      for (;;) {
        const res = await s.request(
          `/api/2/search/things?${query}&option=size(2)${cursor ? `,cursor(${cursor})` : ''}`,
          { auth },
        );
        expect(res.status).toBe(200);
        const page = (await res.json()) as { items: { thingId: string }[]; cursor?: string };
        ids.push(...page.items.map((i) => i.thingId));
        if (page.cursor === undefined) break;
        cursor = page.cursor;
      }
      const count = await s.request(`/api/2/search/things/count?${query}`, { auth });
      expect(count.status).toBe(200);
      return { ids, count: Number(await count.text()) };
    }
    const status = async (auth: string, thingId: string) =>
      (await s.request(`/api/2/things/${thingId}`, { auth })).status;

    it('a policy the Things’ policy imports: revoked READ there hides them, granted shows them', async () => {
      const things = ['org.egiz.imp:t0', 'org.egiz.imp:t1', 'org.egiz.imp:t2'];
      await put('/api/2/policies/org.egiz.imp:shared', {
        entries: { owner: OWNER, readers: reads('alice') },
      });
      await put('/api/2/policies/org.egiz.imp:device', {
        entries: { owner: OWNER },
        imports: { 'org.egiz.imp:shared': {} },
      });
      await createThings(things, 'org.egiz.imp:device');
      expect(await found(ALICE, 'org.egiz.imp')).toStrictEqual({ ids: things, count: 3 });
      expect(await found(ALICE, 'org.egiz.imp', 'eq(attributes/n,1)')).toStrictEqual({
        ids: ['org.egiz.imp:t1'],
        count: 1,
      });

      await remove('/api/2/policies/org.egiz.imp:shared/entries/readers');
      expect(await status(ALICE, 'org.egiz.imp:t0')).toBe(404);
      expect(await found(ALICE, 'org.egiz.imp')).toStrictEqual({ ids: [], count: 0 });
      expect(await found(ALICE, 'org.egiz.imp', 'eq(attributes/n,1)')).toStrictEqual({ ids: [], count: 0 });

      await put('/api/2/policies/org.egiz.imp:shared/entries/readers', reads('alice'));
      expect(await status(ALICE, 'org.egiz.imp:t0')).toBe(200);
      expect(await found(ALICE, 'org.egiz.imp')).toStrictEqual({ ids: things, count: 3 });

      // Another subject in the imported entry: the one taken out loses, the one put in gains.
      await put('/api/2/policies/org.egiz.imp:shared/entries/readers', reads('bob'));
      expect(await found(ALICE, 'org.egiz.imp')).toStrictEqual({ ids: [], count: 0 });
      expect(await found(BOB, 'org.egiz.imp')).toStrictEqual({ ids: things, count: 3 });
    });

    it('a policy reached through transitiveImports, and its entries’ importable', async () => {
      const things = ['org.egiz.trans:f0', 'org.egiz.trans:f1'];
      await put('/api/2/policies/org.egiz.trans:base', { entries: { owner: OWNER, crew: reads('alice') } });
      await put('/api/2/policies/org.egiz.trans:team', {
        entries: { owner: OWNER },
        imports: { 'org.egiz.trans:base': {} },
      });
      await put('/api/2/policies/org.egiz.trans:fleet', {
        entries: { owner: OWNER },
        imports: { 'org.egiz.trans:team': { transitiveImports: ['org.egiz.trans:base'] } },
      });
      await createThings(things, 'org.egiz.trans:fleet');
      expect(await found(ALICE, 'org.egiz.trans')).toStrictEqual({ ids: things, count: 2 });

      await put('/api/2/policies/org.egiz.trans:base/entries/crew', reads('alice', 'never'));
      expect(await status(ALICE, 'org.egiz.trans:f0')).toBe(404);
      expect(await found(ALICE, 'org.egiz.trans')).toStrictEqual({ ids: [], count: 0 });

      await put('/api/2/policies/org.egiz.trans:base/entries/crew', reads('alice', 'implicit'));
      expect(await status(ALICE, 'org.egiz.trans:f0')).toBe(200);
      expect(await found(ALICE, 'org.egiz.trans')).toStrictEqual({ ids: things, count: 2 });

      // Deleted, then created again.
      await remove('/api/2/policies/org.egiz.trans:base');
      expect(await found(ALICE, 'org.egiz.trans')).toStrictEqual({ ids: [], count: 0 });
      await put('/api/2/policies/org.egiz.trans:base', { entries: { owner: OWNER, crew: reads('alice') } });
      expect(await found(ALICE, 'org.egiz.trans')).toStrictEqual({ ids: things, count: 2 });
    });

    it('the namespace root policy: created, revoked, granted, through its imports, deleted', async () => {
      const rooted = ['org.egiz.rooted.hall:h0', 'org.egiz.rooted:r0', 'org.egiz.rooted:r1'];
      const namespaces = 'org.egiz.rooted,org.egiz.rooted.hall,org.egiz.rootedx';
      // Things with their default policies (ditto only), before the root policy exists.
      await createThings([...rooted, 'org.egiz.rootedx:outside']);
      expect(await found(BOB, namespaces)).toStrictEqual({ ids: [], count: 0 });

      await put('/api/2/policies/org.egiz.ops:team', { entries: { owner: OWNER, oncall: reads('alice') } });
      await put(`/api/2/policies/${ROOT}`, {
        entries: { owner: OWNER, watch: reads('bob') },
        imports: { 'org.egiz.ops:team': {} },
      });
      expect(await found(BOB, namespaces)).toStrictEqual({ ids: rooted, count: 3 });
      expect(await found(ALICE, namespaces)).toStrictEqual({ ids: rooted, count: 3 });

      await remove(`/api/2/policies/${ROOT}/entries/watch`);
      expect(await status(BOB, 'org.egiz.rooted:r0')).toBe(404);
      expect(await found(BOB, namespaces)).toStrictEqual({ ids: [], count: 0 });
      await put(`/api/2/policies/${ROOT}/entries/watch`, reads('bob'));
      expect(await status(BOB, 'org.egiz.rooted:r0')).toBe(200);
      expect(await found(BOB, namespaces)).toStrictEqual({ ids: rooted, count: 3 });

      // A policy the root policy imports.
      await remove('/api/2/policies/org.egiz.ops:team/entries/oncall');
      expect(await status(ALICE, 'org.egiz.rooted:r0')).toBe(404);
      expect(await found(ALICE, namespaces)).toStrictEqual({ ids: [], count: 0 });
      await put('/api/2/policies/org.egiz.ops:team/entries/oncall', reads('alice'));
      expect(await found(ALICE, namespaces)).toStrictEqual({ ids: rooted, count: 3 });

      await remove(`/api/2/policies/${ROOT}`);
      expect(await found(BOB, namespaces)).toStrictEqual({ ids: [], count: 0 });
      expect(await found(ALICE, namespaces)).toStrictEqual({ ids: [], count: 0 });
    });
  },
);

describe('two server processes sharing one PostgreSQL', () => {
  const schema = `egiz_fresh2_${randomBytes(5).toString('hex')}`;
  const children: ChildServer[] = [];

  beforeAll(async () => {
    const env = {
      EGIZ_STORE: `${PG_URL}?schema=${schema}`,
      EGIZ_USERS: 'ditto:ditto,alice:alice-pw',
      EGIZ_DEVOPS_PASSWORD: 'devops-pw',
    };
    // One after the other: the first creates the schema.
    children.push(await startChild(env));
    children.push(await startChild(env));
  }, 40_000);

  afterAll(async () => {
    for (const child of children) {
      child.proc.kill('SIGTERM');
      await child.exited;
    }
    await dropSchema(schema);
  });

  const call = (
    child: ChildServer | undefined,
    path: string,
    init: { method?: string; json?: unknown; auth?: string } = {},
  ) =>
    fetch(`${child?.url ?? ''}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: basic(init.auth ?? 'ditto:ditto'),
        ...(init.json === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  const aliceFinds = async (child: ChildServer | undefined) => {
    const page = (await (
      await call(child, '/api/2/search/things?namespaces=org.egiz.two', { auth: ALICE })
    ).json()) as {
      items: { thingId: string }[];
    };
    const count = await call(child, '/api/2/search/things/count?namespaces=org.egiz.two', { auth: ALICE });
    return { ids: page.items.map((i) => i.thingId), count: Number(await count.text()) };
  };

  it('a change of an imported policy on one process reaches the search of the other', async () => {
    const [first, second] = children;
    const things = ['org.egiz.two:a', 'org.egiz.two:b'];
    for (const [path, json] of [
      ['/api/2/policies/org.egiz.two:shared', { entries: { owner: OWNER, readers: reads('alice') } }],
      [
        '/api/2/policies/org.egiz.two:device',
        { entries: { owner: OWNER }, imports: { 'org.egiz.two:shared': {} } },
      ],
      ...things.map((id) => [`/api/2/things/${id}`, { policyId: 'org.egiz.two:device' }] as const),
    ] as const)
      expect((await call(first, path, { method: 'PUT', json })).status).toBe(201);
    expect(await aliceFinds(second)).toStrictEqual({ ids: things, count: 2 });

    // The second process has never loaded org.egiz.two:device: it finds it through the store.
    const removed = await call(second, '/api/2/policies/org.egiz.two:shared/entries/readers', {
      method: 'DELETE',
    });
    expect(removed.status).toBe(204);
    expect(await aliceFinds(first)).toStrictEqual({ ids: [], count: 0 });
    expect(await aliceFinds(second)).toStrictEqual({ ids: [], count: 0 });

    const granted = await call(second, '/api/2/policies/org.egiz.two:shared/entries/readers', {
      method: 'PUT',
      json: reads('alice'),
    });
    expect(granted.status).toBe(201);
    expect(await aliceFinds(first)).toStrictEqual({ ids: things, count: 2 });
  });
});
