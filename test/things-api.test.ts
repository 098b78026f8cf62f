/**
 * End-to-end tests of /api/2/things against the real server over HTTP: happy paths and bad input,
 * checking status codes, bodies and headers as a Ditto client would see them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/egiz-server.js';

let s: TestServer;
let n = 0;
const id = (prefix = 't') => `org.egiz.test:${prefix}-${++n}`;

beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const lamp = {
  attributes: { manufacturer: 'ACME', location: { floor: 2, room: 'kitchen' }, tags: ['a', 'b'] },
  features: {
    lamp: { properties: { on: true, color: { r: 255, g: 0, b: 0 } }, desiredProperties: { on: false } },
    power: { definition: ['org.egiz:power:1.0.0'], properties: { watts: 7.5 } },
  },
};

async function create(thingId: string, body: unknown = lamp): Promise<Response> {
  const res = await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: body });
  expect(res.status).toBe(201);
  return res;
}

describe('Thing lifecycle', () => {
  it('PUT creates with 201, body, Location and ETag rev:1; GET returns it; PUT again answers 204', async () => {
    const thingId = id();
    const res = await create(thingId);
    expect(res.headers.get('location')).toBe(`/api/2/things/${thingId}`);
    expect(res.headers.get('etag')).toBe('"rev:1"');
    const body = await res.json();
    expect(body).toEqual({ thingId, policyId: thingId, ...lamp });

    const get = await s.request(`/api/2/things/${thingId}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe('"rev:1"');
    expect(get.headers.get('content-type')).toMatch(/application\/json/);
    expect(await get.json()).toEqual({ thingId, policyId: thingId, ...lamp });

    const put = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: { attributes: { x: 1 } },
    });
    expect(put.status).toBe(204);
    expect(put.headers.get('etag')).toBe('"rev:2"');
    expect(await (await s.request(`/api/2/things/${thingId}`)).json()).toEqual({
      thingId,
      policyId: thingId,
      attributes: { x: 1 },
    });
  });

  it('creates a default policy with id = thingId granting the creator READ+WRITE', async () => {
    const thingId = id();
    await create(thingId, {});
    const stored = await s.egiz.store.get('policy', thingId);
    expect(stored?.value).toEqual({
      policyId: thingId,
      entries: {
        DEFAULT: {
          subjects: { 'nginx:ditto': { type: 'generated' } },
          resources: {
            'thing:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'policy:/': { grant: ['READ', 'WRITE'], revoke: [] },
            'message:/': { grant: ['READ', 'WRITE'], revoke: [] },
          },
        },
      },
    });
  });

  it('POST /things generates an id in the default namespace, or in ?namespace=', async () => {
    const res = await s.request('/api/2/things', { method: 'POST', json: { attributes: { a: 1 } } });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.thingId).toMatch(/^egiz:[0-9a-f-]{36}$/);
    expect(res.headers.get('location')).toBe(`/api/2/things/${encodeURIComponent(body.thingId)}`);
    const res2 = await s.request('/api/2/things?namespace=my.space', { method: 'POST', json: {} });
    expect((await res2.json()).thingId).toMatch(/^my\.space:/);
    const bad = await s.request('/api/2/things?namespace=1bad', { method: 'POST', json: {} });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('things:id.invalid');
  });

  it('GET /things?ids= keeps the order of ids and omits missing ones', async () => {
    const a = id('ids');
    const b = id('ids');
    await create(a);
    await create(b);
    const res = await s.request(
      `/api/2/things?ids=${b},org.egiz.test:missing,${a}&fields=thingId,attributes/manufacturer`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { thingId: b, attributes: { manufacturer: 'ACME' } },
      { thingId: a, attributes: { manufacturer: 'ACME' } },
    ]);
  });

  it('DELETE answers 204, then the thing is gone with things:thing.notfound', async () => {
    const thingId = id();
    await create(thingId);
    const del = await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    const get = await s.request(`/api/2/things/${thingId}`);
    expect(get.status).toBe(404);
    const err = await get.json();
    expect(err).toMatchObject({ status: 404, error: 'things:thing.notfound' });
    expect(err.message).toContain(thingId);
    expect(typeof err.description).toBe('string');
    const again = await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
  });

  it('re-creating a deleted thing continues its revision', async () => {
    const thingId = id();
    await create(thingId);
    await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    const res = await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: { policyId: thingId } });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"rev:3"');
  });
});

describe('sub-resources', () => {
  it('attributes: GET, PUT (201 new / 204 existing), nested pointers, DELETE', async () => {
    const thingId = id();
    await create(thingId);
    const base = `/api/2/things/${thingId}/attributes`;
    expect(await (await s.request(base)).json()).toEqual(lamp.attributes);
    expect(await (await s.request(`${base}/location/room`)).json()).toBe('kitchen');

    const created = await s.request(`${base}/serial`, { method: 'PUT', json: 'SN-1' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`${base}/serial`);
    expect(await created.json()).toBe('SN-1');
    const modified = await s.request(`${base}/serial`, { method: 'PUT', json: 'SN-2' });
    expect(modified.status).toBe(204);
    expect(modified.headers.get('etag')).toMatch(/^"hash:[0-9a-f]+"$/);

    const nested = await s.request(`${base}/deep/er/value`, { method: 'PUT', json: 42 });
    expect(nested.status).toBe(201);
    expect(await (await s.request(`${base}/deep`)).json()).toEqual({ er: { value: 42 } });

    expect((await s.request(`${base}/serial`, { method: 'DELETE' })).status).toBe(204);
    const gone = await s.request(`${base}/serial`);
    expect(gone.status).toBe(404);
    expect((await gone.json()).error).toBe('things:attribute.notfound');

    const replaced = await s.request(base, { method: 'PUT', json: { only: true } });
    expect(replaced.status).toBe(204);
    expect(await (await s.request(base)).json()).toEqual({ only: true });
    expect((await s.request(base, { method: 'DELETE' })).status).toBe(204);
    const none = await s.request(base);
    expect(none.status).toBe(404);
    expect((await none.json()).error).toBe('things:attributes.notfound');
    const created2 = await s.request(base, { method: 'PUT', json: { back: 1 } });
    expect(created2.status).toBe(201);
  });

  it('attributes must be an object', async () => {
    const thingId = id();
    await create(thingId);
    const res = await s.request(`/api/2/things/${thingId}/attributes`, { method: 'PUT', json: [1, 2] });
    expect(res.status).toBe(400);
  });

  it('features, feature, definition, properties, property, desiredProperties, desiredProperty', async () => {
    const thingId = id();
    await create(thingId);
    const f = `/api/2/things/${thingId}/features`;
    expect(await (await s.request(f)).json()).toEqual(lamp.features);
    expect(await (await s.request(`${f}/lamp`)).json()).toEqual(lamp.features.lamp);
    expect(await (await s.request(`${f}/power/definition`)).json()).toEqual(['org.egiz:power:1.0.0']);
    expect(await (await s.request(`${f}/lamp/properties`)).json()).toEqual(lamp.features.lamp.properties);
    expect(await (await s.request(`${f}/lamp/properties/color/r`)).json()).toBe(255);
    expect(await (await s.request(`${f}/lamp/desiredProperties`)).json()).toEqual({ on: false });
    expect(await (await s.request(`${f}/lamp/desiredProperties/on`)).json()).toBe(false);

    expect((await s.request(`${f}/lamp/properties/on`, { method: 'PUT', json: false })).status).toBe(204);
    expect((await s.request(`${f}/lamp/properties/brightness`, { method: 'PUT', json: 80 })).status).toBe(
      201,
    );
    expect((await s.request(`${f}/lamp/desiredProperties/on`, { method: 'PUT', json: true })).status).toBe(
      204,
    );
    expect(
      (await s.request(`${f}/lamp/definition`, { method: 'PUT', json: ['org.egiz:lamp:2.0.0'] })).status,
    ).toBe(201);
    expect(
      (await s.request(`${f}/lamp/definition`, { method: 'PUT', json: ['not a definition'] })).status,
    ).toBe(400);
    expect((await s.request(`${f}/lamp/definition`, { method: 'PUT', json: [] })).status).toBe(400);

    const newFeature = await s.request(`${f}/sensor`, { method: 'PUT', json: { properties: { t: 21 } } });
    expect(newFeature.status).toBe(201);
    expect(newFeature.headers.get('location')).toBe(`${f}/sensor`);
    expect((await s.request(`${f}/sensor/properties`, { method: 'DELETE' })).status).toBe(204);
    const noProps = await s.request(`${f}/sensor/properties`);
    expect(noProps.status).toBe(404);
    expect((await noProps.json()).error).toBe('things:feature.properties.notfound');

    const missingFeature = await s.request(`${f}/nope/properties/x`, { method: 'PUT', json: 1 });
    expect(missingFeature.status).toBe(404);
    expect((await missingFeature.json()).error).toBe('things:feature.notfound');
    const missingProp = await s.request(`${f}/lamp/properties/nope`);
    expect((await missingProp.json()).error).toBe('things:feature.property.notfound');
    const missingDesired = await s.request(`${f}/lamp/desiredProperties/nope`);
    expect((await missingDesired.json()).error).toBe('things:feature.desiredProperty.notfound');
    const missingDef = await s.request(`${f}/sensor/definition`);
    expect((await missingDef.json()).error).toBe('things:feature.definition.notfound');

    expect((await s.request(`${f}/lamp`, { method: 'DELETE' })).status).toBe(204);
    expect((await (await s.request(`${f}/lamp`)).json()).error).toBe('things:feature.notfound');
    expect((await s.request(f, { method: 'DELETE' })).status).toBe(204);
    expect((await (await s.request(f)).json()).error).toBe('things:features.notfound');
  });

  it('policyId and definition', async () => {
    const thingId = id();
    await create(thingId);
    const res = await s.request(`/api/2/things/${thingId}/policyId`);
    expect(await res.json()).toBe(thingId);
    expect((await s.request(`/api/2/things/${thingId}/policyId`, { method: 'DELETE' })).status).toBe(405);
    const badPolicyId = await s.request(`/api/2/things/${thingId}/policyId`, {
      method: 'PUT',
      json: 'no id',
    });
    expect(badPolicyId.status).toBe(400);

    const def = `/api/2/things/${thingId}/definition`;
    expect((await (await s.request(def)).json()).error).toBe('things:definition.notfound');
    expect((await s.request(def, { method: 'PUT', json: 'org.egiz:lamp:1.0.0' })).status).toBe(201);
    expect(await (await s.request(def)).json()).toBe('org.egiz:lamp:1.0.0');
    expect(
      (await s.request(def, { method: 'PUT', json: 'https://models.example/lamp.tm.jsonld' })).status,
    ).toBe(204);
    const bad = await s.request(def, { method: 'PUT', json: 'just words' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('things:definition.identifier.invalid');
    expect((await s.request(def, { method: 'DELETE' })).status).toBe(204);
  });

  it('sub-resources of a missing thing answer things:thing.notfound', async () => {
    for (const [method, path] of [
      ['GET', '/attributes'],
      ['PUT', '/attributes/a'],
      ['DELETE', '/features/x'],
      ['PATCH', '/attributes'],
    ] as const) {
      const res = await s.request(`/api/2/things/org.egiz.test:never${path}`, {
        method,
        ...(method === 'PUT' ? { json: 1 } : method === 'PATCH' ? { json: { a: 1 } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await res.json()).error).toBe('things:thing.notfound');
    }
  });
});

describe('merge PATCH', () => {
  it('merges at the root (RFC 7396: add, replace, null removes) and emits one revision', async () => {
    const thingId = id();
    await create(thingId);
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: {
        attributes: { location: null, manufacturer: 'Bosch', serial: '23' },
        features: {
          lamp: { properties: { color: { g: 128 } } },
          power: null,
          humidity: { properties: { v: 55 } },
        },
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toBe('"rev:2"');
    const thing = await (await s.request(`/api/2/things/${thingId}`)).json();
    expect(thing.attributes).toEqual({ manufacturer: 'Bosch', tags: ['a', 'b'], serial: '23' });
    expect(thing.features.lamp.properties.color).toEqual({ r: 255, g: 128, b: 0 });
    expect(thing.features.power).toBeUndefined();
    expect(thing.features.humidity).toEqual({ properties: { v: 55 } });
  });

  it('merges at every level', async () => {
    const thingId = id();
    await create(thingId);
    const t = `/api/2/things/${thingId}`;
    const cases: [string, unknown][] = [
      ['/attributes', { added: 1 }],
      ['/attributes/location', { floor: 3 }],
      ['/features', { extra: { properties: { a: 1 } } }],
      ['/features/lamp', { properties: { on: false } }],
      ['/features/lamp/properties', { color: { b: 9 } }],
      ['/features/lamp/properties/color', { r: 1 }],
      ['/features/lamp/desiredProperties', { on: true }],
      ['/features/lamp/desiredProperties/level', 3],
      ['/definition', 'org.egiz:merged:1.0.0'],
      ['/features/lamp/definition', ['org.egiz:lamp:1.0.0']],
    ];
    for (const [path, patch] of cases) {
      const res = await s.request(t + path, { method: 'PATCH', json: patch });
      expect(res.status, path).toBe(204);
    }
    const thing = await (await s.request(t)).json();
    expect(thing.attributes.added).toBe(1);
    expect(thing.attributes.location).toEqual({ floor: 3, room: 'kitchen' });
    expect(thing.features.extra).toEqual({ properties: { a: 1 } });
    expect(thing.features.lamp.properties).toEqual({ on: false, color: { r: 1, g: 0, b: 9 } });
    expect(thing.features.lamp.desiredProperties).toEqual({ on: true, level: 3 });
    expect(thing.definition).toBe('org.egiz:merged:1.0.0');
    expect(thing.features.lamp.definition).toEqual(['org.egiz:lamp:1.0.0']);
  });

  it("removes keys matching Ditto's {{ ~regex~ }}: null before applying the rest", async () => {
    const thingId = id();
    await create(thingId, { attributes: { '2022-01': 1, '2022-02': 2, '2023-01': 3 } });
    const res = await s.request(`/api/2/things/${thingId}/attributes`, {
      method: 'PATCH',
      json: { '{{ ~2022-.*~ }}': null, '2023-02': 4 },
    });
    expect(res.status).toBe(204);
    expect(await (await s.request(`/api/2/things/${thingId}/attributes`)).json()).toEqual({
      '2023-01': 3,
      '2023-02': 4,
    });
  });

  it('PATCH on a missing thing creates it (with a default policy)', async () => {
    const thingId = id();
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { attributes: { a: 1, gone: null } },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ thingId, policyId: thingId, attributes: { a: 1 } });
  });

  it('needs application/merge-patch+json, and refuses a patch that would make the thing invalid', async () => {
    const thingId = id();
    await create(thingId);
    const wrongType = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      body: JSON.stringify({ attributes: {} }),
      headers: { 'content-type': 'application/json' },
    });
    expect(wrongType.status).toBe(415);
    expect((await wrongType.json()).error).toBe('gateway:mediatype.unsupported');
    const invalid = await s.request(`/api/2/things/${thingId}`, { method: 'PATCH', json: { attributes: 5 } });
    expect(invalid.status).toBe(400);
    const dropPolicy = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { policyId: null },
    });
    expect(dropPolicy.status).toBe(400);
    expect((await (await s.request(`/api/2/things/${thingId}`)).json()).attributes).toEqual(lamp.attributes);
  });
});

describe('field selection', () => {
  it('selects pointers, groups and feature wildcards, keeping the structure', async () => {
    const thingId = id();
    await create(thingId);
    const get = async (fields: string) =>
      (await s.request(`/api/2/things/${thingId}?fields=${encodeURIComponent(fields)}`)).json();
    expect(await get('attributes/location/room')).toEqual({ attributes: { location: { room: 'kitchen' } } });
    expect(await get('thingId,attributes(manufacturer,tags)')).toEqual({
      thingId,
      attributes: { manufacturer: 'ACME', tags: ['a', 'b'] },
    });
    expect(await get('features/*/properties/on')).toEqual({
      features: { lamp: { properties: { on: true } } },
    });
    expect(await get('features/*/properties(watts,on)')).toEqual({
      features: { lamp: { properties: { on: true } }, power: { properties: { watts: 7.5 } } },
    });
    expect(await get('nothing/here')).toEqual({});
  });

  it('returns the special fields _revision, _created, _modified, _namespace, _policy, _metadata on request', async () => {
    const thingId = id();
    await create(thingId);
    const res = await (
      await s.request(
        `/api/2/things/${thingId}?fields=thingId,_revision,_created,_modified,_namespace,_policy`,
      )
    ).json();
    expect(res.thingId).toBe(thingId);
    expect(res._revision).toBe(1);
    expect(Date.parse(res._created)).not.toBeNaN();
    expect(res._modified).toBe(res._created);
    expect(res._namespace).toBe('org.egiz.test');
    expect(res._policy.policyId).toBe(thingId);
    const plain = await (await s.request(`/api/2/things/${thingId}`)).json();
    expect(plain._revision).toBeUndefined();
  });

  it('applies to sub-resources and rejects broken selectors with 400', async () => {
    const thingId = id();
    await create(thingId);
    expect(await (await s.request(`/api/2/things/${thingId}/attributes?fields=manufacturer`)).json()).toEqual(
      { manufacturer: 'ACME' },
    );
    const bad = await s.request(`/api/2/things/${thingId}?fields=attributes(a`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toBe('json.fieldselector.invalid');
  });
});

describe('revisions and conditional requests', () => {
  it('If-Match on the revision ETag: match changes, mismatch answers 412 and changes nothing', async () => {
    const thingId = id();
    await create(thingId);
    const ok = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { attributes: { a: 1 } },
      headers: { 'if-match': '"rev:1"' },
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('etag')).toBe('"rev:2"');
    const stale = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: {},
      headers: { 'if-match': '"rev:1"' },
    });
    expect(stale.status).toBe(412);
    expect((await stale.json()).error).toBe('things:precondition.failed');
    expect(await (await s.request(`/api/2/things/${thingId}/attributes/a`)).json()).toBe(1);
    // sub-resources are matched against their content hash, not the revision
    const subTag = (await s.request(`/api/2/things/${thingId}/attributes/a`)).headers.get('etag') as string;
    const wrongKind = await s.request(`/api/2/things/${thingId}/attributes/a`, {
      method: 'PUT',
      json: 2,
      headers: { 'if-match': '"rev:2"' },
    });
    expect(wrongKind.status).toBe(412);
    const right = await s.request(`/api/2/things/${thingId}/attributes/a`, {
      method: 'PUT',
      json: 2,
      headers: { 'if-match': subTag },
    });
    expect(right.status).toBe(204);
  });

  it('If-Match: * needs an existing thing, If-None-Match: * a missing one', async () => {
    const thingId = id();
    const notThere = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: {},
      headers: { 'if-match': '*' },
    });
    expect(notThere.status).toBe(412);
    expect((await s.request(`/api/2/things/${thingId}`)).status).toBe(404);
    const created = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: {},
      headers: { 'if-none-match': '*' },
    });
    expect(created.status).toBe(201);
    const twice = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      json: {},
      headers: { 'if-none-match': '*' },
    });
    expect(twice.status).toBe(412);
  });

  it('GET with a matching If-None-Match answers 304 with the ETag; sub-resources use content hashes', async () => {
    const thingId = id();
    await create(thingId);
    const first = await s.request(`/api/2/things/${thingId}/attributes`);
    const etag = first.headers.get('etag') as string;
    expect(etag).toMatch(/^"hash:/);
    const cached = await s.request(`/api/2/things/${thingId}/attributes`, {
      headers: { 'if-none-match': etag },
    });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    await s.request(`/api/2/things/${thingId}/attributes/new`, { method: 'PUT', json: true });
    const changed = await s.request(`/api/2/things/${thingId}/attributes`, {
      headers: { 'if-none-match': etag },
    });
    expect(changed.status).toBe(200);
    // the hash of an unchanged sibling resource stays the same
    const features1 = (await s.request(`/api/2/things/${thingId}/features`)).headers.get('etag');
    await s.request(`/api/2/things/${thingId}/attributes/other`, { method: 'PUT', json: 1 });
    expect((await s.request(`/api/2/things/${thingId}/features`)).headers.get('etag')).toBe(features1);
  });

  it('if-equal: skip answers 412 for an unchanged value and does not bump the revision', async () => {
    const thingId = id();
    await create(thingId);
    const same = await s.request(`/api/2/things/${thingId}/attributes/manufacturer`, {
      method: 'PUT',
      json: 'ACME',
      headers: { 'if-equal': 'skip' },
    });
    expect(same.status).toBe(412);
    const rev = (await s.request(`/api/2/things/${thingId}`)).headers.get('etag');
    expect(rev).toBe('"rev:1"');
    const update = await s.request(`/api/2/things/${thingId}/attributes/manufacturer`, {
      method: 'PUT',
      json: 'ACME',
    });
    expect(update.status).toBe(204);
    const bad = await s.request(`/api/2/things/${thingId}/attributes/manufacturer`, {
      method: 'PUT',
      json: 'ACME',
      headers: { 'if-equal': 'sometimes' },
    });
    expect(bad.status).toBe(400);
  });

  it('if-equal: skip-minimizing-merge keeps only the changed part of a merge', async () => {
    const thingId = id();
    await create(thingId);
    const unchanged = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { attributes: { manufacturer: 'ACME' } },
      headers: { 'if-equal': 'skip-minimizing-merge' },
    });
    expect(unchanged.status).toBe(412);
    const partly = await s.request(`/api/2/things/${thingId}`, {
      method: 'PATCH',
      json: { attributes: { manufacturer: 'ACME', serial: 'X' } },
      headers: { 'if-equal': 'skip-minimizing-merge' },
    });
    expect(partly.status).toBe(204);
    const journal = await s.egiz.store.journal('thing', thingId);
    const last = journal[journal.length - 1]?.payload as { value: unknown };
    expect(last.value).toEqual({ attributes: { serial: 'X' } });
  });

  it('condition=<rql> as parameter or header: 412 things:condition.failed when false, applied when true', async () => {
    const thingId = id();
    await create(thingId);
    const t = `/api/2/things/${thingId}/features/lamp/properties/on`;
    const no = await s.request(
      `${t}?condition=${encodeURIComponent('eq(attributes/manufacturer,"Other")')}`,
      { method: 'PUT', json: false },
    );
    expect(no.status).toBe(412);
    expect((await no.json()).error).toBe('things:condition.failed');
    const yes = await s.request(t, {
      method: 'PUT',
      json: false,
      headers: { condition: 'and(eq(attributes/location/floor,2),exists(features/lamp))' },
    });
    expect(yes.status).toBe(204);
    expect(await (await s.request(t)).json()).toBe(false);
    const read = await s.request(`${t}?condition=${encodeURIComponent('gt(_revision,5)')}`);
    expect(read.status).toBe(412);
    const invalid = await s.request(`${t}?condition=${encodeURIComponent('eq(attributes/a')}`);
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error).toBe('things:condition.invalid');
  });
});

describe('metadata', () => {
  it('put-metadata (absolute and */key), get-metadata header, fields=_metadata, delete-metadata', async () => {
    const thingId = id();
    await create(thingId);
    const f = `/api/2/things/${thingId}/features/lamp/properties/color`;
    const put = await s.request(f, {
      method: 'PUT',
      json: { r: 1, g: 2, b: 3 },
      headers: {
        'put-metadata': JSON.stringify([
          { key: '*/unit', value: 'rgb' },
          { key: 'description', value: 'the colour' },
        ]),
      },
    });
    expect(put.status).toBe(204);
    const md = await (await s.request(`/api/2/things/${thingId}?fields=_metadata`)).json();
    expect(md._metadata.features.lamp.properties.color).toEqual({
      r: { unit: 'rgb' },
      g: { unit: 'rgb' },
      b: { unit: 'rgb' },
      description: 'the colour',
    });
    const got = await s.request(`/api/2/things/${thingId}`, {
      headers: { 'get-metadata': 'features/lamp/properties/color/r' },
    });
    expect(JSON.parse(got.headers.get('ditto-metadata') as string)).toEqual({
      features: { lamp: { properties: { color: { r: { unit: 'rgb' } } } } },
    });
    const del = await s.request(`${f}/r`, { method: 'PUT', json: 5, headers: { 'delete-metadata': 'unit' } });
    expect(del.status).toBe(204);
    const md2 = await (await s.request(`/api/2/things/${thingId}?fields=_metadata`)).json();
    expect(md2._metadata.features.lamp.properties.color.r).toEqual({});
    const both = await s.request(`${f}/r`, {
      method: 'PUT',
      json: 5,
      headers: { 'delete-metadata': 'unit', 'put-metadata': '[]' },
    });
    expect(both.status).toBe(400);
    const broken = await s.request(`${f}/r`, {
      method: 'PUT',
      json: 5,
      headers: { 'put-metadata': '{not json' },
    });
    expect(broken.status).toBe(400);
  });
});

describe('history', () => {
  it('GET with at-historical-revision / at-historical-timestamp returns the thing as it was', async () => {
    const thingId = id();
    await create(thingId, { attributes: { v: 1 } });
    const t1 = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    await s.request(`/api/2/things/${thingId}/attributes/v`, { method: 'PUT', json: 2 });
    await s.request(`/api/2/things/${thingId}`, { method: 'PATCH', json: { attributes: { w: 3 } } });
    const r1 = await s.request(`/api/2/things/${thingId}?at-historical-revision=1`);
    expect(r1.status).toBe(200);
    expect((await r1.json()).attributes).toEqual({ v: 1 });
    const r2 = await s.request(`/api/2/things/${thingId}/attributes`, {
      headers: { 'at-historical-revision': '2' },
    });
    expect(await r2.json()).toEqual({ v: 2 });
    const byTime = await s.request(
      `/api/2/things/${thingId}/attributes?at-historical-timestamp=${encodeURIComponent(t1)}`,
    );
    expect(await byTime.json()).toEqual({ v: 1 });
    const future = await s.request(`/api/2/things/${thingId}?at-historical-revision=99`);
    expect(future.status).toBe(404);
    expect((await future.json()).error).toBe('things:history.notfound');
    const bad = await s.request(`/api/2/things/${thingId}?at-historical-revision=abc`);
    expect(bad.status).toBe(400);
  });

  it('journals each change as its Ditto event with revision and timestamp', async () => {
    const thingId = id();
    await create(thingId);
    await s.request(`/api/2/things/${thingId}/attributes/manufacturer`, { method: 'PUT', json: 'X' });
    await s.request(`/api/2/things/${thingId}/attributes/new`, { method: 'PUT', json: 1 });
    await s.request(`/api/2/things/${thingId}/features/lamp/properties/on`, { method: 'PUT', json: false });
    await s.request(`/api/2/things/${thingId}`, { method: 'PATCH', json: { attributes: { m: 1 } } });
    await s.request(`/api/2/things/${thingId}/features/power`, { method: 'DELETE' });
    await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    const journal = await s.egiz.store.journal('thing', thingId);
    expect(journal.map((e) => [e.revision, e.type])).toEqual([
      [1, 'things.events:thingCreated'],
      [2, 'things.events:attributeModified'],
      [3, 'things.events:attributeCreated'],
      [4, 'things.events:featurePropertyModified'],
      [5, 'things.events:thingMerged'],
      [6, 'things.events:featureDeleted'],
      [7, 'things.events:thingDeleted'],
    ]);
    for (const e of journal) expect(Date.parse(e.timestamp)).not.toBeNaN();
  });
});

describe('errors and limits', () => {
  it('invalid thing ids answer 400 things:id.invalid', async () => {
    for (const bad of ['no-namespace', '1ns:x', `ns:${'x'.repeat(260)}`, 'ns:', 'a..b:c']) {
      const res = await s.request(`/api/2/things/${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect((await res.json()).error).toBe('things:id.invalid');
    }
  });

  it('unknown routes answer a JSON 404; wrong methods 405', async () => {
    const res = await s.request('/api/2/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ status: 404, error: 'gateway:resource.notfound' });
    const sub = await s.request('/api/2/things/org.egiz.test:x/unknown');
    expect(sub.status).toBe(404);
    const post = await s.request('/api/2/things/org.egiz.test:x', { method: 'POST', json: {} });
    expect(post.status).toBe(405);
  });

  it('malformed JSON answers 400 json.invalid without a stack trace, and changes nothing', async () => {
    const thingId = id();
    await create(thingId);
    const res = await s.request(`/api/2/things/${thingId}`, {
      method: 'PUT',
      body: '{"attributes": {',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toBe('json.invalid');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.(js|ts):\d+/);
    expect((await (await s.request(`/api/2/things/${thingId}`)).json()).attributes).toEqual(lamp.attributes);
  });

  it('unsupported media types answer 415', async () => {
    const res = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      body: '<xml/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toBe('gateway:mediatype.unsupported');
  });

  it('a thing over 100 kB answers 413 things:thing.toolarge and changes nothing', async () => {
    const thingId = id();
    await create(thingId);
    const big = 'x'.repeat(101 * 1024);
    const res = await s.request(`/api/2/things/${thingId}/attributes/big`, { method: 'PUT', json: big });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('things:thing.toolarge');
    expect((await s.request(`/api/2/things/${thingId}/attributes/big`)).status).toBe(404);
    expect((await s.request(`/api/2/things/${thingId}`)).headers.get('etag')).toBe('"rev:1"');
    const created = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { attributes: { big } },
    });
    expect(created.status).toBe(413);
  });

  it('a body over 1 MB answers 413', async () => {
    const res = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { attributes: { big: 'y'.repeat(1024 * 1024) } },
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe('gateway:request.toolarge');
  });

  it('deeply nested JSON is refused with 400', async () => {
    const deep = '['.repeat(200) + ']'.repeat(200);
    const res = await s.request(`/api/2/things/${id()}/attributes/deep`, {
      method: 'PUT',
      body: deep,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
  });

  it('keys with slashes are refused', async () => {
    const res = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { attributes: { 'a/b': 1 } },
    });
    expect(res.status).toBe(400);
  });

  it('thingId in the body must match the URL', async () => {
    const res = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { thingId: 'org.egiz.test:other' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('things:id.notsettable');
  });

  it('a policyId that does not exist cannot be referenced on create', async () => {
    const res = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { policyId: 'org.egiz.test:no-such-policy' },
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('things:thing.notcreatable');
  });

  it('creating a thing whose implicit policy id is taken is refused', async () => {
    const thingId = id();
    await create(thingId);
    const other = id();
    await create(other, { policyId: thingId });
    await s.request(`/api/2/things/${thingId}`, { method: 'DELETE' });
    const res = await s.request(`/api/2/things/${thingId}`, { method: 'PUT', json: {} });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('things:thing.notcreatable');
  });
});

describe('correlation and response-required', () => {
  it('echoes correlation-id, or generates one', async () => {
    const res = await s.request('/api/2/whoami', { headers: { 'correlation-id': 'my-corr-1' } });
    expect(res.headers.get('correlation-id')).toBe('my-corr-1');
    const gen = await s.request('/api/2/things/org.egiz.test:nope');
    expect(gen.headers.get('correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('response-required=false answers 202 without a body after the write is durable', async () => {
    const thingId = id();
    const res = await s.request(`/api/2/things/${thingId}?response-required=false`, {
      method: 'PUT',
      json: {},
    });
    expect(res.status).toBe(202);
    expect(await res.text()).toBe('');
    expect((await s.request(`/api/2/things/${thingId}`)).status).toBe(200);
  });
});

describe('unstorable strings', () => {
  it('refuses U+0000 and unpaired surrogates with 400 on every store alike', async () => {
    for (const body of [
      '{"attributes":{"a":"x\\u0000y"}}',
      '{"attributes":{"a":"\\ud800"}}',
      '{"attributes":{"\\u0000":1}}',
    ]) {
      const res = await s.request(`/api/2/things/${id()}`, {
        method: 'PUT',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, body).toBe(400);
      expect((await res.json()).error).toBe('json.invalid');
    }
    const ok = await s.request(`/api/2/things/${id()}`, {
      method: 'PUT',
      json: { attributes: { emoji: '😀', umlaut: 'ä' } },
    });
    expect(ok.status).toBe(201);
  });
});

describe('GET /things without ids', () => {
  it('lists the things the caller may read, in id order', async () => {
    const list = await (await s.request('/api/2/things?fields=thingId')).json();
    const ids = list.map((t: { thingId: string }) => t.thingId);
    expect(ids.length).toBeGreaterThan(3);
    expect([...ids].sort()).toEqual(ids);
    const bob = await (await s.request('/api/2/things', { auth: 'bob:bob-pw' })).json();
    expect(bob).toEqual([]);
  });
});

describe('migrateDefinition', () => {
  it('sets the new definition, merges the payload with thing-json placeholders, honours patch conditions', async () => {
    const thingId = id('migrate');
    await create(thingId, {
      attributes: { location: 'Berlin', floor: 3 },
      features: { thermostat: { properties: { t: 20 } } },
    });
    const body = {
      thingDefinitionUrl: 'https://models.example.com/thermostat-2.0.0.tm.jsonld',
      migrationPayload: {
        attributes: {
          site: '{{ thing-json:attributes/location }}',
          level: '{{ thing-json:attributes/floor }}',
          label: 'floor ${ thing-json:attributes/floor }',
        },
        features: { thermostat: { properties: { unit: 'C' } }, humidity: { properties: { v: 0 } } },
      },
      patchConditions: { 'thing:/features/thermostat': 'not(exists(features/thermostat))' },
    };
    const dry = await s.request(`/api/2/things/${thingId}/migrateDefinition?dry-run=true`, {
      method: 'POST',
      json: body,
    });
    expect(dry.status).toBe(202);
    const dryBody = await dry.json();
    expect(dryBody).toEqual({
      thingId,
      mergeStatus: 'DRY_RUN',
      patch: {
        definition: body.thingDefinitionUrl,
        attributes: { site: 'Berlin', level: 3, label: 'floor 3' },
        features: { humidity: { properties: { v: 0 } } },
      },
    });
    expect((await (await s.request(`/api/2/things/${thingId}`)).json()).definition).toBeUndefined();
    const applied = await s.request(`/api/2/things/${thingId}/migrateDefinition`, {
      method: 'POST',
      json: body,
    });
    expect(applied.status).toBe(200);
    expect((await applied.json()).mergeStatus).toBe('APPLIED');
    const thing = await (await s.request(`/api/2/things/${thingId}`)).json();
    expect(thing.definition).toBe(body.thingDefinitionUrl);
    expect(thing.attributes.site).toBe('Berlin');
    expect(thing.features.thermostat.properties).toEqual({ t: 20 });
    expect(thing.features.humidity).toEqual({ properties: { v: 0 } });
  });

  it('refuses missing placeholders, bad urls and unknown things', async () => {
    const thingId = id('migrate');
    await create(thingId);
    const missing = await s.request(`/api/2/things/${thingId}/migrateDefinition`, {
      method: 'POST',
      json: {
        thingDefinitionUrl: 'org.egiz:x:1.0.0',
        migrationPayload: { attributes: { a: '{{ thing-json:attributes/none }}' } },
      },
    });
    expect(missing.status).toBe(400);
    const bad = await s.request(`/api/2/things/${thingId}/migrateDefinition`, {
      method: 'POST',
      json: { thingDefinitionUrl: 'not a url' },
    });
    expect(bad.status).toBe(400);
    const unknown = await s.request(`/api/2/things/org.egiz.test:none/migrateDefinition`, {
      method: 'POST',
      json: { thingDefinitionUrl: 'org.egiz:x:1.0.0' },
    });
    expect(unknown.status).toBe(404);
  });
});
