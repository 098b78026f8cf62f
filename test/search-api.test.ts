/**
 * End-to-end: /api/2/search/things and /count over HTTP against a real Egiz (SQLite), as Ditto's
 * clients use them: GET and form POST, filter, namespaces, fields, sort, size, cursors (tampered ones
 * refused), the deprecated limit with nextPageOffset, counts, Ditto's error codes, read-your-writes
 * consistency, permissions, and responses that validate against Ditto's OpenAPI description.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DittoOpenApi } from './support/ditto-openapi.js';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let api: DittoOpenApi;
const NS = 'org.egiz.search';
const OTHER = 'org.egiz.other';
const N = 12;
const id = (i: number) => `${NS}:s${String(i).padStart(2, '0')}`;

interface Result {
  items: Record<string, unknown>[];
  cursor?: string;
  nextPageOffset?: number;
}

async function get(path: string, auth?: string): Promise<{ status: number; body: unknown }> {
  const r = await s.request(path, auth === undefined ? {} : { auth });
  return { status: r.status, body: await r.json() };
}

async function search(
  query: Record<string, string>,
  auth?: string,
): Promise<{ status: number; body: Result }> {
  const { status, body } = await get(`/api/2/search/things?${new URLSearchParams(query).toString()}`, auth);
  // Ditto's schema requires thingId and policyId in every item, which a field selection may leave
  // out (Ditto answers the same way); the envelope is checked for those, the whole body otherwise.
  if (status === 200 && query.fields === undefined)
    expect(api.validate('/api/2/search/things', 'GET', 200, body)).toBeUndefined();
  else if (status === 200)
    expect(
      api.validate('/api/2/search/things', 'GET', 200, { ...(body as object), items: [] }),
    ).toBeUndefined();
  return { status, body: body as Result };
}

function expectError(res: { status: number; body: unknown }, status: number, code: string): void {
  expect(res.status).toBe(status);
  expect((res.body as { error: string }).error).toBe(code);
  expect(api.validate('/api/2/search/things', 'GET', status, res.body)).toBeUndefined();
}

beforeAll(async () => {
  s = await startServer();
  api = new DittoOpenApi();
  for (let i = 0; i < N; i++) {
    const r = await s.request(`/api/2/things/${id(i)}`, {
      method: 'PUT',
      json: {
        attributes: { n: i, even: i % 2 === 0, name: `thing ${i}`, group: ['a', 'b', 'c'][i % 3] },
        features: { temp: { properties: { value: 20 + i } } },
      },
    });
    expect(r.status).toBe(201);
  }
  const r = await s.request(`/api/2/things/${OTHER}:x`, { method: 'PUT', json: { attributes: { n: 1 } } });
  expect(r.status).toBe(201);
});

afterAll(async () => {
  await s.close();
});

describe('GET /api/2/search/things', () => {
  it('answers the first page sorted by thingId with Ditto’s default shape', async () => {
    const { status, body } = await search({ namespaces: NS, option: 'size(5)' });
    expect(status).toBe(200);
    expect(body.items.map((t) => t.thingId)).toStrictEqual([0, 1, 2, 3, 4].map(id));
    expect(body.items[0]).toStrictEqual({
      thingId: id(0),
      policyId: id(0),
      attributes: { n: 0, even: true, name: 'thing 0', group: 'a' },
      features: { temp: { properties: { value: 20 } } },
    });
    expect(typeof body.cursor).toBe('string');
    expect(body.nextPageOffset).toBeUndefined();
  });

  it('without options: 25 items at most, nextPageOffset -1 on the last page', async () => {
    const { body } = await search({ filter: `eq(_namespace,"${NS}")` });
    expect(body.items).toHaveLength(N);
    expect(body.nextPageOffset).toBe(-1);
    expect(body.cursor).toBeUndefined();
  });

  it('pages with cursors through everything exactly once, the cursor carrying filter and sort', async () => {
    const seen: unknown[] = [];
    let query: Record<string, string> = {
      filter: 'ge(attributes/n,3)',
      namespaces: NS,
      option: 'sort(-attributes/n),size(4)',
    };
    for (let page = 0; page < 10; page++) {
      const { status, body } = await search(query);
      expect(status).toBe(200);
      seen.push(...body.items.map((t) => t.attributes && (t.attributes as { n: number }).n));
      if (body.cursor === undefined) break;
      expect(body.items).toHaveLength(4);
      // Ditto allows leaving out filter and sort with a cursor: they come from the cursor.
      query = { option: `size(4),cursor(${body.cursor})` };
    }
    expect(seen).toStrictEqual([11, 10, 9, 8, 7, 6, 5, 4, 3]);
  });

  it('sorts by several keys, with thingId breaking ties', async () => {
    const { body } = await search({
      namespaces: NS,
      option: 'sort(+attributes/group,-attributes/n),size(6)',
      fields: 'thingId',
    });
    expect(body.items.map((t) => t.thingId)).toStrictEqual([9, 6, 3, 0, 10, 7].map(id));
  });

  it('selects fields, also special ones, and searches feature wildcards', async () => {
    const { body } = await search({
      filter: 'gt(features/*/properties/value,30)',
      fields: 'thingId,attributes(n),_revision,_namespace',
    });
    expect(body.items).toStrictEqual([
      { thingId: id(11), attributes: { n: 11 }, _revision: 1, _namespace: NS },
    ]);
  });

  it('applies Ditto’s condition on top of the filter', async () => {
    const { body } = await search({
      filter: 'ge(attributes/n,8)',
      condition: 'eq(attributes/even,true)',
      fields: 'thingId',
    });
    expect(body.items).toStrictEqual([{ thingId: id(8) }, { thingId: id(10) }]);
  });

  it('restricts to namespaces', async () => {
    const both = await search({ filter: 'eq(attributes/n,1)', fields: 'thingId' });
    expect(both.body.items.map((t) => t.thingId)).toStrictEqual([`${OTHER}:x`, id(1)]);
    const one = await search({ filter: 'eq(attributes/n,1)', namespaces: OTHER, fields: 'thingId' });
    expect(one.body.items.map((t) => t.thingId)).toStrictEqual([`${OTHER}:x`]);
  });

  it('deprecated limit(offset,count) answers nextPageOffset', async () => {
    const first = await search({ namespaces: NS, option: 'limit(0,5)', fields: 'thingId' });
    expect(first.body.items.map((t) => t.thingId)).toStrictEqual([0, 1, 2, 3, 4].map(id));
    expect(first.body).toMatchObject({ nextPageOffset: 5 });
    expect(first.body.cursor).toBeUndefined();
    const last = await search({ namespaces: NS, option: 'limit(10,5)', fields: 'thingId' });
    expect(last.body.items.map((t) => t.thingId)).toStrictEqual([id(10), id(11)]);
    expect(last.body.nextPageOffset).toBe(-1);
  });
});

describe('errors', () => {
  it('a tampered cursor is 400 thing-search:search.option.invalid', async () => {
    const { body } = await search({ namespaces: NS, option: 'size(2)' });
    const cursor = body.cursor ?? '';
    const flipped = (cursor[0] === 'A' ? 'B' : 'A') + cursor.slice(1);
    expectError(await search({ option: `cursor(${flipped})` }), 400, 'thing-search:search.option.invalid');
    expectError(await search({ option: 'cursor(not-a-cursor)' }), 400, 'thing-search:search.option.invalid');
    expectError(
      await search({ filter: 'exists(thingId)', option: `cursor(${cursor})` }),
      400,
      'thing-search:search.option.invalid',
    );
    expectError(
      await search({ option: `sort(-thingId),cursor(${cursor})` }),
      400,
      'thing-search:search.option.invalid',
    );
  });

  it('bad options, filters, namespaces and fields get Ditto’s codes', async () => {
    for (const option of [
      'size(0)',
      'size(201)',
      'limit(0,201)',
      'limit(0,5),size(5)',
      'sort(attributes/n)',
      'bogus(1)',
      'sort(+features/*/properties/value)',
    ])
      expectError(await search({ option }), 400, 'thing-search:search.option.invalid');
    expectError(await search({ filter: 'eq(attributes/n' }), 400, 'rql.expression.invalid');
    expectError(await search({ filter: 'foo(attributes/n,1)' }), 400, 'rql.expression.invalid');
    expectError(
      await search({ filter: `${'not('.repeat(100)}exists(thingId)${')'.repeat(100)}` }),
      400,
      'rql.expression.invalid',
    );
    expectError(
      await search({ namespaces: Array.from({ length: 101 }, (_, i) => `ns${i}`).join(',') }),
      400,
      'thing-search:search.namespaces.invalid',
    );
    expectError(await search({ fields: 'attributes(' }), 400, 'json.fieldselector.invalid');
  });

  it('needs authentication', async () => {
    const r = await s.request('/api/2/search/things', { auth: false });
    expect(r.status).toBe(401);
  });
});

describe('POST /api/2/search/things (form)', () => {
  it('takes the same parameters as a form body', async () => {
    const r = await s.request('/api/2/search/things', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        filter: 'lt(attributes/n,2)',
        namespaces: NS,
        fields: 'thingId',
        option: 'sort(-thingId)',
      }).toString(),
    });
    expect(r.status).toBe(200);
    const body = await r.json();
    expect(api.validate('/api/2/search/things', 'POST', 200, { ...body, items: [] })).toBeUndefined();
    expect(body).toStrictEqual({ items: [{ thingId: id(1) }, { thingId: id(0) }], nextPageOffset: -1 });
  });

  it('refuses JSON bodies with 415', async () => {
    const r = await s.request('/api/2/search/things', {
      method: 'POST',
      json: { filter: 'exists(thingId)' },
    });
    expect(r.status).toBe(415);
  });
});

describe('/api/2/search/things/count', () => {
  it('answers a bare integer, for GET and POST', async () => {
    const g = await s.request(
      `/api/2/search/things/count?filter=${encodeURIComponent('eq(attributes/even,true)')}&namespaces=${NS}`,
    );
    expect(g.status).toBe(200);
    expect(await g.text()).toBe(String(N / 2));
    const p = await s.request('/api/2/search/things/count', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'filter=exists(attributes/n)',
    });
    const n = await p.json();
    expect(n).toBe(N + 1);
    expect(api.validate('/api/2/search/things/count', 'POST', 200, n)).toBeUndefined();
  });
});

describe('consistency and permissions', () => {
  it('a search right after an acknowledged write sees it (search-persisted is accepted)', async () => {
    for (let i = 0; i < 5; i++) {
      const w = await s.request(
        `/api/2/things/${id(0)}/attributes/n?requested-acks=twin-persisted,search-persisted`,
        {
          method: 'PUT',
          json: 100 + i,
        },
      );
      // Two requested acks are answered aggregated, as Ditto does: 200 with both (each 204).
      expect(w.status).toBe(200);
      const { body } = await search({ filter: `eq(attributes/n,${100 + i})`, fields: 'thingId' });
      expect(body.items).toStrictEqual([{ thingId: id(0) }]);
    }
    const d = await s.request(`/api/2/things/${id(0)}`, { method: 'DELETE' });
    expect(d.status).toBe(204);
    expect((await search({ filter: 'ge(attributes/n,100)' })).body.items).toStrictEqual([]);
  });

  it('finds only Things the caller may read, as soon as the policy allows it', async () => {
    const alice = 'alice:alice-pw';
    expect((await search({ namespaces: NS }, alice)).body.items).toStrictEqual([]);
    expect(
      await (await s.request(`/api/2/search/things/count?namespaces=${NS}`, { auth: alice })).json(),
    ).toBe(0);
    const grant = await s.request(`/api/2/policies/${id(5)}/entries/alice`, {
      method: 'PUT',
      json: {
        subjects: { 'nginx:alice': { type: 'basic' } },
        resources: { 'thing:/attributes/n': { grant: ['READ'], revoke: [] } },
      },
    });
    expect(grant.status).toBe(201);
    // A partial view has no policyId, which Ditto's item schema requires: only the envelope is checked.
    const { body } = await search({ namespaces: NS, fields: 'thingId,policyId,attributes' }, alice);
    expect(body.items).toStrictEqual([{ thingId: id(5), attributes: { n: 5 } }]);
    // A filter on what alice cannot read never matches for her.
    expect((await search({ filter: 'eq(attributes/even,false)' }, alice)).body.items).toStrictEqual([]);
    expect(
      (await search({ filter: 'eq(attributes/n,5)', fields: 'thingId' }, alice)).body.items,
    ).toStrictEqual([{ thingId: id(5) }]);
  });
});
